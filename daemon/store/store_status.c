/*
 * store_status: the queries behind factd stats (the store's counts) and
 * factd status (what factd run did in a recent window, and its frontier
 * now).  They only read.
 */
#include "store_status.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "store_impl.h"

/* ---- factd stats ---- */

static long long
count(struct store *st, const char *sql)
{
    sqlite3_stmt *s;
    long long n = -1;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

int
store_stats(struct store *st, struct store_stats *out, struct err *err)
{
    sqlite3_stmt *s;

    memset(out, 0, sizeof *out);
    out->documents = count(st, "SELECT count(*) FROM documents");
    out->versions = count(st, "SELECT count(*) FROM versions");
    out->facts = count(st, "SELECT count(*) FROM facts");
    out->sightings = count(st, "SELECT count(*) FROM sightings");
    out->pattern_sets = count(st, "SELECT count(*) FROM pattern_sets");
    out->schema_version = (int)count(st, "PRAGMA user_version");
    if (out->documents < 0 || out->facts < 0)
        return db_err(st, err, "reading counts");
    if (sqlite3_prepare_v2(st->db, "SELECT kind, count(*) FROM facts GROUP BY kind ORDER BY kind",
                           -1, &s, NULL) != SQLITE_OK)
        return db_err(st, err, "reading counts");
    while (sqlite3_step(s) == SQLITE_ROW && out->nkinds < 32) {
        const char *k = (const char *)sqlite3_column_text(s, 0);
        snprintf(out->kinds[out->nkinds].name, sizeof out->kinds[0].name, "%s", k ? k : "");
        out->kinds[out->nkinds++].facts = sqlite3_column_int64(s, 1);
    }
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(st->db, "SELECT max(last_seen) FROM documents", -1, &s, NULL) ==
            SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL)
        snprintf(out->last_update, sizeof out->last_update, "%s", sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return 0;
}

/* ---- factd status ---- */

/*
 * The times of documents, versions and facts have no index, but each row is
 * stamped with the time it is inserted and gets a rowid above every other,
 * so a window is a tail of its table.  The newest row older than the window
 * is found by reading that tail backwards, and only the tail is counted: a
 * status costs what the window holds, not what the store holds.  (A clock
 * stepped back could hide a few rows from a window; a status is a glance,
 * not an audit.)
 */
#define STATUS_WINDOW                                                                              \
    "WITH wd AS (SELECT id, source FROM documents WHERE first_seen >= ?1 AND id > "                \
    "coalesce((SELECT id FROM documents WHERE first_seen < ?1 ORDER BY id DESC LIMIT 1), 0)), "    \
    "wv AS (SELECT v.document_id FROM versions v WHERE v.seen_at >= ?1 AND v.id > "                \
    "coalesce((SELECT id FROM versions WHERE seen_at < ?1 ORDER BY id DESC LIMIT 1), 0) "          \
    "AND v.id > (SELECT min(id) FROM versions WHERE document_id = v.document_id)), "               \
    "wf AS (SELECT id FROM facts WHERE first_seen >= ?1 AND id > "                                 \
    "coalesce((SELECT id FROM facts WHERE first_seen < ?1 ORDER BY id DESC LIMIT 1), 0)) "

/* How the last fetch of the URLs fetched in the window ended. */
#define STATUS_FETCHED                                                                             \
    "count(*) AS fetched, sum(state = 'ok' AND status IS NOT 304) AS ok, "                         \
    "sum(state = 'ok' AND status = 304) AS nm, sum(state = 'gone') AS gone, "                      \
    "sum(state IN ('retry', 'failed')) AS failed"

static const char sql_status_window[] =
    STATUS_WINDOW "SELECT " STATUS_FETCHED ", (SELECT count(*) FROM wd), "
                  "(SELECT count(DISTINCT document_id) FROM wv), "
                  "(SELECT count(*) FROM wf) FROM frontier WHERE last_fetched >= ?1";
/* A fact on pages of two sources is new in both. */
static const char sql_status_sources[] = STATUS_WINDOW
    "SELECT source, sum(fetched), sum(ok), sum(nm), sum(gone), sum(failed), sum(dn), sum(dc), "
    "sum(fn) FROM (SELECT source, " STATUS_FETCHED ", 0 AS dn, 0 AS dc, 0 AS fn FROM frontier "
    "WHERE last_fetched >= ?1 GROUP BY source "
    "UNION ALL SELECT source, 0, 0, 0, 0, 0, count(*), 0, 0 FROM wd GROUP BY source "
    "UNION ALL SELECT d.source, 0, 0, 0, 0, 0, 0, count(DISTINCT d.id), 0 FROM wv "
    "JOIN documents d ON d.id = wv.document_id GROUP BY d.source "
    "UNION ALL SELECT d.source, 0, 0, 0, 0, 0, 0, 0, count(DISTINCT wf.id) FROM wf "
    "JOIN sightings s ON s.fact_id = wf.id JOIN versions v ON v.id = s.version_id "
    "JOIN documents d ON d.id = v.document_id GROUP BY d.source) "
    "GROUP BY source ORDER BY source";
static const char sql_status_frontier[] =
    "SELECT count(*), sum(state = 'new'), sum(state = 'ok'), sum(state = 'retry'), "
    "sum(state = 'failed'), sum(state = 'gone'), sum(state <> 'gone' AND next_fetch <= ?1), "
    "min(CASE WHEN state <> 'gone' THEN next_fetch END), max(last_fetched) FROM frontier";
static const char sql_status_failures[] =
    "SELECT url, source, state, error, last_fetched, status, failures FROM frontier "
    "WHERE state IN ('retry', 'failed') ORDER BY last_fetched DESC, url LIMIT ?1";

/* Eight columns from col on: fetched, ok, not modified, gone, failed,
 * documents new and changed, facts new. */
static void
status_counts(sqlite3_stmt *s, int col, struct store_status_counts *c)
{
    long long *v[] = {&c->fetched, &c->ok,       &c->not_modified, &c->gone,
                      &c->failed,  &c->docs_new, &c->docs_changed, &c->facts_new};
    for (int i = 0; i < 8; i++)
        *v[i] = sqlite3_column_int64(s, col + i); /* a sum over no row is NULL: 0 */
}

static void
column_copy(sqlite3_stmt *s, int col, char *out, size_t size)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    snprintf(out, size, "%s", t ? (const char *)t : "");
}

/* The one-row answer of sql, with ?1 bound to text or number; NULL and err
 * set on failure. */
static sqlite3_stmt *
status_row(struct store *st, const char *sql, const char *text, double number, struct err *err)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        db_err(st, err, "reading the status");
        return NULL;
    }
    if (text != NULL)
        bind_text(s, 1, text);
    else if (sqlite3_bind_parameter_count(s) > 0)
        sqlite3_bind_double(s, 1, number);
    if (sqlite3_step(s) != SQLITE_ROW) {
        db_err(st, err, "reading the status");
        sqlite3_finalize(s);
        return NULL;
    }
    return s;
}

static int
status_read(struct store *st, store_status_source_fn per_source, store_failure_fn failure,
            int max_failures, void *arg, struct store_status *out, struct err *err)
{
    sqlite3_stmt *s;
    int rc;

    s = status_row(st,
                   "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'frontier'",
                   NULL, 0, err);
    if (s == NULL)
        return -1;
    rc = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (rc == 0) {
        err_file(err, st->path);
        err_set(err, "the store has no frontier: factd run has not opened it yet");
        return 1;
    }

    if ((s = status_row(st, sql_status_window, out->since, 0, err)) == NULL)
        return -1;
    status_counts(s, 0, &out->window);
    sqlite3_finalize(s);

    if ((s = status_row(st, sql_status_frontier, NULL, (double)out->now, err)) == NULL)
        return -1;
    long long *v[] = {&out->urls,   &out->never_fetched, &out->ok, &out->retry,
                      &out->failed, &out->gone,          &out->due};
    for (int i = 0; i < 7; i++)
        *v[i] = sqlite3_column_int64(s, i);
    out->next_due = sqlite3_column_double(s, 7);
    column_copy(s, 8, out->last_fetch, sizeof out->last_fetch);
    sqlite3_finalize(s);

    if ((s = status_row(st, "SELECT max(last_seen) FROM documents", NULL, 0, err)) == NULL)
        return -1;
    column_copy(s, 0, out->last_activity, sizeof out->last_activity);
    sqlite3_finalize(s);
    /* The times are all of one fixed-width form: text order is time order. */
    if (strcmp(out->last_fetch, out->last_activity) > 0)
        snprintf(out->last_activity, sizeof out->last_activity, "%s", out->last_fetch);
    struct tm tm = {0};
    out->idle_s = -1;
    if (sscanf(out->last_activity, "%d-%d-%dT%d:%d:%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec) == 6) {
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        out->idle_s = out->now - (long long)timegm(&tm);
    }

    if (per_source != NULL) {
        if (sqlite3_prepare_v2(st->db, sql_status_sources, -1, &s, NULL) != SQLITE_OK)
            return db_err(st, err, "reading the status of each source");
        bind_text(s, 1, out->since);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            struct store_status_counts c;
            status_counts(s, 1, &c);
            if (per_source(arg, (const char *)sqlite3_column_text(s, 0), &c) != 0)
                break;
        }
        sqlite3_finalize(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return db_err(st, err, "reading the status of each source");
    }

    if (failure != NULL && max_failures > 0) {
        if (sqlite3_prepare_v2(st->db, sql_status_failures, -1, &s, NULL) != SQLITE_OK)
            return db_err(st, err, "reading the failures");
        sqlite3_bind_int(s, 1, max_failures);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            struct store_failure f = {
                .url = (const char *)sqlite3_column_text(s, 0),
                .source = (const char *)sqlite3_column_text(s, 1),
                .state = (const char *)sqlite3_column_text(s, 2),
                .error = (const char *)sqlite3_column_text(s, 3),
                .when = (const char *)sqlite3_column_text(s, 4),
                .status = sqlite3_column_int(s, 5),
                .failures = sqlite3_column_int(s, 6),
            };
            if (failure(arg, &f) != 0)
                break;
        }
        sqlite3_finalize(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return db_err(st, err, "reading the failures");
    }
    return 0;
}

int
store_status(struct store *st, long window_s, store_status_source_fn per_source,
             store_failure_fn failure, int max_failures, void *arg, struct store_status *out,
             struct err *err)
{
    time_t since;
    char tm_text[CLOCK_UTC_SIZE];

    memset(out, 0, sizeof *out);
    err_clear(err);
    out->now = (long long)time(NULL);
    since = (time_t)(out->now - window_s);
    clock_utc(since, tm_text);
    snprintf(out->since, sizeof out->since, "%s", tm_text);
    /* One snapshot: factd run commits between the queries otherwise, and
     * the per-source lines would not add up to the totals. */
    if (exec(st, "BEGIN", err) != 0)
        return -1;
    int rc = status_read(st, per_source, failure, max_failures, arg, out, err);
    if (rc != 0) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return exec(st, "COMMIT", err);
}
