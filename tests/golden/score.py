#!/usr/bin/env python3
"""Score `factd extract` against hand-made gold facts and peer test cases.

usage: score.py FACTD

1. Sample reports (tests/data/corpus/*.txt) against tests/data/corpus/gold:
   precision, recall and F1 per kind, every miss and every extra fact.
   A fact matches a gold fact when kind, value, value_max, qualifier and text
   agree.  Fails below F1 0.97 overall.
   Context of the matched facts (FACTS.md, Context): year, stance and
   direction accuracy, and subject overlap (character F1 of stored and gold
   subject, both null counting 1, one null 0), averaged; and each document's
   published date and doc_year against gold/docs.jsonl.  Each disagreement is
   printed with its sentence.  Fails below issue 13's thresholds: 0.95 for
   year, stance and direction, 0.85 for subject.
2. Peer cases (tests/data/peers/cases.jsonl): recall over the cases that are
   untagged or tagged cn_numerals, fullwidth or range; fails below 0.95.
   Other tags are reported but do not fail the run.
3. Peer negatives (tests/data/peers/negatives.jsonl): any fact fails.
"""
import collections
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "tests", "data")
CORE_TAGS = {"cn_numerals", "fullwidth", "range"}
F1_MIN, RECALL_MIN = 0.97, 0.95
CONTEXT_MIN = {"year": 0.95, "stance": 0.95, "direction": 0.95, "subject": 0.85}


def run_extract(factd, paths):
    p = subprocess.run([factd, "extract", *paths], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"factd extract exited {p.returncode}:\n{p.stderr}")
    return [json.loads(line) for line in p.stdout.splitlines()]


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


def same_fact(got, want, with_text=True):
    return (got["kind"] == want["kind"] and close(got["value"], want["value"])
            and close(got.get("value_max"), want.get("value_max"))
            and got["qualifier"] == want["qualifier"]
            and (not with_text or got["text"] == want["text"]))


def match(got, want, with_text=True):
    """Pair facts greedily; returns (pairs, unmatched got, unmatched want)."""
    left = list(got)
    pairs, missed = [], []
    for w in want:
        for i, g in enumerate(left):
            if same_fact(g, w, with_text):
                pairs.append((g, w))
                del left[i]
                break
        else:
            missed.append(w)
    return pairs, left, missed


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def char_f1(got, want):
    if not got or not want:
        return 1.0 if not got and not want else 0.0
    common = sum((collections.Counter(got) & collections.Counter(want)).values())
    if common == 0:
        return 0.0
    p, r = common / len(got), common / len(want)
    return 2 * p * r / (p + r)


def context(pairs, d, ctx):
    """Add the context agreement of matched (got, gold) pairs of document d to ctx."""
    for g, w in pairs:
        for field in ("year", "stance", "direction"):
            if field not in w:
                continue
            ok = g.get(field) == w[field]
            ctx[field][0] += ok
            ctx[field][1] += 1
            if not ok:
                print(f"  {field} differs in {d}: got {g.get(field)!r}, gold {w[field]!r}: "
                      f"{g['text']} in {g['sentence']!r}")
        if "subject" in w:
            f = char_f1(g.get("subject"), w["subject"])
            ctx["subject"][0] += f
            ctx["subject"][1] += 1
            if f < 1.0:
                print(f"  subject differs in {d}: got {g.get('subject')!r}, gold "
                      f"{w['subject']!r} (F1 {f:.2f}): {g['text']} in {g['clause']!r}")


def gold(factd):
    corpus = os.path.join(DATA, "corpus")
    docs = sorted(f for f in os.listdir(corpus) if f.endswith(".txt"))
    facts = run_extract(factd, [os.path.join(corpus, d) for d in docs])
    by_doc = collections.defaultdict(list)
    for f in facts:
        by_doc[os.path.basename(f["doc"])].append(f)
    counts = collections.defaultdict(lambda: [0, 0, 0])
    clause_ok = clause_n = 0
    ctx = {k: [0.0, 0] for k in CONTEXT_MIN}
    for d in docs:
        want = [json.loads(l) for l in open(os.path.join(corpus, "gold", d[:-4] + ".jsonl"))]
        pairs, extra, missed = match(by_doc[d], want)
        for g, w in pairs:
            counts[w["kind"]][0] += 1
            clause_n += 1
            if g["clause"] == w["clause"]:
                clause_ok += 1
            else:
                print(f"  clause differs in {d}: got {g['clause']!r}, gold {w['clause']!r}")
        context(pairs, d, ctx)
        for g in extra:
            counts[g["kind"]][1] += 1
            print(f"  extra  {d}:{g['offset']}: {g['kind']} {g['value']} {g['text']!r} "
                  f"in {g['clause']!r} [{g['pattern']}]")
        for w in missed:
            counts[w["kind"]][2] += 1
            print(f"  missed {d}: {w['kind']} {w['value']} {w['text']!r} in {w['clause']!r}")
    print("gold: kind       precision recall  F1     (tp fp fn)")
    tot = [0, 0, 0]
    for k in sorted(counts):
        tp, fp, fn = counts[k]
        tot = [a + b for a, b in zip(tot, counts[k])]
        print("gold: %-10s %6.3f    %6.3f  %6.3f (%d %d %d)" % (k, *prf(tp, fp, fn), tp, fp, fn))
    p, r, f = prf(*tot)
    print("gold: %-10s %6.3f    %6.3f  %6.3f (%d %d %d)" % ("overall", p, r, f, *tot))
    print(f"gold: clause agrees on {clause_ok} of {clause_n} matched facts")
    scores = {}
    for k, (ok, n) in ctx.items():
        scores[k] = ok / n if n else 1.0
        print("gold: %-9s %s %.3f over %d matched facts (issue 13 asks %.2f)" %
              (k, "accuracy" if k != "subject" else "char F1 ", scores[k], n, CONTEXT_MIN[k]))
    docs_gold = {}
    path = os.path.join(corpus, "gold", "docs.jsonl")
    if os.path.exists(path):
        docs_gold = {r["doc"]: r for r in map(json.loads, open(path))}
    doc_ok = doc_n = 0
    for d, w in sorted(docs_gold.items()):
        got = by_doc[d][0] if by_doc[d] else {}
        for field in ("published", "doc_year"):
            doc_n += 1
            if got.get(field) == w[field]:
                doc_ok += 1
            else:
                print(f"  {field} of {d}: got {got.get(field)!r}, gold {w[field]!r}")
    scores["documents"] = doc_ok / doc_n if doc_n else 1.0
    print(f"gold: documents: published and doc_year agree {doc_ok} of {doc_n}")
    return f, scores


def write_cases(rows, tmp, prefix):
    paths = []
    for i, row in enumerate(rows):
        path = os.path.join(tmp, f"{prefix}{i:04d}.txt")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(row["text"])
        paths.append(path)
    return paths


def peers(factd):
    rows = [json.loads(l) for l in open(os.path.join(DATA, "peers", "cases.jsonl"))]
    negs = [json.loads(l) for l in open(os.path.join(DATA, "peers", "negatives.jsonl"))]
    with tempfile.TemporaryDirectory() as tmp:
        facts = run_extract(factd, write_cases(rows, tmp, "case") + write_cases(negs, tmp, "neg"))
    by_doc = collections.defaultdict(list)
    for f in facts:
        by_doc[os.path.basename(f["doc"])].append(f)
    per_tag = collections.defaultdict(lambda: [0, 0])
    core = [0, 0]
    extra_n = 0
    for i, row in enumerate(rows):
        tags = row.get("tags") or ["untagged"]
        want = [dict(e, value_max=e.get("value_max")) for e in row["expected"]]
        got = by_doc[f"case{i:04d}.txt"]
        pairs, extra, missed = match(got, want, with_text=False)
        is_core = tags == ["untagged"] or bool(CORE_TAGS & set(tags))
        for t in tags:
            per_tag[t][0] += len(pairs)
            per_tag[t][1] += len(want)
        if is_core:
            core[0] += len(pairs)
            core[1] += len(want)
        extra_n += len(extra)
        for w in missed:
            print(f"  peer missed{' (core)' if is_core else ''}: {row['text']!r}: "
                  f"{w['kind']} {w['value']} {w['qualifier']} {sorted(tags)}"
                  f" got {[(g['kind'], g['value'], g['qualifier']) for g in got]}")
        for g in extra:
            print(f"  peer extra: {row['text']!r}: {g['kind']} {g['value']} {g['text']!r}")
    for t in sorted(per_tag):
        ok, n = per_tag[t]
        print("peers: %-32s recall %6.3f (%d of %d)" % (t, ok / n if n else 1, ok, n))
    recall = core[0] / core[1] if core[1] else 1.0
    print("peers: core (untagged, cn_numerals, fullwidth, range) recall %.3f (%d of %d); "
          "%d extra facts" % (recall, core[0], core[1], extra_n))
    neg_facts = 0
    for i, row in enumerate(negs):
        got = by_doc[f"neg{i:04d}.txt"]
        neg_facts += len(got)
        for g in got:
            print(f"  negative gave a fact: {row['text'][:60]!r}: {g['kind']} {g['value']} "
                  f"{g['text']!r} ({row['reason']})")
    print(f"negatives: {len(negs) - len({os.path.basename(f['doc']) for f in facts if os.path.basename(f['doc']).startswith('neg')})} "
          f"of {len(negs)} give no fact")
    return recall, neg_facts


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    factd = sys.argv[1]
    f1, scores = gold(factd)
    recall, neg_facts = peers(factd)
    ok = f1 >= F1_MIN and recall >= RECALL_MIN and neg_facts == 0
    ok = ok and all(scores[k] >= CONTEXT_MIN[k] for k in CONTEXT_MIN)
    print(f"golden: {'1 passed, 0 failed' if ok else '0 passed, 1 failed'}"
          f" (gold F1 {f1:.3f} >= {F1_MIN}, peer recall {recall:.3f} >= {RECALL_MIN}, "
          f"negative facts {neg_facts} == 0, "
          + ", ".join(f"{k} {scores[k]:.3f} >= {CONTEXT_MIN[k]}" for k in CONTEXT_MIN) + ")")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
