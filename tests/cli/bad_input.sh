#!/bin/bash
# Bad input gets a clear message naming the file (and byte offset or line and
# column where there is one), a documented exit status, and never a crash.
# Under the ASan build a crash or leak also fails the command's exit status.
set -u
factd=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

# expect NAME STATUS REGEX -- ARGS...: run factd ARGS, check exit status and stderr.
expect() {
    local name=$1 status=$2 re=$3
    shift 4
    "$factd" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    local seen=1
    if [ -z "$re" ]; then
        [ -s "$tmp/err" ] && seen=0 # no message wanted
    elif ! grep -Eq -- "$re" "$tmp/err"; then
        seen=0
    fi
    if [ "$rc" -ne "$status" ] || [ "$seen" -eq 0 ]; then
        echo "FAIL: $name: exit $rc (want $status), stderr:"; head -5 "$tmp/err"
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
}

: >"$tmp/empty.txt"
head -c 65536 /dev/urandom >"$tmp/junk.bin"
printf '新增3000亩\xff\xfe\xc3(土地,覆盖率100%%。\n' >"$tmp/invalid.txt"
printf '<html><body><p>新增3000亩土地</p><p>覆盖率达到10' >"$tmp/truncated.html"
printf '<html><head><meta charset="klingon-8"></head><body><p>新增3000亩</p></body></html>' \
    >"$tmp/unknown.html"
mkdir "$tmp/badpat"
printf 'pattern p\nkind mu\nunit 亩 1\nregex (?<num>\\d+{UNIT}\n' >"$tmp/badpat/a.pat"

expect "empty file" 0 '' -- extract "$tmp/empty.txt"
[ -s "$tmp/out" ] && { echo "FAIL: empty file gave facts"; fail=$((fail + 1)); }
expect "binary junk" 1 "junk.bin: byte [0-9]*: binary data, not a page" -- extract "$tmp/junk.bin"
expect "invalid UTF-8" 0 "invalid.txt: byte 13: 3 invalid UTF-8 sequences replaced" -- extract "$tmp/invalid.txt"
grep -q '"value":3000' "$tmp/out" && grep -q '"value":100' "$tmp/out" ||
    { echo "FAIL: invalid UTF-8 lost the good facts"; fail=$((fail + 1)); }
expect "truncated HTML" 0 '' -- extract "$tmp/truncated.html"
grep -q '"value":3000' "$tmp/out" || { echo "FAIL: truncated HTML lost text"; fail=$((fail + 1)); }
expect "unknown charset label" 0 "unknown.html: .*klingon-8" -- extract "$tmp/unknown.html"
grep -q '"value":3000' "$tmp/out" || { echo "FAIL: unknown label lost text"; fail=$((fail + 1)); }
expect "missing file" 1 "nope.txt: cannot open: No such file or directory" -- extract "$tmp/nope.txt" "$tmp/invalid.txt"
grep -q '"value":3000' "$tmp/out" || { echo "FAIL: missing file stopped the rest"; fail=$((fail + 1)); }
expect "bad regex" 2 "badpat/a.pat:4:23: missing closing parenthesis" -- extract --patterns "$tmp/badpat" "$tmp/invalid.txt"
expect "missing pattern dir" 2 "nodir: cannot read pattern directory" -- extract --patterns "$tmp/nodir" "$tmp/invalid.txt"
expect "no input" 2 "no input" -- extract
expect "bad option" 2 "usage" -- extract --frobnicate x
expect "unknown command" 2 "unknown command 'frob'" -- frob
expect "replay, bad --group" 2 "--group wants a number of pages, not '0'" -- replay --db "$tmp/g.db" --group 0 "$tmp/invalid.txt"
expect "replay, bad --busy-timeout" 2 "--busy-timeout wants milliseconds, not 'soon'" -- replay --db "$tmp/g.db" --busy-timeout soon "$tmp/invalid.txt"
expect "replay, empty --busy-timeout" 2 "--busy-timeout wants milliseconds, not ''" -- replay --db "$tmp/g.db" --busy-timeout "" "$tmp/invalid.txt"
[ ! -e "$tmp/g.db" ] || { echo "FAIL: a refused replay created its store"; fail=$((fail + 1)); }

# A 50 MB page: refused over the limit with the sizes named, read under a raised one.
python3 -c '
import sys
line = "<p>推动40余个重大项目加快建设,新增3000亩土地,覆盖率达到100%。</p>\n"
with open(sys.argv[1], "w") as f:
    f.write("<html><body>")
    while f.tell() < 50 * 1024 * 1024:
        f.write(line * 1000)
    f.write("</body></html>")' "$tmp/big.html"
expect "50 MB page, default limit" 1 "big.html: file of [0-9]+ bytes is larger than the limit of 33554432 bytes" -- extract "$tmp/big.html"
expect "50 MB page, raised limit" 0 '' -- extract --max-bytes 60000000 "$tmp/big.html"
n=$(wc -l <"$tmp/out")
[ "$n" -gt 1000000 ] || { echo "FAIL: 50 MB page gave $n facts"; fail=$((fail + 1)); }

echo "bad_input: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
