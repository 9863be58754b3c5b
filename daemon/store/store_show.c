/*
 * store_show: two queries, handed over as rows of text so that factd show
 * prints what the store has without knowing SQLite's types.
 */
#include "store_show.h"

#include <assert.h>
#include <sqlite3.h>

#include "store_impl.h"

#define MAX_COLS 24

static const char sql_fact[] =
    "SELECT id, kind, value, value_max, qualifier, unit, text, subject, direction, year, stance, "
    "sentence, clause, position, first_seen FROM facts WHERE id = ?1";
static const char sql_sightings[] =
    "SELECT CASE WHEN d.latest_version_id = v.id THEN 'yes' ELSE 'no' END AS current, d.uri, "
    "d.source, src.region, src.region_code, src.level, v.title, v.published, v.doc_year, "
    "v.seen_at, v.sha256, v.warc_file, v.warc_record_id, v.id AS version_id, s.offset, s.text, "
    "s.sentence, s.pattern, s.verbatim, s.original_offset FROM sightings s JOIN versions v ON v.id "
    "= s.version_id "
    "JOIN documents d ON d.id = v.document_id LEFT JOIN sources src ON src.name = d.source "
    "WHERE s.fact_id = ?1 ORDER BY d.latest_version_id = v.id DESC, v.published, d.uri, v.id";

/* Each row of s to fn; *rows counts them. */
static int
rows(struct store *st, sqlite3_stmt *s, int kind, store_row_fn fn, void *arg, int *nrows,
     struct err *err)
{
    const char *names[MAX_COLS], *values[MAX_COLS];
    int rc, n = sqlite3_column_count(s);

    assert(n <= MAX_COLS);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        for (int i = 0; i < n; i++) {
            names[i] = sqlite3_column_name(s, i);
            values[i] = (const char *)sqlite3_column_text(s, i);
        }
        struct store_row row = {n, names, values};
        (*nrows)++;
        if (fn(arg, kind, &row) != 0)
            return 0;
    }
    return rc == SQLITE_DONE ? 0 : db_err(st, err, "reading the fact");
}

int
store_show_fact(struct store *st, int64_t id, store_row_fn fn, void *arg, struct err *err)
{
    sqlite3_stmt *s = NULL;
    int nrows = 0, rc = -1;

    if (sqlite3_prepare_v2(st->db, sql_fact, -1, &s, NULL) != SQLITE_OK) {
        db_err(st, err, "reading the fact");
        goto out;
    }
    sqlite3_bind_int64(s, 1, id);
    if (rows(st, s, 0, fn, arg, &nrows, err) != 0)
        goto out;
    if (nrows == 0) {
        err_file(err, st->path);
        err_set(err, "no fact %lld in the store", (long long)id);
        goto out;
    }
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(st->db, sql_sightings, -1, &s, NULL) != SQLITE_OK) {
        s = NULL;
        db_err(st, err, "reading the sightings");
        goto out;
    }
    sqlite3_bind_int64(s, 1, id);
    rc = rows(st, s, 1, fn, arg, &nrows, err);
out:
    sqlite3_finalize(s);
    return rc;
}
