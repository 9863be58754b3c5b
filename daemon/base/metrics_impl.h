/*
 * metrics_impl: struct metrics, which metrics.c (the counters and their
 * rendering) and metrics_listen.c (the /metrics listener) share.  Private to
 * those two files.
 */
#ifndef FACTD_METRICS_IMPL_H
#define FACTD_METRICS_IMPL_H

#include <ev.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

#define MAX_STATUS 600
#define MAX_RENDER (1u << 20) /* far above what 600 statuses and the rest can need */

static const char *const failure_names[] = {
    "timeout",          "network",         "too_big",     "refused",  "bad_reply",
    "offsite_redirect", "private_address", "http_4xx",    "http_5xx", "gone",
    "not_a_page",       "store",           "page_budget", "other", /* the catch-all: keep it last */
};
#define N_FAILURES (sizeof failure_names / sizeof *failure_names)

static const char *const outcome_names[] = {"new", "changed", "unchanged", "failed"};
#define N_OUTCOMES (sizeof outcome_names / sizeof *outcome_names)

/* Bounds and their labels kept apart so a label reads exactly as written,
 * whatever printf would make of the double. */
static const double bucket_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                       0.25,  0.5,    1,     2.5,  5,     10};
static const char *const bucket_labels[] = {"0.001", "0.0025", "0.005", "0.01", "0.025",
                                            "0.05",  "0.1",    "0.25",  "0.5",  "1",
                                            "2.5",   "5",      "10"};
#define N_BUCKETS (sizeof bucket_bounds / sizeof *bucket_bounds)

struct histogram {
    uint64_t counts[N_BUCKETS + 1]; /* per bucket, not cumulative; the last is above 10 s */
    double sum;
    uint64_t count;
};

/* Everything recorded; a plain value so render can copy it whole. */
struct counters {
    uint64_t status[MAX_STATUS];
    uint64_t status_other; /* codes outside 0..599 */
    uint64_t bytes;
    uint64_t failures[N_FAILURES];
    uint64_t documents[N_OUTCOMES];
    uint64_t facts_new;
    size_t frontier_urls, frontier_due, in_flight;
    struct histogram extract, store;
};

struct conn;
struct MHD_Daemon;

struct metrics {
    pthread_mutex_t lock;
    struct counters c; /* under lock */
    double start_time; /* Unix time of metrics_new(); never changes */

    /* The listener, touched on the loop's thread only. */
    struct ev_loop *loop;
    struct MHD_Daemon *mhd; /* NULL when not listening */
    int port;
    ev_io mhd_io;          /* MHD's epoll descriptor */
    ev_timer mhd_timer;    /* MHD_get_timeout() */
    ev_timer accept_timer; /* restarts mhd_io after running out of descriptors */
    struct conn *conns;    /* those holding a place, newest first */
    int n_conns;
    int stopping; /* in metrics_free(): what MHD closes now is not kept to linger */
};

#endif
