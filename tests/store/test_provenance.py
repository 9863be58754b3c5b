#!/usr/bin/env python3
"""The analyst's store (issue 14): places, provenance, revisions, totals.

  places      replay --source with --region, --region-code, --level, and
              --sources CSV by path prefix: the sources table, the views'
              region columns; replaying with another source relabels stored
              documents, changed or not, and the summary counts them; bad
              options and bad CSV rows are refused with file and line
  verbatim    extract, the store and factd show give the sentence as the page
              writes it (before NFKC) and the fact's offset in the page's text
  provenance  each version's sha256 equals hashlib's of the file's bytes;
              factd show prints the fact, each sighting with source, place,
              date, sha256 and a citation line; an unknown id is an error
  revisions   fact_changes pairs 新增绿地100亩 -> 120亩 as one change, and
              lists a fact only added or only dropped as such
  totals      by stance; percents are never summed (count and range only)

usage: python3 tests/store/test_provenance.py build/factd   (from the source root)
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import storelib as L  # noqa: E402


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def test_places(chk, factd, tmp):
    a = os.path.join(tmp, "places", "beichen", "report.txt")
    b = os.path.join(tmp, "places", "hongqiao", "report.txt")
    write(a, "北辰区政府工作报告\n今年,北辰区将新增绿地100亩。\n")
    write(b, "红桥区政府工作报告\n今年,红桥区将新建公园3个,面积约5万平方米。\n")
    db = os.path.join(tmp, "places.db")
    r = L.run(factd, ["replay", "--db", db, os.path.join(tmp, "places")])
    chk.eq(r.returncode, 0, "places: first replay, no source")
    c = L.connect(db)
    chk.eq(c.execute("SELECT count(*) FROM documents WHERE source IS NULL").fetchone()[0], 2,
           "places: no source named, none stored")
    c.close()

    csv = os.path.join(tmp, "sources.csv")
    write(csv, "prefix,source,region,region_code,level\n"
               "%s/places/beichen/,beichen,天津市北辰区,120113,district\n"
               "\"%s/places/hongqiao/\",hongqiao,\"天津市红桥区\",120106,district\n" % (tmp, tmp))
    r = L.run(factd, ["replay", "--db", db, "--sources", csv, os.path.join(tmp, "places")])
    chk.eq(r.returncode, 0, "places: replay with --sources")
    chk.check("sources: 2 stored documents relabelled" in r.stdout,
              "places: the summary counts the unchanged pages relabelled", r.stdout)
    c = L.connect(db)
    chk.eq(sorted(c.execute("SELECT name, region, region_code, level FROM sources").fetchall()),
           [("beichen", "天津市北辰区", "120113", "district"),
            ("hongqiao", "天津市红桥区", "120106", "district")], "places: the sources table")
    rows = c.execute("SELECT DISTINCT source, region, region_code, level FROM current_facts "
                     "ORDER BY source").fetchall()
    chk.eq(rows, [("beichen", "天津市北辰区", "120113", "district"),
                  ("hongqiao", "天津市红桥区", "120106", "district")],
           "places: every current fact carries its place")
    c.close()

    # Another source and place for one of them: relabelled, the place follows.
    r = L.run(factd, ["replay", "--db", db, "--source", "beichen", "--region", "北辰区",
                      "--region-code", "120113", "--level", "county", os.path.dirname(a)])
    chk.eq(r.returncode, 0, "places: replay with --source and its place")
    chk.check("sources: 0 stored documents relabelled" in r.stdout,
              "places: the same source again relabels nothing", r.stdout)
    c = L.connect(db)
    chk.eq(c.execute("SELECT region, level FROM sources WHERE name = 'beichen'").fetchall(),
           [("北辰区", "county")], "places: a source's keys follow the last run")
    c.close()
    # Naming the source alone leaves its place as it was (set by the
    # configuration, or a replay before).
    r = L.run(factd, ["replay", "--db", db, "--source", "beichen", os.path.dirname(a)])
    c = L.connect(db)
    chk.eq(c.execute("SELECT region, region_code, level FROM sources WHERE name = 'beichen'"
                     ).fetchall(), [("北辰区", "120113", "county")],
           "places: --source without a place keeps the place stored")
    c.close()

    # Bad options and rows: refused, named, nothing written.
    for args, want in (
            (["--region-code", "12010"], "--region-code wants the six digits"),
            (["--level", "town"], "--level wants province"),
            (["--region", "x"], "describe the --source NAME")):
        extra = ["--source", "s"] if "--region" not in args else []
        r = L.run(factd, ["replay", "--db", db] + extra + args + [os.path.dirname(a)])
        chk.eq(r.returncode, 2, "places: %s refused" % args[0])
        chk.check(want in r.stderr, "places: %s says why" % args[0], r.stderr)
    bad = os.path.join(tmp, "bad.csv")
    write(bad, "prefix,source,region,region_code,level\n"
               "x/,s,,12345x,\n"
               "y/,t,,,village\n"
               "\"z/,u\n"
               ",v,,,\n")
    r = L.run(factd, ["replay", "--db", db, "--sources", bad, os.path.dirname(a)])
    chk.eq(r.returncode, 2, "places: a bad CSV is refused")
    for line, what in ((2, "region_code"), (3, "level"), (4, "quote"), (5, "prefix")):
        chk.check("%s:%d:" % (bad, line) in r.stderr and what in r.stderr,
                  "places: bad CSV line %d named (%s)" % (line, what), r.stderr)
    write(bad, "path,source\n")
    r = L.run(factd, ["replay", "--db", db, "--sources", bad, os.path.dirname(a)])
    chk.check(r.returncode == 2 and "%s:1: the first line must be the header" % bad in r.stderr,
              "places: a CSV without the header is refused at line 1", r.stderr)


def test_provenance(chk, factd, tmp):
    d = os.path.join(tmp, "prov")
    for name, text in L.reports()[:2]:
        write(os.path.join(d, name + ".txt"), text)
    db = os.path.join(tmp, "prov.db")
    r = L.run(factd, ["replay", "--db", db, "--source", "hongqiao", "--region", "天津市红桥区",
                      "--region-code", "120106", "--level", "district", d])
    chk.eq(r.returncode, 0, "provenance: replay")
    c = L.connect(db)
    for uri, sha in c.execute("SELECT d.uri, v.sha256 FROM versions v "
                              "JOIN documents d ON d.id = v.document_id"):
        with open(uri[len("file://"):], "rb") as f:
            chk.eq(sha, hashlib.sha256(f.read()).hexdigest(), "provenance: sha256 of %s" % uri)
    fid, text, uri, sha = c.execute(
        "SELECT fact_id, text, uri, sha256 FROM current_facts ORDER BY fact_id LIMIT 1").fetchone()
    c.close()
    r = L.run(factd, ["show", "--db", db, str(fid)])
    chk.eq(r.returncode, 0, "show: exit status")
    for want in ("fact %d:" % fid, text, "seen on %s (as the page is now)" % uri,
                 "source:     hongqiao (天津市红桥区, 120106, district)", "sha256:     " + sha,
                 "archived:   no (read from a file)", "cite:       天津市红桥区, "):
        chk.check(want in r.stdout, "show: prints %r" % want, r.stdout)
    r = L.run(factd, ["show", "--db", db, "999999"])
    chk.check(r.returncode == 1 and "no fact 999999" in r.stderr, "show: an unknown id",
              r.stderr)
    r = L.run(factd, ["show", "--db", db, "x1"])
    chk.check(r.returncode == 2 and "not 'x1'" in r.stderr, "show: a bad id", r.stderr)
    r = L.run(factd, ["show", "--db", os.path.join(tmp, "none.db"), "1"])
    chk.check(r.returncode == 2 and "none.db" in r.stderr, "show: a missing store is named",
              r.stderr)


def test_verbatim(chk, factd, tmp):
    """The sentence as the page writes it, before NFKC, beside the normalized
    one, and the fact's byte offset in the page's text."""
    text = "区政府工作报告\n全区，新增绿地１００亩。\n"
    page = os.path.join(tmp, "verbatim", "report.txt")
    write(page, text)
    facts = L.extract(factd, [page])
    chk.eq([(f["sentence"], f["verbatim"], f["offset"], f["original_offset"]) for f in facts],
           [("全区,新增绿地100亩。", "全区，新增绿地１００亩。",
             len("区政府工作报告\n全区,新增绿地".encode()),
             len("区政府工作报告\n全区，新增绿地".encode()))],
           "verbatim: extract gives both sentences and both offsets")
    raw = text.encode()
    f = facts[0] if facts else {"original_offset": 0}
    chk.check(raw[f["original_offset"]:].startswith("１００亩".encode()),
              "verbatim: original_offset points at the fact in the page's text")
    db = os.path.join(tmp, "verbatim.db")
    L.run(factd, ["replay", "--db", db, page])
    c = L.connect(db)
    chk.eq(c.execute("SELECT sentence, verbatim, original_offset FROM current_facts").fetchall(),
           [("全区,新增绿地100亩。", "全区，新增绿地１００亩。", f["original_offset"])],
           "verbatim: stored with each sighting and in current_facts")
    c.close()
    r = L.run(factd, ["show", "--db", db, "1"])
    chk.check("as written: 全区，新增绿地１００亩。" in r.stdout, "verbatim: factd show quotes it",
              r.stdout)
    # A character NFKC makes longer (¼ is 1⁄4): the original span is whole
    # characters, so verbatim stays valid UTF-8 (extract's JSON would not
    # load otherwise).
    page2 = os.path.join(tmp, "verbatim", "frac.txt")
    write(page2, "新增绿地¼0亩。\n")
    f2 = L.extract(factd, [page2])
    chk.check(f2 and f2[0]["verbatim"] == "新增绿地¼0亩。" and
              "新增绿地¼0亩。".encode()[f2[0]["original_offset"]:].decode("utf-8", "strict"),
              "verbatim: whole characters around a stretch NFKC made longer", f2)


def test_file_uris(chk, factd, tmp):
    """A file is one document whatever path names it: its file:// URI; a
    store that knew it by the path it was given before takes the URI."""
    d = os.path.join(tmp, "uris", "sub")
    page = os.path.join(d, "报告 1.txt")
    write(page, "区政府工作报告\n今年,全区将新增绿地100亩。\n")
    db = os.path.join(tmp, "uris.db")
    r = L.run(factd, ["replay", "--db", db, page])
    chk.eq(r.returncode, 0, "uris: replay by absolute path")
    rel = os.path.relpath(os.path.join(d, "..", "sub", "报告 1.txt"))
    r = L.run(factd, ["replay", "--db", db, rel])
    chk.check(r.returncode == 0 and "0 new, 0 changed, 1 unchanged" in r.stdout,
              "uris: the same file by a relative path with .. is the same document", r.stdout)
    c = L.connect(db)
    want = "file://" + os.path.realpath(page).replace(" ", "%20")
    chk.eq(c.execute("SELECT uri FROM documents").fetchall(), [(want,)],
           "uris: one document, its file:// URI (a space encoded, Chinese kept)")
    # A store of before: the document under the path it was named by.
    c.execute("UPDATE documents SET uri = ?", (rel,))
    c.commit()
    c.close()
    r = L.run(factd, ["replay", "--db", db, rel])
    c = L.connect(db)
    chk.eq(c.execute("SELECT uri FROM documents").fetchall(), [(want,)],
           "uris: a document stored by its path takes the file:// URI, no second one")
    c.close()
    chk.check("1 unchanged" in r.stdout, "uris: and its content is known", r.stdout)


def test_revisions(chk, factd, tmp):
    page = os.path.join(tmp, "rev", "report.txt")
    db = os.path.join(tmp, "rev.db")
    write(page, "区政府工作报告\n今年,全区将新增绿地100亩,覆盖率达到40%。\n完成造林3000亩。\n")
    L.run(factd, ["replay", "--db", db, "--year", "2024", page])
    write(page, "区政府工作报告\n今年,全区将新增绿地120亩,覆盖率达到40%。\n"
                "新建公园5个,覆盖率达到90%。\n")
    L.run(factd, ["replay", "--db", db, "--year", "2024", page])
    c = L.connect(db)
    rows = c.execute("SELECT change, kind, old_value, value, old_text, text, stance "
                     "FROM fact_changes ORDER BY change, kind").fetchall()
    c.close()
    chk.check(("changed", "mu", 100.0, 120.0, "100亩", "120亩", "target") in rows,
              "revisions: 100亩 -> 120亩 is one change", rows)
    chk.check(("dropped", "mu", 3000.0, None, "3000亩", None, None) in rows or
              any(r[0] == "dropped" and r[2] == 3000.0 for r in rows),
              "revisions: 3000亩 dropped", rows)
    chk.check(any(r[0] == "added" and r[1] == "percent" and r[3] == 90.0 for r in rows),
              "revisions: 90% added", rows)
    # 40% is a new fact (its sentence changed), but the same figure: no change.
    chk.check(not any(40.0 in (r[2], r[3]) for r in rows),
              "revisions: a figure whose sentence changed elsewhere is not listed", rows)
    chk.check(not any(r[0] in ("added", "dropped") and r[1] == "mu" and
                      (r[2] in (100.0,) or r[3] in (120.0,)) for r in rows),
              "revisions: a paired change is not also listed as added and dropped", rows)


def test_totals(chk, factd, tmp):
    page = os.path.join(tmp, "tot", "report.txt")
    db = os.path.join(tmp, "tot.db")
    write(page, "区政府工作报告\n今年,全区将新增绿地100亩,覆盖率达到40%。\n"
                "去年完成造林3000亩,覆盖率达到35%。\n去年林地比前年增加20亩。\n")
    L.run(factd, ["replay", "--db", db, "--year", "2024", page])
    c = L.connect(db)
    rows = {(k, s): (n, t, lo, hi) for k, s, n, t, lo, hi in c.execute(
        "SELECT kind, stance, sum(facts), sum(total_value), min(min_value), max(max_value) "
        "FROM totals GROUP BY kind, stance")}
    c.close()
    chk.eq(rows.get(("mu", "target")), (1, 100.0, 100.0, 100.0), "totals: mu targets")
    # The 20亩 increase is counted, not added to the 3000亩 level.
    chk.eq(rows.get(("mu", "reported")), (2, 3000.0, 20.0, 3000.0),
           "totals: mu results apart, a change not summed with levels")
    chk.check(all(t is None for (k, _), (_, t, _, _) in rows.items() if k == "percent"),
              "totals: percents are not summed", rows)
    chk.check(sum(n for (k, _), (n, _, _, _) in rows.items() if k == "percent") == 2,
              "totals: percents counted", rows)


def main():
    factd = L.factd_path()
    chk = L.Checker("test_provenance")
    tmp = tempfile.mkdtemp(prefix="factd-prov-")
    try:
        chk.guard(test_places, chk, factd, tmp)
        chk.guard(test_provenance, chk, factd, tmp)
        chk.guard(test_verbatim, chk, factd, tmp)
        chk.guard(test_file_uris, chk, factd, tmp)
        chk.guard(test_revisions, chk, factd, tmp)
        chk.guard(test_totals, chk, factd, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    chk.finish()


if __name__ == "__main__":
    main()
