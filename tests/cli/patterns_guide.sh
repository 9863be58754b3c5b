#!/bin/bash
# docs/patterns.md's walk-through, run as written: its ```sh blocks between
# the guide:start and guide:end markers, in order, in a scratch directory
# holding a copy of patterns/, with factd on the PATH.  Then what the guide
# says they show is checked.
set -u
factd=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin" "$tmp/work"
ln -s "$factd" "$tmp/bin/factd"
cp -r patterns "$tmp/work/patterns"
python3 - "$tmp/guide.sh" <<'PY' || exit 1
import re, sys
doc = open("docs/patterns.md", encoding="utf-8").read()
part = doc.split("<!-- guide:start -->")[1].split("<!-- guide:end -->")[0]
blocks = re.findall(r"```sh\n(.*?)```", part, re.S)
if len(blocks) < 3:
    sys.exit("the guide has %d sh blocks" % len(blocks))
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("set -e\n")
    for i, b in enumerate(blocks):
        f.write("echo '### block %d'\n%s\n" % (i, b))
PY
(cd "$tmp/work" && PATH="$tmp/bin:$PATH" bash "$tmp/guide.sh") >"$tmp/out" 2>&1
rc=$?
pass=0 fail=0
ok() { pass=$((pass + 1)); }
no() { echo "FAIL: $*"; fail=$((fail + 1)); }
[ $rc -eq 0 ] && ok || no "the guide's commands exit $rc"
for want in 'area 5900000 "5.9平方公里" by pattern area' \
    ' 0 failed' \
    '+ pages/roads.txt: length 23000 "23公里"' \
    '+ pages/roads.txt: length 15000 "1.5万米"' \
    'diff: 3 facts added, 1 removed, 0 changed, on 1 of 1 pages' \
    'length|23000.0|23公里' 'length|15000.0|1.5万米'; do
    grep -qF -- "$want" "$tmp/out" && ok || no "the guide's output lacks: $want"
done
# Before the new pattern, neither length was a fact.
sed -n '/### block 0/,/### block 1/p' "$tmp/out" | grep -q 'length' && no "a length before the pattern" || ok
[ $fail -eq 0 ] || cat "$tmp/out"
echo "patterns_guide: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
