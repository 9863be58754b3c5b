/*
 * store_frontier: the crawl frontier's rows in the store, for factd run
 * (schema.sql, table frontier).  The schedule itself is frontier.c's; the
 * store keeps its rows so that a run goes on where the last one stopped.
 * Writes go into the store's open group, like documents, so a page and its
 * frontier row are committed together (store_commit(), store.h).
 */
#ifndef FACTD_STORE_FRONTIER_H
#define FACTD_STORE_FRONTIER_H

#include "err.h"

struct store;

/* A row.  The strings are not owned: the caller's when writing, valid during
 * the call when read (store_url_fn). */
struct store_url {
    const char *url, *source;
    const char *kind;                                /* "list" or "article" */
    const char *state;                               /* "new", "ok", "retry", "gone" or "failed" */
    const char *etag, *last_modified, *hash, *error; /* NULL when none */
    int status, failures;
    double next_fetch; /* Unix time */
};

/* Called for each row; the strings are valid during the call only. */
typedef int (*store_url_fn)(void *arg, const struct store_url *u);

int store_frontier_load(struct store *st, store_url_fn fn, void *arg, struct err *err);
/* Record u whole; fetched says it was just fetched (sets last_fetched). */
int store_frontier_put(struct store *st, const struct store_url *u, int fetched, struct err *err);
/* Add u as a new URL unless the frontier has it; *added says which. */
int store_frontier_add(struct store *st, const struct store_url *u, int *added, struct err *err);

#endif
