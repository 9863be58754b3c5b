#!/bin/bash
# factd replay reads web archives: its own kind of records (one gzip member
# each), a plain .warc, and what wget --warc-file writes from a site on
# loopback.  Responses become pages named by their URI; chunked transfer
# coding and gzip content coding are undone; the HTTP charset is used;
# non-2xx responses and other record types are passed over; a damaged
# archive is named with the byte offset of the bad record.
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
