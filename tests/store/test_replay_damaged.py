#!/usr/bin/env python3
"""factd replay of an archive with one damaged gzip member (issue 11.6).

A .warc.gz of 2,000 one-record members, as factd and wget write them, with
40 bytes flipped in member 1,000: every other page is stored, the bad member
is named by its offset in the file as it lies on disk, the replay counts one
failure and exits 1.  The same archive whole stores all 2,000 pages, and the
store of the damaged one is the whole one's less that page.

usage: python3 tests/store/test_replay_damaged.py build/factd   (from the source root)
"""
import gzip
import os
import re
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import storelib as L  # noqa: E402

N, BAD = 2000, 1000


def record(i):
    body = ("<html><head><meta charset=\"utf-8\"><title>第%d号</title></head><body>"
            "<p>新增绿地%d亩。</p></body></html>" % (i, 100 + i)).encode()
    http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body
    head = ("WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: http://gov.example/%d.html\r\n"
            "WARC-Date: 2025-01-02T03:04:05Z\r\nContent-Type: application/http;msgtype=response"
            "\r\nContent-Length: %d\r\n\r\n" % (i, len(http))).encode()
    return head + http + b"\r\n\r\n"


def main():
    factd = sys.argv[1]
    chk = L.Checker("test_replay_damaged")
    tmp = tempfile.mkdtemp(prefix="factd-damaged-")
    try:
        members = [gzip.compress(record(i), mtime=0) for i in range(N)]
        whole = os.path.join(tmp, "whole.warc.gz")
        with open(whole, "wb") as f:
            f.write(b"".join(members))
        bad_at = sum(len(m) for m in members[:BAD])
        damaged = bytearray(b"".join(members))
        mid = bad_at + len(members[BAD]) // 2
        for k in range(mid - 20, mid + 20):
            damaged[k] ^= 0xA5
        bad = os.path.join(tmp, "damaged.warc.gz")
        with open(bad, "wb") as f:
            f.write(bytes(damaged))

        p = L.run(factd, ["replay", "--db", os.path.join(tmp, "w.db"), whole])
        chk.eq(p.returncode, 0, "the whole archive replays")
        p = L.run(factd, ["replay", "--db", os.path.join(tmp, "d.db"), bad])
        chk.eq(p.returncode, 1, "the damaged archive: exit 1")
        docs = lambda db: {u for (u,) in L.connect(db).execute("SELECT uri FROM documents")}
        w, d = docs(os.path.join(tmp, "w.db")), docs(os.path.join(tmp, "d.db"))
        chk.eq(len(w), N, "the whole archive: every page")
        chk.eq(w - d, {"http://gov.example/%d.html" % BAD},
               "the damaged archive: every page but the damaged member's")
        named = [l for l in p.stderr.splitlines() if "damaged.warc.gz" in l]
        chk.check(any(re.search(r"byte %d\b" % bad_at, l) for l in named),
                  "the bad member named by its offset on disk (%d)" % bad_at, p.stderr[-1500:])
        chk.check("1 failed" in p.stdout or "1 failed" in p.stderr,
                  "one failure counted", p.stdout + p.stderr[-500:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    chk.finish()


if __name__ == "__main__":
    main()
