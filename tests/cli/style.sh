#!/bin/bash
# Style: every C file as clang-format (.clang-format) leaves it, and none of
# the functions curl's checksrc bans too: sprintf, strcpy, strcat, atoi.
set -u
fail=0
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find extractors daemon tests bench -name '*.[ch]')
cf=$(command -v clang-format || command -v clang-format-14)
if [ -z "$cf" ]; then
    echo "style: clang-format not found (tools/install-deps installs it)"; exit 1
fi
if ! "$cf" --dry-run -Werror $files 2>"${TMPDIR:-/tmp}/style.$$"; then
    head -40 "${TMPDIR:-/tmp}/style.$$"
    echo "style: run clang-format -i on the files above"
    fail=1
fi
rm -f "${TMPDIR:-/tmp}/style.$$"
if grep -nE '\b(sprintf|strcpy|strcat|atoi)[[:space:]]*\(' $files; then
    echo "style: banned function (use snprintf, memcpy with a length, strtol)"
    fail=1
fi
[ $fail -eq 0 ] && echo "style: 1 passed, 0 failed" || echo "style: 0 passed, 1 failed"
exit $fail
