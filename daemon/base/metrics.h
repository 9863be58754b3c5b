/*
 * metrics: the daemon's counters, gauges and histograms, kept in memory and
 * written in the Prometheus text exposition format (version 0.0.4), served
 * if asked from a listener on a loopback address.
 *
 * Recording is safe from any thread (a mutex inside): the loop thread counts
 * responses and failures, the worker thread times extraction and store
 * writes.  metrics_listen.h serves them.  Nothing here names a URL or a host,
 * so the page tells a reader how much the daemon does but not what it
 * follows.
 */
#ifndef FACTD_METRICS_H
#define FACTD_METRICS_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

struct metrics;

/* Making and freeing.  The caller owns what metrics_new() returns (NULL when
 * out of memory).  A listener must be stopped first (metrics_listen_stop(),
 * asserted).  metrics_free(NULL) does nothing. */
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

#endif
