"""factd export: every view in both formats against SQL on the same store.

A store is built from the bundled reports (source demo) and a page of our own
(source other) whose sentence holds commas and quotes, changed once so that
fact_changes and the history in sightings have rows; the sources get a place,
one with a line break in it.  Then: each view's header and rows against the
store's views read with Python's sqlite3, numbers exact and in plain
notation, RFC 4180 quoting and CRLF line ends, the BOM, --source and --since,
--output, errors and their exit status, a store the user may only read, and
a spreadsheet program (gnumeric's ssconvert) reading the CSV with the
Chinese intact.
"""
import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import storelib as L  # noqa: E402

CURRENT = ("source region region_code level year stance subject direction kind unit value "
           "value_max qualifier text sentence uri published doc_year clause title fact_id "
           "document_id version_id position offset pattern first_seen seen_at sha256 warc_file "
           "warc_record_id verbatim original_offset").split()

# Each view: its columns and the SQL that gives the same rows in the same order.
VIEWS = {
    "current_facts": (CURRENT, "SELECT %s FROM current_facts c ORDER BY document_id, offset, "
                      "fact_id" % ", ".join('c."%s"' % c for c in CURRENT)),
    "commitments": (CURRENT, "SELECT %s FROM commitments c ORDER BY document_id, offset, fact_id"
                    % ", ".join('c."%s"' % c for c in CURRENT)),
    "facts": ("year stance subject direction kind unit value value_max qualifier text sentence "
              "clause fact_id position first_seen identity".split(),
              "SELECT year, stance, subject, direction, kind, unit, value, value_max, qualifier, "
              "text, sentence, clause, id, position, first_seen, lower(hex(identity)) FROM facts "
              "ORDER BY id"),
    "sightings": ("source region region_code level year stance subject direction kind unit value "
                  "value_max qualifier text sentence uri published doc_year clause title fact_id "
                  "document_id version_id latest position offset pattern pattern_set_id "
                  "first_seen seen_at sha256 warc_file warc_record_id verbatim "
                  "original_offset".split(),
                  "SELECT d.source, src.region, src.region_code, src.level, f.year, f.stance, "
                  "f.subject, f.direction, f.kind, f.unit, f.value, f.value_max, f.qualifier, "
                  "s.text, s.sentence, d.uri, v.published, v.doc_year, f.clause, v.title, f.id, "
                  "d.id, v.id, v.id = d.latest_version_id, f.position, s.offset, s.pattern, "
                  "s.pattern_set_id, f.first_seen, v.seen_at, v.sha256, v.warc_file, "
                  "v.warc_record_id, s.verbatim, s.original_offset FROM sightings s "
                  "JOIN facts f ON f.id = s.fact_id "
                  "JOIN versions v ON v.id = s.version_id JOIN documents d ON d.id = v.document_id "
                  "LEFT JOIN sources src ON src.name = d.source ORDER BY d.id, v.id, s.offset, f.id"),
    "totals": ("source region region_code level year stance kind facts total_value min_value "
               "max_value documents".split(),
               "SELECT t.source, src.region, src.region_code, src.level, t.year, t.stance, t.kind, "
               "t.facts, t.total_value, t.min_value, t.max_value, t.documents FROM totals t "
               "LEFT JOIN sources src ON src.name = t.source "
               "ORDER BY t.source, t.year, t.stance, t.kind"),
    "fact_changes": ("source region region_code level year stance change kind old_value value "
                     "old_text text clause uri published seen_at document_id version_id "
                     "previous_version_id old_fact_id fact_id".split(),
                     "SELECT d.source, src.region, src.region_code, src.level, c.year, c.stance, "
                     "c.change, c.kind, c.old_value, c.value, c.old_text, c.text, c.clause, c.uri, "
                     "d.published, c.seen_at, c.document_id, c.version_id, "
                     "c.previous_version_id, c.old_fact_id, c.fact_id FROM fact_changes c "
                     "JOIN documents d ON d.id = c.document_id "
                     "LEFT JOIN sources src ON src.name = d.source ORDER BY c.document_id, "
                     "c.version_id, c.change, coalesce(c.fact_id, c.old_fact_id)"),
}

PAGE = ("和平区2021年政府工作报告\n发布日期：2021-03-05\n"
        "2021年,我们将新建\"口袋公园\"%d亩,其中,绿地面积达到15.5万平方米。\n"
        "今年,全区将力争城镇化率达到67.35%%。\n")
REGION_NL = "天津市\n和平区"


def build(chk, factd, tmp):
    db = os.path.join(tmp, "facts.db")
    r = L.run(factd, ["replay", "--db", db, "--source", "demo", "examples/reports"])
    chk.eq(r.returncode, 0, "replay of the reports (%s)" % r.stderr.strip())
    page = os.path.join(tmp, "other", "heping.txt")
    os.makedirs(os.path.dirname(page))
    for mu in (3000, 3500):  # a second version: fact_changes has a row
        L.write_text(page, PAGE % mu)
        r = L.run(factd, ["replay", "--db", db, "--source", "other", page])
        chk.eq(r.returncode, 0, "replay of the page with %d亩 (%s)" % (mu, r.stderr.strip()))
    c = sqlite3.connect(db)  # the places, as factd.conf would give them
    with c:
        for name in ("demo", "other"):
            c.execute("INSERT OR IGNORE INTO sources (name, updated_at) VALUES (?, 'x')", (name,))
        c.execute("UPDATE sources SET region = '天津市北辰区', region_code = '120113', "
                  "level = 'district' WHERE name = 'demo'")
        c.execute("UPDATE sources SET region = ?, level = 'district' WHERE name = 'other'",
                  (REGION_NL,))
    c.close()  # the last connection: the WAL goes into the file, which is copied below
    return db


def sql_rows(db, sql, args=()):
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    rows = c.execute(sql, args).fetchall()
    c.close()
    return rows


def export(factd, db, *args):
    p = subprocess.run([factd, "export", "--db", db] + list(args), capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def csv_rows(data):
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def as_csv(v):
    """What export should write for an SQLite value (numbers compared apart)."""
    return "" if v is None else str(v)


def check_numbers(chk, what, text, want):
    """A real as exported: plain notation, no .0, and exactly the value."""
    if isinstance(want, float):
        ok = ("e" not in text.lower() and not text.endswith(".0") and float(text) == want)
        chk.check(ok, "%s: %r is written %r" % (what, want, text))
        return ok
    return True


def compare_csv(chk, what, data, cols, want):
    rows = csv_rows(data)
    if not chk.check(rows, "%s: no output" % what):
        return
    chk.eq(rows[0], cols, "%s: header" % what)
    chk.eq(len(rows) - 1, len(want), "%s: row count" % what)
    bad = 0
    for got, exp in zip(rows[1:], want):
        for g, e, name in zip(got, exp, cols):
            if isinstance(e, float):
                if not check_numbers(chk, "%s: %s" % (what, name), g, e):
                    bad += 1
            elif g != as_csv(e):
                bad += 1
                if bad < 5:
                    chk.eq(g, as_csv(e), "%s: column %s" % (what, name))
    chk.eq(bad, 0, "%s: every value as SQL has it" % what)


def compare_jsonl(chk, what, data, cols, want):
    lines = data.decode("utf-8").split("\n")
    chk.eq(lines[-1], "", "%s: ends with a newline" % what)
    objs = [json.loads(x) for x in lines[:-1]]
    chk.eq(len(objs), len(want), "%s: row count" % what)
    bad = 0
    for o, exp in zip(objs, want):
        if list(o.keys()) != cols:
            bad += 1
        for name, e in zip(cols, exp):
            if o.get(name) != e or type(o.get(name)) is bool:
                bad += 1
    chk.eq(bad, 0, "%s: keys in order and every value as SQL has it" % what)
    # Numbers written plainly: 5900000, not 5.9e+06 or 5900000.0.
    for line in lines[:-1]:
        for name in ("value", "value_max", "total_value", "old_value"):
            key = '"%s":' % name
            if key in line:
                v = line.split(key, 1)[1].split(",", 1)[0].rstrip("}")
                chk.check(v == "null" or ("e" not in v and not v.endswith(".0")),
                          "%s: %s written plainly (%s)" % (what, name, v))


def test_views(chk, factd, db):
    for view, (cols, sql) in VIEWS.items():
        want = sql_rows(db, sql)
        if view != "fact_changes":
            chk.check(want, "%s: the store has rows for it" % view)
        rc, out, err = export(factd, db, "--view", view)
        chk.eq(rc, 0, "%s csv: exit status (%s)" % (view, err.strip()))
        compare_csv(chk, view + " csv", out, cols, want)
        rc, out, err = export(factd, db, "--view", view, "--format", "jsonl")
        chk.eq(rc, 0, "%s jsonl: exit status (%s)" % (view, err.strip()))
        compare_jsonl(chk, view + " jsonl", out, cols, want)
    chk.check(sql_rows(db, "SELECT count(*) FROM fact_changes WHERE change = 'changed'")[0][0] > 0,
              "fact_changes: the page's change is there to export")
    rc, out, _ = export(factd, db)
    chk.eq(out, export(factd, db, "--view", "current_facts")[1], "the default view is current_facts")
    chk.check(b"67.35" in out, "a fraction is written as 67.35")


def test_csv_form(chk, factd, db):
    rc, out, _ = export(factd, db, "--view", "sightings")
    chk.check(out.endswith(b"\r\n"), "csv: the last record ends with CRLF")
    records = csv_rows(out)
    # Line breaks: CRLF between records; LF only inside a quoted field.
    chk.eq(out.count(b"\r\n"), len(records), "csv: one CRLF per record")
    chk.check(b'"\xe5\xa4\xa9\xe6\xb4\xa5\xe5\xb8\x82\n' in out, "csv: the region with a line "
              "break is quoted, the break kept", out[:0])
    chk.check(any(r[0] == "other" and r[1] == REGION_NL for r in records),
              "csv: the region with a line break reads back whole")
    chk.check(b'"2021\xe5\xb9\xb4,' in out, "csv: a sentence with commas is quoted")
    chk.check(b'""\xe5\x8f\xa3\xe8\xa2\x8b\xe5\x85\xac\xe5\x9b\xad""' in out,
              "csv: quotes inside a field are doubled")
    chk.check(any('"口袋公园"3500亩' in r[14] for r in records),
              "csv: the sentence with quotes reads back as written")
    chk.check(not out.startswith(b"\xef\xbb\xbf"), "csv: no BOM unless asked")
    rc, bom, _ = export(factd, db, "--view", "sightings", "--bom")
    chk.eq(bom, b"\xef\xbb\xbf" + out, "--bom: the BOM, then the same bytes")


def test_filters(chk, factd, db):
    cols, _ = VIEWS["current_facts"]
    base = "SELECT %s FROM current_facts c WHERE %%s ORDER BY document_id, offset, fact_id" % \
        ", ".join('c."%s"' % c for c in cols)
    for src in ("demo", "other"):
        rc, out, err = export(factd, db, "--source", src)
        chk.eq(rc, 0, "--source %s: exit status (%s)" % (src, err.strip()))
        compare_csv(chk, "--source " + src, out, cols, sql_rows(db, base % "source = ?", (src,)))
    rc, out, _ = export(factd, db, "--source", "demo", "-s", "other")
    compare_csv(chk, "--source twice", out, cols, sql_rows(db, base % "1"))
    rc, out, _ = export(factd, db, "--view", "totals", "--source", "other", "--format", "jsonl")
    chk.check(out and all(json.loads(x)["source"] == "other" for x in out.splitlines()),
              "totals --source: that source's rows")
    want = sql_rows(db, base % "published >= '2021-01-01'")
    chk.check(0 < len(want) < len(sql_rows(db, base % "1")), "--since: the store has rows on "
              "both sides of 2021-01-01")
    for arg in ("2021-01-01", "2021-01", "2021"):
        rc, out, err = export(factd, db, "--since", arg)
        chk.eq(rc, 0, "--since %s: exit status (%s)" % (arg, err.strip()))
        compare_csv(chk, "--since " + arg, out, cols, want)
    rc, out, _ = export(factd, db, "--since", "2020-01-16", "--source", "demo")
    compare_csv(chk, "--since a day with --source", out, cols,
                sql_rows(db, base % "published >= '2020-01-16' AND source = 'demo'"))
    fcols, _ = VIEWS["facts"]
    rc, out, _ = export(factd, db, "--view", "facts", "--source", "other")
    ids = {r[12] for r in csv_rows(out)[1:]}
    chk.eq(ids, {str(r[0]) for r in sql_rows(
        db, "SELECT DISTINCT s.fact_id FROM sightings s JOIN versions v ON v.id = s.version_id "
        "JOIN documents d ON d.id = v.document_id WHERE d.source = 'other'")},
        "facts --source: the facts seen on that source's pages")
    rc, out, _ = export(factd, db, "--view", "fact_changes", "--since", "2999-01-01")
    chk.eq(len(csv_rows(out)), 1, "fact_changes --since the future: the header alone")


def test_errors(chk, factd, db, tmp):
    missing = os.path.join(tmp, "none.db")
    rc, out, err = export(factd, missing)
    chk.eq(rc, 2, "a missing store: exit status 2")
    chk.check(err.startswith("factd: " + missing + ":"), "a missing store: named", err)
    chk.check(not os.path.exists(missing), "a missing store: nothing created")
    notdb = os.path.join(tmp, "not.db")
    L.write_text(notdb, "hello\n")
    rc, _, err = export(factd, notdb)
    chk.eq(rc, 2, "not a store: exit status 2 (%s)" % err.strip())
    chk.check(notdb in err, "not a store: named", err)
    for args, what in ((["--view", "everything"], "a bad view"),
                       (["--format", "xlsx"], "a bad format"),
                       (["--since", "2021-13-01"], "month 13"),
                       (["--since", "2021-02-29"], "29 February 2021"),
                       (["--since", "yesterday"], "a word for a date"),
                       (["--view", "totals", "--since", "2021"], "--since on totals"),
                       (["--format", "jsonl", "--bom"], "--bom with jsonl"),
                       (["--output", db], "--output the store itself"),
                       (["extra"], "an argument")):
        rc, out, err = export(factd, db, *args)
        chk.eq(rc, 2, "%s: exit status 2" % what)
        chk.check(err.startswith("factd: ") or err.startswith("usage:"), "%s: says so" % what, err)
        chk.eq(out, b"", "%s: nothing written" % what)
    rc, _, _ = export(factd, db, "--since", "2020-02-29")
    chk.eq(rc, 0, "29 February 2020 is a date")
    rc, out, err = export(factd, db, "--source", "nowhere")
    chk.eq(rc, 2, "an unknown source: exit status 2")
    chk.check(db in err and "nowhere" in err, "an unknown source: the store and name said", err)
    chk.eq(out, b"", "an unknown source: nothing written, not even the header")
    p = subprocess.run([factd, "export", "--help"], capture_output=True, text=True)
    chk.check(p.returncode == 0 and "--since" in p.stdout, "--help: the usage, exit 0")


def test_output(chk, factd, db, tmp):
    dest = os.path.join(tmp, "out", "facts.csv")
    os.makedirs(os.path.dirname(dest))
    rc, out, err = export(factd, db, "--view", "commitments", "--output", dest)
    chk.eq((rc, out), (0, b""), "--output: exit 0, nothing on standard output (%s)" % err.strip())
    with open(dest, "rb") as f:
        chk.eq(f.read(), export(factd, db, "--view", "commitments")[1],
               "--output: the same bytes as standard output")
    chk.eq(oct(os.stat(dest).st_mode & 0o777), oct(0o666 & ~current_umask()),
           "--output: the mode a new file gets")
    before = L.sha256(dest)
    rc, _, err = export(factd, db, "--source", "nowhere", "--output", dest)
    chk.eq(rc, 2, "--output, export failing: exit status 2")
    chk.eq(L.sha256(dest), before, "--output, export failing: the file is as it was")
    chk.eq(os.listdir(os.path.dirname(dest)), ["facts.csv"], "--output: no temporary file left")
    nodir = os.path.join(tmp, "no-such-dir", "facts.csv")
    rc, _, err = export(factd, db, "--output", nodir)
    chk.eq(rc, 1, "--output in a missing directory: exit status 1")
    chk.check(err.startswith("factd: " + nodir + ":"), "--output in a missing directory: named",
              err)
    if os.path.exists("/dev/full"):
        p = subprocess.run([factd, "export", "--db", db, "--view", "sightings"],
                           stdout=open("/dev/full", "wb"), stderr=subprocess.PIPE, text=True)
        chk.eq(p.returncode, 1, "a full disk: exit status 1")
        chk.check("standard output" in p.stderr, "a full disk: said", p.stderr)


def current_umask():
    m = os.umask(0)
    os.umask(m)
    return m


def test_read_only(chk, factd, db, tmp):
    """A store the user may only read, in a directory they may not write."""
    d = os.path.join(tmp, "ro")
    os.makedirs(d)
    ro = os.path.join(d, "facts.db")
    shutil.copy(db, ro)
    want = export(factd, db)[1]
    before = L.sha256(ro)
    os.chmod(ro, 0o444)
    os.chmod(d, 0o555)
    try:
        # Root ignores permissions: read as nobody where possible, first, while
        # no -shm file is there (factd run, running, would keep one).
        if os.geteuid() == 0 and shutil.which("setpriv"):
            os.chmod(tmp, 0o755)
            p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                factd, "export", "--db", ro], capture_output=True)
            err = p.stderr.decode("utf-8", "replace")
            chk.eq(p.returncode, 0, "as nobody, no -shm: exit status (%s)" % err.strip())
            chk.eq(p.stdout, want, "as nobody, no -shm: the same rows")
            # With the store open in another process, as under factd run, its
            # -wal and -shm files are there and a reader needs nothing more.
            held = sqlite3.connect(ro)
            held.execute("SELECT count(*) FROM facts").fetchone()
            p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                factd, "export", "--db", ro], capture_output=True)
            held.close()
            chk.eq(p.returncode, 0, "as nobody, the store held open: exit status (%s)" %
                   p.stderr.decode("utf-8", "replace").strip())
            chk.eq(p.stdout, want, "as nobody, the store held open: the same rows")
        else:
            chk.skip("export as another user", "not root or no setpriv")
        rc, out, err = export(factd, ro)
        chk.eq(rc, 0, "read-only store and directory: exit status (%s)" % err.strip())
        chk.eq(out, want, "read-only store and directory: the same rows")
        chk.eq(L.sha256(ro), before, "read-only: the store's bytes unchanged")
    finally:
        os.chmod(d, 0o755)
        os.chmod(ro, 0o644)


def test_spreadsheet(chk, factd, db, tmp):
    """The CSV with its BOM through a spreadsheet program and back."""
    if shutil.which("ssconvert") is None:
        chk.skip("spreadsheet round trip", "ssconvert not installed (apt-get install gnumeric; "
                 "tools/install-deps installs it)")
        return
    src = os.path.join(tmp, "sheet.csv")
    rc, _, err = export(factd, db, "--view", "sightings", "--bom", "--output", src)
    chk.eq(rc, 0, "spreadsheet: export (%s)" % err.strip())
    env = dict(os.environ, HOME=tmp)  # gnumeric writes its settings under HOME
    xlsx, back = os.path.join(tmp, "sheet.xlsx"), os.path.join(tmp, "back.csv")
    for a, b in ((src, xlsx), (xlsx, back)):
        p = subprocess.run(["ssconvert", a, b], capture_output=True, text=True, env=env,
                           timeout=120)
        if not chk.eq(p.returncode, 0, "ssconvert %s %s (%s)" % (os.path.basename(a),
                                                                   os.path.basename(b),
                                                                   p.stderr.strip()[-300:])):
            return
    with open(src, encoding="utf-8-sig", newline="") as f:
        want = list(csv.reader(f))
    with open(back, encoding="utf-8", newline="") as f:
        got = list(csv.reader(f))
    chk.eq(got[0], want[0], "spreadsheet: the header, with no BOM in its first cell")
    chk.eq(len(got), len(want), "spreadsheet: every row")
    for col in ("region", "subject", "sentence", "clause", "title", "unit"):
        i = want[0].index(col)
        chk.eq([r[i] for r in got[1:]], [r[i] for r in want[1:]],
               "spreadsheet: the Chinese of column %s intact" % col)
    # A spreadsheet reads a text such as 7.3% as the number 0.073: only the
    # texts with Chinese in them are compared.
    i = want[0].index("text")
    chk.eq([r[i] for r in got[1:] if not r[i].isascii()],
           [r[i] for r in want[1:] if not r[i].isascii()],
           "spreadsheet: the Chinese of column text intact")
    i = want[0].index("value")
    chk.eq([float(r[i]) for r in got[1:]], [float(r[i]) for r in want[1:]],
           "spreadsheet: the values")


def main():
    factd = L.factd_path()
    chk = L.Checker("test_export")
    tmp = tempfile.mkdtemp(prefix="factd-export-")
    try:
        db = build(chk, factd, tmp)
        for t in (test_views, test_csv_form, test_filters):
            chk.guard(t, chk, factd, db)
        for t in (test_errors, test_output, test_read_only, test_spreadsheet):
            chk.guard(t, chk, factd, db, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    chk.finish()


if __name__ == "__main__":
    main()
