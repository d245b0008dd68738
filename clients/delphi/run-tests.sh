#!/usr/bin/env bash
# The Delphi client's suite (clients/harness.py runs it against a fresh gateway): compiles the units, the test
# program and the spec's complete example (Delphi port) with Free Pascal in Delphi mode, then runs unit and
# live tests; the test program prints the closing line `N passed, N failed`.
# Exit 77 when Free Pascal is missing (Debian: apt-get install -y fp-compiler fp-units-fcl fp-units-net).
set -uo pipefail
cd "$(dirname "$0")"

if ! command -v fpc >/dev/null 2>&1; then
    echo "缺少 Free Pascal（fpc）：跳过 Delphi 客户端测试（Debian: apt-get install -y fp-compiler fp-units-fcl fp-units-net）"
    exit 77
fi

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

build() {
    # -Mdelphi: Delphi syntax; -Sew would make warnings errors (the generated units have none that matter)
    if ! fpc -Mdelphi -O1 -FE"$OUT" -FU"$OUT" -Fusrc -Fusrc/Generated -Futests "$1" >"$OUT/build.log" 2>&1; then
        grep -E "Error|Fatal" "$OUT/build.log" || cat "$OUT/build.log"
        echo "Delphi build failed: fpc $1"
        echo "0 passed, 1 failed"
        exit 1
    fi
}

build tests/MedicalInsuranceTests.dpr
build examples/CompleteExample.dpr

export DELPHI_EXAMPLE_EXE="$OUT/CompleteExample"
if [ -n "${MEDICAL_INSURANCE_API_URL:-}" ]; then
    "$OUT/MedicalInsuranceTests"
else
    echo "MEDICAL_INSURANCE_API_URL 未设置：只跑单元测试（完整套件请用 python clients/harness.py delphi）"
    "$OUT/MedicalInsuranceTests" unit
fi
