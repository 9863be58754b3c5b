"""factd run against every fault the fixture server can throw: slow
responses past the timeout, connection resets, 500 then 200, 429 and 503
with Retry-After, a redirect loop, redirects to file:// and ftp://, a body
over the size cap, a gzip bomb, a wrong Content-Length, a wrong charset
label, binary junk, 410 and 404.  The pass completes with status 0; each
fault is logged once with its URL; no partial page is stored; the good pages
are stored.

usage: test_faults.py FACTD
"""
import os
import re
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
import daemonlib as D  # noqa: E402

# Pages that must end up stored, with a value each must give.
GOOD = {"good1.html": ("area", 157000.0), "good2.html": ("mu", 3000.0),
        "flaky.html": ("percent", 6.1), "busy.html": ("project", 12.0),
        "unavailable.html": ("mu", 520.0), "wrongcharset.html": ("area", 25000.0),
        "chunked.html": ("project", 30.0)}
# Pages that must not be stored, and a word of the one warning each gets.
BAD = {"slow.html": "timeout", "reset.html": "network", "loop.html": "redirect",
       "file.html": "refused", "ftp.html": "refused", "big.html": "max_page_bytes",
       "bomb.html": "max_page_bytes", "badlength.html": "network", "gone.html": "410",
       "missing.html": "404"}


def main():
    with D.session("test_faults", make=False) as (factd, chk, tmp, site):
        root = site.root
        conf = os.path.join(tmp, "f.conf")
        db = D.write_conf(conf, tmp, [("faults", {
            "start_url": site.base + "/fault/index.html",
            "link_pattern": r"/fault/(?!index)[a-z0-9]+\.html$", "interval": "1d"})],
            timeout=2, connect_timeout=2, max_page_bytes=1048576, log_level="info")
        rc, out, err = D.run_once(factd, conf, timeout=240)
        chk.eq(rc, 0, "the pass completes (stderr: %s)" % err[-3000:])
        stored = {u.rsplit("/", 1)[1] for (u,) in D.query(db, "SELECT uri FROM documents")}
        for page, (kind, value) in GOOD.items():
            got = {(k, v) for (_, k, v, *_) in D.facts_of(db, "%/fault/" + page)}
            chk.check((kind, value) in got, "%s: stored with its %s %g" % (page, kind, value), got)
        for page in BAD:
            chk.check(page not in stored, "%s: nothing stored" % page)
        warnings = [l for l in err.splitlines() if "warning:" in l or "error:" in l]
        for page, word in BAD.items():
            mine = [l for l in warnings if "/fault/" + page + ":" in l]
            chk.check(len(mine) == 1 and word in mine[0].lower(),
                      "%s: one warning naming it, saying %s" % (page, word), mine)
        for page in GOOD:
            mine = [l for l in warnings if "/fault/" + page in l and "passed over" not in l]
            chk.eq(mine, [], "%s: no warning for a page that came in the end" % page)
        junk = [l for l in err.splitlines() if "/fault/junk.html" in l]
        chk.check(any("invalid" in l or "not" in l for l in junk), "junk.html: named in the log",
                  junk)
        chk.eq(D.facts_of(db, "%/fault/junk.html"), set(), "junk.html: no facts from junk")
        # Retry-After: waited at least as long as asked.
        for page, secs in (("busy.html", 1.0), ("unavailable.html", 2.0)):
            m = re.search(re.escape(page) + r": HTTP \d+; attempt 1 of \d+, next in ([\d.]+) s", err)
            chk.check(m and float(m.group(1)) >= secs, "%s: Retry-After %g honoured" % (page, secs),
                      m.group(0) if m else err[-2000:])
        gets = [p for (meth, p, s) in site.requests() if meth == "GET"]
        chk.eq(gets.count("/fault/gone.html"), 1, "410: not retried")
        chk.eq(gets.count("/fault/missing.html"), 1, "404: not retried")
        # curl itself tries a reset keep-alive connection once more on a new
        # one, so the server may see up to two requests per attempt.
        chk.check(re.search(r"reset\.html: network: .*gave up after 4 attempts", err) and
                  4 <= gets.count("/fault/reset.html") <= 8, "reset: retried, 4 attempts",
                  gets.count("/fault/reset.html"))
        chk.eq(gets.count("/fault/flaky.html"), 2, "500 then 200: two requests")
        chk.eq(D.query(db, "SELECT state, status FROM frontier WHERE url LIKE '%gone.html'"),
               [("gone", 410)], "410: recorded as gone")
        chk.eq(D.query(db, "SELECT state FROM frontier WHERE url LIKE '%slow.html'"),
               [("failed",)], "slow: recorded as failed")
        chk.eq(D.integrity(db), "ok", "integrity_check")
        # A page the worker could not store keeps no validators: the next
        # fetch asks for it in full instead of being told 304 for ever.  A
        # static file, so that the server sends an ETag and answers 304.
        with open(os.path.join(root, "list.html"), "w") as f:
            f.write('<html><body><a href="/junk1.html">x</a></body></html>')
        with open(os.path.join(root, "junk1.html"), "wb") as f:
            f.write(bytes(range(256)) * 64)
        sub = os.path.join(tmp, "again")
        os.makedirs(sub)
        conf2 = os.path.join(sub, "f.conf")
        D.write_conf(conf2, sub, [("junk", {"start_url": site.base + "/list.html",
                                            "link_pattern": r"/junk1\.html$",
                                            "interval": "1s"})])
        mark = site.mark()
        D.run_once(factd, conf2)
        time.sleep(1.2)
        D.run_once(factd, conf2)
        junk = [st for (meth, path, st) in site.requests()[mark:] if path == "/junk1.html"]
        chk.eq(junk, [200, 200], "a page that failed is fetched in full again, not 304")


if __name__ == "__main__":
    main()
