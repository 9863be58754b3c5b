#!/usr/bin/env python3
"""kill -9 during factd replay (issue 3).

A replay of 600 pages into a fresh store is killed with SIGKILL at a random
moment, sometimes a second replay is killed too, then replay runs again to
completion: the store must equal that of an uninterrupted replay (compared
without row ids and times), pass PRAGMA integrity_check, foreign_key_check
and the search index's integrity-check.  Then the same for a replay after a
change of patterns (every page re-extracted, its sightings replaced).

The kill moments are spread over the run's measured duration; each round
prints how many pages the killed run had committed, so that it is visible
that the kills landed mid-run.  FACTD_CRASH_SEED=N picks another seed.

usage: python3 tests/store/test_crash.py build/factd   (from the source root)
"""
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import storelib as L  # noqa: E402

NPAGES = 600
ROUNDS = 8          # fresh store
REEX_ROUNDS = 4     # re-extraction after a change of patterns
# Replay commits a group every second (or 5000 pages), so a kill can land
# between commits only in a run of several seconds: pages are made bigger
# until an uninterrupted replay takes at least MIN_RUN seconds.
MIN_RUN = 3.5


def store_files(db):
    return [db + s for s in ("", "-wal", "-shm", "-journal") if os.path.exists(db + s)]


def committed(db, scratch):
    """(documents, documents whose latest version is extracted with the
    newest pattern set) in the store as a reader would find it now, counted
    on a copy so that the crashed store reaches the next replay untouched."""
    if not os.path.exists(db):
        return 0, 0
    if os.path.exists(scratch):
        shutil.rmtree(scratch)
    os.makedirs(scratch)
    copy = os.path.join(scratch, "copy.db")
    for f in store_files(db):
        shutil.copyfile(f, copy + f[len(db):])
    try:
        c = L.connect(copy, timeout=5)
        n = c.execute("SELECT count(*) FROM documents").fetchone()[0]
        m = c.execute("SELECT count(*) FROM latest_versions WHERE pattern_set_id = "
                      "(SELECT max(id) FROM pattern_sets)").fetchone()[0]
        c.close()
    except Exception:
        n = m = 0  # not even the schema yet
    shutil.rmtree(scratch)
    return n, m


def killed_run(factd, args, delay):
    """Start factd, SIGKILL it after delay seconds; True if it was still running."""
    p = subprocess.Popen([factd] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    running = p.poll() is None
    if running:
        p.send_signal(signal.SIGKILL)
    p.wait()
    return running


def timed(factd, args):
    t0 = time.monotonic()
    r = L.run(factd, args, timeout=300)
    return r, time.monotonic() - t0


def main():
    factd = L.factd_path()
    chk = L.Checker("test_crash")
    seed = int(os.environ.get("FACTD_CRASH_SEED", "20240613"))
    rng = random.Random(seed)
    tmp = tempfile.mkdtemp(prefix="factd-crash-")
    try:
        pages = os.path.join(tmp, "pages")
        big = 1
        L.make_pages(pages, NPAGES, per_page=32, html_every=6)
        # The uninterrupted reference replay, on pages made bigger until it
        # takes MIN_RUN seconds.
        ref = os.path.join(tmp, "reference.db")
        for attempt in range(4):
            for f in store_files(ref):
                os.remove(f)
            r, t_run = timed(factd, ["replay", "--db", ref, pages])
            if r.returncode != 0 or t_run >= MIN_RUN or attempt == 3:
                break
            big = int(big * 1.2 * MIN_RUN / max(t_run, 0.05)) + 1
            shutil.rmtree(pages)
            L.make_pages(pages, NPAGES, per_page=32, big=big, html_every=6)
            chk.note("a replay of %d pages took %.2f s: pages made %d times bigger" %
                     (NPAGES, t_run, big))
        nomu = os.path.join(tmp, "patterns-nomu")
        shutil.copytree("patterns", nomu)
        os.remove(os.path.join(nomu, "mu.pat"))
        scratch = os.path.join(tmp, "scratch")

        chk.eq(r.returncode, 0, "reference replay: exit status")
        s = L.summary(r.stdout) or {}
        chk.eq(s.get("new"), NPAGES, "reference replay: every page new")
        want = L.canonical(ref)
        chk.check(len(want["facts"]) > 1000, "the fixture has facts (%d)" % len(want["facts"]))
        L.health(chk, ref, "reference store")
        chk.note("seed %d; uninterrupted replay of %d pages: %.2f s, %d facts" %
                 (seed, NPAGES, t_run, len(want["facts"])))

        # The reference after a change of patterns: a copy, replayed without mu.pat.
        ref_b = os.path.join(tmp, "reference-nomu.db")
        shutil.copyfile(ref, ref_b)
        r, t_reex = timed(factd, ["replay", "--db", ref_b, "--patterns", nomu, pages])
        chk.eq(r.returncode, 0, "reference re-extraction: exit status")
        s = L.summary(r.stdout) or {}
        chk.eq(s.get("reextracted"), NPAGES, "reference re-extraction: every page re-extracted")
        want_b = L.canonical(ref_b)
        L.health(chk, ref_b, "reference store after re-extraction")
        chk.note("uninterrupted re-extraction: %.2f s" % t_reex)

        mid = between = total = 0
        t_est = {"fresh": t_run, "re-extraction": t_reex}
        plans = [("fresh", i, ROUNDS) for i in range(ROUNDS)] + \
                [("re-extraction", i, REEX_ROUNDS) for i in range(REEX_ROUNDS)]
        for kind, i, n in plans:
            db = os.path.join(tmp, "round-%s-%d.db" % (kind[:2], i))
            what = "%s round %d" % (kind, i + 1)
            if kind == "fresh":
                args = ["replay", "--db", db, pages]
                target = want
            else:
                args = ["replay", "--db", db, "--patterns", nomu, pages]
                target = want_b
            # The kill moment: a random point of this round's slice of the
            # run.  A kill that came after the run finished (the machine was
            # faster than measured) is tried again, earlier, on a new store.
            frac = 0.05 + 0.85 * (i + rng.random()) / n
            log = []
            for attempt in range(3):
                for f in store_files(db):
                    os.remove(f)
                if kind != "fresh":
                    shutil.copyfile(ref, db)
                delay = frac * t_est[kind]
                running = killed_run(factd, args, delay)
                docs, newest = committed(db, scratch)
                done = docs if kind == "fresh" else newest
                log.append("killed after %.2f s with %d of %d pages committed%s" %
                           (delay, done, NPAGES, "" if running else " (it had already finished)"))
                if running and done < NPAGES:
                    break
                t_est[kind] *= 0.7
            total += 1
            if running and done < NPAGES:
                mid += 1
                if done > 0:
                    between += 1
            if rng.random() < 0.5:
                # A second replay, killed too.
                delay2 = rng.uniform(0.05, 0.8) * t_est[kind]
                running2 = killed_run(factd, args, delay2)
                docs, newest = committed(db, scratch)
                log.append("a second replay killed after %.2f s%s with %d pages committed" %
                           (delay2, "" if running2 else " (already finished)",
                            docs if kind == "fresh" else newest))
            r = L.run(factd, args, timeout=300)
            chk.eq(r.returncode, 0, "%s: the replay after the kill: exit status" % what)
            chk.check(r.stderr.strip() == "", "%s: the replay after the kill printed no error" %
                      what, r.stderr[-1500:])
            log.append("then: %s" % (r.stdout.splitlines() or [""])[0])
            chk.note("%s: %s" % (what, "; ".join(log)))
            L.diff_canonical(chk, L.canonical(db), target,
                             "%s: the store equals an uninterrupted replay's" % what)
            L.health(chk, db, what)
            for f in store_files(db):
                os.remove(f)

        chk.note("%d of %d rounds killed a running replay before it had committed every page, "
                 "%d of them after some pages were committed" % (mid, total, between))
        chk.check(mid >= (total + 1) // 2 and between >= 2,
                  "the kills landed mid-run (%d of %d rounds, %d between commits); if not, the "
                  "run is too short to kill mid-run on this machine" % (mid, total, between))
    except Exception:
        chk.exception("the test")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    chk.finish()


if __name__ == "__main__":
    main()
