#!/usr/bin/env python3
"""An analyst's connection while factd replay writes (issue 3).

While replay runs (--busy-timeout 20000), a second connection holds a read
transaction open for about 2 s (replay must go on meanwhile: WAL readers do
not block the writer), then takes the write lock (BEGIN IMMEDIATE) and holds
it about 3 s (replay must wait, not fail), then commits.  Replay must finish
with exit status 0 and a store equal to that of an uninterrupted replay into
a fresh store.

usage: python3 tests/store/test_concurrency.py build/factd   (from the source root)
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import storelib as L  # noqa: E402

NPAGES = 1000  # several commit groups (replay commits every second)
# Long enough for a commit to land: a group is a second of pages, and its
# commit brings the search index up to date (migration 7), about as long
# again with these pages dense with facts.
READ_HOLD = 4.0
WRITE_HOLD = 3.0
# Replay must still be running when the write lock is taken: it needs more
# than READ_HOLD of work after its first commit.  Pages are made big enough
# for an uninterrupted replay to take at least MIN_RUN seconds.
MIN_RUN = 10.0


def committed(db):
    """Documents committed so far, seen by a fresh connection (0 if none yet)."""
    try:
        c = L.connect(db, timeout=5)
        n = c.execute("SELECT count(*) FROM documents").fetchone()[0]
        c.close()
        return n
    except Exception:
        return 0


def reference(factd, tmp, pages):
    db = os.path.join(tmp, "reference-%d.db" % time.monotonic_ns())
    t0 = time.monotonic()
    r = L.run(factd, ["replay", "--db", db, pages], timeout=300)
    return db, r, time.monotonic() - t0


def main():
    factd = L.factd_path()
    chk = L.Checker("test_concurrency")
    tmp = tempfile.mkdtemp(prefix="factd-conc-")
    proc = None
    try:
        pages = os.path.join(tmp, "pages")
        big = 2
        L.make_pages(pages, NPAGES, per_page=69, big=big, html_every=10)
        ref_db, r, t_ref = reference(factd, tmp, pages)
        if r.returncode == 0 and t_ref < MIN_RUN:
            # A fast machine: bigger pages, so that the locks land mid-run.
            big = int(big * MIN_RUN / max(t_ref, 0.1)) + 2
            chk.note("uninterrupted replay took %.1f s: pages %d times bigger" % (t_ref, big))
            shutil.rmtree(pages)
            L.make_pages(pages, NPAGES, per_page=69, big=big, html_every=10)
            ref_db, r, t_ref = reference(factd, tmp, pages)
        chk.eq(r.returncode, 0, "reference replay: exit status")
        chk.note("uninterrupted replay of %d pages: %.1f s (%s)" %
                 (NPAGES, t_ref, (r.stdout.splitlines() or [""])[0]))
        want = L.canonical(ref_db)

        db = os.path.join(tmp, "store.db")
        t0 = time.monotonic()
        proc = subprocess.Popen([factd, "replay", "--busy-timeout", "20000", "--db", db, pages],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # Wait for the first commit: the store exists and holds documents.
        while committed(db) == 0 and proc.poll() is None and time.monotonic() - t0 < 60:
            time.sleep(0.02)
        n_first = committed(db)
        chk.check(proc.poll() is None,
                  "replay is still running after its first commit (%d documents)" % n_first)

        an = L.connect(db, timeout=20)
        # 1. A read transaction, held open.
        an.execute("BEGIN")
        snap = an.execute("SELECT count(*) FROM documents").fetchone()[0]
        t_read = time.monotonic()
        progress_seen = False
        while time.monotonic() - t_read < READ_HOLD:
            time.sleep(0.1)
            if committed(db) > snap:
                progress_seen = True
        again = an.execute("SELECT count(*) FROM documents").fetchone()[0]
        partial = an.execute("SELECT count(*) FROM documents d LEFT JOIN versions v "
                             "ON v.id = d.latest_version_id WHERE v.id IS NULL").fetchone()[0]
        an.execute("COMMIT")
        n_after_read = committed(db)
        chk.eq(again, snap, "the read transaction sees one snapshot throughout")
        chk.eq(partial, 0, "the snapshot holds whole documents only")
        chk.check(progress_seen or proc.poll() is not None,
                  "replay goes on while a reader holds a transaction open (%d -> %d documents)"
                  % (snap, n_after_read))

        # 2. The write lock, held.
        t_w = time.monotonic()
        an.execute("BEGIN IMMEDIATE")
        waited = time.monotonic() - t_w
        n_locked = an.execute("SELECT count(*) FROM documents").fetchone()[0]
        running_at_lock = proc.poll() is None
        chk.check(running_at_lock and n_locked < NPAGES,
                  "the write lock is taken while replay still has pages to do "
                  "(%d of %d stored; if this fails, the fixture is too small for this machine)"
                  % (n_locked, NPAGES))
        time.sleep(WRITE_HOLD)
        still = proc.poll() is None
        n_end = an.execute("SELECT count(*) FROM documents").fetchone()[0]
        an.execute("COMMIT")
        an.close()
        chk.check(still or not running_at_lock,
                  "replay waits for the write lock instead of giving up (exit %s)" %
                  proc.returncode)
        chk.eq(n_end, n_locked, "nothing is committed while the lock is held")
        chk.note("read transaction from %d documents; write lock waited %.2f s, held %.1f s at "
                 "%d of %d documents" % (snap, waited, WRITE_HOLD, n_locked, NPAGES))

        out, err = proc.communicate(timeout=300)
        el = time.monotonic() - t0
        chk.eq(proc.returncode, 0, "replay exit status after the locks")
        chk.check(err.strip() == "", "replay printed no error", err[-2000:])
        s = L.summary(out) or {}
        chk.eq((s.get("new"), s.get("failed")), (NPAGES, 0), "replay summary: all pages new")
        chk.check(el >= WRITE_HOLD, "replay took at least the lock's time (%.1f s)" % el)
        chk.note("replay under the locks: %.1f s (uninterrupted %.1f s)" % (el, t_ref))

        got = L.canonical(db)
        L.diff_canonical(chk, got, want, "the store equals an uninterrupted replay's")
        chk.eq(len(got["facts"]), len(want["facts"]), "as many facts as uninterrupted (%d)" %
               len(want["facts"]))
        L.health(chk, db, "store after the locks")
    except Exception:
        chk.exception("the test")
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    chk.finish()


if __name__ == "__main__":
    main()
