/*
 * store_status: what the store holds and what factd run did lately, for
 * factd stats and factd status.  Reading only: a store opened with
 * store_open_readonly() (store.h) will do.  The results are the caller's
 * structs, filled in; the strings handed to callbacks are valid during the
 * call only.
 */
#ifndef FACTD_STORE_STATUS_H
#define FACTD_STORE_STATUS_H

#include "err.h"

struct store;

/* Counts for "factd stats". */
struct store_stats {
    long long documents, versions, facts, sightings, pattern_sets;
    struct {
        char name[32];
        long long facts;
    } kinds[32]; /* facts per kind, the kinds the store holds (at most 32 shown) */
    int nkinds;
    char last_update[32]; /* latest seen_at, "" if none */
    int schema_version;
};

int store_stats(struct store *st, struct store_stats *out, struct err *err);

/*
 * What factd run did in a recent window, for "factd status".  Everything is
 * read in one read transaction, so the figures agree with each other even
 * while factd run writes.
 */
struct store_status_counts {
    /* URLs whose last fetch ended in the window, by how it ended: a URL
     * fetched twice in the window counts once, as its last fetch went. */
    long long fetched, ok, not_modified, gone, failed;
    long long docs_new, docs_changed; /* documents first seen, or given a new version */
    long long facts_new;              /* facts first seen */
};

struct store_status {
    long long now;  /* Unix time the window ends */
    char since[32]; /* when the window begins, UTC text */
    struct store_status_counts window;
    /* The frontier now. */
    long long urls, never_fetched, ok, retry, failed, gone;
    long long due;       /* not gone, next_fetch come */
    double next_due;     /* earliest next_fetch of a URL not gone; 0 if none */
    char last_fetch[32]; /* latest frontier.last_fetched, "" if none */
    /* Latest write of either factd run or replay (frontier.last_fetched,
     * documents.last_seen), "" if none, and its age in seconds (-1 if none;
     * below 0 too when the clock was set back since). */
    char last_activity[32];
    long long idle_s;
};

/* A source's window counts; source is NULL for documents stored without one
 * (replay without --source).  Valid during the call only. */
typedef int (*store_status_source_fn)(void *arg, const char *source,
                                      const struct store_status_counts *c);

/* A URL in retry or failed, most recently tried first; strings valid during
 * the call only, error NULL when none was recorded. */
struct store_failure {
    const char *url, *source, *state, *error, *when;
    int status, failures;
};
typedef int (*store_failure_fn)(void *arg, const struct store_failure *f);

/*
 * The status of the last window_s seconds.  Each source with anything in the
 * window goes to per_source, in name order; the max_failures most recent
 * failing URLs go to failure.  Either may be NULL.  Returns 0, -1 on error,
 * and 1, with err saying so, for a store without a frontier table (no factd
 * run has opened it).
 */
int store_status(struct store *st, long window_s, store_status_source_fn per_source,
                 store_failure_fn failure, int max_failures, void *arg, struct store_status *out,
                 struct err *err);

#endif
