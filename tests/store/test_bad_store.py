#!/usr/bin/env python3
"""Bad stores (issue 3): a file that is not SQLite, an SQLite database that
is not a factd store, a missing or read-only directory, a full disk.  factd
must say clearly what is wrong, naming the file, exit non-zero, and leave
the file as it was (or, on a full disk, whole).

Read-only and full-disk cases need a tmpfs mount when running as root
(permissions are not enforced for root); where mounting is not permitted
they print SKIP and do not fail.

usage: python3 tests/store/test_bad_store.py build/factd   (from the source root)
"""
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import storelib as L  # noqa: E402

MOUNTS = []  # mounted directories, unmounted in main's finally


def mount(target, opts, src="tmpfs", fstype="tmpfs", bind=False):
    if not os.path.exists(target):
        os.makedirs(target)
    if bind:
        cmd = ["mount", "--bind", src, target]
    else:
        cmd = ["mount", "-t", fstype, "-o", opts, src, target]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode == 0:
        MOUNTS.append(target)
        return True, ""
    return False, (r.stderr or r.stdout).strip()


def remount(target, opts):
    r = subprocess.run(["mount", "-o", "remount," + opts, target], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    return r.returncode == 0, r.stderr.strip()


def umount(target):
    if target not in MOUNTS:
        return True
    r = subprocess.run(["umount", target], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        r = subprocess.run(["umount", "-l", target], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
    if r.returncode == 0:
        MOUNTS.remove(target)
        return True
    return False


def refused(chk, factd, db, what, pattern, pages, commands=("replay", "stats")):
    """factd refuses db with exit 2 and a message naming it that matches
    pattern; the file's bytes stay as they were."""
    h0 = L.sha256(db) if os.path.isfile(db) else None
    for cmd in commands:
        args = [cmd, "--db", db] + ([pages] if cmd == "replay" else [])
        r = L.run(factd, args)
        w = "%s: factd %s" % (what, cmd)
        chk.eq(r.returncode, 2, "%s: exit status" % w)
        chk.check(db in r.stderr, "%s: the message names the file" % w, r.stderr)
        chk.check(re.search(pattern, r.stderr), "%s: the message says /%s/" % (w, pattern),
                  r.stderr)
        chk.check("documents:" not in r.stdout, "%s: no summary of a replay that did not run" % w,
                  r.stdout)
        if h0 is not None:
            chk.eq(L.sha256(db), h0, "%s: the file's bytes are unchanged" % w)


# ---- not SQLite, not a factd store ----

def test_not_sqlite(chk, factd, tmp, pages):
    rnd = random.Random(3)
    junk = os.path.join(tmp, "junk.db")
    with open(junk, "wb") as f:
        f.write(bytes(rnd.getrandbits(8) for _ in range(16384)))
    refused(chk, factd, junk, "random bytes", r"not an SQLite database", pages)

    text = os.path.join(tmp, "notes.txt")
    L.write_text(text, L.reports()[0][1])
    refused(chk, factd, text, "a text file", r"not an SQLite database", pages)

    short = os.path.join(tmp, "short.db")
    L.write_text(short, "hello\n")
    refused(chk, factd, short, "a short text file", r"not an SQLite database", pages)

    other = os.path.join(tmp, "other.sqlite")
    c = sqlite3.connect(other)
    c.executescript("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);"
                    "INSERT INTO customers (name) VALUES ('甲'), ('乙');"
                    "CREATE INDEX customers_name ON customers (name);")
    c.commit()
    c.close()
    refused(chk, factd, other, "another application's SQLite database", r"not a factd store",
            pages)
    c = sqlite3.connect(other)
    names = sorted(r[0] for r in c.execute("SELECT name FROM sqlite_schema"))
    c.close()
    chk.eq(names, ["customers", "customers_name"], "another application's database: no table "
           "added")

    # Same, with a user_version set (made by some other tool with migrations).
    other2 = os.path.join(tmp, "other2.sqlite")
    c = sqlite3.connect(other2)
    c.executescript("CREATE TABLE t (x); PRAGMA user_version = 1;")
    c.close()
    refused(chk, factd, other2, "another application's database at user_version 1",
            r"not a factd store", pages)

    for name in ("junk.db", "notes.txt", "other.sqlite"):
        for suffix in ("-wal", "-shm", "-journal"):
            p = os.path.join(tmp, name + suffix)
            chk.check(not os.path.exists(p) or os.path.getsize(p) == 0,
                      "%s: no %s file left with content" % (name, suffix))


def test_missing_dir(chk, factd, tmp, pages):
    missing = os.path.join(tmp, "no", "such", "dir")
    db = os.path.join(missing, "store.db")
    for cmd in ("replay", "stats"):
        args = [cmd, "--db", db] + ([pages] if cmd == "replay" else [])
        r = L.run(factd, args)
        chk.eq(r.returncode, 2, "missing directory: factd %s exit status" % cmd)
        chk.check(missing in r.stderr and re.search(r"(?i)no such file|does not exist",
                                                    r.stderr),
                  "missing directory: factd %s names the directory and says it is missing" % cmd,
                  r.stderr)
    chk.check(not os.path.exists(os.path.join(tmp, "no")), "missing directory: nothing created")

    # A directory given as the store.
    d = os.path.join(tmp, "a-directory")
    os.mkdir(d)
    r = L.run(factd, ["replay", "--db", d, pages])
    chk.eq(r.returncode, 2, "a directory as --db: exit status")
    chk.check(d in r.stderr, "a directory as --db: the message names it", r.stderr)
    chk.eq(os.listdir(d), [], "a directory as --db: nothing written into it")


# ---- read-only ----

def ro_message(chk, r, db, what):
    chk.check(r.returncode != 0, "%s: exit non-zero (got %d)" % (what, r.returncode))
    chk.check(db in r.stderr, "%s: the message names the store" % what, r.stderr)
    chk.check(re.search(r"(?i)read-?only|permission denied|not writable|directory", r.stderr),
              "%s: the message says why (read-only / permission / directory)" % what, r.stderr)


def test_readonly(chk, factd, tmp, pages):
    probe_dir = os.path.join(tmp, "ro-probe")
    os.mkdir(probe_dir)
    os.chmod(probe_dir, 0o555)
    try:
        with open(os.path.join(probe_dir, "probe"), "w"):
            pass
        enforced = False
    except OSError:
        enforced = True
    os.chmod(probe_dir, 0o755)

    if enforced:
        chk.note("read-only: permissions are enforced (not root): chmod 555")
        d = os.path.join(tmp, "ro-dir")
        os.mkdir(d)
        os.chmod(d, 0o555)
        db = os.path.join(d, "store.db")
        r = L.run(factd, ["replay", "--db", db, pages])
        ro_message(chk, r, db, "new store in a read-only directory")
        chk.check(not os.path.exists(db), "new store in a read-only directory: no file made")
        d2 = os.path.join(tmp, "ro-dir2")
        os.mkdir(d2)
        db2 = os.path.join(d2, "store.db")
        r = L.run(factd, ["replay", "--db", db2, pages])
        chk.eq(r.returncode, 0, "read-only: making the store to protect")
        h0 = L.sha256(db2)
        os.chmod(d2, 0o555)
        r = L.run(factd, ["replay", "--db", db2, pages])
        ro_message(chk, r, db2, "existing store in a read-only directory")
        chk.eq(L.sha256(db2), h0, "existing store in a read-only directory: bytes unchanged")
        os.chmod(db2, 0o444)
        os.chmod(d2, 0o755)
        r = L.run(factd, ["replay", "--db", db2, pages])
        ro_message(chk, r, db2, "read-only store file")
        chk.eq(L.sha256(db2), h0, "read-only store file: bytes unchanged")
        os.chmod(d, 0o755)
        return

    chk.note("read-only: running as root, permissions not enforced: using tmpfs mounts")
    ro = os.path.join(tmp, "ro-mount")
    ok, err = mount(ro, "ro,size=1m")
    if not ok:
        chk.skip("read-only directory", "cannot mount a tmpfs (%s)" % err)
        return
    try:
        db = os.path.join(ro, "store.db")
        r = L.run(factd, ["replay", "--db", db, pages])
        ro_message(chk, r, db, "new store in a read-only directory")
        chk.check(not os.path.exists(db), "new store in a read-only directory: no file made")
    finally:
        umount(ro)

    # An existing store on a file system remounted read-only.
    rw = os.path.join(tmp, "rw-mount")
    ok, err = mount(rw, "size=4m")
    if not ok:
        chk.skip("existing store on a read-only file system", err)
        return
    view = os.path.join(tmp, "ro-view")
    try:
        db = os.path.join(rw, "store.db")
        r = L.run(factd, ["replay", "--db", db, pages])
        chk.eq(r.returncode, 0, "read-only: making the store to protect")
        h0 = L.sha256(db)
        # A read-only view of the directory, and the store file itself bound
        # writable on top: a writable store in a directory factd cannot
        # write, as chmod 555 on the directory gives an ordinary user.
        ok, err = mount(view, "", src=rw, bind=True)
        if ok:
            ok, err = remount(view, "bind,ro")
        if not ok:
            chk.skip("store in a read-only view", err)
        else:
            vdb = os.path.join(view, "store.db")
            r = L.run(factd, ["replay", "--db", vdb, pages])
            ro_message(chk, r, vdb, "existing store on a read-only file system")
            chk.eq(L.sha256(db), h0, "existing store on a read-only file system: bytes unchanged")
            fileview = vdb
            ok, err = mount(fileview, "", src=db, bind=True)
            if not ok:
                chk.skip("writable store in a read-only directory", err)
            else:
                try:
                    with open(fileview, "r+b"):
                        writable = True
                except OSError:
                    writable = False
                chk.check(writable, "read-only: the bound store file is writable (fixture)")
                r = L.run(factd, ["replay", "--db", fileview, pages])
                ro_message(chk, r, fileview, "writable store in a read-only directory")
                chk.eq(L.sha256(db), h0,
                       "writable store in a read-only directory: bytes unchanged")
                umount(fileview)
            umount(view)
        ok, err = remount(rw, "ro")
        if not ok:
            chk.skip("store on a file system remounted read-only", err)
        else:
            r = L.run(factd, ["replay", "--db", db, pages])
            ro_message(chk, r, db, "store on a file system remounted read-only")
            chk.eq(L.sha256(db), h0, "store on a read-only file system: bytes unchanged")
    finally:
        umount(view)
        umount(rw)


# ---- full disk ----

def whole_documents(chk, factd, db, what):
    """Every document in the store is whole: its latest version is there and
    its sightings are what extract finds in the page."""
    c = L.connect(db)
    docs = c.execute("SELECT d.id, d.uri, d.latest_version_id, v.document_id, v.hash "
                     "FROM documents d LEFT JOIN versions v ON v.id = d.latest_version_id"
                     ).fetchall()
    broken = [r for r in docs if r[2] is None or r[3] != r[0]]
    chk.eq(broken, [], "%s: every document has its latest version" % what)
    if docs:
        want = L.extract_rows(L.extract(factd, [L.path_of(r[1]) for r in docs]))
        got = L.current_rows(db)
        chk.same_set(L.flatten(got), L.flatten(want),
                     "%s: each stored document holds exactly what extract finds" % what)
        counts = {L.path_of(u): n for u, n in c.execute(
            "SELECT d.uri, count(s.id) FROM documents d LEFT JOIN sightings s "
            "ON s.version_id = d.latest_version_id GROUP BY d.id")}
        bad = [(u, counts.get(u), len(want.get(u, ()))) for u in counts
               if counts.get(u) != len(want.get(u, ()))]
        chk.eq(bad, [], "%s: sightings per document match extraction" % what)
        versions_without_doc = c.execute("SELECT count(*) FROM versions WHERE document_id NOT IN "
                                         "(SELECT id FROM documents)").fetchone()[0]
        chk.eq(versions_without_doc, 0, "%s: no version without its document" % what)
    c.close()
    return len(docs)


def test_full_disk(chk, factd, tmp):
    pages_dir = os.path.join(tmp, "full-pages")
    L.make_pages(pages_dir, 400, per_page=6, html_every=5)
    full = os.path.join(tmp, "full-mount")
    # Room for the store and its first group of pages, not for all 400 (the
    # size follows the schema: the search index of migration 7 took 384k).
    ok, err = mount(full, "size=768k")
    if not ok:
        chk.skip("full disk", "cannot mount a tmpfs (%s)" % err)
        return
    try:
        for size in ("768k", "1m"):
            ok, err = remount(full, "size=%s" % size)
            if not ok:
                chk.skip("full disk at %s" % size, err)
                continue
            for f in os.listdir(full):
                os.remove(os.path.join(full, f))
            db = os.path.join(full, "store.db")
            what = "full disk (%s)" % size
            # Groups of 100 pages, so that some commit before the disk is full.
            r = L.run(factd, ["replay", "--group", "100", "--db", db, pages_dir])
            chk.check(r.returncode != 0, "%s: replay exits non-zero (got %d)" %
                      (what, r.returncode))
            chk.check(re.search(r"(?i)full", r.stderr) and db in r.stderr,
                      "%s: the message says the disk is full and names the store" % what,
                      r.stderr[-1500:])
            s = L.summary(r.stdout)
            if s is not None:
                chk.check(s["failed"] > 0, "%s: the summary counts failed pages" % what,
                          r.stdout)
            if not os.path.exists(db):
                chk.note("%s: no store file left" % what)
                continue
            try:
                L.health(chk, db, what)
            except sqlite3.OperationalError as e:
                # Reading a WAL store needs room for its -shm file.
                chk.note("%s: cannot read on the full disk (%s); reading with more room" %
                         (what, e))
                remount(full, "size=32m")
                L.health(chk, db, what)
            n = whole_documents(chk, factd, db, what)
            chk.note("%s: %d of 400 pages stored before the disk was full; replay said: %s" %
                     (what, n, (r.stdout.splitlines() or [""])[0]))

            # With room again, replay finishes the job on the same store.
            ok, err = remount(full, "size=32m")
            if not chk.check(ok, "%s: remount with room (%s)" % (what, err)):
                continue
            r = L.run(factd, ["replay", "--db", db, pages_dir])
            chk.eq(r.returncode, 0, "%s: replay with room again: exit status" % what)
            L.health(chk, db, what + ", then with room")
            n = whole_documents(chk, factd, db, what + ", then with room")
            chk.eq(n, 400, "%s, then with room: every page stored" % what)
    finally:
        ok = umount(full)
        chk.check(ok, "full disk: tmpfs unmounted")


def test_stats_reads_only(chk, factd, tmp, pages):
    """stats neither creates a store nor needs to write to one."""
    db = os.path.join(tmp, "stats-none.db")
    r = L.run(factd, ["stats", "--db", db])
    chk.eq(r.returncode, 2, "stats on a missing store: exit status")
    chk.check(db in r.stderr, "stats on a missing store: the message names it", r.stderr)
    chk.check(not os.path.exists(db), "stats on a missing store: nothing created")
    db = os.path.join(tmp, "stats-ro.db")
    r = L.run(factd, ["replay", "--db", db, pages])
    chk.eq(r.returncode, 0, "stats-ro: replay")
    before = L.sha256(db)
    os.chmod(db, 0o444)
    # Root ignores permissions: read as nobody where possible.
    cmd = [factd, "stats", "--db", db]
    if os.geteuid() == 0 and shutil.which("setpriv"):
        os.chmod(tmp, 0o755)
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True)
    chk.eq(p.returncode, 0, "stats on a read-only store: exit status (%s)" % p.stderr.strip())
    chk.check("documents:" in p.stdout, "stats on a read-only store: counts printed", p.stdout)
    chk.eq(L.sha256(db), before, "stats on a read-only store: bytes unchanged")
    os.chmod(db, 0o644)


def test_corrupt(chk, factd, tmp, pages):
    """A store corrupted under factd: replay stops at once with exit 2 and
    says so once, instead of failing every page in turn."""
    db = os.path.join(tmp, "corrupt.db")
    r = L.run(factd, ["replay", "--db", db, pages])
    chk.eq(r.returncode, 0, "corrupt: the store is made")
    many = os.path.join(tmp, "many")
    L.make_pages(many, 60)
    with open(db, "r+b") as f:
        f.seek(4096 * 3)
        f.write(b"\xde\xad" * 4096)
    r = L.run(factd, ["replay", "--db", db, many])
    chk.eq(r.returncode, 2, "corrupt: exit status 2")
    chk.check("stopping after" in r.stderr and db in r.stderr,
              "corrupt: it says it stops, naming the store", r.stderr[-500:])
    chk.check(r.stderr.count("\n") < 10, "corrupt: a few lines, not one per page (%d)" %
              r.stderr.count("\n"), r.stderr[-500:])


def main():
    factd = L.factd_path()
    chk = L.Checker("test_bad_store")
    tmp = tempfile.mkdtemp(prefix="factd-badstore-")
    try:
        pages = os.path.join(tmp, "pages")
        L.make_pages(pages, 5)
        chk.guard(test_not_sqlite, chk, factd, tmp, pages)
        chk.guard(test_missing_dir, chk, factd, tmp, pages)
        chk.guard(test_readonly, chk, factd, tmp, pages)
        chk.guard(test_full_disk, chk, factd, tmp)
        chk.guard(test_stats_reads_only, chk, factd, tmp, pages)
        chk.guard(test_corrupt, chk, factd, tmp, pages)
    finally:
        for m in list(reversed(MOUNTS)):
            if not umount(m):
                print("FAIL: could not unmount %s" % m)
                chk.failed += 1
        shutil.rmtree(tmp, ignore_errors=True)
    chk.finish()


if __name__ == "__main__":
    main()
