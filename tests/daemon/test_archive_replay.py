"""The archive always replays to the store, however the crawl ends.

`factd run` crawls a fixture site of a few hundred articles and is killed
mid-crawl three times: kill -9 twice and SIGABRT once (what systemd's
watchdog sends), each leaving its WARC file under its .open name; each
restart finishes the files the dead run left (logged), and a last
`factd run --once` finishes the crawl.  Then `factd replay` of the archive
directory into a fresh store gives the crawled store's facts, identity and
count.  On the way: a replay of the archive right after a kill -9 (the
.open file not yet finished) holds every fact the store had, and a replay
while the daemon is writing a file reads it with exit status 0, saying the
file is still being written.

usage: test_archive_replay.py FACTD
"""
import glob
import os
import resource
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
import daemonlib as D  # noqa: E402

ARTICLES = 240
T0 = time.monotonic()
LINK = r"/zwgk/\d{6}/t\d{8}_\d+\.html$"
NEXT = r"/zwgk/index_\d+\.html$"


def no_core():
    # SIGABRT would write a core file: not here.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def start(factd, conf, log):
    """factd run, its log to a file (a pipe nobody reads would fill and stop it)."""
    with open(log, "w") as f:
        return subprocess.Popen([factd, "run", "-c", conf], stdout=subprocess.DEVNULL, stderr=f,
                                preexec_fn=no_core)


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def documents(db):
    """The articles stored (list pages are documents only in a replay)."""
    if not os.path.exists(db):
        return 0
    try:
        return D.query(db, "SELECT count(*) FROM documents WHERE uri LIKE '%/t2%'")[0][0]
    except Exception:
        return 0  # the store is being created


def facts(db):
    """The current facts of the articles, each as often as the store has it."""
    return sorted(D.query(db, "SELECT uri, kind, value, value_max, qualifier, text "
                              "FROM current_facts WHERE uri LIKE '%/t2%'"), key=repr)


def replay(factd, db, archive):
    return subprocess.run([factd, "replay", "--db", db, archive], capture_output=True, text=True,
                          timeout=120)


def open_files(archive):
    return sorted(glob.glob(os.path.join(archive, "*.open")))


def kill_at(chk, factd, conf, db, log, at, sig, what):
    """Run the daemon until the store holds at least `at` documents, then
    send it sig.  Returns the documents stored when it died."""
    p = start(factd, conf, log)
    deadline = time.monotonic() + 40
    while documents(db) < at and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    running = p.poll() is None
    p.send_signal(sig)
    p.wait(30)
    n = documents(db)
    chk.check(running, "%s: the daemon was still running at %d documents" % (what, at),
              read(log)[-2000:])
    chk.check(p.returncode == -sig, "%s: died of signal %d (status %s)" % (what, sig, p.returncode))
    chk.check(at <= n < ARTICLES, "%s: killed mid-crawl (%d of %d stored)" % (what, n, ARTICLES))
    chk.note("%s: %d of %d stored (%.1f s)" % (what, n, ARTICLES, time.monotonic() - T0))
    return n


def crawl(chk, factd, tmp, site):
    archive = os.path.join(tmp, "archive")
    conf = os.path.join(tmp, "f.conf")
    db = D.write_conf(conf, tmp, [("zwgk", {
        "start_url": site.base + "/zwgk/index.html", "link_pattern": LINK,
        "next_pattern": NEXT, "interval": "1d"})],
        max_host_connections=1, host_delay=0.02)
    logs = [os.path.join(tmp, "run%d.log" % i) for i in range(4)]

    # 1. kill -9: the file it wrote keeps its .open name, and replay reads it.
    kill_at(chk, factd, conf, db, logs[0], 40, signal.SIGKILL, "first kill -9")
    left = open_files(archive)
    chk.eq(len(left), 1, "first kill -9: its archive file is left open")
    early = os.path.join(tmp, "early.db")
    p = replay(factd, early, archive)
    chk.check(p.returncode in (0, 1), "replay after kill -9: it ran (%s)" % p.stderr[-1000:])
    if p.returncode == 1:
        # Only a last record cut short by the kill may fail.
        chk.check("the last gzip member is cut short" in p.stderr,
                  "replay after kill -9: only a torn last record fails", p.stderr[-1000:])
    missing = set(facts(db)) - set(facts(early))
    chk.check(not missing and facts(db),
              "replay after kill -9: the .open file gives every fact the store has (%d missing)"
              % len(missing), sorted(missing, key=repr)[:5])

    # 2. The next run finishes that file; a replay while it writes its own
    # reads it, exit 0, and says it is being written; then kill -9 again.
    p2 = start(factd, conf, logs[1])
    deadline = time.monotonic() + 40
    while documents(db) < 80 and p2.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    # Stopped, so that the crawl does not run to its end meanwhile: its file
    # stays open and locked as it is while it runs.
    p2.send_signal(signal.SIGSTOP)
    live = replay(factd, os.path.join(tmp, "live.db"), archive)
    p2.send_signal(signal.SIGCONT)
    chk.check(p2.poll() is None, "second run: still running during the replay")
    chk.eq(live.returncode, 0, "replay of a file being written: exit status (%s)"
           % live.stderr[-1000:])
    chk.check("still being written by a running factd" in live.stderr,
              "replay of a file being written: says so", live.stderr[-1000:])
    for f in left:
        chk.check(not os.path.exists(f) and os.path.exists(f[:-len(".open")]),
                  "second run: the file the first left open is finished: %s" % os.path.basename(f))
        chk.check("%s: finished as %s" % (f, os.path.basename(f[:-len(".open")])) in read(logs[1]),
                  "second run: finishing it is logged", read(logs[1])[:2000])
    p2.send_signal(signal.SIGKILL)
    p2.wait(30)
    n = documents(db)
    chk.check(n < ARTICLES, "second kill -9: mid-crawl (%d of %d stored)" % (n, ARTICLES))
    chk.note("second kill -9: %d of %d stored (%.1f s)" % (n, ARTICLES, time.monotonic() - T0))

    # 3. SIGABRT, as the watchdog sends it.
    left = open_files(archive)
    chk.eq(len(left), 1, "second kill -9: its archive file is left open")
    kill_at(chk, factd, conf, db, logs[2], n + 40, signal.SIGABRT, "SIGABRT")
    chk.check(all("%s: finished as" % f in read(logs[2]) for f in left),
              "third run: finishes the file the second left", read(logs[2])[:2000])

    # 4. A last run to the end.
    left = open_files(archive)
    chk.eq(len(left), 1, "SIGABRT: its archive file is left open")
    rc, out, err = D.run_once(factd, conf, timeout=120)
    chk.eq(rc, 0, "last run: exit status (%s)" % err[-2000:])
    chk.check(all("%s: finished as" % f in err for f in left),
              "last run: finishes the file SIGABRT left", err[:2000])
    chk.eq(documents(db), ARTICLES, "last run: every article stored in the end")
    chk.eq(open_files(archive), [], "no archive file left open")
    chk.note("last run: done (%.1f s)" % (time.monotonic() - T0))
    return db, archive


def replays_to_store(chk, factd, tmp, db, archive):
    fresh = os.path.join(tmp, "fresh.db")
    p = replay(factd, fresh, archive)
    chk.eq(p.returncode, 0, "replay: exit status (%s)" % p.stderr[-2000:])
    got, want = facts(fresh), facts(db)
    chk.check(len(want) > ARTICLES, "the crawl stored facts (%d)" % len(want))
    chk.same_set(got, want, "the archive replays to the crawled store's facts")
    chk.eq(len(got), len(want), "as many facts replayed as crawled")
    chk.eq(documents(fresh), documents(db), "as many documents replayed as crawled")


def main():
    with D.session("test_archive_replay", make=False) as (factd, chk, tmp, site):
        D.make_site(site.root, "--count", str(ARTICLES), "--per-page", "20")
        r = chk.guard(crawl, chk, factd, tmp, site)
        if r:
            chk.guard(replays_to_store, chk, factd, tmp, *r)


if __name__ == "__main__":
    main()
