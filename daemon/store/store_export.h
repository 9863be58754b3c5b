/*
 * store_export: the rows of factd export, read from a store one at a time and
 * handed to a callback, so that a store of millions of facts is written out
 * in constant memory.  Each view is a fixed list of columns (the header an
 * analyst's spreadsheet gets), filtered by source and by date.  Reading
 * only: a store opened with store_open_readonly() (store.h) will do.
 *
 * It does not format anything: values go out as SQLite holds them (NULL,
 * integer, real, text), and export_cmd writes CSV or JSON lines.
 */
#ifndef FACTD_STORE_EXPORT_H
#define FACTD_STORE_EXPORT_H

#include <stddef.h>

#include "err.h"

struct store;

/* What can be exported (docs/export.md). */
enum store_export_view {
    STORE_EXPORT_CURRENT_FACTS, /* facts as they stand now, one row per fact and page */
    STORE_EXPORT_COMMITMENTS,   /* the same, stance = 'target' */
    STORE_EXPORT_FACTS,         /* one row per distinct fact, no page */
    STORE_EXPORT_SIGHTINGS,     /* one row per fact and version of a page, old ones too */
    STORE_EXPORT_TOTALS,        /* the totals view, with each source's place */
    STORE_EXPORT_FACT_CHANGES,  /* the fact_changes view, with each source's place */
    STORE_EXPORT_NVIEWS
};

/* The view called name ("commitments"), or -1 for none. */
int store_export_view_find(const char *name);
/* The name of a view ("current_facts"). */
const char *store_export_view_name(enum store_export_view v);

/* The columns of a view, in the order its rows give them: how many, and the
 * name of column i (static). */
size_t store_export_ncolumns(enum store_export_view v);
const char *store_export_column(enum store_export_view v, size_t i);

/* Does the view have a date --since can filter on? (totals has none.) */
int store_export_has_date(enum store_export_view v);

/* At most this many sources in one filter. */
#define STORE_EXPORT_MAX_SOURCES 64

struct store_export_filter {
    const char *const *sources; /* keep rows of these sources only; not owned */
    size_t nsources;            /* 0: every source; at most STORE_EXPORT_MAX_SOURCES */
    const char *since;          /* YYYY-MM-DD: keep rows dated then or later; NULL: all */
};

/* One value of a row, as SQLite holds it. */
enum store_value_type { STORE_NULL, STORE_INTEGER, STORE_REAL, STORE_TEXT };

struct store_value {
    enum store_value_type type;
    long long i;   /* STORE_INTEGER */
    double r;      /* STORE_REAL */
    const char *s; /* STORE_TEXT: UTF-8, valid during the callback only */
    size_t len;    /* its length in bytes */
};

/* Called with each row's values (store_export_ncolumns() of them); returns 0
 * to go on, anything else to stop (store_export() then returns that). */
typedef int (*store_export_fn)(void *arg, const struct store_value *row);

/*
 * Hand every row of view v that passes filter to fn, in a stable order (by
 * document and place on the page for the fact views), all from one snapshot
 * of the store.  Returns 0, fn's value if it stopped, or -1 with err set
 * (the store's file named): a store whose schema is older than migration 6
 * (factd opening it for writing once brings it up to date), a source that
 * neither a document nor the configuration names, a database error.
 */
int store_export(struct store *st, enum store_export_view v,
                 const struct store_export_filter *filter, store_export_fn fn, void *arg,
                 struct err *err);

#endif
