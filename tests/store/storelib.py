"""Shared helpers for the store tests (tests/store/test_*.py).

Not a test itself (ctest runs only test_*.py).  Stdlib only.  Fixtures are
made in temporary directories from the sample reports in tests/data/corpus:
reports split into small pages, numbers shifted per page so that every page
holds distinct facts, and GBK HTML copies made with Python's gbk codec.
"""
import glob
import hashlib
import html
import json
import os
import re
import sqlite3
import subprocess
import sys
import time

CORPUS = "tests/data/corpus"


# ---- reporting ----

class Checker:
    """Counts checks; prints every failure; ends with 'NAME: N passed, M failed'."""

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.t0 = time.monotonic()

    def check(self, cond, what, detail=None):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL: %s" % what, flush=True)
            if detail is not None:
                for line in str(detail).rstrip("\n").split("\n")[:40]:
                    print("    " + line, flush=True)
        return bool(cond)

    def eq(self, got, want, what):
        return self.check(got == want, what, "got:  %r\nwant: %r" % (got, want))

    def same_set(self, got, want, what):
        got, want = set(got), set(want)
        if got == want:
            self.passed += 1
            return True
        self.failed += 1
        print("FAIL: %s (%d rows vs %d expected)" % (what, len(got), len(want)), flush=True)
        for r in sorted(got - want, key=repr)[:8]:
            print("    unexpected: %r" % (r,), flush=True)
        for r in sorted(want - got, key=repr)[:8]:
            print("    missing:    %r" % (r,), flush=True)
        return False

    def note(self, msg):
        print("  " + msg, flush=True)

    def skip(self, what, why):
        print("SKIP: %s: %s" % (what, why), flush=True)

    def guard(self, fn, *args):
        """Run one part of a test; an exception is a failure of that part,
        and the other parts still run."""
        try:
            return fn(*args)
        except Exception:
            self.exception(fn.__name__)
            return None

    def exception(self, what):
        """Count the exception being handled as a failure of what."""
        import traceback
        self.failed += 1
        print("FAIL: %s raised an exception:" % what, flush=True)
        for line in traceback.format_exc().rstrip().split("\n")[-12:]:
            print("    " + line, flush=True)

    def finish(self):
        el = time.monotonic() - self.t0
        print("%s: %d passed, %d failed (%.1f s)" % (self.name, self.passed, self.failed, el),
              flush=True)
        sys.exit(1 if self.failed else 0)


# ---- running factd ----

def factd_path():
    if len(sys.argv) < 2:
        print("usage: %s FACTD" % sys.argv[0])
        sys.exit(2)
    return os.path.abspath(sys.argv[1])


def run(factd, args, timeout=120, **kw):
    """Run factd; returns CompletedProcess with text stdout/stderr."""
    return subprocess.run([factd] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, **kw, text=True, errors="replace")


SUMMARY_DOCS = re.compile(r"documents: (\d+) new, (\d+) changed, (\d+) unchanged, "
                          r"(\d+) re-extracted, (\d+) failed")
SUMMARY_FACTS = re.compile(r"facts: (\d+) new, (\d+) dropped; sightings: (\d+) written")


def summary(out):
    """The replay summary as a dict, or None when it is not there."""
    d = SUMMARY_DOCS.search(out)
    f = SUMMARY_FACTS.search(out)
    if not d or not f:
        return None
    keys = ["new", "changed", "unchanged", "reextracted", "failed"]
    s = dict(zip(keys, map(int, d.groups())))
    s["facts_new"], s["facts_dropped"], s["sightings"] = map(int, f.groups())
    return s


def extract(factd, paths, patterns=None):
    """factd extract on paths: list of fact dicts."""
    args = ["extract", "--jobs", "1"]
    if patterns:
        args += ["--patterns", patterns]
    r = run(factd, args + list(paths))
    if r.returncode != 0:
        raise RuntimeError("factd extract failed (%d): %s" % (r.returncode, r.stderr[:500]))
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


# ---- fixtures ----

def reports():
    """[(name, text)] of the sample reports."""
    out = []
    for p in sorted(glob.glob(os.path.join(CORPUS, "*.txt"))):
        with open(p, encoding="utf-8") as f:
            out.append((os.path.basename(p), f.read()))
    if not out:
        raise RuntimeError("no sample reports in %s (run from the source root)" % CORPUS)
    return out


def paragraphs():
    """Every non-empty line of the sample reports, in order."""
    paras = []
    for _, text in reports():
        paras += [l.strip() for l in text.split("\n") if l.strip()]
    return paras


def shift_numbers(text, k):
    """Add k to every run of ASCII digits: the same sentences, other facts."""
    if k == 0:
        return text
    return re.sub(r"\d+", lambda m: str(int(m.group()) + k), text)


def write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def gbk_html(text, title=None, head=""):
    """An HTML page of the kind district sites serve, GBK-encoded bytes;
    head is more markup for <head> (a <meta name="PubDate">, say)."""
    lines = [l for l in text.split("\n") if l.strip()]
    if title is None:
        title = lines[0] if lines else ""
    body = "".join("<p>%s</p>\n" % html.escape(l) for l in lines)
    page = ('<!DOCTYPE html>\n<html><head>\n'
            '<meta http-equiv="Content-Type" content="text/html; charset=gbk">\n'
            '<title>%s</title>\n%s<style>p { margin: 0 }</style>\n</head>\n<body>\n%s'
            '<script>var x = "新增9999亩";</script>\n</body></html>\n' %
            (html.escape(title), head, body))
    return page.encode("gbk", errors="xmlcharrefreplace")


def make_pages(d, n, per_page=4, start=0, big=1, prefix="p", html_every=0):
    """Write n pages into directory d and return their paths (in name order).

    Page i holds per_page consecutive paragraphs of the reports (wrapping
    round), repeated `big` times with different number shifts, with every
    number shifted by a page-specific amount so that each page's facts are
    its own.  Every html_every-th page is written as GBK HTML instead.
    """
    paras = paragraphs()
    np_ = len(paras)
    os.makedirs(d, exist_ok=True)
    paths = []
    for i in range(start, start + n):
        chunks = []
        for b in range(big):
            first = (i * per_page + b * 7) % np_
            sel = [paras[(first + j) % np_] for j in range(min(per_page, np_))]
            chunks.append(shift_numbers("\n".join(sel), 1 + i * big + b))
        text = "第%d页\n%s\n" % (i, "\n".join(chunks))
        if html_every and i % html_every == html_every - 1:
            path = os.path.join(d, "%s%05d.html" % (prefix, i))
            with open(path, "wb") as f:
                f.write(gbk_html(text))
        else:
            path = os.path.join(d, "%s%05d.txt" % (prefix, i))
            write_text(path, text)
        paths.append(path)
    return sorted(paths)


# ---- reading the store ----

def file_uri(path):
    """The document name replay gives a file: its file:// URI, as
    files_uri() makes it (ASCII other than letters, digits, -._~/ encoded,
    other characters kept)."""
    out = []
    for b in os.path.realpath(path).encode("utf-8"):
        c = chr(b)
        if b >= 0x80 or c.isalnum() and b < 0x80 or c in "-._~/":
            out.append(bytes([b]))
        else:
            out.append(("%%%02X" % b).encode())
    return "file://" + b"".join(out).decode("utf-8")


def path_of(uri):
    """The path of a file:// URI (a page read from a file), else the URI."""
    if not uri.startswith("file://"):
        return uri
    import urllib.parse
    return urllib.parse.unquote(uri[len("file://"):])


def connect(db, timeout=30.0):
    c = sqlite3.connect(db, timeout=timeout, isolation_level=None)
    return c


def nows(s):
    return None if s is None else re.sub(r"[ \t\n\r\f\v]", "", s)


def fnum(v):
    """A value as factd extract prints it (%.15g): the comparisons of sets
    of facts are not about the last bit of a double (see exact_values)."""
    return None if v is None else float("%.15g" % float(v))


def exact_values(chk, db, what):
    """Stored values are the numbers extract prints and FACTS.md gives
    (35.27万平方米 is 352700, not 352700.00000000006): an analyst's
    WHERE value = 352700 must find the fact."""
    c = connect(db)
    bad = [(k, v, vm, t) for k, v, vm, t in c.execute(
        "SELECT kind, value, value_max, text FROM facts")
        if v != fnum(v) or (vm is not None and vm != fnum(vm))]
    n = c.execute("SELECT count(*) FROM facts").fetchone()[0]
    c.close()
    chk.check(not bad, "%s: %d of %d stored values are not the number extract prints "
              "(value %%.15g differs from the stored double)" % (what, len(bad), n),
              "\n".join("%s %r (value_max %r) from '%s'" % r for r in bad[:6]))


def current_rows(db):
    """{uri: set of (kind, value, value_max, qualifier, text, sentence, pattern, offset)}
    from the current_facts view (sentence without white space)."""
    c = connect(db)
    out = {}
    for row in c.execute("SELECT uri, kind, value, value_max, qualifier, text, sentence, pattern, "
                         "offset FROM current_facts"):
        uri, kind, v, vmax, q, text, sent, pat, off = row
        uri = path_of(uri)
        out.setdefault(uri, set()).add((kind, fnum(v), fnum(vmax), q, text, nows(sent), pat, off))
    c.close()
    return out


def extract_rows(facts):
    """The same shape as current_rows, from factd extract output."""
    out = {}
    for f in facts:
        out.setdefault(f["doc"], set()).add(
            (f["kind"], fnum(f["value"]), fnum(f["value_max"]), f["qualifier"], f["text"],
             nows(f["sentence"]), f["pattern"], f["offset"]))
    return out


def flatten(per_doc):
    return {(uri,) + r for uri, rows in per_doc.items() for r in rows}


def canonical(db):
    """A dump of the store that does not depend on row ids or times."""
    c = connect(db)
    d = {}
    d["pattern_sets"] = sorted(r[0] for r in c.execute("SELECT hash FROM pattern_sets"))
    d["documents"] = sorted(c.execute(
        "SELECT d.uri, d.source, d.title, d.published, d.charset, d.bytes, d.hash, lv.hash "
        "FROM documents d LEFT JOIN versions lv ON lv.id = d.latest_version_id"), key=repr)
    d["versions"] = sorted(c.execute(
        "SELECT d.uri, v.hash, v.bytes, v.charset, p.hash FROM versions v "
        "JOIN documents d ON d.id = v.document_id "
        "LEFT JOIN pattern_sets p ON p.id = v.pattern_set_id"), key=repr)
    d["facts"] = sorted(c.execute(
        "SELECT hex(identity), kind, value, value_max, qualifier, text, unit, sentence, clause, "
        "position, year, stance FROM facts"), key=repr)
    d["sightings"] = sorted(c.execute(
        "SELECT d.uri, v.hash, hex(f.identity), s.offset, s.text, s.sentence, s.pattern, p.hash "
        "FROM sightings s JOIN versions v ON v.id = s.version_id "
        "JOIN documents d ON d.id = v.document_id JOIN facts f ON f.id = s.fact_id "
        "JOIN pattern_sets p ON p.id = s.pattern_set_id"), key=repr)
    d["search"] = sorted((hexid, hit) for hexid, hit in search_probe(c))
    c.close()
    return d


def first_word(sentence):
    """The first two Chinese characters standing together in sentence (a
    word the search index must find it by), or None."""
    run = ""
    for ch in sentence or "":
        if "\u4e00" <= ch <= "\u9fff":
            run += ch
            if len(run) == 2:
                return run
        else:
            run = ""
    return None


def search_probe(c, limit=400):
    """(fact identity, found) for up to limit facts: whether facts_fts finds
    each by the first word of its sentence, as typed."""
    out = []
    for fid, hexid, sentence in c.execute("SELECT id, hex(identity), sentence FROM facts "
                                         "ORDER BY id LIMIT ?", (limit,)).fetchall():
        w = first_word(sentence)
        if w is None:
            continue
        hit = c.execute("SELECT count(*) FROM facts_fts WHERE facts_fts MATCH ? AND rowid = ?",
                        (w, fid)).fetchone()[0]
        out.append((hexid, hit == 1))
    return out


def diff_canonical(chk, got, want, what):
    ok = True
    for k in want:
        if got.get(k) != want[k]:
            ok = False
            chk.same_set(got.get(k, []), want[k], "%s: table %s differs" % (what, k))
    if ok:
        chk.check(True, what)
    return ok


def health(chk, db, what):
    """integrity_check, foreign_key_check, FTS5 integrity-check, no orphan facts."""
    c = connect(db)
    ic = c.execute("PRAGMA integrity_check").fetchall()
    chk.eq(ic, [("ok",)], "%s: PRAGMA integrity_check" % what)
    fk = c.execute("PRAGMA foreign_key_check").fetchall()
    chk.eq(fk, [], "%s: PRAGMA foreign_key_check" % what)
    queued = c.execute("SELECT count(*) FROM facts_fts_queue").fetchone()[0]
    chk.eq(queued, 0, "%s: the search index is up to date (nothing queued)" % what)
    missed = [h for h, found in search_probe(c) if not found]
    chk.eq(missed[:5], [], "%s: facts_fts finds each fact by the first word of its sentence"
           % what)
    orphans = c.execute("SELECT count(*) FROM facts WHERE id NOT IN "
                        "(SELECT fact_id FROM sightings)").fetchone()[0]
    chk.eq(orphans, 0, "%s: facts without sightings" % what)
    c.close()


def spaced(s):
    """factd_spaced() as schema.sql describes it: a space around every
    character from U+2E80 up (CJK), so that each is a token."""
    if s is None:
        return None
    b = []
    for ch in s:
        if ord(ch) >= 0x2E80:
            if b and b[-1] != " ":
                b.append(" ")
            b.append(ch)
            b.append(" ")
        else:
            b.append(ch)
    return "".join(b)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def schema_migrations():
    """{N: sql} of schema.sql's migrations."""
    with open("schema.sql", encoding="utf-8") as f:
        s = f.read()
    parts = re.split(r"(?m)^-- migration (\d+):.*$", s)
    return {int(parts[i]): parts[i + 1] for i in range(1, len(parts), 2)}


M64 = (1 << 64) - 1


def _rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M64


def _fmix(x):
    x ^= x >> 33
    x = (x * 0xFF51AFD7ED558CCD) & M64
    x ^= x >> 33
    x = (x * 0xC4CEB9FE1A85EC53) & M64
    x ^= x >> 33
    return x


def content_hash(data):
    """The store's content hash (hash_hex128() in extractors/hash.c), 32 hex digits."""
    n = len(data)
    h1 = 0x9368E53C2F6AF274 ^ n
    h2 = 0x586DCD208F7CD3FD ^ n
    full = n - n % 8
    words = [int.from_bytes(data[i:i + 8], "little") for i in range(0, full, 8)]
    words.append(int.from_bytes(data[full:] + bytes(8 - (n - full)), "little"))
    for w in words:
        h1 = (_rotl(((h1 ^ w) * 0x87C37B91114253D5) & M64, 31) + h2) & M64
        h2 = _rotl(((h2 + w) * 0x4CF5AD432745937F) & M64, 33) ^ h1
    h1 = _fmix((h1 + h2) & M64)
    h2 = _fmix(h2 ^ h1)
    return "%016x%016x" % (h1, h2)


def file_hash(path):
    with open(path, "rb") as f:
        return content_hash(f.read())
