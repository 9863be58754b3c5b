"""Operating factd run: sd_notify messages caught on our own NOTIFY_SOCKET
(READY, STATUS, WATCHDOG, RELOADING with MONOTONIC_USEC, READY, STOPPING, in
that order); SIGHUP with good and with broken patterns; SIGTERM during a
crawl leaves a store that passes integrity_check and holds every page that
completed before it, and exits 0; log lines carry <N> priorities when stderr
is the stream JOURNAL_STREAM names; repeated warnings about one host are
rate-limited with a count.

usage: test_operate.py FACTD
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
import daemonlib as D  # noqa: E402

LINK = r"/zwgk/\d{6}/t\d{8}_\d+\.html$"
NEXT = r"/zwgk/index_\d+\.html$"


class Notify:
    """An AF_UNIX datagram socket standing in for systemd's."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.05)
        self.messages = []

    def drain(self, seconds=0.0):
        end = time.monotonic() + seconds
        while True:
            try:
                self.messages.append(self.sock.recv(65536).decode())
            except socket.timeout:
                if time.monotonic() >= end:
                    return

    def wait_for(self, pred, seconds=30):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.drain(0.1)
            if any(pred(m) for m in self.messages):
                return True
        return False


def conf_for(tmp, site, patterns, **kw):
    conf = os.path.join(tmp, "f.conf")
    D.write_conf(conf, tmp, [("zwgk", {"start_url": site.base + "/zwgk/index.html",
                                       "link_pattern": LINK, "next_pattern": NEXT,
                                       "interval": "1d"})],
                 patterns_dir=patterns, **kw)
    return conf


def lifecycle(chk, factd, tmp, site):
    """READY, STATUS, WATCHDOG, two reloads (good, broken), SIGTERM mid-crawl."""
    pats = os.path.join(tmp, "patterns")
    shutil.copytree("patterns", pats)
    # Slow enough that the crawl is still going when the signals come.
    conf = conf_for(tmp, site, pats, max_host_connections=1, host_delay=0.8)
    db = os.path.join(tmp, "facts.db")
    n = Notify(os.path.join(tmp, "notify"))
    env = dict(os.environ, NOTIFY_SOCKET=n.path, WATCHDOG_USEC="400000")
    env.pop("WATCHDOG_PID", None)
    p = D.start_daemon(factd, conf, env=env)
    try:
        chk.check(n.wait_for(lambda m: "READY=1" in m), "READY=1 sent")
        chk.check(n.wait_for(lambda m: m.startswith("WATCHDOG=1"), 5),
                  "WATCHDOG=1 sent (WATCHDOG_USEC=400000)")
        time.sleep(0.5)
        # A good reload: a new pattern file that loads.
        with open(os.path.join(pats, "extra.pat"), "w", encoding="utf-8") as f:
            f.write("# added while running\n")
        p.send_signal(signal.SIGHUP)
        chk.check(n.wait_for(lambda m: "READY=1" in m and
                             any("RELOADING=1" in x for x in n.messages)),
                  "RELOADING=1 then READY=1 on SIGHUP")
        time.sleep(0.5)
        # A broken reload: the old patterns keep running.
        with open(os.path.join(pats, "broken.pat"), "w", encoding="utf-8") as f:
            f.write("pattern broken\nkind mu\nunit 亩 1\nregex (?<num>\\d+{UNIT}\n")
        mark = len(n.messages)
        p.send_signal(signal.SIGHUP)
        chk.check(n.wait_for(lambda m: any("READY=1" in x for x in n.messages[mark:])),
                  "READY=1 again after a broken reload")
        time.sleep(0.5)
        chk.eq(p.poll(), None, "still running after a broken reload")
        p.send_signal(signal.SIGTERM)
        try:
            out, err = p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        n.drain(0.2)
    finally:
        if p.poll() is None:
            p.kill()
    chk.eq(p.returncode, 0, "exit 0 after SIGTERM (stderr: %s)" % err[-1500:])
    chk.check(re.search(r"broken\.pat:\d+:\d+: ", err), "the broken file is named with its line",
              err[-1500:])
    chk.check("reload failed" in err, "the failed reload is logged")
    chk.check("reloaded" in err, "the good reload is logged")
    kinds = []
    for m in n.messages:
        for line in m.split("\n"):
            key = line.split("=", 1)[0]
            if key in ("READY", "RELOADING", "STOPPING", "MONOTONIC_USEC"):
                kinds.append(key)
    seq = [k for k in kinds if k != "MONOTONIC_USEC"]
    chk.eq(seq, ["READY", "RELOADING", "READY", "RELOADING", "READY", "STOPPING"],
           "READY, RELOADING, READY (twice), STOPPING, in order")
    chk.eq(kinds.count("MONOTONIC_USEC"), 2, "RELOADING comes with MONOTONIC_USEC")
    chk.check(any(m.startswith("STATUS=") for m in n.messages), "STATUS= sent")
    chk.check(sum(m.startswith("WATCHDOG=1") for m in n.messages) >= 3,
              "WATCHDOG=1 sent repeatedly")
    chk.eq(D.integrity(db), "ok", "SIGTERM: integrity_check")
    served = {site.base + path for (meth, path, st) in site.requests()
              if meth == "GET" and st == 200 and re.search(LINK, path)}
    stored = {u for (u,) in D.query(db, "SELECT uri FROM documents")}
    chk.check(served and served <= stored,
              "SIGTERM: every article served before the exit is stored",
              sorted(served - stored))
    chk.check(0 < len(served) < 12,
              "SIGTERM came during the crawl (%d of 12 articles served)" % len(served))
    # The patterns added by the good reload are the store's newest set.
    chk.check(D.query(db, "SELECT count(*) FROM pattern_sets")[0][0] >= 2,
              "the reloaded pattern set is recorded")


def journald(chk, factd, tmp, site):
    """Under JOURNAL_STREAM each line starts with <N>."""
    sub = os.path.join(tmp, "journal")
    os.makedirs(sub)
    conf = os.path.join(sub, "f.conf")
    D.write_conf(conf, sub, [("x", {"start_url": site.base + "/zwgk/index.html",
                                    "link_pattern": LINK, "next_pattern": NEXT})])
    log = os.path.join(sub, "stderr")
    with open(log, "w") as f:
        st = os.fstat(f.fileno())
        env = dict(os.environ, JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))
        p = subprocess.run([factd, "run", "-c", conf, "--once"], stdout=subprocess.DEVNULL,
                           stderr=f, env=env, timeout=120)
    chk.eq(p.returncode, 0, "journald: exit status")
    lines = open(log, encoding="utf-8").read().splitlines()
    chk.check(lines and all(re.match(r"<[3467]>", l) for l in lines),
              "journald: every line has a <N> priority", lines[:5])
    chk.check(any(l.startswith("<6>") and "200 new" in l for l in lines),
              "journald: a page's line is <6> (info)")
    # Not the journal's stream: no prefix.
    p = subprocess.run([factd, "run", "-c", conf, "--once"], capture_output=True, text=True,
                       env=env, timeout=120)
    chk.check(p.stderr and not re.match(r"<\d>", p.stderr), "journald: no prefix on another stream")


def rate_limit(chk, factd, tmp, site):
    """30 dead links on one host: 20 warnings, then one line with the count."""
    sub = os.path.join(tmp, "limit")
    os.makedirs(os.path.join(sub, "site"))
    links = "".join('<a href="/dead/t20240101_%d.html">x</a>' % i for i in range(30))
    with open(os.path.join(sub, "site", "list.html"), "w") as f:
        f.write("<html><body>%s</body></html>" % links)
    s2 = D.Site(os.path.join(sub, "site"), sub)
    try:
        conf = os.path.join(sub, "f.conf")
        D.write_conf(conf, sub, [("dead", {"start_url": s2.base + "/list.html",
                                           "link_pattern": r"/dead/"})])
        rc, out, err = D.run_once(factd, conf)
    finally:
        s2.stop()
    chk.eq(rc, 0, "rate limit: exit status")
    warnings = [l for l in err.splitlines() if "warning:" in l and "/dead/" in l]
    chk.eq(len(warnings), 20, "rate limit: 20 warnings about the host")
    chk.check(re.search(r"127\.0\.0\.1:\d+: 10 more warnings in the last minute not logged", err),
              "rate limit: the rest counted", err[-800:])


def disk_full(chk, factd, tmp, site):
    """The store and archive on a small tmpfs, full at two points of a run
    (which ones moves with the schema's size: the frontier's rows, the
    archive, a group's commit): the run stops with status 1 and a message
    naming the full file, no document is counted as stored that the store
    lacks, the store passes integrity_check, and a run with room afterwards
    stores every article."""
    for size in ("224k", "288k"):
        what = "disk full (%s)" % size
        sub = os.path.join(tmp, "full-" + size)
        os.makedirs(sub)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", sub],
                           capture_output=True, text=True)
        if r.returncode != 0:
            chk.skip(what, "cannot mount a tmpfs (%s)" % r.stderr.strip())
            return
        try:
            conf = os.path.join(tmp, "full-%s.conf" % size)
            db = D.write_conf(conf, sub, [("zwgk", {"start_url": site.base + "/zwgk/index.html",
                                                    "link_pattern": LINK,
                                                    "next_pattern": NEXT})])
            rc, out, err = D.run_once(factd, conf, timeout=120)
            chk.eq(rc, 1, "%s: the run stops with status 1" % what)
            chk.check(re.search(re.escape(sub) + r"/\S+: .*(No space left|disk is full)", err),
                      "%s: the log names the full file" % what, err[-1500:])
            # Where the disk fills (the archive, a group's commit, the
            # frontier's rows before any article) moves with the schema's
            # size; what must hold is that no document is counted as stored
            # that the store does not have.
            m = re.search(r"documents: (\d+) new, .* (\d+) failed", out)
            chk.check(m, "%s: the run prints its summary" % what, out)
            subprocess.run(["mount", "-o", "remount,size=64m", sub], check=True)
            if os.path.exists(db):
                chk.eq(D.integrity(db), "ok", "%s: integrity_check" % what)
                if m:
                    chk.eq(D.query(db, "SELECT count(*) FROM documents")[0][0], int(m.group(1)),
                           "%s: nothing counted as stored that was not" % what)
            rc, out, err = D.run_once(factd, conf, timeout=120)
            chk.eq(rc, 0, "%s: with room again, a run completes (%s)" % (what, err[-800:]))
            chk.eq(D.query(db, "SELECT count(*) FROM documents")[0][0], 12,
                   "%s: with room again, every article is stored" % what)
        finally:
            subprocess.run(["umount", "-l", sub], capture_output=True)


def free_port():
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


def metrics(chk, factd, tmp, site):
    """The Prometheus endpoint, served from the daemon's loop while it runs;
    an address off loopback is refused."""
    import urllib.request
    sub = os.path.join(tmp, "metrics")
    os.makedirs(sub)
    port = free_port()
    conf = os.path.join(sub, "f.conf")
    D.write_conf(conf, sub, [("zwgk", {"start_url": site.base + "/zwgk/index.html",
                                       "link_pattern": LINK, "next_pattern": NEXT})],
                 metrics_listen="127.0.0.1:%d" % port)
    p = D.start_daemon(factd, conf)
    body = ""
    try:
        end = time.monotonic() + 30
        while time.monotonic() < end:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                            timeout=5) as resp:
                    body = resp.read().decode()
                    ctype = resp.headers["Content-Type"]
                m = re.search(r'factd_documents_total\{outcome="new"\} (\d+)', body)
                if m and int(m.group(1)) >= 12:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        p.send_signal(signal.SIGTERM)
        p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
    chk.check(re.search(r'factd_documents_total\{outcome="new"\} 12\b', body),
              "metrics: 12 new documents counted", body[-2000:])
    chk.check(re.search(r'factd_http_responses_total\{status="200"\} 15\b', body),
              "metrics: 15 responses with status 200", body[-2000:])
    chk.check(re.search(r'factd_extract_seconds_count \d+', body) and
              re.search(r'factd_store_write_seconds_bucket\{le="\+Inf"\} \d+', body),
              "metrics: extraction and store-write histograms")
    chk.check(re.search(r"factd_frontier_urls \d+", body), "metrics: frontier size")
    chk.check(body and ctype.startswith("text/plain; version=0.0.4"), "metrics: content type")
    D.write_conf(conf, sub, [("zwgk", {"start_url": site.base + "/zwgk/index.html",
                                       "link_pattern": LINK})], metrics_listen="0.0.0.0:%d" % port)
    rc, out, err = D.run_once(factd, conf, timeout=60)
    chk.eq(rc, 2, "metrics: an address off loopback: exit 2")
    chk.check("0.0.0.0:%d" % port in err, "metrics: the refused address is named", err[-500:])


def reload_drops_source(chk, factd, tmp, site):
    """A reload that drops the source being crawled, with the backlog full:
    the new source's pages are fetched all the same."""
    sub = os.path.join(tmp, "drop")
    os.makedirs(sub)
    conf = os.path.join(sub, "f.conf")
    src_a = ("a", {"start_url": site.base + "/zwgk/index.html", "link_pattern": LINK,
                   "next_pattern": NEXT})
    src_b = ("b", {"start_url": site.base + "/fault/index.html",
                   "link_pattern": r"/fault/good\d\.html$"})
    D.write_conf(conf, sub, [src_a], max_connections=1, max_host_connections=1, host_delay=0.3)
    p = D.start_daemon(factd, conf)
    try:
        time.sleep(1.0)
        mark = site.mark()
        D.write_conf(conf, sub, [src_b], max_connections=1, max_host_connections=1,
                     host_delay=0.3)
        p.send_signal(signal.SIGHUP)
        end = time.monotonic() + 20
        got = False
        while time.monotonic() < end and not got:
            time.sleep(0.3)
            got = any(path == "/fault/good2.html" and st == 200
                      for (_, path, st) in site.requests()[mark:])
        chk.check(got, "reload dropping a source: the new source's pages are fetched",
                  site.requests()[mark:][-10:])
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
        chk.eq(p.returncode, 0, "reload dropping a source: exit 0 (%s)" % err[-500:])
    finally:
        if p.poll() is None:
            p.kill()


def main():
    with D.session("test_operate") as (factd, chk, tmp, site):
        for part in (lifecycle, journald, rate_limit, disk_full, metrics, reload_drops_source):
            chk.guard(part, chk, factd, tmp, site)


if __name__ == "__main__":
    main()
