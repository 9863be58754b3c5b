#!/bin/bash
# factd test-patterns: the shipped set's examples all hold; a failing example
# is reported as FILE:LINE with what was expected and what came out.
set -u
factd=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
no() { echo "FAIL: $*"; fail=$((fail + 1)); }

if "$factd" test-patterns patterns >"$tmp/out" 2>&1; then ok; else no "shipped examples:"; cat "$tmp/out"; fi
grep -q ' 0 failed' "$tmp/out" && ok || no "summary: $(cat "$tmp/out")"

mkdir "$tmp/p"
cp patterns/*.pat "$tmp/p/"
printf '\nexample 新增3000亩土地 => mu 3001\nexample 新增3000亩土地 => none\n' >>"$tmp/p/mu.pat"
line=$(grep -n 'mu 3001' "$tmp/p/mu.pat" | cut -d: -f1)
"$factd" test-patterns "$tmp/p" >"$tmp/out" 2>&1
[ $? -eq 1 ] && ok || no "a failing example must exit 1"
grep -q "mu.pat:$line: 新增3000亩土地: expected mu 3001, got mu 3000" "$tmp/out" && ok ||
    no "failure line: $(cat "$tmp/out")"
grep -q "mu.pat:$((line + 1)): 新增3000亩土地: expected none, got mu 3000" "$tmp/out" && ok ||
    no "failure line for none: $(cat "$tmp/out")"

printf 'pattern broken\nkind mu\nunit 亩 1\nregex (?<num>\\d+{UNIT}\n' >"$tmp/p/zz.pat"
"$factd" test-patterns "$tmp/p" >"$tmp/out" 2>&1
[ $? -eq 2 ] && ok || no "a broken set must exit 2"
grep -q "zz.pat:4:23: missing closing parenthesis" "$tmp/out" && ok || no "broken: $(cat "$tmp/out")"
echo "test_patterns: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
