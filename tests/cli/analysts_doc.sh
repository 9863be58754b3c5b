#!/bin/bash
# Every ```sql block of docs/analysts.md runs as written in the sqlite3 shell
# against a store of the bundled reports, and the ones that should find
# something do.
set -u
factd=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

"$factd" replay --db "$tmp/facts.db" examples/reports tests/data/corpus >/dev/null || {
    echo "analysts_doc: 0 passed, 1 failed (replay failed)"; exit 1; }

python3 - "$tmp" <<'PY' || exit 1
import re, sys
doc = open("docs/analysts.md", encoding="utf-8").read()
blocks = re.findall(r"```sql\n(.*?)```", doc, re.S)
if len(blocks) < 12:
    sys.exit(f"docs/analysts.md has {len(blocks)} sql blocks, want at least 12")
for i, b in enumerate(blocks):
    open(f"{sys.argv[1]}/q{i:02d}.sql", "w", encoding="utf-8").write(b)
PY

for q in "$tmp"/q*.sql; do
    if (cd "$tmp" && sqlite3 -bail -readonly facts.db <"$q" >"$q.out" 2>"$q.err") && [ ! -s "$q.err" ]; then
        pass=$((pass + 1))
    else
        echo "FAIL: $(basename "$q"):"; cat "$q"; cat "$q.err"; fail=$((fail + 1))
    fi
done
# Spot checks of what the queries find.
check() {
    if grep -q -- "$2" "$tmp/$1.out" 2>/dev/null || grep -q -- "$2" "$tmp/$1" 2>/dev/null; then
        pass=$((pass + 1))
    else
        echo "FAIL: $1 does not show $2"; fail=$((fail + 1))
    fi
}
check q05.sql.out '590.0|5.9平方公里|'
check q03.sql.out '41平方米'
check q11.sql.out '|2|'
check facts.csv 'kind,value'
check facts.json '"kind":'
echo "analysts_doc: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
