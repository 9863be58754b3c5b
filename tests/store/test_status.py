#!/usr/bin/env python3
"""factd status: what factd run did in a window, read from the store.

Stores are made by `factd run --once` against the fixture server
(tests/fixtures/site.py).  Every figure status prints, as text and as JSON,
is checked against what plain SQL over the store says for the same window
and the same moment; a window that has passed shows nothing fetched but the
same frontier; a changed article is counted as changed, not new; failures
are listed with their URLs; status reads while another connection holds a
write transaction open, and writes nothing itself; the verdict on the
daemon (alive, idle, stopped) follows the store's times; bad command lines,
bad configurations and missing or foreign stores get their exit status.

usage: python3 tests/store/test_status.py build/factd   (from the source root)
"""
import calendar
import glob
import json
import os
import re
import sqlite3
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
import storelib as L  # noqa: E402
import daemonlib as D  # noqa: E402

LINK = r"/zwgk/\d{6}/t\d{8}_\d+\.html$"
NEXT = r"/zwgk/index_\d+\.html$"
# Fault pages that end quickly: two that are stored, two gone, three that
# fail (one after its retries, two at once).
FAULTS = r"/fault/(good1|good2|gone|missing|reset|loop|file)\.html$"
COUNTS = ("fetched", "ok", "not_modified", "gone", "failed", "documents_new",
          "documents_changed", "facts_new")


def narticles(root):
    return len(glob.glob(os.path.join(root, "zwgk", "*", "t*.html")))


def zwgk(site, interval="1d"):
    return ("zwgk", {"start_url": site.base + "/zwgk/index.html", "link_pattern": LINK,
                     "next_pattern": NEXT, "interval": interval})


def faults(site):
    return ("faults", {"start_url": site.base + "/fault/index.html", "link_pattern": FAULTS,
                       "interval": "1d"})


def status(factd, conf, *args):
    return L.run(factd, ["status", "-c", conf] + list(args), timeout=60)


def status_json(chk, factd, conf, what, *args):
    r = status(factd, conf, "--json", *args)
    chk.eq(r.returncode, 0, "%s: exit status (stderr: %s)" % (what, r.stderr[-1000:]))
    try:
        return json.loads(r.stdout)
    except ValueError as e:
        chk.check(False, "%s: --json prints one JSON object (%s)" % (what, e), r.stdout[:2000])
        return None


def unix(t):
    return calendar.timegm(time.strptime(t, "%Y-%m-%dT%H:%M:%SZ"))


def expected(db, since, now):
    """What status must say for the window from since to now, by plain SQL
    over whole tables, classified here rather than in SQL."""
    c = sqlite3.connect(db)
    try:
        q = lambda sql, *a: c.execute(sql, a).fetchall()  # noqa: E731
        zero = dict.fromkeys(COUNTS, 0)
        win, per = dict(zero), {}

        def bump(source, key, n=1):
            win[key] += n
            per.setdefault(source, dict(zero))[key] += n

        for source, state, st in q("SELECT source, state, status FROM frontier "
                                   "WHERE last_fetched >= ?", since):
            bump(source, "fetched")
            if state == "ok":
                bump(source, "not_modified" if st == 304 else "ok")
            elif state == "gone":
                bump(source, "gone")
            elif state in ("retry", "failed"):
                bump(source, "failed")
        for (source,) in q("SELECT source FROM documents WHERE first_seen >= ?", since):
            bump(source, "documents_new")
        # Changed: a document given a version other than its first.
        for (source,) in q("SELECT d.source FROM documents d WHERE EXISTS (SELECT 1 FROM "
                           "versions v WHERE v.document_id = d.id AND v.seen_at >= ? AND "
                           "v.id > (SELECT min(id) FROM versions WHERE document_id = d.id))",
                           since):
            bump(source, "documents_changed")
        new = {i for (i,) in q("SELECT id FROM facts WHERE first_seen >= ?", since)}
        win["facts_new"] = len(new)
        by_src = {}
        for fid, source in q("SELECT s.fact_id, d.source FROM sightings s "
                             "JOIN versions v ON v.id = s.version_id "
                             "JOIN documents d ON d.id = v.document_id"):
            if fid in new:
                by_src.setdefault(source, set()).add(fid)
        for source, ids in by_src.items():
            per.setdefault(source, dict(zero))["facts_new"] = len(ids)
        rows = q("SELECT state, next_fetch, last_fetched FROM frontier")
        states = [s for (s, _, _) in rows]
        live = [nf for (s, nf, _) in rows if s != "gone"]
        front = {"urls": len(rows), "new": states.count("new"), "ok": states.count("ok"),
                 "retry": states.count("retry"), "failed": states.count("failed"),
                 "gone": states.count("gone"), "due": sum(1 for nf in live if nf <= now)}
        fetched = [lf for (_, _, lf) in rows if lf is not None]
        last_fetch = max(fetched) if fetched else None
        seen = [t for (t,) in q("SELECT last_seen FROM documents")]
        last = max(fetched + seen) if fetched + seen else None
        failing = q("SELECT url, state, status, error, last_fetched FROM frontier "
                    "WHERE state IN ('retry', 'failed') ORDER BY last_fetched DESC, url")
        return {"window": win, "sources": per, "frontier": front, "last_fetch": last_fetch,
                "last_activity": last, "failing": failing,
                "next_due": min(live) if live else None}
    finally:
        c.close()


def agrees(chk, got, db, what):
    """The JSON of a status run agrees with SQL over db at its own moment."""
    if got is None:
        return None
    want = expected(db, got["window"]["since"], unix(got["now"]))
    chk.eq(unix(got["now"]) - unix(got["window"]["since"]), got["window"]["seconds"],
           "%s: the window is the last %d s" % (what, got["window"]["seconds"]))
    chk.eq({k: got["window"][k] for k in COUNTS}, want["window"], "%s: window counts" % what)
    srcs = {s["name"]: {k: s[k] for k in COUNTS} for s in got["sources"]}
    for name, counts in want["sources"].items():
        chk.eq(srcs.get(name), counts, "%s: counts of source %s" % (what, name))
    for name, counts in srcs.items():
        if name not in want["sources"]:
            chk.eq(counts, dict.fromkeys(COUNTS, 0),
                   "%s: source %s, with nothing in the window, shows zeros" % (what, name))
    chk.eq({k: got["frontier"][k] for k in want["frontier"]}, want["frontier"],
           "%s: frontier now" % what)
    chk.eq(got["last_fetch"], want["last_fetch"], "%s: last fetch" % what)
    chk.eq(got["last_activity"], want["last_activity"], "%s: last activity" % what)
    if want["last_activity"] is not None:
        chk.eq(got["idle_s"], unix(got["now"]) - unix(want["last_activity"]),
               "%s: seconds since the last activity" % what)
    chk.eq(got["failing"], len(want["failing"]), "%s: URLs failing now" % what)
    chk.eq([(f["url"], f["state"], f["status"], f["error"], f["when"]) for f in got["failures"]],
           [tuple(r) for r in want["failing"][:10]], "%s: the latest failures, latest first" % what)
    return want


def text_agrees(chk, factd, conf, got, what, *args):
    """The text output says what the JSON says (the store is not being
    written, so both runs see the same; only the clock may move)."""
    r = status(factd, conf, *args)
    chk.eq(r.returncode, 0, "%s: text: exit status (stderr: %s)" % (what, r.stderr[-500:]))
    out = r.stdout
    w = got["window"]
    line = "pages:       %d fetched (%d ok, %d not modified, %d gone, %d failed)" % (
        w["fetched"], w["ok"], w["not_modified"], w["gone"], w["failed"])
    chk.check(line in out, "%s: text: %s" % (what, line), out)
    line = "documents:   %d new, %d changed" % (w["documents_new"], w["documents_changed"])
    chk.check(line in out, "%s: text: %s" % (what, line), out)
    chk.check("facts:       %d new" % w["facts_new"] in out, "%s: text: facts new" % what, out)
    for s in got["sources"]:
        m = re.search(r"(?m)^  %s +(\d+) fetched \((\d+) ok, (\d+) not modified, (\d+) gone, "
                      r"(\d+) failed\); documents (\d+) new, (\d+) changed; facts (\d+) new$"
                      % re.escape(s["name"] or "(no source)"), out)
        chk.check(m and tuple(map(int, m.groups())) == tuple(s[k] for k in COUNTS),
                  "%s: text: the line of source %s" % (what, s["name"]), out)
    f = got["frontier"]
    line = "frontier:    %d URLs (%d new, %d ok, %d retry, %d failed, %d gone); " % (
        f["urls"], f["new"], f["ok"], f["retry"], f["failed"], f["gone"])
    # The text is a second invocation after the JSON: with a 1 s interval on
    # a busy machine more URLs may have come due in between, never fewer.
    m = re.search(re.escape(line) + r"(\d+) due now", out)
    chk.check(m and f["due"] <= int(m.group(1)) <= f["urls"],
              "%s: text: %s%d due now (or more, since)" % (what, line, f["due"]), out)
    chk.check("last fetch:  %s" % (got["last_fetch"] or "never") in out,
              "%s: text: last fetch" % what, out)
    for fl in got["failures"]:
        chk.check(re.search(r"(?m)^  %s +%s +%s " % (re.escape(fl["when"]), fl["state"],
                                                     re.escape(fl["url"])), out),
                  "%s: text: failure of %s listed" % (what, fl["url"]), out)
    last = out.rstrip("\n").split("\n")[-1]
    # The same verdict; the seconds in it may have moved on since the JSON.
    shape = lambda line: re.sub(r"\d+", "N", line)  # noqa: E731
    chk.check(shape(last) == shape(got["summary"]),
              "%s: text: the last line is the verdict (%s)" % (what, got["summary"]), last)
    return out


# ---- the parts ----

def crawl(chk, factd, tmp, site, root):
    conf = os.path.join(tmp, "crawl.conf")
    db = D.write_conf(conf, tmp, [zwgk(site, "1s")])

    r = status(factd, conf)
    chk.eq(r.returncode, 1, "before any run: exit status 1")
    chk.check("no store yet at %s: factd run has not stored anything" % db in r.stderr,
              "before any run: says there is no store yet, naming it", r.stderr)
    chk.eq(r.stdout, "", "before any run: nothing on stdout")
    chk.check(not os.path.exists(db), "before any run: status creates no store")

    rc, out, err = D.run_once(factd, conf)
    if not chk.eq(rc, 0, "crawl: exit status (stderr: %s)" % err[-2000:]):
        return None
    narts = narticles(root)
    got = status_json(chk, factd, conf, "after the crawl")
    want = agrees(chk, got, db, "after the crawl")
    if got is None:
        return None
    w = got["window"]
    chk.eq(w["documents_new"], narts, "after the crawl: documents new = the articles (%d)" % narts)
    chk.eq(w["fetched"], narts + 3, "after the crawl: pages fetched = articles + 3 list pages")
    chk.eq((w["ok"], w["failed"], w["gone"], w["documents_changed"]), (narts + 3, 0, 0, 0),
           "after the crawl: all 200, no failure, nothing gone or changed")
    chk.check(w["facts_new"] > 0, "after the crawl: facts new (%d)" % w["facts_new"])
    chk.eq(w["facts_new"], D.query(db, "SELECT count(*) FROM facts")[0][0],
           "after the crawl: facts new = the facts in the store")
    chk.eq([(s["name"], s["configured"]) for s in got["sources"]], [("zwgk", True)],
           "after the crawl: one source line")
    chk.eq((got["failing"], got["failures"]), (0, []), "after the crawl: nothing failing")
    chk.eq(got["verdict"], "alive", "after the crawl: the daemon looks alive")
    chk.check(re.fullmatch(r"alive: last activity \d+ s ago", got["summary"]),
              "after the crawl: summary says the last activity", got["summary"])
    chk.eq(got["store"], db, "after the crawl: the store of the configuration")
    text_agrees(chk, factd, conf, got, "after the crawl")
    return conf, db, got, want


def window_passed(chk, factd, conf, db, before):
    time.sleep(2.2)
    got = status_json(chk, factd, conf, "--since 1s", "--since", "1s")
    if got is None:
        return
    agrees(chk, got, db, "--since 1s")
    chk.eq(got["window"]["seconds"], 1, "--since 1s: a window of 1 s")
    chk.eq({k: got["window"][k] for k in COUNTS}, dict.fromkeys(COUNTS, 0),
           "--since 1s: nothing in the window")
    chk.eq({k: v for k, v in got["frontier"].items() if k not in ("due", "next_due")},
           {k: v for k, v in before["frontier"].items() if k not in ("due", "next_due")},
           "--since 1s: the same frontier totals")
    chk.eq(got["last_fetch"], before["last_fetch"], "--since 1s: the same last fetch")
    # interval = 1s: every URL is due again by now.
    chk.eq(got["frontier"]["due"], got["frontier"]["urls"], "--since 1s: every URL due again")
    text_agrees(chk, factd, conf, got, "--since 1s", "--since", "1s")
    for arg, secs in (("90", 90), ("90s", 90), ("30m", 1800), ("6h", 21600), ("1d", 86400)):
        g = status_json(chk, factd, conf, "--since %s" % arg, "--since", arg)
        if g is not None:
            chk.eq(g["window"]["seconds"], secs, "--since %s is %d s" % (arg, secs))


def changed(chk, factd, conf, db, root):
    """A second pass after one article changed: in a window holding only
    that pass, 1 changed, none new, the others not modified."""
    art = sorted(glob.glob(os.path.join(root, "zwgk", "*", "t*.html")))[0]
    with open(art, "rb") as f:
        body = f.read()
    with open(art, "wb") as f:
        f.write(body.replace(b"</body>", "<p>新建公园12345平方米。</p></body>".encode(
            "gbk" if b"gbk" in body[:400].lower() else "utf-8"), 1))
    # Whole seconds: a window that starts at this pass must not reach back
    # to the first one's last second.
    time.sleep(2)
    t0 = time.time()
    rc, out, err = D.run_once(factd, conf)
    chk.eq(rc, 0, "second pass: exit status (stderr: %s)" % err[-1000:])
    n = int(time.time() - t0) + 2
    got = status_json(chk, factd, conf, "second pass", "--since", str(n))
    if agrees(chk, got, db, "second pass") is None:
        return
    w = got["window"]
    chk.eq((w["documents_new"], w["documents_changed"]), (0, 1),
           "second pass: 1 document changed, none new")
    chk.check(w["not_modified"] > 0 and w["fetched"] == w["ok"] + w["not_modified"],
              "second pass: the other pages not modified (304)", w)
    chk.check(w["facts_new"] >= 1, "second pass: the changed article's new fact")
    whole = status_json(chk, factd, conf, "both passes")
    if agrees(chk, whole, db, "both passes") is not None:
        chk.eq((whole["window"]["documents_new"], whole["window"]["documents_changed"]),
               (narticles(root), 1), "both passes: all new once, and 1 changed")


def fault_site(chk, factd, tmp, site):
    sub = os.path.join(tmp, "faults")
    os.makedirs(sub)
    conf = os.path.join(sub, "f.conf")
    db = D.write_conf(conf, sub, [zwgk(site), faults(site)], timeout=2, connect_timeout=2)
    rc, out, err = D.run_once(factd, conf, timeout=240)
    if not chk.eq(rc, 0, "fault site: exit status (stderr: %s)" % err[-2000:]):
        return
    got = status_json(chk, factd, conf, "fault site")
    agrees(chk, got, db, "fault site")
    if got is None:
        return
    failed = {site.base + "/fault/%s.html" % p for p in ("reset", "loop", "file")}
    chk.eq({f["url"] for f in got["failures"]}, failed, "fault site: the failing URLs listed")
    chk.check(all(f["error"] and f["state"] == "failed" and f["source"] == "faults"
                  for f in got["failures"]), "fault site: each with its error", got["failures"])
    fs = {s["name"]: s for s in got["sources"]}
    chk.eq(sorted(fs), ["faults", "zwgk"], "fault site: a line per source")
    if "faults" in fs:
        chk.eq((fs["faults"]["failed"], fs["faults"]["gone"], fs["faults"]["documents_new"]),
               (3, 2, 2), "fault site: 3 failed, 2 gone, 2 stored")
    if "zwgk" in fs:
        chk.eq((fs["zwgk"]["failed"], fs["zwgk"]["gone"]), (0, 0), "fault site: zwgk clean")
    chk.eq((got["frontier"]["failed"], got["frontier"]["gone"]), (3, 2),
           "fault site: frontier: 3 failed, 2 gone")
    out = text_agrees(chk, factd, conf, got, "fault site")
    chk.check(re.search(r"(?m)^failing: +3 URLs:$", out), "fault site: text: 3 failing", out)
    for u in failed:
        chk.check(u in out, "fault site: text names %s" % u, out)

    # A configuration without a source the store holds: its line is still
    # there, marked.
    only = os.path.join(sub, "only.conf")
    D.write_conf(only, sub, [faults(site)], timeout=2)
    got = status_json(chk, factd, only, "source not configured")
    if agrees(chk, got, db, "source not configured") is not None:
        chk.eq([(s["name"], s["configured"]) for s in got["sources"]],
               [("faults", True), ("zwgk", False)],
               "source not configured: configured first, then the others")
        r = status(factd, only)
        chk.check(re.search(r"(?m)^  zwgk .*\n +\(not in the configuration\)$", r.stdout),
                  "source not configured: text marks it", r.stdout)
    return conf, db


def while_writing(chk, factd, conf, db):
    """Another connection holds a write transaction open (as factd run does
    for a group): status reads the last commit, at once."""
    before = status_json(chk, factd, conf, "no writer")
    c = sqlite3.connect(db, isolation_level=None, timeout=5)
    c.execute("BEGIN IMMEDIATE")
    c.execute("INSERT INTO frontier (url, source, kind, state, failures, next_fetch, first_seen,"
              " last_fetched) VALUES ('http://uncommitted.example/', 'zwgk', 'article', "
              "'failed', 1, 0, '2030-01-01T00:00:00Z', '2030-01-01T00:00:00Z')")
    try:
        t = time.monotonic()
        got = status_json(chk, factd, conf, "during a write transaction")
        el = time.monotonic() - t
        chk.check(el < 4, "during a write transaction: no wait for the lock (%.1f s)" % el)
        if got is not None and before is not None:
            chk.eq(got["frontier"], before["frontier"],
                   "during a write transaction: the last commit, not the open transaction")
            chk.eq(got["last_fetch"], before["last_fetch"],
                   "during a write transaction: last fetch as committed")
    finally:
        c.execute("ROLLBACK")
        c.close()
    # status writes nothing: the store's files keep their bytes.
    files = [p for p in (db, db + "-wal") if os.path.exists(p)]
    h = [L.sha256(p) for p in files]
    status(factd, conf)
    status(factd, conf, "--json")
    chk.eq([L.sha256(p) for p in files], h, "status leaves the store's files as they were")


def verdicts(chk, factd, tmp, conf, db):
    """The last line follows the store's times: idle when nothing is due,
    stopped when things are long due and nothing moves."""
    sub = os.path.join(tmp, "verdicts")
    os.makedirs(sub)
    copy = os.path.join(sub, "facts.db")
    c = sqlite3.connect(db)
    c.execute("VACUUM INTO ?", (copy,))
    c.close()
    vconf = os.path.join(sub, "v.conf")
    with open(conf, encoding="utf-8") as f:
        text = f.read()
    with open(vconf, "w", encoding="utf-8") as f:
        f.write(re.sub(r"(?m)^db = .*$", "db = " + copy, text))
    c = sqlite3.connect(copy, isolation_level=None)
    c.execute("UPDATE frontier SET last_fetched = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', "
              "'-2 hours'), next_fetch = CAST(strftime('%s', 'now') AS REAL) + 10800")
    c.execute("UPDATE documents SET last_seen = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-3 hours')")
    got = status_json(chk, factd, vconf, "idle")
    if agrees(chk, got, copy, "idle") is not None:
        chk.eq(got["verdict"], "idle", "idle: nothing due, nothing for 2 h")
        chk.check(re.match(r"idle: last activity 2 h ago; next fetch due in (3 h|2 h 59 min) "
                           r"\(\d{4}-", got["summary"]), "idle: summary", got["summary"])
        chk.eq(got["window"]["fetched"], 0, "idle: nothing fetched in the last hour")
    c.execute("UPDATE frontier SET next_fetch = CAST(strftime('%s', 'now') AS REAL) - 5400 "
              "WHERE state = 'ok'")
    got = status_json(chk, factd, vconf, "stopped")
    if agrees(chk, got, copy, "stopped") is not None:
        chk.eq(got["verdict"], "stopped", "stopped: due for 90 min, nothing for 2 h")
        chk.check(got["summary"].startswith("stopped? last activity 2 h ago, and %d URLs due" %
                                            got["frontier"]["due"]),
                  "stopped: summary", got["summary"])
        text_agrees(chk, factd, vconf, got, "stopped")
    c.execute("PRAGMA foreign_keys = ON")  # versions and sightings go with their documents
    c.execute("DELETE FROM frontier")
    c.execute("DELETE FROM documents")
    got = status_json(chk, factd, vconf, "empty")
    if agrees(chk, got, copy, "empty") is not None:
        chk.eq((got["verdict"], got["last_activity"], got["idle_s"], got["frontier"]["urls"]),
               ("never", None, None, 0), "empty: never active, no time")
        text_agrees(chk, factd, vconf, got, "empty")
    c.close()


def replay_store(chk, factd, tmp, site):
    """A store only factd replay wrote: no frontier rows, documents without
    a source, activity from documents.last_seen."""
    sub = os.path.join(tmp, "replay")
    pages = L.make_pages(os.path.join(sub, "pages"), 4)
    conf = os.path.join(sub, "r.conf")
    db = D.write_conf(conf, sub, [zwgk(site)])
    r = L.run(factd, ["replay", "--db", db] + pages)
    chk.eq(r.returncode, 0, "replay store: replay (%s)" % r.stderr[-500:])
    got = status_json(chk, factd, conf, "replay store")
    if agrees(chk, got, db, "replay store") is None:
        return
    chk.eq(got["window"]["documents_new"], 4, "replay store: 4 documents new")
    chk.eq(got["window"]["fetched"], 0, "replay store: nothing fetched")
    chk.eq([(s["name"], s["configured"], s["documents_new"]) for s in got["sources"]],
           [("zwgk", True, 0), (None, False, 4)], "replay store: documents without a source")
    chk.eq((got["last_fetch"], got["verdict"]), (None, "alive"),
           "replay store: never fetched, but written just now")
    r = status(factd, conf)
    chk.check(re.search(r"(?m)^  \(no source\) +0 fetched .*documents 4 new", r.stdout),
              "replay store: text: (no source) line", r.stdout)
    chk.check("last fetch:  never" in r.stdout, "replay store: text: never fetched", r.stdout)


def bad(chk, factd, tmp, conf):
    for args, what in ((["status"], "no -c"),
                       (["status", "-c"], "-c without a file"),
                       (["status", "-c", conf, "extra"], "an extra argument"),
                       (["status", "-c", conf, "--bogus"], "an unknown option"),
                       (["status", "--db", "x.db"], "--db (stats' option)")):
        r = L.run(factd, args)
        chk.eq(r.returncode, 2, "usage: %s: exit status 2" % what)
        chk.check("usage: factd status" in r.stderr, "usage: %s: prints the usage" % what,
                  r.stderr)
        chk.eq(r.stdout, "", "usage: %s: nothing on stdout" % what)
    for arg in ("0", "-5", "1x", "1.5h", "", "5w", "h", "99999999999d"):
        r = status(factd, conf, "--since", arg)
        chk.eq(r.returncode, 2, "--since '%s': exit status 2" % arg)
        chk.check("is not a duration" in r.stderr, "--since '%s': says why" % arg, r.stderr)
    r = L.run(factd, ["status", "--help"])
    chk.check(r.returncode == 0 and "Exit status" in r.stdout, "--help: usage with the exit "
              "statuses, on stdout, status 0", r.stdout + r.stderr)
    r = L.run(factd, ["help"])
    chk.check(re.search(r"(?m)^  status ", r.stdout), "factd help lists status", r.stdout)

    badconf = os.path.join(tmp, "bad.conf")
    L.write_text(badconf, "[factd]\nbogus_key = 1\n")
    r = L.run(factd, ["status", "-c", badconf])
    chk.eq(r.returncode, 2, "bad configuration: exit status 2")
    chk.check(badconf + ":2:" in r.stderr, "bad configuration: the error with its line",
              r.stderr)
    r = L.run(factd, ["status", "-c", os.path.join(tmp, "nonexistent.conf")])
    chk.eq(r.returncode, 2, "missing configuration: exit status 2")

    sub = os.path.join(tmp, "bad-stores")
    os.makedirs(sub)
    src = [("s", {"start_url": "http://127.0.0.1:9/", "link_pattern": "x"})]

    nodb = os.path.join(sub, "no", "such", "facts.db")
    nconf = os.path.join(sub, "nodb.conf")
    D.write_conf(nconf, sub, src, db=nodb)
    for extra in ([], ["--json"]):
        r = status(factd, nconf, *extra)
        chk.eq(r.returncode, 1, "no store %s: exit status 1" % " ".join(extra))
        chk.eq(r.stderr, "factd: no store yet at %s: factd run has not stored anything\n" % nodb,
               "no store %s: the message" % " ".join(extra))
        chk.eq(r.stdout, "", "no store %s: nothing on stdout" % " ".join(extra))
    chk.check(not os.path.exists(os.path.dirname(nodb)), "no store: nothing created")

    junk = os.path.join(sub, "junk.db")
    L.write_text(junk, "not a database\n" * 100)
    jconf = os.path.join(sub, "junk.conf")
    D.write_conf(jconf, sub, src, db=junk)
    r = status(factd, jconf)
    chk.eq(r.returncode, 2, "not SQLite: exit status 2")
    chk.check(junk in r.stderr and "not an SQLite database" in r.stderr,
              "not SQLite: says so, naming the file", r.stderr)

    # A store from before the frontier (schema migration 1 only).
    old = os.path.join(sub, "old.db")
    c = sqlite3.connect(old)
    c.executescript(L.schema_migrations()[1])
    c.executescript("PRAGMA user_version = 1; PRAGMA application_id = %d;" % 0x66616374)
    c.close()
    oconf = os.path.join(sub, "old.conf")
    D.write_conf(oconf, sub, src, db=old)
    r = status(factd, oconf)
    chk.eq(r.returncode, 1, "store without a frontier: exit status 1")
    chk.check(old in r.stderr and "factd run has not opened it" in r.stderr,
              "store without a frontier: says so, naming the file", r.stderr)


def main():
    with D.session("test_status") as (factd, chk, tmp, site):
        root = site.root
        r = chk.guard(crawl, chk, factd, tmp, site, root)
        if r:
            conf, db, got, want = r
            chk.guard(window_passed, chk, factd, conf, db, got)
            chk.guard(changed, chk, factd, conf, db, root)
            chk.guard(verdicts, chk, factd, tmp, conf, db)
            chk.guard(bad, chk, factd, tmp, conf)
        f = chk.guard(fault_site, chk, factd, tmp, site)
        if f:
            chk.guard(while_writing, chk, factd, f[0], f[1])
        chk.guard(replay_store, chk, factd, tmp, site)


if __name__ == "__main__":
    main()
