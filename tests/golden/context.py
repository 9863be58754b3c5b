#!/usr/bin/env python3
"""Score the year and stance (and direction) factd gives on the hand-labelled
sentences of tests/data/context (real report texts, their sources in its
README).

usage: context.py FACTD [--quiet]

Each sentence becomes a small page as the report has it: a title line, the
section heading it stands under (when the set gives one) on a line of its
own, and a paragraph of the previous sentence (when given) and the
sentence; `--year` is the set's doc_year.  A labelled fact is matched to
factd's by its text, the k-th occurrence in the sentence to the k-th fact
with that text.  Prints the accuracy of year, stance and direction over the
matched facts, the facts factd did not find, and every disagreement with
the labeller's reason.  Exits 1 when an accuracy falls below its floor
(FLOOR: what factd reaches now, so a change that loses ground fails) or
fewer than 98% of the labelled facts are found; issue 13's aim, 0.95, is
printed beside.
"""
import collections
import json
import os
import subprocess
import sys
import tempfile
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SET = os.path.join(ROOT, "tests", "data", "context", "sentences.jsonl")
DOCS = os.path.join(ROOT, "tests", "data", "context", "docs.jsonl")
WANT = {"year": 0.95, "stance": 0.95, "direction": 0.95}
# What factd reaches today (year 0.865, stance 0.904, direction 1.000 at the
# commit that set these): a change that falls below fails the test.  Raise
# them as rules improve; WANT is issue 13's aim.
FLOOR = {"year": 0.85, "stance": 0.89, "direction": 0.99}


def nfkc(s):
    return unicodedata.normalize("NFKC", s) if s else s


def page(row, doc):
    """The sentence as its document has it: the title line (where the stored
    page has a headline), each heading on a line of its own, and the
    paragraph of the previous sentence and the sentence."""
    lines = []
    if doc.get("title"):
        lines += [doc["title"], ""]
    for h in (row.get("heading") or "").split(" > "):
        if h:
            lines += [h, ""]
    para = (row.get("previous") or "") + row["sentence"]
    if not para.endswith(("。", "!", "?", "！", "？")):
        para += "。"
    lines.append(para)
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    factd, quiet = sys.argv[1], "--quiet" in sys.argv
    rows = [json.loads(line) for line in open(SET, encoding="utf-8")]
    docs = {d["source"]: d for d in map(json.loads, open(DOCS, encoding="utf-8"))}
    got = {}
    with tempfile.TemporaryDirectory() as tmp:
        by_year = collections.defaultdict(list)
        for i, row in enumerate(rows):
            path = os.path.join(tmp, "s%04d.txt" % i)
            with open(path, "w", encoding="utf-8") as f:
                f.write(page(row, docs[row["source"]]))
            by_year[row.get("doc_year")].append((i, path))
        for year, items in by_year.items():
            args = [factd, "extract", "--jobs", "1"]
            if year:
                args += ["--year", str(year)]
            p = subprocess.run(args + [path for _, path in items], capture_output=True, text=True)
            if p.returncode != 0:
                sys.exit("factd extract failed: " + p.stderr[-2000:])
            for line in p.stdout.splitlines():
                f = json.loads(line)
                i = int(os.path.basename(f["doc"])[1:5])
                got.setdefault(i, []).append(f)
    score = {k: [0, 0] for k in WANT}
    missed = 0
    total = 0
    for i, row in enumerate(rows):
        sentence = nfkc(row["sentence"])
        mine = [f for f in got.get(i, []) if f["sentence"].rstrip("。") in sentence or
                sentence.rstrip("。") in f["sentence"]]
        seen = collections.Counter()
        for want in row["facts"]:
            total += 1
            text = nfkc(want["text"])
            k = seen[text]
            seen[text] += 1
            cands = [f for f in mine if f["text"] == text or text in f["text"] or
                     f["text"] in text]
            if k >= len(cands):
                missed += 1
                if not quiet:
                    print(f"  missed {row['id']}: {text} in {sentence!r}")
                continue
            f = cands[k]
            for field in WANT:
                if field not in want:
                    continue
                ok = f.get(field) == want[field]
                score[field][0] += ok
                score[field][1] += 1
                if not ok and not quiet:
                    print(f"  {field} {row['id']}: got {f.get(field)!r}, want "
                          f"{want[field]!r}: {text} in {sentence!r} ({want.get('why', '')})")
    print(f"context: {len(rows)} sentences, {total} labelled facts, {total - missed} found")
    failed = []
    for field, (ok, n) in score.items():
        acc = ok / n if n else 1.0
        print("context: %-9s accuracy %.3f (%d of %d; floor %.2f, issue 13 asks %.2f)" %
              (field, acc, ok, n, FLOOR[field], WANT[field]))
        if acc < FLOOR[field]:
            failed.append(field)
    if total - missed < 0.98 * total:
        failed.append("found")
    if failed:
        sys.exit("context: below the floor: " + ", ".join(failed))


if __name__ == "__main__":
    main()
