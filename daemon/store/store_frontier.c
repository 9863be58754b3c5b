/*
 * store_frontier: the crawl frontier's rows (schema.sql, table frontier):
 * read all at once when factd run starts, and written one at a time in the
 * open group, so a page and its frontier row are committed together.  The
 * two statements that write are prepared with the others when the store
 * opens.
 */
#include "store_frontier.h"

#include <sqlite3.h>

#include "store_impl.h"

/* Prepared when the store opens (store_stmt_sql[]). */
const char store_sql_frontier_put[] =
    "INSERT INTO frontier (url, source, kind, state, etag, last_modified, hash, status, error, "
    "failures, next_fetch, last_fetched, first_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
    "?10, ?11, ?12, ?13) ON CONFLICT (url) DO UPDATE SET source = excluded.source, "
    "kind = excluded.kind, state = excluded.state, etag = excluded.etag, "
    "last_modified = excluded.last_modified, hash = excluded.hash, status = excluded.status, "
    "error = excluded.error, failures = excluded.failures, next_fetch = excluded.next_fetch, "
    "last_fetched = coalesce(excluded.last_fetched, last_fetched)";
const char store_sql_frontier_add[] =
    "INSERT INTO frontier (url, source, kind, state, failures, next_fetch, first_seen) "
    "VALUES (?1, ?2, ?3, 'new', 0, ?4, ?5) ON CONFLICT (url) DO NOTHING";

int
store_frontier_load(struct store *st, store_url_fn fn, void *arg, struct err *err)
{
    static const char sql[] = "SELECT url, source, kind, state, etag, last_modified, hash, "
                              "status, error, failures, next_fetch FROM frontier ORDER BY rowid";
    sqlite3_stmt *s;
    int rc;

    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return db_err(st, err, "reading the frontier");
    int stopped = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_url u = {
            .url = (const char *)sqlite3_column_text(s, 0),
            .source = (const char *)sqlite3_column_text(s, 1),
            .kind = (const char *)sqlite3_column_text(s, 2),
            .state = (const char *)sqlite3_column_text(s, 3),
            .etag = (const char *)sqlite3_column_text(s, 4),
            .last_modified = (const char *)sqlite3_column_text(s, 5),
            .hash = (const char *)sqlite3_column_text(s, 6),
            .status = sqlite3_column_int(s, 7),
            .error = (const char *)sqlite3_column_text(s, 8),
            .failures = sqlite3_column_int(s, 9),
            .next_fetch = sqlite3_column_double(s, 10),
        };
        if (u.url == NULL || u.source == NULL || u.kind == NULL || u.state == NULL)
            continue;
        if (fn(arg, &u) != 0) {
            stopped = 1;
            break;
        }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_err(st, err, "reading the frontier");
    if (stopped) {
        err_file(err, st->path);
        err_set(err, "reading the frontier: out of memory");
        return -1;
    }
    return 0;
}

int
store_frontier_put(struct store *st, const struct store_url *u, int fetched, struct err *err)
{
    char now[32];
    now_utc(now);
    if (begin(st, err) != 0)
        return -1;
    sqlite3_stmt *s = stmt(st, S_FRONTIER_PUT);
    bind_text(s, 1, u->url);
    bind_text(s, 2, u->source);
    bind_text(s, 3, u->kind);
    bind_text(s, 4, u->state);
    bind_text(s, 5, u->etag);
    bind_text(s, 6, u->last_modified);
    bind_text(s, 7, u->hash);
    sqlite3_bind_int(s, 8, u->status);
    bind_text(s, 9, u->error);
    sqlite3_bind_int(s, 10, u->failures);
    sqlite3_bind_double(s, 11, u->next_fetch);
    bind_text(s, 12, fetched ? now : NULL);
    bind_text(s, 13, now);
    if (step_done(st, s, err, "recording a URL in the frontier") != 0) {
        err_file(err, u->url);
        return -1;
    }
    return 0;
}

int
store_frontier_add(struct store *st, const struct store_url *u, int *added, struct err *err)
{
    char now[32];
    now_utc(now);
    if (begin(st, err) != 0)
        return -1;
    sqlite3_stmt *s = stmt(st, S_FRONTIER_ADD);
    bind_text(s, 1, u->url);
    bind_text(s, 2, u->source);
    bind_text(s, 3, u->kind);
    sqlite3_bind_double(s, 4, u->next_fetch);
    bind_text(s, 5, now);
    if (step_done(st, s, err, "adding a URL to the frontier") != 0)
        return -1;
    *added = sqlite3_changes(st->db) > 0;
    return 0;
}
