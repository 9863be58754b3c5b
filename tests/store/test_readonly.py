#!/usr/bin/env python3
"""Reading a store one may not write (issue 14): a user in the store's group
(here uid 65534 with a group of its own, as the factd group would be) whose
directory and files they may read but not write.

  with -shm   while a writer has left its -wal and -shm: sqlite3 -readonly,
              Python's mode=ro and factd's read-only commands read it
  no -shm     after the writer is gone and its -wal and -shm with it: a
              plain read-only open fails (SQLite needs to create the -shm),
              ?immutable=1 reads it, and factd stats, show, export and
              search fall back to it by themselves
  copy        VACUUM INTO and .backup make a consistent copy elsewhere

Runs as root (to drop to that user); skipped otherwise.

usage: python3 tests/store/test_readonly.py build/factd   (from the source root)
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import storelib as L  # noqa: E402

GID = 4242  # the factd group of this test


def as_reader(args, **kw):
    return subprocess.run(["setpriv", "--reuid=65534", "--regid=%d" % GID, "--clear-groups"] +
                          args, capture_output=True, text=True, timeout=60, **kw)


def main():
    factd = os.path.abspath(L.factd_path())
    chk = L.Checker("test_readonly")
    if os.geteuid() != 0 or shutil.which("setpriv") is None or shutil.which("sqlite3") is None:
        chk.skip("read-only store", "needs root, setpriv and sqlite3")
        chk.finish()
        return
    tmp = tempfile.mkdtemp(prefix="factd-ro-")
    try:
        os.chmod(tmp, 0o755)
        d = os.path.join(tmp, "store")
        os.makedirs(d)
        db = os.path.join(d, "facts.db")
        r = L.run(factd, ["replay", "--db", db, "examples/reports"])
        chk.eq(r.returncode, 0, "the store is made")
        n = L.connect(db).execute("SELECT count(*) FROM facts").fetchone()[0]
        fid = L.connect(db).execute("SELECT min(id) FROM facts").fetchone()[0]
        out = os.path.join(tmp, "out")
        os.makedirs(out)
        os.chown(out, 65534, GID)

        def share():
            for p in [d] + [os.path.join(d, f) for f in os.listdir(d)]:
                os.chown(p, 0, GID)
                os.chmod(p, 0o750 if os.path.isdir(p) else 0o640)

        def reads(what):
            r = as_reader(["sqlite3", "-readonly", db, "SELECT count(*) FROM facts"])
            plain = r.returncode == 0 and r.stdout.strip() == str(n)
            r = as_reader(["sqlite3", "file:%s?immutable=1" % db, "SELECT count(*) FROM facts"])
            chk.check(r.returncode == 0 and r.stdout.strip() == str(n),
                      "%s: ?immutable=1 reads it" % what, r.stderr)
            r = as_reader([factd, "stats", "--db", db])
            chk.check(r.returncode == 0 and "facts:        %d" % n in r.stdout,
                      "%s: factd stats" % what, r.stderr)
            r = as_reader([factd, "show", "--db", db, str(fid)])
            chk.check(r.returncode == 0 and ("fact %d:" % fid) in r.stdout,
                      "%s: factd show" % what, r.stderr)
            r = as_reader([factd, "export", "--db", db, "--view", "facts"])
            chk.check(r.returncode == 0 and len(r.stdout.splitlines()) == n + 1,
                      "%s: factd export" % what, r.stderr[-500:])
            r = as_reader([factd, "search", "--db", db, "面积"])
            chk.check(r.returncode == 0 and "面积" in r.stdout, "%s: factd search" % what,
                      r.stderr[-500:])
            return plain

        # A writer's -wal and -shm left in place (as while factd run runs).
        w = subprocess.Popen(["sqlite3", db], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             text=True)
        w.stdin.write("BEGIN; SELECT count(*) FROM facts;\n")
        w.stdin.flush()
        try:
            import time
            for _ in range(50):
                if os.path.exists(db + "-shm"):
                    break
                time.sleep(0.1)
            share()
            chk.check(reads("with -shm"), "with -shm: sqlite3 -readonly reads it")
        finally:
            w.stdin.write("COMMIT;\n.quit\n")
            w.stdin.close()
            w.wait(30)
        for suffix in ("-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.unlink(db + suffix)
        share()
        chk.check(not reads("no -shm"),
                  "no -shm: a plain read-only open fails (the docs say to use immutable=1)")

        copy = os.path.join(out, "copy.db")
        r = as_reader(["sqlite3", "file:%s?immutable=1" % db, "VACUUM INTO '%s'" % copy])
        chk.eq(r.returncode, 0, "copy: VACUUM INTO a directory of one's own (%s)" % r.stderr)
        backup = os.path.join(out, "backup.db")
        r = as_reader(["sqlite3", "file:%s?immutable=1" % db, ".backup '%s'" % backup])
        chk.eq(r.returncode, 0, "copy: .backup (%s)" % r.stderr)
        for c in (copy, backup):
            if os.path.exists(c):
                chk.eq(L.connect(c).execute("SELECT count(*) FROM facts").fetchone()[0], n,
                       "copy: %s holds every fact" % os.path.basename(c))
                r = subprocess.run([factd, "stats", "--db", c], capture_output=True, text=True)
                chk.eq(r.returncode, 0, "copy: %s is a factd store" % os.path.basename(c))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    chk.finish()


if __name__ == "__main__":
    main()
