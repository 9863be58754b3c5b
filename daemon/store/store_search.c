/*
 * store_search: the text facts_fts indexes, and the query of factd search
 * (store_search.h says what the index holds and why).
 *
 * A query word becomes the pieces the index holds: each run of Chinese
 * characters in it (cut every STORE_SEARCH_MAX_PIECE characters) and each
 * run of ASCII letters and digits, all of which a matching sentence must
 * have; then the sentence must hold the word itself (LIKE), so that a word
 * with punctuation or digits in it (公园,区内, 0.5亩) is matched as typed,
 * never by pieces found apart.
 */
#include "store_search.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "utf8.h"

int
store_search_is_han(unsigned long cp)
{
    /* The same ranges as migration 7's SQL: CJK Unified Ideographs and
     * extension A, the compatibility ideographs, the supplementary planes'
     * ideographs, and 〇. */
    return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3134F) || cp == 0x3007;
}

/* The code point at s[i], and its length in *len; an invalid byte is one
 * character that is no ideograph (SQLite's own reading may differ there,
 * but sentences are valid UTF-8: normalize.c makes them). */
static unsigned long
decode(const char *s, size_t n, size_t i, size_t *len)
{
    const unsigned char *p = (const unsigned char *)s + i;
    size_t k = utf8_seq(p, n - i);

    *len = k ? k : 1;
    if (k <= 1)
        return k ? p[0] : 0xFFFD;
    unsigned long cp = p[0] & (0x7F >> k);
    for (size_t j = 1; j < k; j++)
        cp = cp << 6 | (p[j] & 0x3F);
    return cp;
}

/* The pieces of the run s[0..n) of nchars ideographs, starts[] giving each
 * one's offset (starts[nchars] == n). */
static int
run_pieces(const char *s, const size_t *starts, size_t nchars, struct buf *out)
{
    for (size_t i = 0; i < nchars; i++)
        for (size_t k = 1; k <= STORE_SEARCH_MAX_PIECE && i + k <= nchars; k++) {
            if (out->len > 0 && buf_putc(out, ' ') != BUF_OK)
                return BUF_NOMEM;
            int rc = buf_append(out, s + starts[i], starts[i + k] - starts[i]);
            if (rc != BUF_OK)
                return rc;
        }
    return BUF_OK;
}

int
store_search_grams(const char *s, size_t n, struct buf *out)
{
    /* Offsets of the current run's characters, from its start. */
    size_t *starts = malloc((n + 1) * sizeof *starts), nrun = 0, run0 = 0;
    int rc = BUF_OK;

    if (starts == NULL)
        return BUF_NOMEM;
    /* The rest first: s with the ideographs made spaces. */
    for (size_t i = 0; i < n && rc == BUF_OK;) {
        size_t len;
        unsigned long cp = decode(s, n, i, &len);
        rc = store_search_is_han(cp) ? buf_putc(out, ' ') : buf_append(out, s + i, len);
        i += len;
    }
    /* Then the pieces of each run. */
    for (size_t i = 0; i <= n && rc == BUF_OK;) {
        size_t len = 1;
        unsigned long cp = i < n ? decode(s, n, i, &len) : 0;
        if (i < n && store_search_is_han(cp)) {
            if (nrun == 0)
                run0 = i;
            starts[nrun++] = i - run0;
        } else if (nrun > 0) {
            starts[nrun] = i - run0;
            rc = run_pieces(s + run0, starts, nrun, out);
            nrun = 0;
        }
        i += len;
    }
    free(starts);
    return rc;
}

/* ---- the query ---- */

/* The MATCH expression for the words, appended to m: each piece quoted,
 * all joined by AND.  Returns the number of pieces. */
static int
match_expr(const struct store_search_query *q, struct buf *m)
{
    int pieces = 0;

    for (int w = 0; w < q->nwords; w++) {
        const char *s = q->words[w];
        size_t n = strlen(s);
        for (size_t i = 0; i < n;) {
            size_t len, j = i, chars = 0;
            unsigned long cp = decode(s, n, i, &len);
            int han = store_search_is_han(cp);
            int alnum = cp < 0x80 && ((cp | 0x20) - 'a' < 26 || cp - '0' < 10);
            if (!han && !alnum) {
                i += len;
                continue;
            }
            /* The piece: a run of the same class, at most a piece long. */
            while (j < n && chars < STORE_SEARCH_MAX_PIECE) {
                size_t l2;
                unsigned long c2 = decode(s, n, j, &l2);
                int alnum2 = c2 < 0x80 && ((c2 | 0x20) - 'a' < 26 || c2 - '0' < 10);
                if (han ? !store_search_is_han(c2) : !alnum2)
                    break;
                j += l2;
                chars++;
            }
            if (buf_appendf(m, "%s\"%.*s\"", pieces ? " AND " : "", (int)(j - i), s + i) != BUF_OK)
                return -1;
            pieces++;
            i = j;
        }
    }
    return pieces;
}

/* LIKE's pattern for a word: itself anywhere, with % _ and \ escaped. */
static char *
like_pattern(const char *w)
{
    size_t n = strlen(w);
    char *p = malloc(2 * n + 3), *o = p;

    if (p == NULL)
        return NULL;
    *o++ = '%';
    for (size_t i = 0; i < n; i++) {
        if (w[i] == '%' || w[i] == '_' || w[i] == '\\')
            *o++ = '\\';
        *o++ = w[i];
    }
    *o++ = '%';
    *o = '\0';
    return p;
}

static int
has_index(struct store *st)
{
    sqlite3_stmt *s;
    int found = 0;
    if (sqlite3_prepare_v2(
            st->db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'facts_fts'", -1,
            &s, NULL) != SQLITE_OK)
        return 0;
    found = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    return found;
}

static const char *
col_text(sqlite3_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(s, i);
}

long
store_search(struct store *st, const struct store_search_query *q,
             int (*fn)(const struct store_search_hit *hit, void *arg), void *arg, int *scanned,
             struct err *err)
{
    struct buf sql, m;
    sqlite3_stmt *s = NULL;
    long rows = -1;
    int indexed = has_index(st), pieces = 0, bad = BUF_OK;

    if (q->nwords < 1) {
        err_file(err, st->path);
        err_set(err, "no word to search for");
        return -1;
    }
    buf_init(&sql, 1 << 20);
    buf_init(&m, 1 << 20);
    if (indexed)
        pieces = match_expr(q, &m);
    if (scanned != NULL)
        *scanned = !indexed;
    bad |= buf_appendf(
        &sql, "SELECT c.fact_id, c.kind, c.value, c.value_max, c.qualifier, c.text, c.unit, "
              "c.year, c.stance, c.source, c.sentence, c.uri ");
    /* The index drives the query when there is something to match; a word
     * of punctuation alone, or a store without the index, is a scan. */
    if (pieces > 0)
        bad |= buf_appendf(&sql, "FROM facts_fts s JOIN current_facts c ON c.fact_id = s.rowid "
                                 "WHERE facts_fts MATCH ?1");
    else
        bad |= buf_appendf(&sql, "FROM current_facts c WHERE ?1 IS NULL");
    if (q->kind != NULL)
        bad |= buf_appendf(&sql, " AND c.kind = ?2");
    for (int w = 0; w < q->nwords; w++)
        bad |= buf_appendf(&sql, " AND c.sentence LIKE ?%d ESCAPE '\\'", w + 3);
    bad |= buf_appendf(&sql, pieces > 0 ? " ORDER BY s.rowid DESC" : " ORDER BY c.fact_id DESC");
    if (q->limit > 0)
        bad |= buf_appendf(&sql, " LIMIT %ld", q->limit);
    if (bad != BUF_OK || pieces < 0 || sql.data == NULL || (pieces > 0 && m.data == NULL)) {
        err_file(err, st->path);
        err_set(err, "out of memory, or words too long to search for (over 1 MiB)");
        goto out;
    }
    if (sqlite3_prepare_v2(st->db, sql.data, (int)sql.len, &s, NULL) != SQLITE_OK) {
        db_err(st, err, "searching");
        goto out;
    }
    if (pieces > 0)
        sqlite3_bind_text(s, 1, m.data, (int)m.len, SQLITE_STATIC);
    if (q->kind != NULL)
        sqlite3_bind_text(s, 2, q->kind, -1, SQLITE_STATIC);
    for (int w = 0; w < q->nwords; w++) {
        char *p = like_pattern(q->words[w]);
        if (p == NULL) {
            err_file(err, st->path);
            err_set(err, "out of memory");
            goto out;
        }
        sqlite3_bind_text(s, w + 3, p, -1, free);
    }
    long n = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_search_hit h = {
            .fact_id = sqlite3_column_int64(s, 0),
            .kind = col_text(s, 1),
            .value = sqlite3_column_double(s, 2),
            .has_value_max = sqlite3_column_type(s, 3) != SQLITE_NULL,
            .value_max = sqlite3_column_double(s, 3),
            .qualifier = col_text(s, 4),
            .text = col_text(s, 5),
            .unit = col_text(s, 6),
            .year = sqlite3_column_int(s, 7),
            .stance = col_text(s, 8),
            .source = col_text(s, 9),
            .sentence = col_text(s, 10),
            .uri = col_text(s, 11),
        };
        n++;
        if (fn(&h, arg) != 0)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        db_err(st, err, "searching");
        goto out;
    }
    rows = n;
out:
    sqlite3_finalize(s);
    buf_free(&sql);
    buf_free(&m);
    return rows;
}
