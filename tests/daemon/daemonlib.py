"""Shared helpers for the daemon tests (tests/daemon/test_*.py).

Not a test itself.  Stdlib only.  Each test starts the fixture web server
(tests/fixtures/site.py) on 127.0.0.1 with an ephemeral port, writes a
factd.conf for it and runs `factd run`, then reads the store as an analyst
would.
"""
import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "store"))
from storelib import Checker, factd_path  # noqa: E402,F401  (re-exported for the tests)

FIXTURES = "tests/fixtures"


class Site:
    """The fixture server, serving root; requests are logged to log."""

    def __init__(self, root, tmp):
        self.root = root
        self.log = os.path.join(tmp, "site-%d.log" % time.monotonic_ns())
        portfile = self.log + ".port"
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(FIXTURES, "site.py"), "--root", root,
             "--port", "0", "--port-file", portfile, "--log", self.log],
            stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not os.path.exists(portfile):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the fixture server did not start")
            time.sleep(0.05)
        with open(portfile) as f:
            self.port = int(f.read())
        self.base = "http://127.0.0.1:%d" % self.port

    def requests(self):
        """[(method, path, status)] so far, in order."""
        out = []
        if os.path.exists(self.log):
            with open(self.log, encoding="utf-8") as f:
                for line in f:
                    p = line.split()
                    if len(p) >= 3:
                        out.append((p[0], p[1], int(p[2])))
        return out

    def mark(self):
        """The number of requests so far, to look at the ones after it."""
        return len(self.requests())

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def make_site(out, *args):
    subprocess.run([sys.executable, os.path.join(FIXTURES, "make_site.py"), out, *args],
                   check=True)


def write_conf(path, tmp, sources, **factd):
    """sources: [(name, {key: value})]; factd: keys of [factd] over the defaults."""
    keys = {
        "db": os.path.join(tmp, "facts.db"),
        "archive_dir": os.path.join(tmp, "archive"),
        "patterns_dir": os.path.abspath("patterns"),
        "max_connections": 8,
        "max_host_connections": 4,
        "host_delay": 0,
        "timeout": 10,
        "connect_timeout": 5,
        "log_level": "info",
    }
    keys.update(factd)
    lines = ["[factd]"] + ["%s = %s" % kv for kv in keys.items()]
    for name, kv in sources:
        lines.append("")
        lines.append("[source %s]" % name)
        lines += ["%s = %s" % item for item in kv.items()]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return keys["db"]


def run_once(factd, conf, timeout=300, env=None):
    """Run factd run --once; returns (exit status, stdout, stderr)."""
    p = subprocess.run([factd, "run", "-c", conf, "--once"], capture_output=True,
                       text=True, timeout=timeout, env=env)
    return p.returncode, p.stdout, p.stderr


def start_daemon(factd, conf, env=None):
    return subprocess.Popen([factd, "run", "-c", conf], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def query(db, sql, *args):
    c = sqlite3.connect(db)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def facts_of(db, uri_like="%"):
    """{(uri, kind, value, value_max, qualifier, text)} of the current facts."""
    return set(query(db, "SELECT uri, kind, value, value_max, qualifier, text FROM current_facts "
                         "WHERE uri LIKE ?", uri_like))


def integrity(db):
    return query(db, "PRAGMA integrity_check")[0][0]


@contextlib.contextmanager
def session(name, make=True):
    """What every daemon test starts with: (factd, checker, temporary
    directory, fixture server).  The server serves a site made by
    make_site(), or an empty root (the fault pages need none).  Afterwards
    the server stops, the directory goes and the checker gives the status."""
    factd = factd_path()
    chk = Checker(name)
    tmp = tempfile.mkdtemp(prefix="factd-%s-" % name)
    root = os.path.join(tmp, "site")
    site = None
    try:
        if make:
            make_site(root)
        else:
            os.makedirs(root)
        site = Site(root, tmp)
        yield factd, chk, tmp, site
    finally:
        if site is not None:
            site.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    chk.finish()
