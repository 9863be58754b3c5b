"""factd run against the fixture site on loopback: a full crawl stores the
facts; a second pass fetches nothing new (304s); a changed article adds a
version; a new article on a list page is found; a restart mid-crawl resumes
without fetching again what it stored; the crawl's own archive and a
wget-written one replay to the same facts as the crawl.

usage: test_crawl.py FACTD
"""
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
import daemonlib as D  # noqa: E402

LINK = r"/zwgk/\d{6}/t\d{8}_\d+\.html$"
NEXT = r"/zwgk/index_\d+\.html$"


def source(site, interval="1d"):
    return [("zwgk", {"start_url": site.base + "/zwgk/index.html", "link_pattern": LINK,
                      "next_pattern": NEXT, "interval": interval})]


def articles(root):
    return sorted("/" + os.path.relpath(p, root)
                  for p in glob.glob(os.path.join(root, "zwgk", "*", "t*.html")))


def full_crawl(chk, factd, tmp, site, root):
    conf = os.path.join(tmp, "crawl.conf")
    db = D.write_conf(conf, tmp, source(site, "1s"))
    rc, out, err = D.run_once(factd, conf)
    chk.eq(rc, 0, "full crawl: exit status (stderr: %s)" % err[-2000:])
    arts = articles(root)
    docs = [u for (u,) in D.query(db, "SELECT uri FROM documents ORDER BY uri")]
    chk.eq(docs, sorted(site.base + a for a in arts), "full crawl: every article is a document")
    lists = D.query(db, "SELECT url FROM frontier WHERE kind = 'list' ORDER BY url")
    chk.eq([u for (u,) in lists], [site.base + "/zwgk/index%s.html" % s for s in ("", "_1", "_2")],
           "full crawl: the three list pages, through pagination")
    chk.eq(D.query(db, "SELECT count(*) FROM frontier WHERE url NOT LIKE ? OR url LIKE '%about%'"
                       " OR url LIKE '%#%'", site.base + "/zwgk/%")[0][0], 0,
           "full crawl: no off-site, unmatched or fragment URL in the frontier")
    chk.eq(D.query(db, "SELECT count(*) FROM frontier WHERE state != 'ok'")[0][0], 0,
           "full crawl: every URL ok")
    nfacts = D.query(db, "SELECT count(*) FROM current_facts")[0][0]
    chk.check(nfacts >= 20, "full crawl: facts stored (%d)" % nfacts)
    chk.check(re.search(r"documents: %d new" % len(arts), out), "full crawl: summary", out)
    # The article whose charset only the HTTP header gives is read as GBK.
    hdr = D.query(db, "SELECT charset FROM documents WHERE uri LIKE '%t20240108_2.html'")
    chk.eq(hdr, [("GB18030",)], "full crawl: charset from the Content-Type header")
    gets = [r for r in site.requests() if r[0] == "GET"]
    chk.eq(sorted(p for (_, p, s) in gets if s == 200),
           sorted(arts + ["/zwgk/index.html", "/zwgk/index_1.html", "/zwgk/index_2.html"]),
           "full crawl: each page fetched once")
    chk.eq(D.integrity(db), "ok", "full crawl: integrity_check")
    return conf, db


def second_pass(chk, factd, tmp, site, conf, db):
    time.sleep(1.2)  # interval = 1s: everything is due again
    before = D.facts_of(db)
    m = site.mark()
    rc, out, err = D.run_once(factd, conf)
    chk.eq(rc, 0, "second pass: exit status")
    new = site.requests()[m:]
    chk.check(len(new) >= 15 and all(s == 304 for (_, _, s) in new),
              "second pass: every request answered 304", new)
    chk.check("0 new, 0 changed, 0 unchanged, 0 failed" in out, "second pass: nothing stored", out)
    chk.eq(D.facts_of(db), before, "second pass: the same facts")
    chk.eq(D.query(db, "SELECT count(*) FROM versions")[0][0], len(articles(site.root)),
           "second pass: no new version")


def changed_and_new(chk, factd, tmp, site, root, conf, db):
    art = os.path.join(root, "zwgk", "202401", "t20240105_1.html")
    with open(art, "rb") as f:
        body = f.read()
    # The fixture's first article; change its first number of square metres.
    m = re.search(rb"(\d+(?:\.\d+)?)(\xe4\xb8\x87)?(\xe5\xb9\xb3\xe6\x96\xb9\xe7\xb1\xb3)", body)
    if not chk.check(m is not None, "changed article: the fixture has an area in UTF-8"):
        return
    body = body[:m.start(1)] + b"98765" + body[m.end(1):]
    with open(art, "wb") as f:
        f.write(body)
    # A new article, linked from the first list page.
    newart = os.path.join(root, "zwgk", "202403", "t20240301_99.html")
    os.makedirs(os.path.dirname(newart), exist_ok=True)
    with open(newart, "w", encoding="utf-8") as f:
        f.write("<html><head><meta charset=utf-8><title>新文章</title></head><body>"
                "<p>到2025年，新建保障性住房4321套，改造老旧小区67.8万平方米。</p></body></html>")
    idx = os.path.join(root, "zwgk", "index.html")
    with open(idx, encoding="utf-8") as f:
        page = f.read()
    with open(idx, "w", encoding="utf-8") as f:
        f.write(page.replace('<ul class="list">',
                             '<ul class="list">\n<li><a href="202403/t20240301_99.html">新</a></li>', 1))
    time.sleep(1.2)
    rc, out, err = D.run_once(factd, conf)
    chk.eq(rc, 0, "changed article: exit status")
    uri = site.base + "/zwgk/202401/t20240105_1.html"
    chk.eq(D.query(db, "SELECT count(*) FROM versions v JOIN documents d ON d.id = v.document_id "
                       "WHERE d.uri = ?", uri)[0][0], 2, "changed article: a second version")
    chk.check(any(v == 98765 or v == 98765e4 for (_, _, v, *_) in D.facts_of(db, uri)),
              "changed article: the new figure is current", D.facts_of(db, uri))
    nuri = site.base + "/zwgk/202403/t20240301_99.html"
    chk.eq(sorted((k, v) for (_, k, v, *_) in D.facts_of(db, nuri)),
           [("area", 678000.0)], "new article: found on the list page and stored")
    chk.check("documents: 1 new, 1 changed" in out, "changed and new: summary", out)


def restart(chk, factd, tmp, site, root):
    """Kill a slow crawl part-way, then run again: what the first run stored
    is not fetched again; the rest is."""
    sub = os.path.join(tmp, "restart")
    os.makedirs(sub)
    conf = os.path.join(sub, "f.conf")
    db = D.write_conf(conf, sub, source(site), max_host_connections=1, host_delay=0.4)
    p = D.start_daemon(factd, conf)
    deadline = time.monotonic() + 30
    stored = []
    while time.monotonic() < deadline:
        time.sleep(0.3)
        if os.path.exists(db):
            try:
                stored = D.query(db, "SELECT url FROM frontier WHERE kind = 'article' "
                                     "AND state = 'ok'")
            except Exception:
                stored = []
        if len(stored) >= 3:
            break
    p.send_signal(signal.SIGKILL)
    p.communicate()
    stored = {u for (u,) in D.query(db, "SELECT url FROM frontier WHERE kind = 'article' AND "
                                        "state = 'ok'")}
    total = len(articles(root))
    chk.note("restart: %d of %d stored before the kill" % (len(stored), total))
    chk.check(3 <= len(stored) < total, "restart: killed part-way (%d of %d stored)"
              % (len(stored), total))
    chk.eq(D.integrity(db), "ok", "restart: integrity_check after kill -9")
    m = site.mark()
    rc, out, err = D.run_once(factd, conf)
    chk.eq(rc, 0, "restart: exit status")
    again = {site.base + p for (meth, p, s) in site.requests()[m:] if meth == "GET"}
    chk.eq(again & stored, set(), "restart: nothing stored before the kill is fetched again")
    chk.eq(D.query(db, "SELECT count(*) FROM documents")[0][0], total,
           "restart: every article stored in the end")
    return db


def renamed_source(chk, factd, tmp, site, root, conf, db):
    """The operator renames the source: the URLs it knew carry on under the
    new name, and a changed article is still found."""
    with open(conf, encoding="utf-8") as f:
        text = f.read()
    with open(conf, "w", encoding="utf-8") as f:
        f.write(text.replace("[source zwgk]", "[source zwgk2]"))
    art = os.path.join(root, "zwgk", "202401", "t20240111_3.html")
    with open(art, "rb") as f:
        body = f.read()
    with open(art, "wb") as f:
        added = "<p>新增绿地面积8765平方米。</p></body>"
        f.write(body.replace(b"</body>", added.encode("utf-8" if b"utf-8" in body[:400] else "gbk")))
    time.sleep(1.2)
    rc, out, err = D.run_once(factd, conf)
    chk.eq(rc, 0, "renamed source: exit status")
    uri = site.base + "/zwgk/202401/t20240111_3.html"
    chk.check(any(v == 8765 for (_, k, v, *_) in D.facts_of(db, uri)),
              "renamed source: the changed article is stored", out + err[-1500:])
    chk.eq(D.query(db, "SELECT count(*) FROM frontier WHERE source = 'zwgk'")[0][0], 0,
           "renamed source: every URL fetched again is under the new name")


def archives(chk, factd, tmp, site, db):
    """factd's own archive, and wget's, replay to the crawl's facts."""
    own = os.path.join(tmp, "own.db")
    files = glob.glob(os.path.join(tmp, "archive", "*.warc.gz"))
    chk.check(files and not glob.glob(os.path.join(tmp, "archive", "*.open")),
              "archive: finished .warc.gz files, none left open")
    p = subprocess.run([factd, "replay", "--db", own, os.path.join(tmp, "archive")],
                       capture_output=True, text=True)
    chk.eq(p.returncode, 0, "archive: replay exit status (%s)" % p.stderr[-1000:])
    chk.same_set(D.facts_of(own, "%/t2%"), D.facts_of(db, "%/t2%"),
                 "archive: factd's archive replays to the crawl's current facts")
    if shutil.which("wget") is None:
        chk.skip("wget archive", "wget not installed")
        return
    wdir = os.path.join(tmp, "wget")
    os.makedirs(wdir)
    subprocess.run(["wget", "-q", "-r", "-l", "inf", "-np", "-P", wdir, "--warc-file",
                    os.path.join(wdir, "site"), site.base + "/zwgk/index.html"],
                   capture_output=True, timeout=120)
    wdb = os.path.join(tmp, "wget.db")
    p = subprocess.run([factd, "replay", "--db", wdb, os.path.join(wdir, "site.warc.gz")],
                       capture_output=True, text=True)
    chk.eq(p.returncode, 0, "wget archive: replay exit status (%s)" % p.stderr[-1000:])
    chk.same_set(D.facts_of(wdb, "%/t2%"), D.facts_of(db, "%/t2%"),
                 "wget archive: replays to the crawl's current facts")


def main():
    with D.session("test_crawl") as (factd, chk, tmp, site):
        root = site.root
        r = chk.guard(full_crawl, chk, factd, tmp, site, root)
        if r:
            conf, db = r
            chk.guard(second_pass, chk, factd, tmp, site, conf, db)
            chk.guard(changed_and_new, chk, factd, tmp, site, root, conf, db)
            chk.guard(renamed_source, chk, factd, tmp, site, root, conf, db)
            chk.guard(archives, chk, factd, tmp, site, db)
        chk.guard(restart, chk, factd, tmp, site, root)


if __name__ == "__main__":
    main()
