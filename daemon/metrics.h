/*
 * metrics: the daemon's counters, gauges and histograms, kept in memory and
 * written in the Prometheus text exposition format (version 0.0.4), served
 * if asked from a listener on a loopback address.
 *
 * Recording is safe from any thread (a mutex inside): the loop thread counts
 * responses and failures, the worker thread times extraction and store
 * writes.  The listener is libmicrohttpd run from the caller's libev loop,
 * non-blocking, with no thread of its own; only the loop's thread may call
 * metrics_listen() and metrics_free().  Nothing here names a URL or a host,
 * so the page tells a reader how much the daemon does but not what it
 * follows.
 */
#ifndef FACTD_METRICS_H
#define FACTD_METRICS_H

#include <ev.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

struct metrics;

/* Longest request head the listener answers; a longer one gets 431. */
#define METRICS_MAX_HEAD 8192

/* Making and freeing.  The caller owns what metrics_new() returns (NULL when
 * out of memory); metrics_free() stops the listener's watchers and its
 * libmicrohttpd daemon and closes its sockets first, so it runs on the
 * loop's thread, before the loop is destroyed.  metrics_free(NULL) does
 * nothing. */
struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/*
 * Recording, from any thread.  m may be NULL: nothing is recorded, so a
 * command without metrics can call these all the same.
 *
 * metrics_response: a finished transfer with its HTTP status (0 when no
 *   response came; codes outside 0..599 count as "other") and body bytes.
 * metrics_failure: reason is one of "timeout", "network", "too_big",
 *   "refused", "bad_reply", "offsite_redirect", "private_address",
 *   "http_4xx", "http_5xx", "gone", "not_a_page", "store", "page_budget";
 *   anything else (NULL too) counts as "other".
 * metrics_document: outcome is "new", "changed", "unchanged" or "failed"
 *   (anything else is not counted); facts_new is added whatever the outcome.
 * metrics_observe_*: seconds taken; NaN is dropped, below 0 counts as 0.
 */
void metrics_response(struct metrics *m, int status, size_t bytes);
void metrics_failure(struct metrics *m, const char *reason);
void metrics_document(struct metrics *m, const char *outcome, size_t facts_new);
void metrics_set_frontier(struct metrics *m, size_t urls, size_t due, size_t in_flight);
void metrics_observe_extract(struct metrics *m, double seconds);
void metrics_observe_store(struct metrics *m, double seconds);

/* Everything in the exposition format, into out; the caller frees it with
 * text_free().  Returns 0, or -1 when out of memory (out is then empty). */
int metrics_render(struct metrics *m, struct text *out);

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
