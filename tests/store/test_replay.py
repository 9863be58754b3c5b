#!/usr/bin/env python3
"""factd replay, the rules of issue 3 on small fixtures.

  idempotent      replaying the same pages adds and changes nothing
  changed page    a new version, only the changed sentence's facts are new,
                  old sightings kept, the current view follows the page;
                  going back to the earlier content points at it again
  repeated promise  the same 今年 sentence in the 2020 and 2021 reports: two
                  facts, each shown with its own report
  syndicated      the same text on two paths and as GBK HTML: one fact, a
                  sighting and a current_facts row per page
  pattern sets    after a change of patterns the current view equals what the
                  new set extracts, nothing stale, no orphan, and back again;
                  a page back at a content stored with the old set is
                  extracted again with the new one
  failed pages    reported, skipped, the rest stored
  search          facts_fts finds two- to four-character words as typed
  stats           factd stats prints what SQL counts

usage: python3 tests/store/test_replay.py build/factd   (from the source root)
"""
import os
import re
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import storelib as L  # noqa: E402

TIME_COLUMNS = {"last_seen", "first_seen", "seen_at", "loaded_at"}


def table_dump(db):
    """Every row of the store's tables, time columns left out, by id."""
    c = L.connect(db)
    out = {}
    for t in ("pattern_sets", "documents", "versions", "facts", "sightings"):
        cols = [r[1] for r in c.execute("PRAGMA table_info(%s)" % t) if r[1] not in TIME_COLUMNS]
        out[t] = c.execute("SELECT %s FROM %s ORDER BY id" % (", ".join(cols), t)).fetchall()
    out["search"] = L.search_probe(c)
    c.close()
    return out


def replay(chk, factd, db, paths, what, patterns=None, want_rc=0, extra=()):
    args = ["replay", "--db", db]
    if patterns:
        args += ["--patterns", patterns]
    r = L.run(factd, args + list(extra) + list(paths))
    chk.check(r.returncode == want_rc, "%s: replay exit status %d, want %d" %
              (what, r.returncode, want_rc), r.stderr[-2000:])
    s = L.summary(r.stdout)
    chk.check(s is not None, "%s: replay printed its summary" % what, r.stdout)
    return s or {}, r


def want_summary(chk, s, what, **want):
    got = {k: s.get(k) for k in want}
    chk.eq(got, want, "%s: summary" % what)


def check_current(chk, factd, db, paths, what, patterns=None):
    """The current view equals what extract gives for the pages."""
    want = L.extract_rows(L.extract(factd, paths, patterns))
    got = L.current_rows(db)
    chk.same_set(L.flatten(got), L.flatten(want), "%s: current_facts equals factd extract" % what)
    return want


def scalar(db, sql, args=()):
    c = L.connect(db)
    v = c.execute(sql, args).fetchone()[0]
    c.close()
    return v


# ---- idempotent ----

def test_idempotent(chk, factd, tmp):
    pages = L.make_pages(os.path.join(tmp, "idem"), 40, html_every=4)
    db = os.path.join(tmp, "idem.db")
    s, _ = replay(chk, factd, db, [os.path.join(tmp, "idem")], "idempotent, first run")
    want_summary(chk, s, "idempotent, first run", new=40, changed=0, unchanged=0, reextracted=0,
                 failed=0)
    check_current(chk, factd, db, [os.path.join(tmp, "idem")], "idempotent, first run")
    before = table_dump(db)
    chk.check(len(before["facts"]) > 20, "idempotent: the fixture has facts (%d)" %
              len(before["facts"]))
    s, _ = replay(chk, factd, db, [os.path.join(tmp, "idem")], "idempotent, second run")
    want_summary(chk, s, "idempotent, second run", new=0, changed=0, unchanged=40,
                 reextracted=0, failed=0, facts_new=0, facts_dropped=0, sightings=0)
    after = table_dump(db)
    for t in before:
        chk.check(before[t] == after[t], "idempotent: table %s unchanged by the second run" % t,
                  "%d rows before, %d after" % (len(before[t]), len(after[t])))
    # Pages named one by one (not by directory) are the same documents.
    s, _ = replay(chk, factd, db, pages, "idempotent, pages named singly")
    want_summary(chk, s, "idempotent, pages named singly", new=0, unchanged=40, facts_new=0)
    # Hash of the raw bytes, as hash_hex128() computes it.
    c = L.connect(db)
    bad = [(u, h) for u, h in c.execute("SELECT uri, hash FROM documents")
           if h != L.file_hash(L.path_of(u))]
    c.close()
    chk.eq(bad, [], "idempotent: documents.hash is the hash of the page's bytes")
    L.health(chk, db, "idempotent")
    L.exact_values(chk, db, "idempotent")


# ---- changed page ----

def pick_sentence(factd, path):
    """A fact of the page whose sentence is in the file as written, with digits."""
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    for fa in L.extract(factd, [path]):
        if fa["sentence"] in raw and re.search(r"\d", fa["text"]):
            return raw, fa
    return raw, None


def test_changed(chk, factd, tmp):
    d = os.path.join(tmp, "chg")
    pages = L.make_pages(os.path.join(d, "site"), 12)
    # The page that will change, and a syndicated copy that will not.
    target = None
    for p in pages:
        raw, fa = pick_sentence(factd, p)
        if fa is not None and len(L.extract(factd, [p])) >= 2:
            target = p
            break
    if not chk.check(target is not None, "changed: fixture has a page with facts"):
        return
    copy = os.path.join(d, "mirror", "copy.txt")
    L.write_text(copy, raw)
    db = os.path.join(tmp, "chg.db")
    s, _ = replay(chk, factd, db, [d], "changed, first run")
    want_summary(chk, s, "changed, first run", new=13, failed=0)

    c = L.connect(db)
    doc_id, v1 = c.execute("SELECT id, latest_version_id FROM documents WHERE uri = ?",
                           (L.file_uri(target),)).fetchone()
    old_sightings = c.execute("SELECT id, fact_id, offset, text, sentence, pattern FROM sightings "
                              "WHERE version_id = ? ORDER BY id", (v1,)).fetchall()
    old_fact_ids = {r[0] for r in c.execute(
        "SELECT id FROM facts WHERE sentence = ?", (fa["sentence"],))}
    nfacts = c.execute("SELECT count(*) FROM facts").fetchone()[0]
    nsight = c.execute("SELECT count(*) FROM sightings").fetchone()[0]
    nvers = c.execute("SELECT count(*) FROM versions").fetchone()[0]
    c.close()
    chk.check(len(old_fact_ids) >= 1, "changed: the sentence's facts are in the store")

    # Change one number of that sentence.
    m = re.search(r"\d+", fa["text"])
    new_text = fa["text"][:m.start()] + str(int(m.group()) + 555) + fa["text"][m.end():]
    new_sentence = fa["sentence"].replace(fa["text"], new_text, 1)
    new_raw = raw.replace(fa["sentence"], new_sentence, 1)
    L.write_text(target, new_raw)
    new_facts = L.extract(factd, [target])
    changed_keys = {k for k in L.extract_rows(new_facts)[target] if k[5] == L.nows(new_sentence)}
    k = len(changed_keys)
    chk.check(k >= 1, "changed: the changed sentence has facts")
    chk.note("changed: %s: '%s' -> '%s', %d fact(s) in the changed sentence" %
             (os.path.basename(target), fa["text"], new_text, k))

    s, _ = replay(chk, factd, db, [d], "changed, second run")
    want_summary(chk, s, "changed, second run", new=0, changed=1, unchanged=12, reextracted=0,
                 failed=0, facts_new=k, facts_dropped=0)
    c = L.connect(db)
    chk.eq(c.execute("SELECT count(*) FROM facts").fetchone()[0], nfacts + k,
           "changed: facts grow by exactly the changed sentence's facts")
    chk.eq(c.execute("SELECT count(*) FROM versions").fetchone()[0], nvers + 1,
           "changed: one version more")
    vers = c.execute("SELECT id, hash FROM versions WHERE document_id = ? ORDER BY id",
                     (doc_id,)).fetchall()
    chk.eq(len(vers), 2, "changed: the document has two versions")
    latest = c.execute("SELECT latest_version_id, hash FROM documents WHERE id = ?",
                       (doc_id,)).fetchone()
    v2 = vers[-1][0] if vers else None
    chk.eq(latest[0], v2, "changed: documents.latest_version_id is the new version")
    chk.eq(vers[-1][1] if vers else None, L.file_hash(target),
           "changed: the new version's hash is that of the new bytes")
    chk.eq(latest[1], L.file_hash(target), "changed: documents.hash is the new content's")
    kept = c.execute("SELECT id, fact_id, offset, text, sentence, pattern FROM sightings "
                     "WHERE version_id = ? ORDER BY id", (v1,)).fetchall()
    chk.eq(kept, old_sightings, "changed: the old version's sightings are kept")
    n_new_sight = c.execute("SELECT count(*) FROM sightings WHERE version_id = ?",
                            (v2,)).fetchone()[0]
    chk.eq(c.execute("SELECT count(*) FROM sightings").fetchone()[0], nsight + n_new_sight,
           "changed: sightings only added, for the new version")
    cur_ids = {r[0] for r in c.execute("SELECT fact_id FROM current_facts WHERE uri = ?",
                                       (L.file_uri(target),))}
    cur_texts = {r[0] for r in c.execute("SELECT text FROM current_facts WHERE uri = ? AND "
                                         "sentence = ?", (L.file_uri(target), new_sentence))}
    chk.check(new_text in cur_texts, "changed: current_facts shows the new number '%s'" %
              new_text, cur_texts)
    chk.eq(cur_ids & old_fact_ids, set(),
           "changed: current_facts no longer shows the old sentence's facts for the page")
    old_cur = c.execute("SELECT count(*) FROM current_facts WHERE uri = ? AND text = ? AND "
                        "sentence = ?", (L.file_uri(target), fa["text"], fa["sentence"])).fetchone()[0]
    chk.eq(old_cur, 0, "changed: the old number '%s' is not current for the page" % fa["text"])
    copy_ids = {r[0] for r in c.execute("SELECT fact_id FROM current_facts WHERE uri = ?",
                                        (L.file_uri(copy),))}
    chk.check(old_fact_ids <= copy_ids,
              "changed: the unchanged copy still shows the old sentence's facts")
    c.close()
    check_current(chk, factd, db, [d], "changed")

    # Back to the earlier content: no new version, the earlier one is latest.
    L.write_text(target, raw)
    s, _ = replay(chk, factd, db, [d], "changed back")
    want_summary(chk, s, "changed back", new=0, changed=1, unchanged=12, facts_new=0)
    c = L.connect(db)
    chk.eq(c.execute("SELECT count(*) FROM versions WHERE document_id = ?", (doc_id,)
                     ).fetchone()[0], 2, "changed back: no third version")
    chk.eq(c.execute("SELECT latest_version_id FROM documents WHERE id = ?", (doc_id,)
                     ).fetchone()[0], v1, "changed back: the earlier version is latest again")
    chk.eq(c.execute("SELECT count(*) FROM facts").fetchone()[0], nfacts + k,
           "changed back: no fact added or dropped")
    c.close()
    check_current(chk, factd, db, [d], "changed back")
    L.health(chk, db, "changed")


# ---- the same promise in two years' reports ----

def test_repeated_promise(chk, factd, tmp):
    """今年,我区将新增绿地100亩 in the 2020 report and again in the 2021 one:
    two commitments, one for each year, each shown with its own report only
    (FACTS.md, Identity)."""
    d = os.path.join(tmp, "years")
    os.makedirs(d)
    text = "区政府工作报告\n今年,我区将新增绿地100亩。\n"
    for year, date in ((2020, "2020-01-16"), (2021, "2021-01-20")):
        with open(os.path.join(d, "report-%d.html" % year), "wb") as f:
            f.write(L.gbk_html(text, head='<meta name="PubDate" content="%s 09:30">\n' % date))
    db = os.path.join(tmp, "years.db")
    s, _ = replay(chk, factd, db, [d], "repeated promise")
    want_summary(chk, s, "repeated promise", new=2, failed=0, facts_new=2)
    c = L.connect(db)
    rows = c.execute("SELECT year, stance, value FROM facts ORDER BY year").fetchall()
    chk.eq(rows, [(2020, "target", 100.0), (2021, "target", 100.0)],
           "repeated promise: two facts, 2020 and 2021")
    shown = c.execute("SELECT substr(uri, -16), year FROM current_facts ORDER BY uri").fetchall()
    chk.eq(shown, [("report-2020.html", 2020), ("report-2021.html", 2021)],
           "repeated promise: each year's fact shown with its own report only")
    chk.eq(c.execute("SELECT substr(d.uri, -16), v.doc_year, v.published FROM versions v "
                     "JOIN documents d ON d.id = v.document_id ORDER BY d.uri").fetchall(),
           [("report-2020.html", 2020, "2020-01-16"), ("report-2021.html", 2021, "2021-01-20")],
           "repeated promise: each version keeps its doc_year and published date")
    c.close()


# ---- syndicated copy ----

def test_syndicated(chk, factd, tmp):
    d = os.path.join(tmp, "syn")
    name, text = L.reports()[1]
    a = os.path.join(d, "site-a", "report.txt")
    b = os.path.join(d, "site-b", "news", "2024", "copy.txt")
    h = os.path.join(d, "site-c", "index.html")
    L.write_text(a, text)
    L.write_text(b, text)
    os.makedirs(os.path.dirname(h))
    with open(h, "wb") as f:
        f.write(L.gbk_html(text, head='<meta name="PubDate" content="2024-11-28 09:30">\n'))
    db = os.path.join(tmp, "syn.db")
    facts_one = L.extract(factd, [a])
    n = len({(f["kind"], f["value"], f["value_max"], f["qualifier"], L.nows(f["sentence"]),
              f["offset"]) for f in facts_one})
    chk.check(n >= 5, "syndicated: the report has facts (%d)" % n)
    # The HTML copy gives the same facts as the text (same sentences).
    fh = L.extract(factd, [h])
    chk.eq(sorted((f["kind"], f["value"], f["text"], L.nows(f["sentence"])) for f in fh),
           sorted((f["kind"], f["value"], f["text"], L.nows(f["sentence"])) for f in facts_one),
           "syndicated: extract finds the same facts in the GBK HTML copy")
    # The year is part of a fact's identity (今年 means the page's year), and
    # only the HTML copy says its own (its PubDate): the text copies are
    # given it, as a source's year setting would.
    s, _ = replay(chk, factd, db, [a, b], "syndicated, two text copies", extra=["--year", "2024"])
    want_summary(chk, s, "syndicated, two text copies", new=2, failed=0, facts_new=n)
    c = L.connect(db)
    chk.eq(c.execute("SELECT count(*) FROM facts").fetchone()[0], n,
           "syndicated: one fact per sentence fact, not per page")
    chk.eq(c.execute("SELECT count(*) FROM sightings").fetchone()[0], 2 * n,
           "syndicated: two sightings per fact")
    c.close()
    s, r_html = replay(chk, factd, db, [d], "syndicated, with the GBK HTML copy",
                  extra=["--source", "红桥区人民政府", "--year", "2024"])
    want_summary(chk, s, "syndicated, with the GBK HTML copy", new=1, unchanged=2, failed=0,
                 facts_new=0)
    c = L.connect(db)
    chk.eq(c.execute("SELECT count(*) FROM facts").fetchone()[0], n,
           "syndicated: the GBK HTML copy adds no fact")
    per_fact = c.execute("SELECT count(*) FROM facts f JOIN sightings s ON s.fact_id = f.id "
                         "GROUP BY f.id").fetchall()
    chk.eq(sorted(set(r[0] for r in per_fact)), [3], "syndicated: three sightings per fact")
    rows = c.execute("SELECT uri, count(*) FROM current_facts GROUP BY uri ORDER BY uri"
                     ).fetchall()
    chk.eq(rows, sorted([(L.file_uri(a), n), (L.file_uri(b), n), (L.file_uri(h), n)]),
           "syndicated: current_facts has a row per page")
    cs = c.execute("SELECT charset, title FROM documents WHERE uri = ?", (L.file_uri(h),)).fetchone()
    chk.check(cs is not None and cs[0] is not None and re.search(r"(?i)gb", cs[0]),
              "syndicated: the HTML copy's charset is recorded as GBK/GB18030", cs)
    chk.eq(cs[1] if cs else None, text.split("\n")[0].strip(),
           "syndicated: the HTML copy's title is recorded")
    chk.eq(c.execute("SELECT published, source FROM documents WHERE uri = ?", (L.file_uri(h),)).fetchone(),
           ("2024-11-28", "红桥区人民政府"),
           "syndicated: the page's PubDate and the --source name are recorded")
    # The two text copies, stored before without a source and unchanged
    # since, are relabelled by the run that names one (issue 14).
    chk.eq(c.execute("SELECT count(*) FROM documents WHERE source IS NULL").fetchone()[0], 0,
           "syndicated: the unchanged pages take the --source too")
    chk.check("sources: 2 stored documents relabelled" in r_html.stdout,
              "syndicated: the summary counts the relabelled pages", r_html.stdout)
    # totals: each current fact once per group, however many pages repeat it.
    kinds = dict(c.execute("SELECT kind, count(*) FROM facts GROUP BY kind").fetchall())
    for src, ndocs in (("红桥区人民政府", 3),):
        tot = c.execute("SELECT kind, sum(facts), max(documents) FROM totals WHERE source IS ? "
                        "GROUP BY kind", (src,)).fetchall()
        chk.eq({k: f for k, f, _ in tot}, kinds,
               "syndicated: totals for source %s counts each fact once" % src)
        chk.eq({dd for _, _, dd in tot}, {ndocs},
               "syndicated: totals for source %s counts its %d page(s)" % (src, ndocs))
    c.close()
    check_current(chk, factd, db, [d], "syndicated")
    L.health(chk, db, "syndicated")
    return db


# ---- pattern-set change ----

def test_patterns(chk, factd, tmp):
    d = os.path.join(tmp, "pat")
    L.make_pages(os.path.join(d, "pages"), 45, html_every=4)
    name, text = L.reports()[0]
    L.write_text(os.path.join(d, "a", "r.txt"), text)   # a syndicated pair with a mu fact
    L.write_text(os.path.join(d, "b", "r.txt"), text)
    npages = 47
    db = os.path.join(tmp, "pat.db")
    s, _ = replay(chk, factd, db, [d], "patterns, original set")
    want_summary(chk, s, "patterns, original set", new=npages, failed=0)
    orig = check_current(chk, factd, db, [d], "patterns, original set")
    nmu = sum(1 for r in L.flatten(orig) if r[1] == "mu")
    chk.check(nmu >= 2, "patterns: the fixture has mu facts (%d)" % nmu)
    orig_facts = L.canonical(db)["facts"]

    # An unchanged copy of the set is the same set: nothing to do.
    same = os.path.join(tmp, "patterns-copy")
    shutil.copytree("patterns", same)
    s, _ = replay(chk, factd, db, [d], "patterns, an identical copy", patterns=same)
    want_summary(chk, s, "patterns, an identical copy", new=0, changed=0, unchanged=npages,
                 reextracted=0)

    # Without mu.pat.
    nomu = os.path.join(tmp, "patterns-nomu")
    shutil.copytree("patterns", nomu)
    os.remove(os.path.join(nomu, "mu.pat"))
    s, _ = replay(chk, factd, db, [d], "patterns, mu removed", patterns=nomu)
    want_summary(chk, s, "patterns, mu removed", new=0, changed=0, unchanged=0,
                 reextracted=npages, failed=0)
    chk.check(s.get("facts_dropped", 0) >= nmu - 1,
              "patterns, mu removed: the summary counts dropped facts (%s)" %
              s.get("facts_dropped"))
    check_current(chk, factd, db, [d], "patterns, mu removed", patterns=nomu)
    chk.eq(scalar(db, "SELECT count(*) FROM facts WHERE kind = 'mu'"), 0,
           "patterns, mu removed: no mu fact is left")
    after_set_checks(chk, db, "patterns, mu removed")

    # A unit scale changed: 平方米 counted as 10 m².
    scale = os.path.join(tmp, "patterns-scale")
    shutil.copytree("patterns", scale)
    p = os.path.join(scale, "area.pat")
    with open(p, encoding="utf-8") as f:
        src = f.read()
    src2 = re.sub(r"(?m)^(unit\s+平方米\s+)1\s*$", r"\g<1>10", src)
    chk.check(src2 != src, "patterns: area.pat has a 平方米 unit line to change")
    with open(p, "w", encoding="utf-8") as f:
        f.write(src2)
    s, _ = replay(chk, factd, db, [d], "patterns, scale changed", patterns=scale)
    want_summary(chk, s, "patterns, scale changed", new=0, unchanged=0, reextracted=npages,
                 failed=0)
    cur = check_current(chk, factd, db, [d], "patterns, scale changed", patterns=scale)
    after_set_checks(chk, db, "patterns, scale changed")
    c = L.connect(db)
    bad = c.execute("SELECT count(*) FROM current_facts WHERE kind = 'area' AND unit = '平方米' "
                    "AND abs(value - 10 * CAST(replace(replace(replace(text, '平方米', ''), "
                    "'约', ''), '余', '') AS REAL)) > 1e-6 AND text GLOB '[0-9]*平方米'"
                    ).fetchone()[0]
    n_m2 = c.execute("SELECT count(*) FROM current_facts WHERE unit = '平方米'").fetchone()[0]
    c.close()
    chk.check(n_m2 > 0 and bad == 0, "patterns, scale changed: 平方米 facts carry the new scale",
              "%d 平方米 facts, %d with the old value" % (n_m2, bad))

    # Back to the original set: the original current view and facts, no duplicate.
    s, _ = replay(chk, factd, db, [d], "patterns, original again")
    want_summary(chk, s, "patterns, original again", new=0, unchanged=0, reextracted=npages,
                 failed=0)
    back = check_current(chk, factd, db, [d], "patterns, original again")
    chk.same_set(L.flatten(back), L.flatten(orig),
                 "patterns, original again: the current set is the original one")
    chk.same_set(L.canonical(db)["facts"], orig_facts,
                 "patterns, original again: the facts table is the original one")
    after_set_checks(chk, db, "patterns, original again")
    chk.eq(scalar(db, "SELECT count(*) FROM pattern_sets"), 3,
           "patterns: three pattern sets recorded")
    return db


def test_revert_after_patterns(chk, factd, tmp):
    """A page goes back to a content first stored with another pattern set:
    that version becomes latest and is extracted again with the new set."""
    d = os.path.join(tmp, "revert")
    name, text = L.reports()[0]
    page = os.path.join(d, "page.txt")
    L.write_text(page, text)
    other = os.path.join(d, "other.txt")
    L.write_text(other, L.shift_numbers(text, 3))
    nomu = os.path.join(tmp, "patterns-nomu")  # made by test_patterns
    db = os.path.join(tmp, "revert.db")
    replay(chk, factd, db, [d], "revert, original set")
    chk.check(any(r[0] == "mu" for r in L.current_rows(db).get(page, ())),
              "revert: the page has a mu fact with the original set")
    # Another content, with the new set.
    m = re.search(r"(\d+)万平方米", text)
    L.write_text(page, text.replace(m.group(0), "%d万平方米" % (int(m.group(1)) + 9), 1))
    replay(chk, factd, db, [d], "revert, changed page and new set", patterns=nomu)
    # Back to the first content, still with the new set.
    L.write_text(page, text)
    s, _ = replay(chk, factd, db, [d], "revert, first content again", patterns=nomu)
    chk.eq((s.get("new"), s.get("unchanged"), s.get("failed")), (0, 1, 0),
           "revert: summary (one page unchanged, none new or failed)")
    check_current(chk, factd, db, [d], "revert, first content again", patterns=nomu)
    c = L.connect(db)
    v = c.execute("SELECT v.id, v.hash, p.hash FROM documents d JOIN versions v ON v.id = "
                  "d.latest_version_id JOIN pattern_sets p ON p.id = v.pattern_set_id "
                  "WHERE d.uri = ?", (L.file_uri(page),)).fetchone()
    first = c.execute("SELECT min(v.id) FROM versions v JOIN documents d ON d.id = v.document_id "
                      "WHERE d.uri = ?", (L.file_uri(page),)).fetchone()[0]
    newest_ps = c.execute("SELECT p.hash FROM pattern_sets p JOIN versions v ON "
                          "v.pattern_set_id = p.id ORDER BY v.id DESC LIMIT 1").fetchone()[0]
    c.close()
    chk.eq(v[0] if v else None, first, "revert: the first version is latest again")
    chk.eq(v[2] if v else None, newest_ps, "revert: it is now extracted with the new set")
    after_set_checks(chk, db, "revert")


def after_set_checks(chk, db, what):
    c = L.connect(db)
    chk.eq(c.execute("SELECT count(*) FROM facts WHERE id NOT IN "
                     "(SELECT fact_id FROM sightings)").fetchone()[0], 0,
           "%s: no fact without sightings" % what)
    stale = c.execute("SELECT count(*) FROM sightings s JOIN latest_versions v "
                      "ON v.id = s.version_id WHERE s.pattern_set_id != v.pattern_set_id"
                      ).fetchone()[0]
    chk.eq(stale, 0, "%s: no sighting of another pattern set on a latest version" % what)
    nps = c.execute("SELECT count(DISTINCT pattern_set_id) FROM latest_versions").fetchone()[0]
    chk.eq(nps, 1, "%s: every latest version extracted with one pattern set" % what)
    dup = c.execute("SELECT count(*) FROM (SELECT uri, kind, value, sentence, offset "
                    "FROM current_facts GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1)"
                    ).fetchone()[0]
    chk.eq(dup, 0, "%s: no duplicate in current_facts" % what)
    c.close()
    L.health(chk, db, what)


# ---- failed pages ----

def test_failed(chk, factd, tmp):
    d = os.path.join(tmp, "failing")
    good = L.make_pages(d, 3, per_page=6)
    big = os.path.join(d, "zz-big.txt")
    L.write_text(big, "新增3000亩土地。\n" * 2000)
    dang = os.path.join(d, "p-dangling.txt")
    os.symlink(os.path.join(tmp, "nowhere.txt"), dang)
    db = os.path.join(tmp, "failing.db")
    s, r = replay(chk, factd, db, [d], "failed pages", want_rc=1, extra=["--max-bytes", "20000"])
    want_summary(chk, s, "failed pages", new=3, failed=2)
    chk.check(big in r.stderr and dang in r.stderr, "failed pages: both failures are named",
              r.stderr)
    chk.eq(sorted(L.path_of(r[0]) for r in L.connect(db).execute("SELECT uri FROM documents")),
           sorted(good), "failed pages: the good pages are stored, the failed ones are not")
    check_current(chk, factd, db, good, "failed pages")


# ---- search ----

def test_search(chk, db):
    c = L.connect(db)

    def found(word):
        return {r[0] for r in c.execute(
            "SELECT rowid FROM facts_fts WHERE facts_fts MATCH ?", (word,))}

    def holding(word):
        return {r[0] for r in c.execute("SELECT id FROM facts WHERE instr(sentence, ?) > 0",
                                        (word,))}

    hits = c.execute("SELECT f.text, f.sentence FROM facts_fts JOIN facts f ON f.id = "
                     "facts_fts.rowid WHERE facts_fts MATCH '面积'").fetchall()
    chk.check(any(t == "41平方米" and "面积" in s for t, s in hits),
              "search: MATCH '面积' finds the 41平方米 fact (corpus 001)", hits)
    for word in ("面积", "覆盖率", "三季度", "服务设施", "同比增长", "平方米"):
        want = holding(word)
        chk.check(len(want) > 0, "search: some sentence holds %s" % word)
        chk.eq(found(word), want,
               "search: '%s' finds exactly the facts whose sentence holds it" % word)
    chk.eq(found("41 平 方 米"), holding("41平方米"), "search: a number with its unit")
    chk.eq(found("面 包"), set(), "search: a word in no sentence finds nothing")
    c.close()


# ---- stats ----

def test_stats(chk, factd, db):
    failed_before = chk.failed
    r = L.run(factd, ["stats", "--db", db])
    chk.eq(r.returncode, 0, "stats: exit status")
    out = r.stdout

    def field(label):
        m = re.search(r"(?m)^\s*%s:?\s+(\S+)\s*$" % re.escape(label), out)
        return m.group(1) if m else None

    c = L.connect(db)
    q = lambda sql: c.execute(sql).fetchone()[0]  # noqa: E731
    want = {
        "documents": q("SELECT count(*) FROM documents"),
        "versions": q("SELECT count(*) FROM versions"),
        "facts": q("SELECT count(*) FROM facts"),
        "sightings": q("SELECT count(*) FROM sightings"),
        "pattern sets": q("SELECT count(*) FROM pattern_sets"),
    }
    for k, v in want.items():
        got = field(k)
        chk.eq(int(got) if got and got.isdigit() else got, v, "stats: %s" % k)
    # Facts per kind: an indented line per kind; every kind the store holds
    # is there with its count (a kind with no facts may be left out).
    kinds = dict(c.execute("SELECT kind, count(*) FROM facts GROUP BY kind"))
    printed = {k: int(n) for k, n in re.findall(r"(?m)^ +(\w+) +(\d+)\s*$", out)}
    chk.eq({k: n for k, n in printed.items() if n}, kinds, "stats: facts per kind")
    chk.eq(field("last update"), q("SELECT max(last_seen) FROM documents"),
           "stats: last update")
    m = re.search(r"schema version (\d+)", out)
    chk.eq(int(m.group(1)) if m else None, q("PRAGMA user_version"), "stats: schema version")
    c.close()
    if chk.failed > failed_before:
        print("    factd stats printed:\n" + "\n".join("      " + l for l in out.splitlines()))


def main():
    factd = L.factd_path()
    chk = L.Checker("test_replay")
    tmp = tempfile.mkdtemp(prefix="factd-replay-")
    try:
        chk.guard(test_idempotent, chk, factd, tmp)
        chk.guard(test_changed, chk, factd, tmp)
        chk.guard(test_repeated_promise, chk, factd, tmp)
        syn = chk.guard(test_syndicated, chk, factd, tmp)
        pat = chk.guard(test_patterns, chk, factd, tmp)
        chk.guard(test_revert_after_patterns, chk, factd, tmp)
        chk.guard(test_failed, chk, factd, tmp)
        chk.guard(test_search, chk, syn)
        chk.guard(test_stats, chk, factd, pat)
        chk.guard(test_stats, chk, factd, syn)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    chk.finish()


if __name__ == "__main__":
    main()
