/*
 * store_show: one fact with every sighting of it, each with its document,
 * source, place and archived copy: what factd show prints and a paper cites.
 */
#ifndef FACTD_STORE_SHOW_H
#define FACTD_STORE_SHOW_H

#include <stdint.h>

#include "err.h"

struct store;

/* A row: names[i] and values[i] for i < n; a value is NULL when the store
 * has none.  Valid during the call only. */
struct store_row {
    int n;
    const char *const *names;
    const char *const *values;
};

/* Called with the fact's row first (kind 0), then each sighting's (kind 1),
 * the current ones first; returns 0 to go on. */
typedef int (*store_row_fn)(void *arg, int kind, const struct store_row *row);

/* Show fact id: 0, or -1 with err set (a fact the store does not have is
 * an error naming its id). */
int store_show_fact(struct store *st, int64_t id, store_row_fn fn, void *arg, struct err *err);

#endif
