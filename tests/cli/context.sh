#!/bin/bash
# What factd extract says of each figure beyond its value (issue 13): the
# document's doc_year from its title and the section headings' year and
# stance, subject and direction, in the JSON and in --explain.
set -u
factd=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
no() { echo "FAIL: $*"; fail=$((fail + 1)); }
has() { grep -qF -- "$2" "$1" && ok || no "$3: no '$2' in: $(cat "$1")"; }

cat >"$tmp/report.txt" <<'TXT'
2021年政府工作报告

一、2020年工作回顾

全区新增绿地100亩,同比下降1.3%。

二、2021年工作安排

今年,我区将新增绿地100亩。继续实施20项民心工程。到2025年,建成区绿化覆盖率达到40%。
TXT
"$factd" extract "$tmp/report.txt" >"$tmp/json" 2>"$tmp/err" || no "extract: $(cat "$tmp/err")"
python3 - "$tmp/json" >"$tmp/rows" <<'PY' || no "the JSON lines do not parse"
import json, sys
for line in open(sys.argv[1]):
    f = json.loads(line)
    print(f["text"], f["subject"], f["direction"], f["year"], f["stance"], f["doc_year"])
PY
has "$tmp/rows" "100亩 绿地 None 2020 reported 2021" "a review heading: its year, reported"
has "$tmp/rows" "1.3% None down 2020 reported 2021" "同比下降: down, no subject in its clause"
has "$tmp/rows" "100亩 绿地 None 2021 target 2021" "今年 under the plan heading: the title's year"
has "$tmp/rows" "40% 建成区绿化覆盖率 None 2025 target 2021" "建成区 is no result cue"
has "$tmp/rows" "20项民心工程 民心工程 None 2021 target 2021" "a plan's instruction, the year carried"
n=$(wc -l <"$tmp/rows")
[ "$n" = 5 ] && ok || no "5 facts, got $n"

"$factd" extract --explain "$tmp/report.txt" >"$tmp/explain" 2>&1 || no "explain exit status"
has "$tmp/explain" "document: published none; doc_year 2021 (from the title)" "explain: doc_year"
has "$tmp/explain" 'subject: "建成区绿化覆盖率" (noun phrase before the verb' "explain: subject rule"
has "$tmp/explain" "direction down; year 2020; stance reported" "explain: direction, year, stance"

echo "context: $pass passed, $fail failed"
[ "$fail" = 0 ]
