#!/bin/bash
# factd replay reads web archives: its own kind of records (one gzip member
# each), a plain .warc, and what wget --warc-file writes from a site on
# loopback.  Responses become pages named by their URI; chunked transfer
# coding and gzip content coding are undone; the HTTP charset is used;
# non-2xx responses and other record types are passed over; damage in an
# archive is named with its byte offset in the file and passed over.
set -u
factd=$1
tmp=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
no() { echo "FAIL: $*"; fail=$((fail + 1)); }

python3 - "$tmp" <<'PY'
import gzip, sys
d = sys.argv[1]
def record(typ, uri, block, ctype="application/http;msgtype=response"):
    head = (f"WARC/1.1\r\nWARC-Type: {typ}\r\nWARC-Target-URI: {uri}\r\n"
            f"WARC-Date: 2025-01-02T03:04:05Z\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(block)}\r\n\r\n").encode()
    return head + block + b"\r\n\r\n"
def http(status, headers, body):
    h = "".join(f"{k}: {v}\r\n" for k, v in headers)
    return f"HTTP/1.1 {status}\r\n{h}\r\n".encode() + body
page = "<html><head><title>区政府报告</title></head><body><p>统筹利用朱镕基题词的3000亩土地资源。</p></body></html>"
gz = gzip.compress(page.encode("gbk"))
chunked = b"".join(b"%x\r\n" % len(gz[i:i + 50]) + gz[i:i + 50] + b"\r\n" for i in range(0, len(gz), 50)) + b"0\r\n\r\n"
recs = [
    record("warcinfo", "", b"software: test\r\n", "application/warc-fields"),
    record("request", "http://gov.example/a.html", b"GET /a.html HTTP/1.1\r\n\r\n", "application/http;msgtype=request"),
    record("response", "http://gov.example/a.html", http("200 OK", [("Content-Type", "text/html; charset=gbk"),
            ("Transfer-Encoding", "chunked"), ("Content-Encoding", "gzip")], chunked)),
    record("response", "http://gov.example/missing.html", http("404 Not Found", [("Content-Type", "text/html")], b"<p>30%</p>")),
    record("revisit", "http://gov.example/a.html", b"", "application/http;msgtype=response"),
    record("response", "<http://gov.example/b.txt>", http("200 OK", [("Content-Type", "text/plain; charset=utf-8")],
            "覆盖率达到100%。".encode())),
    record("response", "http://gov.example/a.html", http("200 OK", [("Content-Type", "text/html; charset=utf-8")],
            page.replace("3000亩", "3500亩").encode())),
]
with open(f"{d}/own.warc.gz", "wb") as f:
    for r in recs:
        f.write(gzip.compress(r))
with open(f"{d}/plain.warc", "wb") as f:
    f.write(b"".join(recs))
with open(f"{d}/bad.warc", "wb") as f:
    f.write(recs[0] + b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 9999\r\n\r\nshort")
# A response whose gzip body was cut short (a wget archive of a broken
# transfer), beside a whole one: the crawl would refuse it, so replay does.
cut = gzip.compress(page.replace("3000亩", "4000亩").encode("gbk"))
with open(f"{d}/cutgz.warc", "wb") as f:
    f.write(record("response", "http://gov.example/cut.html", http("200 OK", [
        ("Content-Type", "text/html; charset=gbk"), ("Content-Encoding", "gzip")], cut[:len(cut) // 2])))
    f.write(record("response", "http://gov.example/whole.html", http("200 OK", [
        ("Content-Type", "text/html; charset=gbk"), ("Content-Encoding", "gzip")], cut)))
PY

"$factd" replay --db "$tmp/a.db" "$tmp/own.warc.gz" >"$tmp/out" 2>"$tmp/err" && ok || no "own archive: exit $?: $(cat "$tmp/err")"
grep -q "documents: 2 new, 1 changed" "$tmp/out" && ok || no "own archive summary: $(cat "$tmp/out")"
grep -q "1 responses passed over" "$tmp/err" && ok || no "the 404 is passed over: $(cat "$tmp/err")"
q() { sqlite3 "$tmp/$1" "$2"; }
[ "$(q a.db "SELECT group_concat(uri, ' ') FROM (SELECT uri FROM documents ORDER BY uri)")" = \
    "http://gov.example/a.html http://gov.example/b.txt" ] && ok || no "documents by URI"
[ "$(q a.db "SELECT value FROM current_facts WHERE uri LIKE '%a.html'")" = "3500.0" ] && ok ||
    no "the latest version of a.html"
[ "$(q a.db "SELECT count(*) FROM versions v JOIN documents d ON d.id = v.document_id WHERE d.uri LIKE '%a.html'")" = 2 ] &&
    ok || no "two versions of a.html"
[ "$(q a.db "SELECT count(*) FROM facts WHERE sentence LIKE '%朱镕基%3000亩%'")" = 1 ] && ok ||
    no "the GBK page (chunked, gzip, charset from HTTP) decoded with 镕"
[ "$(q a.db "SELECT charset FROM versions ORDER BY id LIMIT 1")" = GB18030 ] && ok || no "charset from the HTTP header"
"$factd" replay --db "$tmp/b.db" "$tmp/plain.warc" >"$tmp/out" 2>/dev/null && ok || no "plain archive"
[ "$(q b.db "SELECT count(*) FROM facts")" = "$(q a.db "SELECT count(*) FROM facts")" ] && ok || no "plain = gzip"
"$factd" replay --db "$tmp/c.db" "$tmp/bad.warc" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && ok || no "a damaged archive: exit 1"
grep -q "bad.warc: byte [0-9]*: record cut short" "$tmp/err" && ok || no "damaged: $(cat "$tmp/err")"
"$factd" replay --db "$tmp/g.db" "$tmp/cutgz.warc" >"$tmp/out" 2>"$tmp/err"
[ "$(q g.db "SELECT group_concat(uri) FROM documents")" = "http://gov.example/whole.html" ] && ok ||
    no "a gzip body cut short is passed over, the whole one stored: $(q g.db "SELECT uri FROM documents")"
grep -q "1 responses passed over" "$tmp/err" && ok || no "the cut one is counted: $(cat "$tmp/err")"

# Damage is passed over, not given up at.  An archive of many one-record gzip
# members (as factd and wget write them) with 40 bytes flipped in one member
# in the middle: every other record is stored, the bad member is named by
# its offset in the file as it is on disk (where `dd skip=` finds it), and it
# counts as one failure.  A last record cut short by a crash is named the
# same way.  A plain archive with a stretch that is not a record goes on at
# the next record.
python3 - "$tmp" <<'PY'
import gzip, os, sys
d = sys.argv[1]
def record(i):
    body = ("<html><body><p>第%d页：新建绿地%d平方米。</p>%s</body></html>"
            % (i, 1000 + i, "<p>统计公报</p>" * 8)).encode()
    block = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
             b"Content-Length: %d\r\n\r\n" % len(body)) + body
    head = ("WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: http://gov.example/p%04d.html\r\n"
            "Content-Type: application/http;msgtype=response\r\n"
            "Content-Length: %d\r\n\r\n" % (i, len(block))).encode()
    return head + block + b"\r\n\r\n"
n = 300
members = [gzip.compress(record(i), mtime=0) for i in range(n)]
offs = [0]
for m in members:
    offs.append(offs[-1] + len(m))
data = bytearray(b"".join(members))
bad = n // 2
mid = (offs[bad] + offs[bad + 1]) // 2 - 20
assert offs[bad + 1] - offs[bad] > 100
for j in range(40):
    data[mid + j] ^= 0x55
with open(f"{d}/many.warc.gz", "wb") as f:
    f.write(data)
with open(f"{d}/many.offsets", "w") as f:
    f.write("%d %d %d\n" % (offs[bad], offs[bad + 1], offs[n - 1]))
# The same, whole, with the last member cut in half.
whole = b"".join(members)
with open(f"{d}/torn.warc.gz", "wb") as f:
    f.write(whole[:offs[n - 1] + len(members[-1]) // 2])
# Plain, with lines that are not a record before record 7.
plain = [record(i) for i in range(10)]
at = sum(len(r) for r in plain[:7])
with open(f"{d}/junk.warc", "wb") as f:
    f.write(b"".join(plain[:7]) + b"garbage\r\nContent-Length: 5\r\n\r\nmore\r\n" + b"".join(plain[7:]))
with open(f"{d}/junk.offset", "w") as f:
    f.write("%d %d\n" % (at, at + len(b"garbage\r\nContent-Length: 5\r\n\r\nmore\r\n")))
PY
read -r badoff nextoff lastoff <"$tmp/many.offsets"
"$factd" replay --db "$tmp/m.db" "$tmp/many.warc.gz" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && ok || no "a damaged member: exit 1"
grep -q "documents: 299 new, 0 changed, 0 unchanged, 0 re-extracted, 1 failed" "$tmp/out" && ok ||
    no "a damaged member: every other record stored: $(cat "$tmp/out") $(head -c 600 "$tmp/err")"
grep -q "many.warc.gz: byte $badoff: a damaged gzip member (.*); skipped to the next gzip member, at byte $nextoff\$" "$tmp/err" &&
    ok || no "a damaged member named by its offset in the file ($badoff): $(head -c 600 "$tmp/err")"
[ "$(q m.db "SELECT count(*) FROM documents WHERE uri = 'http://gov.example/p0150.html'")" = 0 ] &&
    [ "$(q m.db "SELECT count(*) FROM documents WHERE uri = 'http://gov.example/p0299.html'")" = 1 ] &&
    ok || no "a damaged member: the bad record left out, the last stored"
dd if="$tmp/many.warc.gz" bs=1 skip="$nextoff" count=4096 2>/dev/null | zcat 2>/dev/null | grep -q "p0151.html" &&
    ok || no "the offset told is where dd skip= finds the next member"
"$factd" replay --db "$tmp/t.db" "$tmp/torn.warc.gz" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && ok || no "a torn last record: exit 1"
grep -q "documents: 299 new, .* 1 failed" "$tmp/out" && ok || no "a torn last record: $(cat "$tmp/out")"
grep -q "torn.warc.gz: byte $lastoff: the last gzip member is cut short" "$tmp/err" && ok ||
    no "a torn last record named by its offset ($lastoff): $(cat "$tmp/err")"
read -r junkoff junkend <"$tmp/junk.offset"
"$factd" replay --db "$tmp/j.db" "$tmp/junk.warc" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && ok || no "a plain archive with junk: exit 1"
grep -q "documents: 10 new, .* 1 failed" "$tmp/out" && ok || no "junk: $(cat "$tmp/out") $(cat "$tmp/err")"
grep -q "junk.warc: byte $junkoff: not a WARC record (no WARC/ version line); skipped to the next record, at byte $junkend" \
    "$tmp/err" && ok || no "junk named by its offset: $(cat "$tmp/err")"

# A file factd was writing when it was killed keeps its .open name: replay
# reads it (a directory's too), a cut last record named as damage.
mkdir "$tmp/dir"
cp "$tmp/own.warc.gz" "$tmp/dir/factd-20250102030405-4242-00000.warc.gz.open"
"$factd" replay --db "$tmp/o.db" "$tmp/dir" >"$tmp/out" 2>"$tmp/err" && ok || no "a .open file: exit $?: $(cat "$tmp/err")"
grep -q "documents: 2 new, 1 changed" "$tmp/out" && ok || no "a .open file in a directory is read: $(cat "$tmp/out")"
cp "$tmp/torn.warc.gz" "$tmp/dir/factd-20250102030405-4243-00000.warc.gz.open"
"$factd" replay --db "$tmp/o.db" "$tmp/dir" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && ok || no "a torn .open file: exit 1"
grep -q "4243-00000.warc.gz.open: byte $lastoff: the last gzip member is cut short" "$tmp/err" &&
    grep -q "left open by a factd that stopped" "$tmp/err" && ok || no "a torn .open file: $(cat "$tmp/err")"

# wget's archive of a site on loopback gives the facts of its files.
if command -v wget >/dev/null; then
    mkdir "$tmp/site"
    cp examples/reports/* "$tmp/site/"
    for f in "$tmp"/site/*; do echo "<a href=\"$(basename "$f")\">x</a>"; done >"$tmp/site/index.html"
    port=$((20000 + RANDOM % 20000))
    (cd "$tmp/site" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
    server=$!
    for i in $(seq 50); do wget -q -O /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
    (cd "$tmp" && wget -q -r -l 1 -np -nd -P dl --warc-file=site "http://127.0.0.1:$port/")
    [ -s "$tmp/site.warc.gz" ] && ok || no "wget wrote no archive"
    "$factd" replay --db "$tmp/w.db" "$tmp/site.warc.gz" >/dev/null 2>"$tmp/err" && ok ||
        no "wget archive: $(cat "$tmp/err")"
    "$factd" replay --db "$tmp/f.db" "$tmp/site" >/dev/null 2>&1
    facts() { q "$1" "SELECT kind || ' ' || value || ' ' || text FROM facts ORDER BY 1"; }
    [ -n "$(facts w.db)" ] && [ "$(facts w.db)" = "$(facts f.db)" ] && ok ||
        no "wget archive facts differ from the files': $(diff <(facts w.db) <(facts f.db) | head -5)"
    [ "$(q w.db "SELECT count(*) FROM documents WHERE uri LIKE 'http://127.0.0.1:$port/%'")" -ge 3 ] &&
        ok || no "wget archive: documents named by URL"
else
    echo "SKIP: wget is not installed (tools/install-deps installs it)"
fi
echo "warc: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
