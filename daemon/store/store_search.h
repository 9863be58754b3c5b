/*
 * store_search: keyword search over the sentences of facts, as an analyst
 * types the words (docs/search.md).
 *
 * The index is facts_fts (schema.sql, migration 7): an FTS5 table with
 * SQLite's own unicode61 tokenizer, so that a plain sqlite3 shell, pandas or
 * Datasette can query it, whose indexed text for a sentence is every piece
 * (1 to STORE_SEARCH_MAX_PIECE characters) of every run of Chinese
 * characters in it, each a token, and the rest of the sentence as it is.  A
 * word of Chinese characters typed as it is, 面积 or 绿化覆盖率, is then one
 * token, found in exactly the sentences that hold it; a run never crosses
 * punctuation, digits or white space, so 公园,区内 gives no 园区.
 *
 * Here: the indexed text (what factd_grams() gives SQL, and the migration
 * builds in SQL alone), and the query of factd search, which matches, then
 * keeps only sentences that hold each word as typed.  Reading only: a store
 * opened with store_open_readonly() will do.
 */
#ifndef FACTD_STORE_SEARCH_H
#define FACTD_STORE_SEARCH_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

struct store;

/* The longest piece indexed; a longer word is matched by its pieces. */
#define STORE_SEARCH_MAX_PIECE 32

/*
 * The text facts_fts indexes for the sentence s[0..n), appended to out
 * (the caller's, freed with buf_free()): the pieces of each run of Chinese
 * characters, then s with those characters made spaces.  Schema.sql's
 * migration 7 builds the same tokens in SQL.  BUF_OK or buf_append()'s error.
 */
int store_search_grams(const char *s, size_t n, struct buf *out);

/* Is the code point a character of the runs: a CJK ideograph or 〇. */
int store_search_is_han(unsigned long cp);

/* What factd search asks for. */
struct store_search_query {
    const char *const *words; /* Each must be in the sentence.  Not owned. */
    int nwords;
    const char *kind; /* Only facts of this kind, or NULL.  Not owned. */
    long limit;       /* At most this many rows; 0 for all. */
};

/* One current fact and page that matched.  Valid during the callback only. */
struct store_search_hit {
    long long fact_id;
    const char *kind;
    double value;
    int has_value_max;
    double value_max;
    const char *qualifier; /* or NULL */
    const char *text;
    const char *unit;
    int year;             /* 0 when none */
    const char *stance;   /* or NULL */
    const char *source;   /* or NULL */
    const char *sentence; /* the sentence as stored */
    const char *uri;
};

/*
 * Call fn for each current fact (a fact and a page it is on now) whose
 * sentence holds every word, newest fact first.  A store made before
 * migration 7 has no index: its sentences are scanned, and *scanned is set
 * (when not NULL).  fn returns 0 to go on, or non-zero to stop.  Returns the
 * rows passed to fn, or -1 with err filled.
 */
long store_search(struct store *st, const struct store_search_query *q,
                  int (*fn)(const struct store_search_hit *hit, void *arg), void *arg, int *scanned,
                  struct err *err);

#endif
