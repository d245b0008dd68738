#!/usr/bin/env bash
# The C# client's suite (clients/harness.py runs it against a fresh gateway): builds the client, its tests and the
# spec's §11.2.3 complete example with Mono's mcs, then runs unit and live tests; the runner prints the closing
# line `N passed, N failed`.  Exit 77 when Mono is missing (Debian: apt-get install -y mono-devel).
set -uo pipefail
cd "$(dirname "$0")"

if ! command -v mcs >/dev/null 2>&1 || ! command -v mono >/dev/null 2>&1; then
    echo "缺少 Mono（mcs/mono）：跳过 C# 客户端测试（Debian: apt-get install -y mono-devel）"
    exit 77
fi

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
REFS=(-r:System.Net.Http.dll)

build() {
    if ! mcs -nologo "$@" >"$OUT/build.log" 2>&1; then
        cat "$OUT/build.log"
        echo "C# build failed: mcs $*"
        echo "0 passed, 1 failed"
        exit 1
    fi
}

mapfile -t SOURCES < <(find src -name '*.cs' | LC_ALL=C sort)
build -target:library -nowarn:1591 "${REFS[@]}" -out:"$OUT/MedicalInsurance.Sdk.dll" "${SOURCES[@]}"
build -target:exe "${REFS[@]}" -r:"$OUT/MedicalInsurance.Sdk.dll" -out:"$OUT/Tests.exe" tests/*.cs
build -target:exe "${REFS[@]}" -r:"$OUT/MedicalInsurance.Sdk.dll" -out:"$OUT/CompleteExample.exe" examples/CompleteExample.cs

export CS_EXAMPLE_EXE="$OUT/CompleteExample.exe"
if [ -n "${MEDICAL_INSURANCE_API_URL:-}" ]; then
    mono "$OUT/Tests.exe" all
else
    echo "MEDICAL_INSURANCE_API_URL 未设置：只跑单元测试（完整套件请用 python clients/harness.py csharp）"
    mono "$OUT/Tests.exe" unit
fi
