"""factd run against the faults of issue 11 that its other tests missed:
redirects that leave the source's hosts and ports, host names that resolve
to loopback, a gzip body cut short with a Content-Length that matches, a
failing page among unchanged ones, a store locked past its busy timeout, a
page that would take the worker for hours, a second signal while the worker
is busy, and many large pages at once (memory bounded in bytes).

usage: test_reliability.py FACTD [PART...]
"""
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
import daemonlib as D  # noqa: E402

DOCS = re.compile(r"documents: (\d+) new, (\d+) changed, (\d+) unchanged, (\d+) failed")


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def list_page(hrefs):
    lis = "\n".join('<li><a href="%s">%s</a></li>' % (h, i) for i, h in enumerate(hrefs))
    return ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>列表</title></head>'
            '<body><ul>\n%s\n</ul></body></html>\n' % lis)


def article(title, sentence):
    return ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>%s</title></head>'
            '<body><h1>%s</h1><p>%s</p></body></html>\n' % (title, title, sentence))


def warnings(err):
    return [l for l in err.splitlines() if "warning:" in l or "error:" in l]


def redirects(factd, chk, tmp, site):
    """Issue 11.1: a redirect is checked hop by hop against the source's
    hosts and ports; a host name that resolves to loopback is refused."""
    inner_root = os.path.join(tmp, "inner")
    write(os.path.join(inner_root, "secret.html"), article("内部页面", "内部绿地99万平方米。"))
    inner = D.Site(inner_root, tmp)
    try:
        other = "http://127.0.0.1:%d/secret.html" % inner.port
        targets = {
            "otherport": other,
            "localhost": "http://localhost:%d/fault/good1.html" % site.port,
            "v6": "http://[::1]:%d/fault/good1.html" % site.port,
            "samesite": "/fault/good2.html",
        }
        hrefs = ["/fault/redirect?to=" + urllib.parse.quote(t, safe="") + "&n=" + n
                 for n, t in targets.items()]
        write(os.path.join(site.root, "r", "index.html"), list_page(hrefs))
        write(os.path.join(site.root, "h", "index.html"),
              list_page(["/fault/good1.html"]))
        conf = os.path.join(tmp, "r.conf")
        db = D.write_conf(conf, tmp, [
            ("redir", {"start_url": site.base + "/r/index.html",
                       "link_pattern": r"/fault/redirect\?to=", "interval": "1d"}),
            # A host name, allowed, that resolves to 127.0.0.1: not followed.
            ("byname", {"start_url": "http://localhost:%d/h/index.html" % site.port,
                        "link_pattern": r"/fault/good1\.html$", "interval": "1d"}),
        ], timeout=5, connect_timeout=2)
        rc, out, err = D.run_once(factd, conf, timeout=120)
        chk.eq(rc, 0, "redirects: the pass completes (stderr: %s)" % err[-2000:])
        uris = [u for (u,) in D.query(db, "SELECT uri FROM documents")]
        chk.check(not any(":%d/" % inner.port in u for u in uris),
                  "redirects: nothing stored from the other port", uris)
        chk.check(not any("localhost" in u or "[::1]" in u for u in uris),
                  "redirects: nothing stored under localhost or [::1]", uris)
        chk.eq(D.facts_of(db, "%secret%"), set(), "redirects: the internal page's fact is not stored")
        chk.eq([r for r in inner.requests() if r[0] == "GET"], [],
               "redirects: the internal server was never asked for a page")
        good2 = {(k, v) for (_, k, v, *_) in D.facts_of(db, "%/fault/good2.html")}
        chk.check(("mu", 3000.0) in good2, "redirects: a redirect within the site is followed",
                  good2)
        w = warnings(err)
        for n in ("otherport", "localhost", "v6"):
            mine = [l for l in w if "n=" + n in l]
            chk.check(len(mine) == 1 and "offsite_redirect" in mine[0],
                      "redirects: %s refused as offsite_redirect, once" % n, mine)
        mine = [l for l in w if "localhost:%d/h/index.html" % site.port in l]
        chk.check(len(mine) == 1 and "private_address" in mine[0],
                  "redirects: a host name that resolves to loopback is refused", mine)
        st = D.query(db, "SELECT state FROM frontier WHERE url LIKE '%n=otherport'")
        chk.eq(st, [("failed",)], "redirects: the refused page is failed in the frontier")
    finally:
        inner.stop()


def truncated_gzip(factd, chk, tmp, site):
    """Issue 11.3: a gzip body cut short is a failed transfer; one that does
    not decode is a bad reply."""
    write(os.path.join(site.root, "t", "index.html"),
          list_page(["/fault/truncgzip.html", "/fault/badgzip.html"]))
    conf = os.path.join(tmp, "t.conf")
    db = D.write_conf(conf, tmp, [("t", {"start_url": site.base + "/t/index.html",
                                         "link_pattern": r"/fault/(trunc|bad)gzip\.html$",
                                         "interval": "1d"})],
                      db=os.path.join(tmp, "t.db"), archive_dir=os.path.join(tmp, "t-archive"))
    rc, out, err = D.run_once(factd, conf, timeout=120)
    chk.eq(rc, 0, "truncated gzip: the pass completes")
    chk.eq(D.query(db, "SELECT count(*) FROM documents WHERE uri LIKE '%truncgzip%'"), [(0,)],
           "truncated gzip: nothing stored")
    mine = [l for l in warnings(err) if "truncgzip" in l]
    chk.check(len(mine) == 1 and "cut short" in mine[0], "truncated gzip: one warning, cut short",
              mine)
    st = D.query(db, "SELECT state FROM frontier WHERE url LIKE '%truncgzip%'")
    chk.eq(st, [("failed",)], "truncated gzip: failed in the frontier, to be fetched again")
    gets = [r for r in site.requests() if "truncgzip" in r[1]]
    chk.check(len(gets) > 1, "truncated gzip: retried", gets)
    mine = [l for l in warnings(err) if "badgzip" in l]
    chk.check(len(mine) == 1 and "bad_reply" in mine[0] and "does not decode" in mine[0],
              "corrupt gzip: one warning, bad_reply, does not decode", mine)
    chk.eq(D.query(db, "SELECT count(*) FROM documents WHERE uri LIKE '%badgzip%'"), [(0,)],
           "corrupt gzip: nothing stored")


def unchanged_group(factd, chk, tmp, site):
    """Issue 11.4: a page that fails (not a page) does not take the
    unchanged pages of its group with it."""
    base = os.path.join(site.root, "u")
    names = ["a%d.html" % i for i in range(3)]
    for i, n in enumerate(names):
        write(os.path.join(base, n), article("文章%d" % i, "新增绿地%d亩。" % (100 + i)))
    write(os.path.join(base, "z.pdf"), b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 64)
    write(os.path.join(base, "index.html"), list_page(names + ["z.pdf"]))
    # No validators at all, as many government servers send.
    hdrs = {"/u/" + n: {"ETag": None, "Last-Modified": None} for n in names + ["z.pdf"]}
    hdrs["/u/index.html"] = {"ETag": None, "Last-Modified": None}
    write(os.path.join(site.root, ".headers.json"), __import__("json").dumps(hdrs))
    conf = os.path.join(tmp, "u.conf")
    D.write_conf(conf, tmp, [("u", {"start_url": site.base + "/u/index.html",
                                    "link_pattern": r"/u/[a-z0-9]+\.(html|pdf)$",
                                    "interval": "1s"})],
                 db=os.path.join(tmp, "u.db"), archive_dir=os.path.join(tmp, "u-archive"),
                 max_connections=1, max_host_connections=1)
    rc, out, err = D.run_once(factd, conf, timeout=120)
    chk.eq(rc, 0, "unchanged group: first pass")
    m = DOCS.search(out)
    chk.check(m and m.groups() == ("3", "0", "0", "1"), "unchanged group: first pass 3 new, 1 failed",
              out)
    time.sleep(1.5)  # everything is due again
    mark = site.mark()
    rc, out, err = D.run_once(factd, conf, timeout=120)
    chk.eq(rc, 0, "unchanged group: second pass")
    m = DOCS.search(out)
    chk.check(m and m.groups() == ("0", "0", "3", "1"),
              "unchanged group: second pass 3 unchanged, 1 failed", out + err[-2000:])
    again = [r[1] for r in site.requests()[mark:] if r[1].startswith("/u/a")]
    chk.eq(sorted(again), sorted("/u/" + n for n in names),
           "unchanged group: each unchanged page fetched once in the second pass")
    os.unlink(os.path.join(site.root, ".headers.json"))


def hold_lock(db, seconds, ready):
    """An analyst's write transaction on db, held for seconds."""
    c = sqlite3.connect(db, isolation_level=None, timeout=30)
    c.execute("BEGIN IMMEDIATE")
    ready.set()
    time.sleep(seconds)
    c.execute("COMMIT")
    c.close()


def run_locked(factd, conf, db, seconds):
    """factd run --once with the store's write lock taken, by another
    connection, as soon as factd has started (its start-up writes), and held
    for seconds.  The start URL answers after a second, so the lock is
    taken before the first page is.  Returns (status, stdout, stderr)."""
    p = subprocess.Popen([factd, "run", "-c", conf, "--once"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    lines = []
    holder = None
    for line in p.stderr:
        lines.append(line)
        if holder is None and "URLs known" in line:
            ready = threading.Event()
            holder = threading.Thread(target=hold_lock, args=(db, seconds, ready))
            holder.start()
            ready.wait()
    out = p.stdout.read()
    p.wait(timeout=300)
    if holder is not None:
        holder.join()
    p.stdout.close()
    p.stderr.close()
    return p.returncode, out, "".join(lines)


def locked_store(factd, chk, tmp, site):
    """Issue 11.2: a store locked past busy_timeout loses no page: the list
    page whose links could not be written is read again, and a page that
    is never stored makes --once exit 1."""
    D.make_site(site.root, "--count", "60", "--per-page", "20")
    want = sum(1 for _, _, files in os.walk(os.path.join(site.root, "zwgk"))
               for f in files if re.match(r"t\d{8}_\d+\.html$", f))
    src = {"start_url": site.base + "/fault/redirect?delay=1&to=/zwgk/index.html",
           "link_pattern": r"/zwgk/\d{6}/t\d{8}_\d+\.html$",
           "next_pattern": r"/zwgk/index_\d+\.html$", "interval": "1d"}
    conf = os.path.join(tmp, "l.conf")
    db = D.write_conf(conf, tmp, [("l", src)], db=os.path.join(tmp, "l.db"),
                      archive_dir=os.path.join(tmp, "l-archive"), busy_timeout=1)
    rc, out, err = run_locked(factd, conf, db, 2.6)
    chk.eq(rc, 0, "locked store: the pass completes (stderr: %s)" % err[-2000:])
    got = D.query(db, "SELECT count(*) FROM documents")[0][0]
    chk.eq(got, want, "locked store: every article stored")
    chk.check(any("database is locked" in l and "read again" in l for l in warnings(err)),
              "locked store: the log says the list page is read again",
              "\n".join(warnings(err)[:10]))
    # Locked all along: nothing can be stored, and --once says so.
    conf = os.path.join(tmp, "l2.conf")
    db = D.write_conf(conf, tmp, [("l", src)], db=os.path.join(tmp, "l2.db"),
                      archive_dir=os.path.join(tmp, "l2-archive"), busy_timeout=0.3)
    rc, out, err = run_locked(factd, conf, db, 20)
    chk.eq(rc, 1, "locked store all along: --once exits 1")
    chk.check(any("could not be stored" in l for l in err.splitlines()),
              "locked store all along: the log says pages could not be stored", err[-2000:])


SLOW_PAT = """pattern slow
kind    percent
unit    % 1
near    慢
regex   (?<num>\\d+) (?: (?: 慢 | 慢慢 )+ )+ %
"""


def slow_page(factd, chk, tmp, site):
    """Issue 11.7: a page whose every sentence makes a pattern give up at
    its match limit is cut off after the page budget and stored with what
    was found; the pages fetched with it are stored; a second SIGTERM
    stops the daemon at once while the worker is in such a page."""
    pats = os.path.join(tmp, "slowpats")
    os.makedirs(pats)
    for f in os.listdir("patterns"):
        with open(os.path.join("patterns", f), "rb") as i:
            write(os.path.join(pats, f), i.read())
    write(os.path.join(pats, "slow.pat"), SLOW_PAT)
    base = os.path.join(site.root, "s")
    # PCRE2 looks for the % first: with one after the run of 慢, every
    # sentence backtracks to the match limit.
    sentences = "".join("<p>第%d项：1%s，%%。</p>\n" % (i, "慢" * 28) for i in range(3000))
    write(os.path.join(base, "slow.html"),
          '<html><head><meta charset="utf-8"><title>慢</title></head><body>'
          '<p>开头绿地面积增加12.5%。</p>\n' + sentences + "</body></html>\n")
    names = ["g%02d.html" % i for i in range(20)]
    for i, n in enumerate(names):
        write(os.path.join(base, n), article("文章%d" % i, "新增绿地%d亩。" % (200 + i)))
    write(os.path.join(base, "index.html"), list_page(["slow.html"] + names))
    src = {"start_url": site.base + "/s/index.html", "link_pattern": r"/s/[a-z0-9]+\.html$",
           "interval": "1d"}
    conf = os.path.join(tmp, "s.conf")
    db = D.write_conf(conf, tmp, [("s", src)], db=os.path.join(tmp, "s.db"),
                      archive_dir=os.path.join(tmp, "s-archive"), patterns_dir=pats,
                      max_connections=1, max_host_connections=1)
    env = dict(os.environ, FACTD_NO_JIT="1")
    t0 = time.monotonic()
    try:
        rc, out, err = D.run_once(factd, conf, timeout=120, env=env)
    except subprocess.TimeoutExpired:
        rc, out, err = -1, "", "timed out"
    took = time.monotonic() - t0
    chk.eq(rc, 0, "slow page: the pass completes (in %.0f s)" % took)
    chk.eq(D.query(db, "SELECT count(*) FROM documents"), [(21,)],
           "slow page: it and the 20 pages after it are stored")
    got = {(k, v) for (_, k, v, *_) in D.facts_of(db, "%/s/slow.html")}
    chk.check(("percent", 12.5) in got, "slow page: stored with the facts found before the cut",
              got)
    mine = [l for l in warnings(err) if "/s/slow.html" in l and "stopped after" in l]
    chk.eq(len(mine), 1, "slow page: one warning says where extraction stopped")

    def stopped(name, signals):
        """Start the daemon on its own store, give it 3 s to be in the slow
        page, send signals SIGTERMs half a second apart: (status, seconds
        from the last signal to the exit, stderr, store)."""
        conf = os.path.join(tmp, name + ".conf")
        db = D.write_conf(conf, tmp, [("s", src)], db=os.path.join(tmp, name + ".db"),
                          archive_dir=os.path.join(tmp, name + "-archive"), patterns_dir=pats,
                          max_connections=1, max_host_connections=1)
        p = D.start_daemon(factd, conf, env=env)
        time.sleep(3)
        for k in range(signals):
            if k:
                time.sleep(0.5)
            p.send_signal(signal.SIGTERM)
        t0 = time.monotonic()
        try:
            rc = p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = p.wait()
        took = time.monotonic() - t0
        err = p.stderr.read()
        p.stdout.close()
        p.stderr.close()
        return rc, took, err, db

    # Stopped twice while the worker is in the slow page: at once.
    rc, took, err, db = stopped("s2", 2)
    chk.check(took < 3, "slow page: a second SIGTERM stops the daemon at once (%.1f s)" % took,
              err[-2000:])
    chk.eq(D.integrity(db), "ok", "slow page: the store is whole")
    # Stopped once: on its own, within the unit's TimeoutStopSec (20 s), status 0.
    rc, took, err, db = stopped("s3", 1)
    chk.check(rc == 0 and took < 15,
              "slow page: one SIGTERM stops the daemon in %.1f s (status %d), under the unit's "
              "20 s" % (took, rc), err[-2000:])
    chk.eq(D.integrity(db), "ok", "slow page: the store is whole (one signal)")


def big_pages(factd, chk, tmp, site):
    """Issue 11.8: many large pages at once: the bodies in hand are bounded
    in bytes, not in pages."""
    n = 24
    write(os.path.join(site.root, "b", "index.html"),
          list_page(["/fault/big-%d.html" % i for i in range(n)]))
    conf = os.path.join(tmp, "b.conf")
    db = D.write_conf(conf, tmp, [("b", {"start_url": site.base + "/b/index.html",
                                         "link_pattern": r"/fault/big-\d+\.html$",
                                         "interval": "1d"})],
                      db=os.path.join(tmp, "b.db"), archive_dir=os.path.join(tmp, "b-archive"),
                      max_connections=8, max_host_connections=8, timeout=300)
    env = dict(os.environ)
    # ASan keeps freed memory in quarantine: none, so RSS is what is live.
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=0").lstrip(":")
    with open(os.path.join(tmp, "b.out"), "w+") as fo, open(os.path.join(tmp, "b.err"), "w+") as fe:
        p = subprocess.Popen([factd, "run", "-c", conf, "--once"], stdout=fo, stderr=fe, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        out, err = fo.read(), fe.read()
    peak = ru.ru_maxrss * 1024
    chk.eq(p.returncode, 0, "big pages: the pass completes (stderr: %s)" % err[-1500:])
    chk.eq(D.query(db, "SELECT count(*) FROM documents"), [(n,)], "big pages: all stored")
    lag = re.search(r"the loop waited at most ([\d.]+) ms", out)
    print("big pages: %d pages of 15 MB, peak RSS %.0f MB, loop lag %s ms" %
          (n, peak / 1e6, lag.group(1) if lag else "?"), flush=True)
    # 8 transfers and a 2 x 16 MiB budget: without the bound, the backlog of
    # 2 x 8 + 16 pages is 480 MB of bodies.
    chk.check(peak < 300e6, "big pages: peak RSS under 300 MB (%.0f MB)" % (peak / 1e6))


def main():
    with D.session("test_reliability", make=False) as (factd, chk, tmp, site):
        parts = [redirects, truncated_gzip, unchanged_group, locked_store, slow_page, big_pages]
        only = sys.argv[2:]  # names of parts, to run only those
        for part in parts:
            if not only or part.__name__ in only:
                part(factd, chk, tmp, site)


if __name__ == "__main__":
    main()
