#!/usr/bin/env bash
# The PHP client's suite: lint every file with the real php, then PHPUnit: unit tests always; live tests and
# the complete example against MEDICAL_INSURANCE_API_URL (set by clients/harness.py).
# Prints "N passed, N failed"; exits 77 when php, ext-curl or phpunit is missing.
set -euo pipefail
cd "$(dirname "$0")"

PHPUNIT="${PHPUNIT:-phpunit}"
if ! command -v php >/dev/null 2>&1; then
    echo "php not found: apt-get install -y php-cli php-curl php-mbstring php-bcmath phpunit"
    exit 77
fi
if ! php -r 'exit(extension_loaded("curl") && extension_loaded("json") ? 0 : 1);'; then
    echo "ext-curl/ext-json missing: apt-get install -y php-curl"
    exit 77
fi
if ! command -v "$PHPUNIT" >/dev/null 2>&1; then
    echo "phpunit not found: apt-get install -y phpunit (or set PHPUNIT)"
    exit 77
fi

echo "$(php -r 'echo "php ", PHP_VERSION, ", bcmath ", extension_loaded("bcmath") ? "yes" : "no";'), $("$PHPUNIT" --version | head -1)"
failed_lint=0
while IFS= read -r -d '' file; do
    php -l "$file" >/dev/null || failed_lint=$((failed_lint + 1))
done < <(find src tests examples -name '*.php' -print0)

REPORT="$(mktemp "${TMPDIR:-/tmp}/mi-php-XXXXXX.xml")"
trap 'rm -f "$REPORT"' EXIT
status=0
"$PHPUNIT" --bootstrap tests/bootstrap.php --colors=never --do-not-cache-result --log-junit "$REPORT" tests || status=$?

# the closing line from the JUnit report: a skipped live test (no gateway) counts as neither
php -r '
$x = simplexml_load_file($argv[1]);
$s = $x === false ? null : $x->testsuite;
$tests = (int) ($s["tests"] ?? 0); $bad = (int) ($s["failures"] ?? 0) + (int) ($s["errors"] ?? 0);
$skipped = count($x === false ? [] : $x->xpath("//testcase[skipped]"));
$skipped = min($skipped, $tests - $bad);
$lint = (int) $argv[2];
printf("%d passed, %d failed%s\n", $tests - $bad - $skipped, $bad + $lint, $skipped ? ", $skipped skipped" : "");
' "$REPORT" "$failed_lint"
if [ "$failed_lint" -ne 0 ]; then
    exit 1
fi
exit "$status"
