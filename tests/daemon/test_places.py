"""factd run and the analyst's store (issue 14): a source's region,
region_code and level are written to the store's sources table on each run
and on a reload, and every current fact carries them; each stored version
has the SHA-256 of the page's bytes and the WARC file and record that hold
it, and that record is in the archive.

usage: test_places.py FACTD
"""
import glob
import gzip
import hashlib
import os
import signal
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
import daemonlib as D  # noqa: E402

PAGE = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>绿化工作</title></head>'
        '<body><p>今年,我区将新增绿地100亩。</p></body></html>\n')


def conf_for(site, tmp, conf, region, level):
    return D.write_conf(conf, tmp, [("hq", {
        "start_url": site.base + "/news/index.html", "link_pattern": r"/news/a\.html$",
        "interval": "1d", "year": "2024", "region": region, "region_code": "120106",
        "level": level})])


def main():
    with D.session("test_places", make=False) as (factd, chk, tmp, site):
        d = os.path.join(site.root, "news")
        os.makedirs(d)
        with open(os.path.join(d, "a.html"), "w", encoding="utf-8") as f:
            f.write(PAGE)
        with open(os.path.join(d, "index.html"), "w", encoding="utf-8") as f:
            f.write('<html><head><meta charset="utf-8"></head><body><a href="a.html">a</a>'
                    '</body></html>\n')
        conf = os.path.join(tmp, "places.conf")
        db = conf_for(site, tmp, conf, "天津市红桥区", "district")
        rc, out, err = D.run_once(factd, conf, timeout=120)
        chk.eq(rc, 0, "the pass completes (stderr: %s)" % err[-2000:])
        chk.eq(D.query(db, "SELECT name, region, region_code, level FROM sources"),
               [("hq", "天津市红桥区", "120106", "district")], "the source's place is stored")
        chk.eq(D.query(db, "SELECT text, source, region, region_code, level FROM current_facts"),
               [("100亩", "hq", "天津市红桥区", "120106", "district")],
               "the current fact carries its place")

        rows = D.query(db, "SELECT v.sha256, v.warc_file, v.warc_record_id FROM versions v "
                           "JOIN documents d ON d.id = v.document_id WHERE d.uri LIKE '%/a.html'")
        chk.eq(len(rows), 1, "one version of the article")
        if rows:
            sha, wfile, rid = rows[0]
            chk.eq(sha, hashlib.sha256(PAGE.encode("utf-8")).hexdigest(),
                   "the version's sha256 is that of the page's bytes")
            path = os.path.join(tmp, "archive", wfile or "-")
            chk.check(wfile and os.path.exists(path), "the WARC file is in the archive",
                      sorted(glob.glob(os.path.join(tmp, "archive", "*"))))
            if wfile and os.path.exists(path):
                with gzip.open(path, "rb") as f:
                    data = f.read()
                at = data.find(("WARC-Record-ID: %s" % rid).encode())
                chk.check(rid and at >= 0, "the record id is in that file", rid)
                head = data[data.rfind(b"WARC/1.1", 0, at):at]
                chk.check(b"WARC-Type: response" in head, "the record is the response", head)

        # A changed key is followed on the next run...
        conf_for(site, tmp, conf, "红桥区", "county")
        rc, out, err = D.run_once(factd, conf, timeout=120)
        chk.eq(rc, 0, "the second pass completes")
        chk.eq(D.query(db, "SELECT region, level FROM sources"), [("红桥区", "county")],
               "a changed region and level are followed by the next run")
        chk.check("source hq: region 红桥区, region_code 120106, level county" in err,
                  "the change is logged", err[-2000:])

        # ... and on a reload.
        p = D.start_daemon(factd, conf)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not D.query(
                    db, "SELECT 1 FROM frontier WHERE last_fetched IS NOT NULL"):
                time.sleep(0.2)
            time.sleep(1)
            conf_for(site, tmp, conf, "天津市红桥区", "district")
            p.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 30
            got = None
            while time.monotonic() < deadline:
                got = D.query(db, "SELECT region, level FROM sources")
                if got == [("天津市红桥区", "district")]:
                    break
                time.sleep(0.2)
            chk.eq(got, [("天津市红桥区", "district")], "a reload writes the new place")
        finally:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(30)
            except Exception:
                p.kill()


if __name__ == "__main__":
    main()
