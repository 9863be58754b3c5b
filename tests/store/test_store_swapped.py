#!/usr/bin/env python3
"""The store deleted or replaced under a running factd (issue 11, item 12).

SQLite writes through the file handles it opened, so a store file deleted,
moved away or replaced while factd runs takes every later commit with it
(or, replaced, leaves factd's WAL beside a file it does not belong to).
factd must notice at its next commit and stop with a clear error:

  daemon  `factd run` (no --once, interval 1s, so it commits all the time)
          on the fixture site: (a) the store file deleted mid-crawl: exit 1,
          a log line naming the store and saying it was deleted; (a') moved
          away: the same, and the moved file holds every page committed
          before, as the log says; (b) another SQLite file moved over it:
          exit 1, the log says so, and the replacement is left byte for byte
          as it was and reads as itself (no page of factd's WAL is read into
          it); (c) the store's -wal file deleted: exit 1, the log names the
          -wal file, and the store holds at least what was committed before.
  replay  `factd replay --group 5` is held at a FIFO among its pages after
          20 committed pages, the store is (d) deleted or (e) replaced, then
          the FIFO is fed: exit 2 (a store error), the same messages, the
          replacement untouched.

usage: python3 tests/store/test_store_swapped.py build/factd   (from the source root)
"""
import os
import re
import signal
import sqlite3
import subprocess
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
EXIT_WAIT = 20.0  # seconds factd has to stop after the store is gone


def documents(db):
    """Documents committed so far, by a fresh connection; -1 if unreadable."""
    try:
        c = sqlite3.connect(db, timeout=5)
        try:
            return c.execute("SELECT count(*) FROM documents").fetchone()[0]
        finally:
            c.close()
    except sqlite3.Error:
        return -1


def wait_documents(db, n, proc, timeout=30.0):
    """Wait until the store holds n documents; False if proc ended or time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if os.path.exists(db) and documents(db) >= n:
            return True
        time.sleep(0.1)
    return False


def end(proc, timeout):
    """proc's exit status, stdout and stderr; killed (status None) if it has
    not ended within timeout seconds."""
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out, err
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        return None, out, err


def replacement(path):
    """A small SQLite database that is not a factd store (rollback journal,
    as most files people copy around are); returns its SHA-256."""
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("CREATE TABLE note (x TEXT)")
    c.execute("INSERT INTO note VALUES ('the replacement')")
    c.close()
    return L.sha256(path)


def replacement_intact(chk, db, sha, what):
    """The replacement is as it was put there, and reads as itself."""
    chk.eq(L.sha256(db), sha, "%s: the replacement file is unchanged, byte for byte" % what)
    c = sqlite3.connect(db)
    try:
        tables = [t for (t,) in c.execute("SELECT name FROM sqlite_schema ORDER BY name")]
        rows = c.execute("SELECT x FROM note").fetchall() if "note" in tables else None
        ic = c.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        c.close()
    chk.eq((tables, rows, ic), (["note"], [("the replacement",)], "ok"),
           "%s: the replacement reads as itself (no page of factd's store in it)" % what)


def said(chk, err, pattern, what):
    chk.check(re.search(pattern, err), "%s: the log says so (/%s/)" % (what, pattern), err[-3000:])


# ---- factd run ----

def daemon_case(chk, factd, tmp, site, name, act):
    """Start the daemon, let it commit, act on its files, and see it stop."""
    sub = os.path.join(tmp, name)
    os.makedirs(sub)
    conf = os.path.join(sub, "f.conf")
    src = [("zwgk", {"start_url": site.base + "/zwgk/index.html", "link_pattern": LINK,
                     "next_pattern": NEXT, "interval": "1s"})]
    db = D.write_conf(conf, sub, src, max_host_connections=1, host_delay=0.2)
    p = D.start_daemon(factd, conf)
    if not chk.check(wait_documents(db, 3, p), "%s: the daemon commits pages" % name):
        rc, out, err = end(p, 0.1)
        chk.note("exit %r; stderr: %s" % (rc, err[-2000:]))
        return
    stored = documents(db)
    extra = act(db, sub)
    t0 = time.monotonic()
    rc, out, err = end(p, EXIT_WAIT)
    chk.note("%s: exit %r %.1f s after the change, %d documents committed before it"
             % (name, rc, time.monotonic() - t0, stored))
    chk.eq(rc, 1, "%s: factd run stops by itself with exit status 1 (stderr: %s)"
           % (name, err[-1500:]))
    return db, err, stored, extra


def run_deleted(chk, factd, tmp, site):
    r = daemon_case(chk, factd, tmp, site, "run-deleted", lambda db, sub: os.unlink(db))
    if r is None:
        return
    db, err, _, _ = r
    said(chk, err, re.escape(db) + r": .*the store file was deleted or moved away", "run-deleted")
    said(chk, err, r"cannot take more pages; stopping", "run-deleted")
    chk.check(not os.path.exists(db), "run-deleted: no store file made again")


def run_moved(chk, factd, tmp, site):
    def act(db, sub):
        os.rename(db, db + ".old")
    r = daemon_case(chk, factd, tmp, site, "run-moved", act)
    if r is None:
        return
    db, err, stored, _ = r
    said(chk, err, re.escape(db) + r": .*the store file was deleted or moved away.*if the old "
         r"file was kept under another name, it holds every page committed before", "run-moved")
    n = documents(db + ".old")
    chk.check(n >= stored, "run-moved: the store moved away holds what was committed before "
              "(%d documents, %d before)" % (n, stored))
    chk.eq(D.integrity(db + ".old"), "ok", "run-moved: integrity_check of the moved store")
    chk.check(not os.path.exists(db), "run-moved: no store file made again")


def run_replaced(chk, factd, tmp, site):
    def act(db, sub):
        other = os.path.join(sub, "other.db")
        sha = replacement(other)
        os.replace(other, db)
        return sha
    r = daemon_case(chk, factd, tmp, site, "run-replaced", act)
    if r is None:
        return
    db, err, _, sha = r
    said(chk, err, re.escape(db) + r": .*the store file was replaced by another file "
         r"\(device:inode [0-9a-f]+:\d+, now [0-9a-f]+:\d+\)", "run-replaced")
    replacement_intact(chk, db, sha, "run-replaced")


def run_wal_deleted(chk, factd, tmp, site):
    r = daemon_case(chk, factd, tmp, site, "run-wal-deleted",
                    lambda db, sub: os.unlink(db + "-wal"))
    if r is None:
        return
    db, err, stored, _ = r
    said(chk, err, re.escape(db + "-wal") + r": .*deleted or moved away", "run-wal-deleted")
    n = documents(db)
    chk.check(n >= stored, "run-wal-deleted: the store keeps what was committed before "
              "(%d documents, %d before)" % (n, stored))
    chk.eq(D.integrity(db), "ok", "run-wal-deleted: integrity_check")


# ---- factd replay ----

def replay_case(chk, factd, tmp, name, act):
    """Replay 40 pages in groups of 5, held at a FIFO as page 21 after 20
    are committed; act on the store, then feed the FIFO."""
    sub = os.path.join(tmp, name)
    pages = L.make_pages(os.path.join(sub, "pages"), 40, per_page=6)
    fifo = pages[20]
    with open(fifo, "rb") as f:
        body = f.read()
    os.unlink(fifo)
    os.mkfifo(fifo)
    db = os.path.join(sub, "facts.db")
    p = subprocess.Popen([factd, "replay", "--db", db, "--group", "5"] + pages,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if not chk.check(wait_documents(db, 20, p), "%s: replay commits 20 pages" % name):
        rc, out, err = end(p, 0.1)
        chk.note("exit %r; stderr: %s" % (rc, err[-2000:]))
        return
    chk.eq(documents(db), 20, "%s: replay waits at the FIFO" % name)
    extra = act(db, sub)
    deadline = time.monotonic() + 10
    fd = None
    while fd is None and time.monotonic() < deadline:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            time.sleep(0.05)
    if chk.check(fd is not None, "%s: replay reads the FIFO" % name):
        os.set_blocking(fd, True)
        os.write(fd, body)
        os.close(fd)
    rc, out, err = end(p, EXIT_WAIT)
    chk.eq(rc, 2, "%s: replay stops with exit status 2 (stderr: %s)" % (name, err[-1500:]))
    said(chk, err, re.escape(db) + r": the store cannot take more; stopping after \d+ of 40",
         name)
    return db, err, extra


def replay_deleted(chk, factd, tmp):
    r = replay_case(chk, factd, tmp, "replay-deleted", lambda db, sub: os.unlink(db))
    if r is None:
        return
    db, err, _ = r
    said(chk, err, re.escape(db) + r": .*the store file was deleted or moved away",
         "replay-deleted")
    chk.check(not os.path.exists(db), "replay-deleted: no store file made again")


def replay_replaced(chk, factd, tmp):
    def act(db, sub):
        other = os.path.join(sub, "other.db")
        sha = replacement(other)
        os.replace(other, db)
        return sha
    r = replay_case(chk, factd, tmp, "replay-replaced", act)
    if r is None:
        return
    db, err, sha = r
    said(chk, err, re.escape(db) + r": .*the store file was replaced by another file",
         "replay-replaced")
    replacement_intact(chk, db, sha, "replay-replaced")


def main():
    with D.session("test_store_swapped") as (factd, chk, tmp, site):
        chk.guard(run_deleted, chk, factd, tmp, site)
        chk.guard(run_moved, chk, factd, tmp, site)
        chk.guard(run_replaced, chk, factd, tmp, site)
        chk.guard(run_wal_deleted, chk, factd, tmp, site)
        chk.guard(replay_deleted, chk, factd, tmp)
        chk.guard(replay_replaced, chk, factd, tmp)


if __name__ == "__main__":
    main()
