/*
 * metrics_listen: the page of metrics.h's counters, served on loopback at
 * /metrics by libmicrohttpd from the caller's libev loop, non-blocking,
 * with no thread of its own.  Loop thread only.
 */
#ifndef FACTD_METRICS_LISTEN_H
#define FACTD_METRICS_LISTEN_H

#include <ev.h>

#include "err.h"
#include "metrics.h"

/* Longest request head the listener answers; a longer one gets 431. */
#define METRICS_MAX_HEAD 8192

/*
 * Serve GET and HEAD of /metrics on addr, "HOST:PORT" where HOST is an IPv4
 * address in 127.0.0.0/8, "[::1]", or "localhost" (taken as 127.0.0.1, with
 * no lookup); PORT 0 takes a free port (see metrics_port()).  Anything else
 * is refused: the page must not reach the network.  Up to 16 clients at
 * once, each answered once and closed.  A client has 2 s from accept to
 * send its request head and 5 s for everything, however it trickles; when
 * all 16 places are taken a new client takes the place of the oldest one
 * still sending its request (else of the oldest already answered, else of
 * the oldest being answered), so slow clients cannot keep a scraper out.
 * Returns 0, or -1 with err naming addr (not loopback, malformed, in use,
 * already listening).
 */
int metrics_listen(struct metrics *m, struct ev_loop *loop, const char *addr, struct err *err);

/*
 * Check addr as metrics_listen() does before it binds, without binding:
 * 0, or -1 with err's message saying why (err's file is left alone).  The
 * configuration reader calls this, so that `factd check` and a reload refuse
 * exactly what `factd run` would; only a port in use is found at bind time.
 */
int metrics_check_addr(const char *addr, struct err *err);

/* Stop listening: the watchers off the loop, libmicrohttpd stopped, every
 * socket closed.  On the loop's thread, before metrics_free() (which
 * asserts it) and before the loop is destroyed.  Does nothing when m is
 * NULL or not listening. */
void metrics_listen_stop(struct metrics *m);

/* The port listened on, or -1 when not listening. */
int metrics_port(const struct metrics *m);

/*
 * The status due to a request whose head libmicrohttpd has read: 200 for
 * GET or HEAD of /metrics (a query string allowed), 404 for another path,
 * 405 for another method on /metrics, 400 when method is not a token or
 * target is none of origin-form ("/metrics?x"), absolute-form
 * ("http://host/metrics") or "*".  target is as the client sent it, before
 * any %-decoding; NULL counts as no target.  Exposed for the fuzzer and the
 * tests.
 */
int metrics_route(const char *method, const char *target);

#endif
