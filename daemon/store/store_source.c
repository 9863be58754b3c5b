/*
 * store_source: the sources table and documents' labels.  These writes are
 * few (a source a run or reload, a label a replayed page when a source is
 * named), so their statements are prepared when used rather than with the
 * store's hot ones.
 */
#include "store_source.h"

#include <assert.h>
#include <sqlite3.h>

#include "store_impl.h"

static int
run(struct store *st, const char *sql, const char *const *args, int nargs, int *changed,
    struct err *err, const char *what)
{
    sqlite3_stmt *s;

    if (begin(st, err) != 0)
        return -1;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return db_err(st, err, what);
    for (int i = 0; i < nargs; i++)
        bind_text(s, i + 1, args[i]);
    int rc = step_done(st, s, err, what);
    sqlite3_finalize(s);
    if (rc == 0 && changed != NULL)
        *changed = sqlite3_changes(st->db) > 0;
    return rc;
}

int
store_source_put(struct store *st, const struct store_source *s, int replace, int *changed,
                 struct err *err)
{
    static const char sql_keep[] =
        "INSERT INTO sources (name, region, region_code, level, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO UPDATE SET "
        "region = coalesce(excluded.region, region), "
        "region_code = coalesce(excluded.region_code, region_code), "
        "level = coalesce(excluded.level, level), updated_at = excluded.updated_at "
        "WHERE coalesce(excluded.region, region) IS NOT region "
        "OR coalesce(excluded.region_code, region_code) IS NOT region_code "
        "OR coalesce(excluded.level, level) IS NOT level";
    /* Only a row that differs is written, so *changed says a key changed. */
    static const char sql[] =
        "INSERT INTO sources (name, region, region_code, level, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO UPDATE SET region = excluded.region, "
        "region_code = excluded.region_code, level = excluded.level, "
        "updated_at = excluded.updated_at WHERE region IS NOT excluded.region "
        "OR region_code IS NOT excluded.region_code OR level IS NOT excluded.level";
    char now[CLOCK_UTC_SIZE];
    now_utc(now);
    const char *args[] = {s->name, s->region, s->region_code, s->level, now};
    assert(s->name != NULL);
    return run(st, replace ? sql : sql_keep, args, 5, changed, err, "recording the source");
}

int
store_document_relabel(struct store *st, const char *uri, const char *name, int *relabelled,
                       struct err *err)
{
    static const char sql[] =
        "UPDATE documents SET source = ?2 WHERE uri = ?1 AND source IS NOT ?2";
    const char *args[] = {uri, name};
    return run(st, sql, args, 2, relabelled, err, "labelling the document");
}

int
store_document_rename(struct store *st, const char *from, const char *to, struct err *err)
{
    static const char sql[] = "UPDATE documents SET uri = ?2 WHERE uri = ?1 "
                              "AND NOT EXISTS (SELECT 1 FROM documents WHERE uri = ?2)";
    const char *args[] = {from, to};
    return run(st, sql, args, 2, NULL, err, "renaming the document");
}
