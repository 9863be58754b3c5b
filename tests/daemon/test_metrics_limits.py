"""The metrics endpoint of a running `factd run` against a slowloris
(issue 11, defect 11): twenty clients each send a byte of a request every
second, and reconnect when dropped.  Before, sixteen of them kept every
other client out for as long as they went on (the 5 s timeout started again
with each byte).  Now a scraper asking meanwhile is answered within a
second or two each time, and no slow connection outlives the request
deadline (2 s from accept) by more than a little.  A pass takes about 10 s.

usage: test_metrics_limits.py FACTD
"""
import os
import signal
import socket
import sys
import time
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
import daemonlib as D  # noqa: E402

SLOW = 20
TRICKLE_S = 1.0      # a byte per slow client this often
RUN_S = 7.0          # how long the trickle goes on
ASK_EVERY_S = 0.5
REQUEST = (b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow/1.0\r\n"
           b"Accept: text/plain\r\n\r\n")


def free_port():
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


def scrape(port):
    """(seconds taken, body or None)."""
    t = time.monotonic()
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as resp:
            body = resp.read().decode()
    except OSError:
        body = None
    return time.monotonic() - t, body


class Slow:
    """One slow client: connects, then sends one byte every TRICKLE_S."""

    def __init__(self, port):
        self.so = socket.create_connection(("127.0.0.1", port), timeout=2)
        self.so.setblocking(False)
        self.t0 = time.monotonic()
        self.next = self.t0
        self.sent = 0

    def alive(self, now):
        """Send a byte if one is due; False once the server has closed."""
        try:
            if self.so.recv(1) == b"":
                return False
        except BlockingIOError:
            pass
        except OSError:
            return False
        if now >= self.next and self.sent < len(REQUEST) - 1:  # never the whole head
            try:
                self.so.send(REQUEST[self.sent:self.sent + 1])
            except OSError:
                return False
            self.sent += 1
            self.next += TRICKLE_S
        return True

    def close(self):
        self.so.close()


def main():
    with D.session("test_metrics_limits", make=False) as (factd, chk, tmp, site):
        port = free_port()
        conf = os.path.join(tmp, "m.conf")
        D.write_conf(conf, tmp, [("s", {"start_url": site.base + "/none.html",
                                        "link_pattern": r"/t\d+\.html$"})],
                     metrics_listen="127.0.0.1:%d" % port)
        p = D.start_daemon(factd, conf)
        slow, lives, waits, failures = [], [], [], 0
        try:
            up = time.monotonic() + 20
            while scrape(port)[1] is None:
                if time.monotonic() > up or p.poll() is not None:
                    raise RuntimeError("the metrics endpoint did not come up")
                time.sleep(0.1)
            start = time.monotonic()
            next_ask = start + 1.5  # the slow ones have taken every place by then
            opened = 0
            while time.monotonic() - start < RUN_S:
                now = time.monotonic()
                for s in list(slow):
                    if not s.alive(now):
                        lives.append(now - s.t0)
                        s.close()
                        slow.remove(s)
                while len(slow) < SLOW:
                    slow.append(Slow(port))
                    opened += 1
                if now >= next_ask:
                    took, body = scrape(port)
                    waits.append(took)
                    if body is None or "factd_build_info" not in body:
                        failures += 1
                    next_ask += ASK_EVERY_S
                time.sleep(0.02)
            now = time.monotonic()
            lives += [now - s.t0 for s in slow]
        finally:
            for s in slow:
                s.close()
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
            try:
                _, err = p.communicate(timeout=30)
            except Exception:
                p.kill()
                _, err = p.communicate()
        chk.check(len(waits) >= 8, "the scraper asked %d times" % len(waits))
        chk.eq(failures, 0, "every scrape answered with the metrics while the slow clients trickle")
        chk.check(waits and max(waits) < 1.5, "each scrape answered within 1.5 s",
                  ["%.2f" % w for w in waits])
        chk.check(opened > 2 * SLOW, "the slow clients were dropped and came back (%d connections)"
                  % opened)
        chk.check(lives and max(lives) < 3.0,
                  "no slow connection lived past the request deadline (2 s) by much",
                  "the longest lived %.2f s" % max(lives or [0]))
        chk.eq(p.returncode, 0, "the daemon stops cleanly (stderr: %s)" % err[-2000:])


if __name__ == "__main__":
    main()
