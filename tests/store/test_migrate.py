#!/usr/bin/env python3
"""Schema migrations (issue 3): a store made at schema version 1 is upgraded
in place, keeping its rows; a store newer than factd is refused untouched;
a migration that cannot apply leaves the store at its version.

The version-1 store is made by hand from schema.sql's "-- migration 1:"
part, as an older factd would have left it.

usage: python3 tests/store/test_migrate.py build/factd   (from the source root)
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import storelib as L  # noqa: E402

APPLICATION_ID = 0x66616374  # 'fact'
HAND_SENTENCE = "手工录入的绿化面积达到123平方米,覆盖率提高。"
HAND_IDENTITY = bytes(range(0xA0, 0xB0))


def make_v1(path, extra_sql=""):
    """A store at schema version 1 with a document, version, pattern set,
    fact and sighting made by hand."""
    mig = L.schema_migrations()
    c = sqlite3.connect(path, isolation_level=None)
    c.executescript(mig[1])
    if extra_sql:
        c.executescript(extra_sql)
    c.execute("PRAGMA user_version = 1")
    c.execute("PRAGMA application_id = %d" % APPLICATION_ID)
    t = "2020-01-02T03:04:05Z"
    c.execute("BEGIN")
    c.execute("INSERT INTO pattern_sets (id, hash, loaded_at) VALUES (7, 'handmade0000000', ?)",
              (t,))
    c.execute("INSERT INTO documents (id, uri, source, title, published, charset, bytes, hash, "
              "first_seen, last_seen) VALUES (5, 'https://example.gov.cn/hand.html', 'hand', "
              "'手工', '2020-01-01', 'UTF-8', 100, 'ffeeddccbbaa99887766554433221100', ?, ?)",
              (t, t))
    c.execute("INSERT INTO versions (id, document_id, hash, bytes, charset, seen_at, "
              "pattern_set_id) VALUES (11, 5, 'ffeeddccbbaa99887766554433221100', 100, "
              "'UTF-8', ?, 7)", (t,))
    c.execute("UPDATE documents SET latest_version_id = 11 WHERE id = 5")
    c.execute("INSERT INTO facts (id, identity, kind, value, value_max, qualifier, text, unit, "
              "sentence, clause, position, year, stance, first_seen) VALUES (3, ?, 'area', 123, "
              "NULL, NULL, '123平方米', '平方米', ?, '手工录入的绿化面积达到123平方米', 0, 2020, "
              "'reported', ?)", (HAND_IDENTITY, HAND_SENTENCE, t))
    c.execute("INSERT INTO sightings (id, fact_id, version_id, offset, text, sentence, pattern, "
              "pattern_set_id) VALUES (13, 3, 11, 27, '123平方米', ?, 'area', 7)",
              (HAND_SENTENCE,))
    c.execute("COMMIT")
    c.close()


def as_before(after, before):
    """The rows of after, cut to before's columns, if every column a later
    migration added is NULL (a migration adds columns, never fills them)."""
    out = []
    for a, b in zip(after, before):
        if any(v is not None for v in a[len(b):]):
            return after
        out.append(a[:len(b)])
    return out if len(after) == len(before) else after


def hand_rows(db):
    c = L.connect(db)
    out = {
        "pattern_sets": c.execute("SELECT * FROM pattern_sets WHERE id = 7").fetchall(),
        "documents": c.execute("SELECT * FROM documents WHERE id = 5").fetchall(),
        "versions": c.execute("SELECT * FROM versions WHERE id = 11").fetchall(),
        "facts": c.execute("SELECT * FROM facts WHERE id = 3").fetchall(),
        "sightings": c.execute("SELECT * FROM sightings WHERE id = 13").fetchall(),
    }
    c.close()
    return out


def pragma(db, name):
    c = sqlite3.connect(db)
    v = c.execute("PRAGMA %s" % name).fetchone()[0]
    c.close()
    return v


def search(db, phrase):
    c = L.connect(db)
    try:
        return {r[0] for r in c.execute("SELECT rowid FROM facts_fts WHERE facts_fts MATCH ?",
                                        (phrase,))}
    except sqlite3.Error as e:
        return "error: %s" % e
    finally:
        c.close()


def test_upgrade(chk, factd, tmp):
    db = os.path.join(tmp, "v1.db")
    make_v1(db)
    chk.eq(pragma(db, "user_version"), 1, "v1 store made by hand is at version 1")
    latest = max(L.schema_migrations())
    chk.check(latest >= 2, "schema.sql has a migration after 1 (latest %d)" % latest)
    before = hand_rows(db)

    # stats only reads: it shows an older store as it is.
    h0 = L.sha256(db)
    r = L.run(factd, ["stats", "--db", db])
    chk.eq(r.returncode, 0, "stats on a v1 store: exit status 0")
    chk.check("schema version 1" in r.stdout, "stats on a v1 store reports version 1", r.stdout)
    chk.eq(L.sha256(db), h0, "stats on a v1 store: bytes unchanged")
    # Any writing command upgrades it; replay of no pages does nothing else.
    r = L.run(factd, upgrade_cmd(db))
    chk.eq(r.returncode, 0, "replay on a v1 store: exit status 0")
    chk.check(r.stderr == "", "replay on a v1 store: no message", r.stderr)
    chk.eq(pragma(db, "user_version"), latest, "replay upgrades the store to the latest version")
    chk.eq(pragma(db, "application_id"), APPLICATION_ID, "application_id kept")
    r = L.run(factd, ["stats", "--db", db])
    chk.check("schema version %d" % latest in r.stdout, "stats reports the new schema version",
              r.stdout)
    chk.check(r.stdout.count("documents:    1") == 1 and "facts:        1" in r.stdout,
              "stats counts the hand-made rows", r.stdout)
    after = hand_rows(db)
    for t in before:
        chk.eq(as_before(after[t], before[t]), before[t], "upgrade keeps the hand-made %s row" % t)
    c = L.connect(db)
    cols = {t: [r[1] for r in c.execute("PRAGMA table_info(%s)" % t)]
            for t in ("facts", "versions", "documents")}
    c.close()
    chk.check({"subject", "direction"} <= set(cols["facts"]) and
              {"title", "published", "doc_year"} <= set(cols["versions"]) and
              "doc_year" in cols["documents"],
              "migration 5: facts have subject and direction, versions and documents doc_year",
              cols)
    for word in ("绿化", "面积", "覆盖率", "平方米"):
        chk.eq(search(db, word), {3}, "facts_fts finds the hand-made fact by '%s'" % word)
    chk.eq(search(db, "面包"), set(), "facts_fts: an absent word finds nothing")
    c = L.connect(db)
    chk.eq(c.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'fact_search'"
                     ).fetchone()[0], 0, "migration 8: the old search index is gone")
    merge = dict(c.execute("SELECT k, v FROM facts_fts_config"))
    c.close()
    chk.eq((merge.get("automerge"), merge.get("crisismerge")), (16, 32),
           "migrations 4 and 7: the search index merges 16 segments at a time, at once from 32")
    L.health(chk, db, "upgraded store")

    # Replay into the upgraded store: new facts are indexed, old rows stay.
    L.make_pages(os.path.join(tmp, "pages"), 10)
    r = L.run(factd, ["replay", "--db", db, os.path.join(tmp, "pages")])
    chk.eq(r.returncode, 0, "replay into the upgraded store: exit status 0")
    s = L.summary(r.stdout) or {}
    chk.eq(s.get("new"), 10, "replay into the upgraded store: 10 new documents")
    after = hand_rows(db)
    for t in before:
        chk.eq(as_before(after[t], before[t]), before[t], "replay keeps the hand-made %s row" % t)
    c = L.connect(db)
    nfacts = c.execute("SELECT count(*) FROM facts").fetchone()[0]
    indexed = sum(1 for _, found in L.search_probe(c, limit=100000) if found)
    probed = len(L.search_probe(c, limit=100000))
    hit = c.execute("SELECT f.id, f.sentence FROM facts f WHERE f.id != 3 LIMIT 1").fetchone()
    c.close()
    chk.check(nfacts > 1, "replay added facts (%d)" % nfacts)
    chk.check(probed > 1 and indexed == probed,
              "every fact is in facts_fts after the upgrade and a replay (%d of %d)" %
              (indexed, probed))
    if hit:
        word = L.first_word(hit[1])
        chk.check(hit[0] in search(db, word), "facts_fts finds a replayed fact by '%s'" % word)
    hits = search(db, "手工录入")
    chk.eq(hits, {3}, "the hand-made fact is still found after a replay")
    L.health(chk, db, "upgraded store after replay")
    r = L.run(factd, ["stats", "--db", db])
    chk.eq(r.returncode, 0, "stats on the upgraded store")
    chk.eq(pragma(db, "user_version"), latest, "version stays the latest")


def test_v0_empty(chk, factd, tmp):
    """An empty file (a fresh SQLite database) becomes a store."""
    db = os.path.join(tmp, "empty.db")
    open(db, "wb").close()
    r = L.run(factd, upgrade_cmd(db))
    chk.check(r.returncode == 0, "an empty file becomes a store", r.stderr)
    chk.eq(pragma(db, "user_version"), max(L.schema_migrations()),
           "the empty file is at the latest version")


def test_newer(chk, factd, tmp):
    pages = os.path.join(tmp, "pages-newer")
    L.make_pages(pages, 3)
    for i, mode in enumerate(("factd-made (WAL)", "hand-made (rollback journal)")):
        db = os.path.join(tmp, "newer-%d.db" % i)
        if mode.startswith("factd"):
            r = L.run(factd, ["replay", "--db", db, pages])
            chk.eq(r.returncode, 0, "newer: %s: the store is made" % mode)
        else:
            make_v1(db)
        c = sqlite3.connect(db, isolation_level=None)
        c.execute("PRAGMA user_version = 99")
        c.close()
        h0 = L.sha256(db)
        size0 = os.path.getsize(db)
        for cmd in (["replay", "--db", db, pages], ["stats", "--db", db]):
            r = L.run(factd, cmd)
            what = "newer: %s: factd %s" % (mode, cmd[0])
            chk.check(r.returncode != 0, "%s exits non-zero (got %d)" % (what, r.returncode))
            chk.check("newer" in r.stderr and db in r.stderr,
                      "%s: the message names the store and says its schema is newer" % what,
                      r.stderr)
            chk.check("99" in r.stderr, "%s: the message gives the store's version" % what,
                      r.stderr)
            chk.eq(L.sha256(db), h0, "%s: the file's bytes are unchanged" % what)
            chk.eq(os.path.getsize(db), size0, "%s: the file's size is unchanged" % what)
        chk.eq(pragma(db, "user_version"), 99, "newer: %s: user_version still 99" % mode)


def test_failed_migration(chk, factd, tmp):
    """Migration 2 cannot apply (an analyst's own table is called fact_search):
    factd says so and leaves the store at version 1, byte for byte."""
    db = os.path.join(tmp, "blocked.db")
    make_v1(db, "CREATE TABLE fact_search (note TEXT);")
    h0 = L.sha256(db)
    r = L.run(factd, upgrade_cmd(db))
    chk.check(r.returncode != 0, "failed migration: exit non-zero (got %d)" % r.returncode)
    chk.check("migration 2" in r.stderr and db in r.stderr,
              "failed migration: the message names the store and the migration", r.stderr)
    chk.eq(pragma(db, "user_version"), 1, "failed migration: the store stays at version 1")
    chk.eq(L.sha256(db), h0, "failed migration: the file's bytes are unchanged")
    before = hand_rows(db)
    chk.eq(len(before["facts"]), 1, "failed migration: the hand-made fact is still there")


def test_race(chk, factd, tmp):
    """Two factd processes opening the same new or older store at once: the
    one that waits for the other's migration must find it done, not apply
    it a second time."""
    # 1. Deterministic: another "factd" (this connection) holds the write
    # lock while factd starts, then applies the migrations and commits.
    for start in (0, 1):
        db = os.path.join(tmp, "race-%d.db" % start)
        if start == 1:
            make_v1(db)
        else:
            open(db, "wb").close()
        c = sqlite3.connect(db, isolation_level=None, timeout=10)
        c.create_function("factd_spaced", 1, L.spaced)
        c.execute("BEGIN IMMEDIATE")
        p = subprocess.Popen([factd] + upgrade_cmd(db), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)  # factd reads the version and waits for the lock
        mig = L.schema_migrations()
        # Under the lock held all along: the later migrations, then commit.
        for n in sorted(mig):
            if n <= start:
                continue
            for stmt in split_sql(mig[n]):
                c.execute(stmt)
            c.execute("PRAGMA user_version = %d" % n)
        c.execute("PRAGMA application_id = %d" % APPLICATION_ID)
        c.execute("COMMIT")
        c.close()
        out, err = p.communicate(timeout=60)
        what = "race: factd opens a store at version %d while another migrates it" % start
        chk.eq(p.returncode, 0, "%s: exit status" % what)
        chk.check(err.strip() == "", "%s: no error" % what, err)
        chk.eq(pragma(db, "user_version"), max(mig), "%s: the store is at the latest version"
               % what)

    # 2. Two factd processes started together on a new file, a few times.
    bad = []
    for i in range(4):
        db = os.path.join(tmp, "together-%d.db" % i)
        ps = [subprocess.Popen([factd] + upgrade_cmd(db), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for _ in range(2)]
        for p in ps:
            out, err = p.communicate(timeout=60)
            if p.returncode != 0:
                bad.append("try %d: exit %d: %s" % (i, p.returncode, err.strip()))
    chk.check(not bad, "race: two factd replays on a new store at once both succeed "
              "(%d of 8 failed)" % len(bad), "\n".join(bad))


EMPTY = tempfile.mkdtemp(prefix="factd-migrate-empty-")


def upgrade_cmd(db):
    """A factd command that opens db for writing and does nothing else."""
    return ["replay", "--db", db, EMPTY]


def split_sql(sql):
    """schema.sql's statements one by one (sqlite3.complete_statement)."""
    out, cur = [], ""
    for line in sql.splitlines(keepends=True):
        if not cur.strip() and line.lstrip().startswith("--"):
            continue
        cur += line
        if sqlite3.complete_statement(cur):
            out.append(cur.strip())
            cur = ""
    if cur.strip():
        out.append(cur.strip())
    return out


def main():
    factd = L.factd_path()
    chk = L.Checker("test_migrate")
    tmp = tempfile.mkdtemp(prefix="factd-migrate-")
    try:
        chk.guard(test_upgrade, chk, factd, tmp)
        chk.guard(test_v0_empty, chk, factd, tmp)
        chk.guard(test_newer, chk, factd, tmp)
        chk.guard(test_failed_migration, chk, factd, tmp)
        chk.guard(test_race, chk, factd, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    chk.finish()


if __name__ == "__main__":
    main()
