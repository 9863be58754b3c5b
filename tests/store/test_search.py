#!/usr/bin/env python3
"""Keyword search as typed (issue 14): facts_fts, schema.sql migration 7.

  index       facts_fts holds, for every fact, exactly the tokens schema.sql
              and docs/search.md describe (every piece of 1 to 32 characters
              of each run of Chinese characters, and the rest of the sentence)
  like        MATCH 'w' and MATCH '"w"' (Datasette's quoting) find exactly the
              facts whose sentence LIKE '%w%', for words of 1 to 5 characters
              taken from the sentences, across punctuation and absent
  punctuation 公园,区内 is no 园区; 面 积 (a space) is no 面积
  text        what the index gives back reads as the sentence does
  dropped     a replay that re-extracts (another --year) drops and adds facts;
              the index follows, with nothing left of the dropped ones
  upgrade     a store of schema version 6 (made from schema.sql's migrations 1
              to 6 and the rows of a replayed store) is indexed by migration 7
              in SQL alone, with the same tokens as factd writes
  command     factd search: lines, marks, --kind, --limit, --json, exit
              statuses, errors naming the file

usage: python3 tests/store/test_search.py build/factd   (from the source root)
"""
import json
import os
import random
import re
import shutil
import sqlite3
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import storelib as L  # noqa: E402

APPLICATION_ID = 0x66616374
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f\u3007]+")

# Sentences made for the cases, each with a number so that it is a fact.
HAND = """公园,区内新增绿地120亩。
全市完成老旧小区改造35个项目。
建成区绿化覆盖率达到41.5%。
新建停车场面 积3000平方米。
〇𠀀测试区新增面积5000平方米。
"""


def tokens(s):
    """The tokens facts_fts holds for sentence s, as a set (detail=none keeps
    no count or place)."""
    out = set()
    rest = HAN.sub(lambda m: " " * len(m.group()), s)
    out.update(t.lower() for t in re.findall(r"[^\W_]+", rest))
    for m in HAN.finditer(s):
        r = m.group()
        for i in range(len(r)):
            for k in range(1, min(32, len(r) - i) + 1):
                out.add(r[i:i + k])
    return out


def vocab(c):
    """{fact id: set of tokens} as facts_fts holds them."""
    c.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.v USING fts5vocab(main, facts_fts, "
              "instance)")
    got = {}
    for term, doc in c.execute("SELECT term, doc FROM temp.v"):
        got.setdefault(doc, set()).add(term)
    return got


def check_index(chk, db, what):
    c = L.connect(db)
    facts = dict(c.execute("SELECT id, sentence FROM facts"))
    got = vocab(c)
    bad = [i for i in set(facts) | set(got) if got.get(i, set()) != tokens(facts.get(i, ""))]
    chk.check(not bad, "%s: facts_fts holds each fact's tokens and nothing else (%d facts, "
              "%d differ)" % (what, len(facts), len(bad)),
              "\n".join("fact %s: extra %r, missing %r" % (
                  i, sorted(got.get(i, set()) - tokens(facts.get(i, "")))[:6],
                  sorted(tokens(facts.get(i, "")) - got.get(i, set()))[:6]) for i in bad[:5]))
    queue = c.execute("SELECT count(*) FROM facts_fts_queue").fetchone()[0]
    chk.eq(queue, 0, "%s: the queue is empty after the commit" % what)
    c.close()
    return facts


def words_of(sentences, rnd, n):
    """n words of 1 to 5 characters cut from the sentences' runs, some cut
    across punctuation and some absent."""
    runs = [m.group() for s in sentences for m in HAN.finditer(s)]
    out = set()
    for k in range(1, 6):
        cand = [r[i:i + k] for r in runs for i in range(len(r) - k + 1)]
        out.update(rnd.sample(cand, min(n, len(cand))))
    # Across punctuation: the end of a run and the start of the next.
    for s in rnd.sample(sentences, min(n, len(sentences))):
        m = re.search("([\u4e00-\u9fff])[,;:、]([\u4e00-\u9fff])", s)
        if m:
            out.add(m.group(1) + m.group(2))
    out.update(["园区", "面积", "老旧小区", "绿化覆盖率", "高质量发展", "麒麟", "〇𠀀", "测"])
    return sorted(out)


def check_like(chk, db, what, rnd):
    c = L.connect(db)
    sentences = [s for (s,) in c.execute("SELECT DISTINCT sentence FROM facts")]
    bad = []
    words = words_of(sentences, rnd, 60)
    for w in words:
        want = {i for (i,) in c.execute("SELECT id FROM facts WHERE sentence LIKE ?",
                                        ("%" + w + "%",))}
        for q in (w, '"%s"' % w):
            got = {i for (i,) in c.execute("SELECT rowid FROM facts_fts WHERE facts_fts MATCH ?",
                                           (q,))}
            if got != want:
                bad.append("MATCH %r: %d hits, LIKE %d" % (q, len(got), len(want)))
    lengths = sorted({len(w) for w in words})
    chk.check(not bad, "%s: MATCH 'w' and MATCH '\"w\"' equal LIKE '%%w%%' for %d words of %s "
              "characters" % (what, len(words), lengths), "\n".join(bad[:10]))
    c.close()


def build(factd, tmp):
    pages = os.path.join(tmp, "pages")
    L.make_pages(pages, 60, per_page=4, html_every=5)
    for d in ("examples/reports", L.CORPUS):
        for name in sorted(os.listdir(d)):
            if os.path.isfile(os.path.join(d, name)):
                shutil.copy(os.path.join(d, name), os.path.join(pages, "r-" + name))
    L.write_text(os.path.join(pages, "hand.txt"), HAND)
    db = os.path.join(tmp, "s.db")
    r = L.run(factd, ["replay", "--db", db, "--year", "2020", pages])
    if r.returncode != 0:
        raise RuntimeError("replay failed: %s" % r.stderr[:500])
    return db, pages


def test_index(chk, factd, tmp, db):
    facts = check_index(chk, db, "replayed store")
    chk.check(len(facts) > 50, "the store holds facts to search (%d)" % len(facts))
    check_like(chk, db, "replayed store", random.Random(14))
    c = L.connect(db)

    def hits(q):
        return {s for (s,) in c.execute(
            "SELECT f.sentence FROM facts_fts s JOIN facts f ON f.id = s.rowid "
            "WHERE facts_fts MATCH ?", (q,))}
    chk.check(not any("公园,区内" in s for s in hits("园区")),
              "punctuation: 园区 does not find 公园,区内")
    chk.check(any("公园,区内" in s for s in hits("区内")), "区内 finds 公园,区内")
    chk.check(not any("面 积" in s for s in hits("面积")), "a space: 面积 does not find 面 积")
    for w in ("老旧小区", "绿化覆盖率", "老旧小区改造"):
        chk.check(any(w in s for s in hits(w)), "%s (%d characters) is found as typed"
                  % (w, len(w)))
    chk.check(hits("面积 OR 绿地") == hits("面积") | hits("绿地"), "OR works on words as typed")
    # What the index gives back is the sentence as written: no spaces added.
    rows = c.execute("SELECT s.sentence, f.sentence FROM facts_fts s JOIN facts f ON "
                     "f.id = s.rowid WHERE facts_fts MATCH '面积'").fetchall()
    chk.check(rows and all(a == b for a, b in rows),
              "text: facts_fts's sentence column is the fact's sentence (%d rows)" % len(rows))
    c.close()


def test_dropped(chk, factd, tmp, db, pages):
    r = L.run(factd, ["replay", "--db", db, "--year", "2018", pages])
    s = L.summary(r.stdout)
    chk.check(r.returncode == 0 and s and s["facts_dropped"] > 0,
              "another --year re-extracts and drops facts", r.stdout + r.stderr)
    check_index(chk, db, "after facts were dropped and added")
    check_like(chk, db, "after facts were dropped and added", random.Random(15))
    L.health(chk, db, "after facts were dropped and added")


def make_v6(db, src):
    """A store of schema version 6 as the factd before migration 7 left it:
    migrations 1 to 6 of schema.sql, and the rows of the store src."""
    mig = L.schema_migrations()
    c = sqlite3.connect(db, isolation_level=None)
    c.create_function("factd_spaced", 1, L.spaced)
    for n in range(1, 7):
        c.executescript("BEGIN;" + mig[n] + ";COMMIT;")
    c.execute("PRAGMA user_version = 6")
    c.execute("PRAGMA application_id = %d" % APPLICATION_ID)
    c.execute("ATTACH ? AS src", (src,))
    c.execute("BEGIN")
    for t in ("pattern_sets", "sources", "documents", "versions", "facts", "sightings"):
        cols = [r[1] for r in c.execute("PRAGMA main.table_info(%s)" % t)]
        have = {r[1] for r in c.execute("PRAGMA src.table_info(%s)" % t)}
        cols = [x for x in cols if x in have]
        c.execute("INSERT INTO main.%s (%s) SELECT %s FROM src.%s" %
                  (t, ", ".join(cols), ", ".join(cols), t))
    c.execute("INSERT INTO fact_search (rowid, spaced) SELECT id, factd_spaced(sentence) "
              "FROM facts")
    c.execute("COMMIT")
    c.execute("DETACH src")
    c.close()


def test_upgrade(chk, factd, tmp, src):
    db = os.path.join(tmp, "v6.db")
    make_v6(db, src)
    c = L.connect(db)
    chk.check(c.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'facts_fts'"
                        ).fetchone()[0] == 0, "upgrade: the version-6 store has no facts_fts")
    n = c.execute("SELECT count(*) FROM facts").fetchone()[0]
    c.close()
    r = L.run(factd, ["search", "--db", db, "面积"])
    chk.check(r.returncode == 0 and "no search index" in r.stderr and db in r.stderr,
              "upgrade: factd search on a version-6 store reads every sentence and says so",
              r.stderr)
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty, exist_ok=True)
    r = L.run(factd, ["replay", "--db", db, empty])
    chk.eq(r.returncode, 0, "upgrade: replay on no pages opens and upgrades the store")
    c = L.connect(db)
    chk.eq(c.execute("PRAGMA user_version").fetchone()[0], max(L.schema_migrations()),
           "upgrade: the store is at the latest schema version")
    chk.eq(c.execute("SELECT count(*) FROM facts").fetchone()[0], n, "upgrade: facts kept")
    c.close()
    check_index(chk, db, "upgrade: migration 7's SQL")
    check_like(chk, db, "upgrade: migration 7's SQL", random.Random(16))
    # factd takes the migration's rows out again with its own factd_grams():
    # they must be the same tokens, or the index would keep stale ones.
    r = L.run(factd, ["replay", "--db", db, "--year", "2019", os.path.join(tmp, "pages")])
    s = L.summary(r.stdout)
    chk.check(r.returncode == 0 and s and s["facts_dropped"] > 0,
              "upgrade: a replay then drops facts the migration indexed", r.stdout + r.stderr)
    check_index(chk, db, "upgrade: facts the migration indexed, dropped by factd")


def test_command(chk, factd, tmp, db):
    r = L.run(factd, ["search", "--db", db, "--limit", "0", "面积"])
    chk.eq(r.returncode, 0, "command: a word found: exit 0")
    lines = r.stdout.splitlines()
    c = L.connect(db)
    want = c.execute("SELECT count(*) FROM current_facts WHERE sentence LIKE '%面积%'"
                     ).fetchone()[0]
    c.close()
    chk.eq(len(lines), want, "command: one line per current fact and page holding 面积")
    f = lines[0].split("\t") if lines else []
    chk.eq(len(f), 8, "command: eight tab-separated fields (id, kind, value, year, stance, "
           "source, sentence, URI)")
    chk.check(all("[面积]" in ln for ln in lines), "command: the word is marked [面积]")
    chk.check(all(" 面" not in ln.split("\t")[6] for ln in lines if len(ln.split("\t")) > 6),
              "command: the sentence reads as written, no spaces added")
    r = L.run(factd, ["search", "--db", db, "--limit", "2", "面积"])
    chk.eq(len(r.stdout.splitlines()), 2, "command: --limit 2 gives two lines")
    r = L.run(factd, ["search", "--db", db, "--kind", "area", "--json", "--limit", "0", "面积"])
    objs = [json.loads(x) for x in r.stdout.splitlines()]
    chk.check(objs and all(o["kind"] == "area" and "面积" in o["sentence"] for o in objs),
              "command: --kind area --json gives area facts holding 面积", r.stdout[:300])
    chk.check(objs and {"fact_id", "value", "year", "stance", "source", "uri"} <= set(objs[0]),
              "command: --json has the fields")
    r = L.run(factd, ["search", "--db", db, "园区"])
    chk.check("公园,区内" not in r.stdout, "command: 园区 does not find 公园,区内")
    r = L.run(factd, ["search", "--db", db, "公园,区内"])
    chk.check(r.returncode == 0 and "[公园,区内]" in r.stdout,
              "command: a word with punctuation in it is found as typed", r.stdout + r.stderr)
    r = L.run(factd, ["search", "--db", db, "老旧小区", "改造"])
    chk.check(r.returncode == 0 and all("老旧小区" in x and "改造" in x for x in
                                        r.stdout.splitlines()),
              "command: two words: both in every hit", r.stdout + r.stderr)
    r = L.run(factd, ["search", "--db", db, "麒麟"])
    chk.check(r.returncode == 1 and r.stdout == "", "command: nothing found: exit 1, no output")
    missing = os.path.join(tmp, "nowhere.db")
    r = L.run(factd, ["search", "--db", missing, "面积"])
    chk.check(r.returncode == 2 and missing in r.stderr,
              "command: a missing store: exit 2, the message names it", r.stderr)
    notdb = os.path.join(tmp, "not.db")
    L.write_text(notdb, "hello\n" * 100)
    r = L.run(factd, ["search", "--db", notdb, "面积"])
    chk.check(r.returncode == 2 and notdb in r.stderr,
              "command: a file that is no store: exit 2, the message names it", r.stderr)
    for args, what in ((["search", "--db", db], "no word"), (["search", "面积"], "no --db"),
                       (["search", "--db", db, "--limit", "x", "面积"], "a bad --limit")):
        r = L.run(factd, args)
        chk.check(r.returncode == 2 and "usage" in (r.stderr + r.stdout) or
                  r.returncode == 2 and "limit" in r.stderr,
                  "command: %s: exit 2 with a message" % what, r.stderr)
    # Read-only: the store is not written (no new file beside it either).
    h0 = L.sha256(db)
    L.run(factd, ["search", "--db", db, "面积"])
    chk.eq(L.sha256(db), h0, "command: the store is only read")


def main():
    factd = L.factd_path()
    chk = L.Checker("test_search")
    tmp = tempfile.mkdtemp(prefix="factd-search-")
    try:
        db, pages = build(factd, tmp)
        chk.guard(test_index, chk, factd, tmp, db)
        chk.guard(test_command, chk, factd, tmp, db)
        src = os.path.join(tmp, "src.db")
        shutil.copy(db, src)
        chk.guard(test_upgrade, chk, factd, tmp, src)
        chk.guard(test_dropped, chk, factd, tmp, db, pages)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    chk.finish()


if __name__ == "__main__":
    main()
