#!/usr/bin/env bash
# The Java client's suite: compile the SDK, its tests and the spec's §11.2.2 example with the real JDK, then
# run them (unit tests always; live tests against MEDICAL_INSURANCE_API_URL, set by clients/harness.py).
# Prints "N passed, N failed"; exits 77 when javac/java or the Gson jar is missing.
set -euo pipefail
cd "$(dirname "$0")"

GSON_JAR="${GSON_JAR:-/usr/share/java/gson.jar}"
if ! command -v javac >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
    echo "javac/java not found: install a JDK 11+ (apt-get install -y default-jdk-headless)"
    exit 77
fi
if [ ! -f "$GSON_JAR" ]; then
    echo "Gson not found at $GSON_JAR: apt-get install -y libgoogle-gson-java (or set GSON_JAR)"
    exit 77
fi

BUILD="$(mktemp -d "${TMPDIR:-/tmp}/mi-java-XXXXXX")"
trap 'rm -rf "$BUILD"' EXIT

echo "javac $(javac -version 2>&1 | awk '{print $2}'), gson $GSON_JAR"
find src/main/java src/test/java -name '*.java' > "$BUILD/sources.txt"
echo examples/CompleteExample.java >> "$BUILD/sources.txt"
javac -encoding UTF-8 --release 11 -Xlint:all -Xlint:-serial -Xlint:-options -Werror \
    -d "$BUILD/classes" -cp "$GSON_JAR" "@$BUILD/sources.txt"

java -cp "$BUILD/classes:$GSON_JAR" cn.medicalinsurance.sdk.TestRunner com.example.medical.insurance.CompleteExample
