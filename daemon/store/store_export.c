/*
 * store_export: the queries behind factd export.  Each view is a list of
 * columns, each an SQL expression with the name the header shows, put
 * together with its FROM, its filters and its order into one SELECT, whose
 * rows are stepped through one at a time: nothing is collected, so memory
 * does not grow with the store (an ORDER BY that SQLite cannot read off an
 * index is sorted by SQLite's own sorter, which spills to temporary files).
 *
 * The fact views name the columns an analyst reads first (where, when,
 * target or result, what, how much, the words, the page), then the ones
 * that cite and join.  Names are those of the store's views, so an export
 * and a query of the same store agree.
 */
#include "store_export.h"

#include <assert.h>
#include <sqlite3.h>
#include <string.h>

#include "buf.h"
#include "store_impl.h"

/* The schema whose views the queries read: migration 6 gave them the
 * sources table and the version's provenance. */
#define EXPORT_MIN_SCHEMA 6

struct export_col {
    const char *name; /* in the header */
    const char *expr; /* its SQL */
};

struct export_view {
    const char *name;
    const struct export_col *cols;
    size_t ncols;
    const char *from;         /* FROM and joins, and a WHERE (true when nothing to keep out) */
    const char *filter_open;  /* what the filters go inside ("" when they go straight in) */
    const char *filter_close; /* and its end */
    const char *source;       /* the expression a --source is compared with */
    const char *date;         /* and a --since; NULL when the view has no date */
    const char *order;        /* ORDER BY */
};

#define COL(table, name)                                                                           \
    {                                                                                              \
#name, #table "." #name                                                                    \
    }
#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

/* current_facts and commitments, read from their views. */
static const struct export_col current_cols[] = {
    COL(c, source),
    COL(c, region),
    COL(c, region_code),
    COL(c, level),
    COL(c, year),
    COL(c, stance),
    COL(c, subject),
    COL(c, direction),
    COL(c, kind),
    COL(c, unit),
    COL(c, value),
    COL(c, value_max),
    COL(c, qualifier),
    COL(c, text),
    COL(c, sentence),
    COL(c, uri),
    COL(c, published),
    COL(c, doc_year),
    COL(c, clause),
    COL(c, title),
    COL(c, fact_id),
    COL(c, document_id),
    COL(c, version_id),
    COL(c, position),
    COL(c, offset),
    COL(c, pattern),
    COL(c, first_seen),
    COL(c, seen_at),
    COL(c, sha256),
    COL(c, warc_file),
    COL(c, warc_record_id),
    COL(c, verbatim),
    COL(c, original_offset),
};

/* Every sighting, on every version of a page: the text and sentence as that
 * page wrote them, and the version's own title and date.  latest is 1 on the
 * version the page has now. */
static const struct export_col sighting_cols[] = {
    COL(d, source),
    COL(src, region),
    COL(src, region_code),
    COL(src, level),
    COL(f, year),
    COL(f, stance),
    COL(f, subject),
    COL(f, direction),
    COL(f, kind),
    COL(f, unit),
    COL(f, value),
    COL(f, value_max),
    COL(f, qualifier),
    COL(s, text),
    COL(s, sentence),
    COL(d, uri),
    COL(v, published),
    COL(v, doc_year),
    COL(f, clause),
    COL(v, title),
    {"fact_id", "f.id"},
    {"document_id", "d.id"},
    {"version_id", "v.id"},
    {"latest", "v.id = d.latest_version_id"},
    COL(f, position),
    COL(s, offset),
    COL(s, pattern),
    COL(s, pattern_set_id),
    COL(f, first_seen),
    COL(v, seen_at),
    COL(v, sha256),
    COL(v, warc_file),
    COL(v, warc_record_id),
    COL(s, verbatim),
    COL(s, original_offset),
};

/* The facts table: a fact once, wherever it was seen.  identity in hex, the
 * same in every store. */
static const struct export_col fact_cols[] = {
    COL(f, year),        COL(f, stance),
    COL(f, subject),     COL(f, direction),
    COL(f, kind),        COL(f, unit),
    COL(f, value),       COL(f, value_max),
    COL(f, qualifier),   COL(f, text),
    COL(f, sentence),    COL(f, clause),
    {"fact_id", "f.id"}, COL(f, position),
    COL(f, first_seen),  {"identity", "lower(hex(f.identity))"},
};

static const struct export_col total_cols[] = {
    COL(t, source),      COL(src, region),  COL(src, region_code), COL(src, level),
    COL(t, year),        COL(t, stance),    COL(t, kind),          COL(t, facts),
    COL(t, total_value), COL(t, min_value), COL(t, max_value),     COL(t, documents),
};

static const struct export_col change_cols[] = {
    COL(d, source),
    COL(src, region),
    COL(src, region_code),
    COL(src, level),
    COL(c, year),
    COL(c, stance),
    COL(c, change),
    COL(c, kind),
    COL(c, old_value),
    COL(c, value),
    COL(c, old_text),
    COL(c, text),
    COL(c, clause),
    COL(c, uri),
    COL(d, published),
    COL(c, seen_at),
    COL(c, document_id),
    COL(c, version_id),
    COL(c, previous_version_id),
    COL(c, old_fact_id),
    COL(c, fact_id),
};

#define SIGHTING_JOINS                                                                             \
    "FROM sightings s JOIN facts f ON f.id = s.fact_id JOIN versions v ON v.id = s.version_id "    \
    "JOIN documents d ON d.id = v.document_id "

static const struct export_view views[STORE_EXPORT_NVIEWS] = {
    [STORE_EXPORT_CURRENT_FACTS] = {"current_facts", current_cols, NCOLS(current_cols),
                                    "FROM current_facts c WHERE 1", "", "", "c.source",
                                    "c.published", "c.document_id, c.offset, c.fact_id"},
    [STORE_EXPORT_COMMITMENTS] = {"commitments", current_cols, NCOLS(current_cols),
                                  "FROM commitments c WHERE 1", "", "", "c.source", "c.published",
                                  "c.document_id, c.offset, c.fact_id"},
    /* A fact passes the filters when some page it was seen on does. */
    [STORE_EXPORT_FACTS] = {"facts", fact_cols, NCOLS(fact_cols), "FROM facts f WHERE 1",
                            " AND f.id IN (SELECT s.fact_id " SIGHTING_JOINS "WHERE 1", ")",
                            "d.source", "v.published", "f.id"},
    [STORE_EXPORT_SIGHTINGS] = {"sightings", sighting_cols, NCOLS(sighting_cols),
                                SIGHTING_JOINS "LEFT JOIN sources src ON src.name = d.source "
                                               "WHERE 1",
                                "", "", "d.source", "v.published", "d.id, v.id, s.offset, f.id"},
    [STORE_EXPORT_TOTALS] = {"totals", total_cols, NCOLS(total_cols),
                             "FROM totals t LEFT JOIN sources src ON src.name = t.source WHERE 1",
                             "", "", "t.source", NULL, "t.source, t.year, t.stance, t.kind"},
    /* A change is dated when factd saw the new version: a revised page
     * often keeps its published date. */
    [STORE_EXPORT_FACT_CHANGES] = {"fact_changes", change_cols, NCOLS(change_cols),
                                   "FROM fact_changes c JOIN documents d ON d.id = c.document_id "
                                   "LEFT JOIN sources src ON src.name = d.source WHERE 1",
                                   "", "", "d.source", "c.seen_at",
                                   "c.document_id, c.version_id, c.change, "
                                   "coalesce(c.fact_id, c.old_fact_id)"},
};

int
store_export_view_find(const char *name)
{
    for (int i = 0; i < STORE_EXPORT_NVIEWS; i++)
        if (strcmp(views[i].name, name) == 0)
            return i;
    return -1;
}

const char *
store_export_view_name(enum store_export_view v)
{
    assert(v < STORE_EXPORT_NVIEWS);
    return views[v].name;
}

size_t
store_export_ncolumns(enum store_export_view v)
{
    assert(v < STORE_EXPORT_NVIEWS);
    return views[v].ncols;
}

const char *
store_export_column(enum store_export_view v, size_t i)
{
    assert(v < STORE_EXPORT_NVIEWS && i < views[v].ncols);
    return views[v].cols[i].name;
}

int
store_export_has_date(enum store_export_view v)
{
    assert(v < STORE_EXPORT_NVIEWS);
    return views[v].date != NULL;
}

/* The SELECT of view v with the filters asked for: the sources are ?1 to
 * ?nsources, the date the parameter after them. */
static int
export_sql(const struct export_view *w, const struct store_export_filter *f, struct buf *b)
{
    int rc = buf_appendf(b, "SELECT ");
    for (size_t i = 0; i < w->ncols && rc == BUF_OK; i++)
        rc = buf_appendf(b, "%s%s AS \"%s\"", i ? ", " : "", w->cols[i].expr, w->cols[i].name);
    if (rc == BUF_OK)
        rc = buf_appendf(b, " %s", w->from);
    if (rc == BUF_OK && (f->nsources > 0 || f->since != NULL))
        rc = buf_appendf(b, "%s", w->filter_open);
    if (rc == BUF_OK && f->nsources > 0) {
        rc = buf_appendf(b, " AND %s IN (", w->source);
        for (size_t i = 0; i < f->nsources && rc == BUF_OK; i++)
            rc = buf_appendf(b, "%s?%zu", i ? ", " : "", i + 1);
        if (rc == BUF_OK)
            rc = buf_appendf(b, ")");
    }
    if (rc == BUF_OK && f->since != NULL)
        rc = buf_appendf(b, " AND %s >= ?%zu", w->date, f->nsources + 1);
    if (rc == BUF_OK && (f->nsources > 0 || f->since != NULL))
        rc = buf_appendf(b, "%s", w->filter_close);
    if (rc == BUF_OK)
        rc = buf_appendf(b, " ORDER BY %s", w->order);
    return rc == BUF_OK ? 0 : -1;
}

/* Is name a source the store knows, from the configuration (sources) or
 * from a document stored with it (replay --source)?  1, 0, or -1. */
static int
source_known(struct store *st, const char *name, struct err *err)
{
    sqlite3_stmt *s;
    int rc;

    if (sqlite3_prepare_v2(st->db,
                           "SELECT EXISTS (SELECT 1 FROM sources WHERE name = ?1) OR "
                           "EXISTS (SELECT 1 FROM documents WHERE source = ?1)",
                           -1, &s, NULL) != SQLITE_OK)
        return db_err(st, err, "reading the sources");
    bind_text(s, 1, name);
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(s);
        return db_err(st, err, "reading the sources");
    }
    rc = sqlite3_column_int(s, 0) != 0;
    sqlite3_finalize(s);
    return rc;
}

static int
export_read(struct store *st, const struct export_view *w, const struct store_export_filter *filter,
            store_export_fn fn, void *arg, struct err *err)
{
    sqlite3_stmt *s;
    struct buf sql;
    struct store_value row[64];
    int rc, version;

    assert(w->ncols <= sizeof row / sizeof row[0]);
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        return db_err(st, err, "reading the schema version");
    }
    version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (version < EXPORT_MIN_SCHEMA) {
        err_file(err, st->path);
        err_set(err,
                "the store's schema version %d is older than export reads (%d): "
                "factd replay or factd run brings it up to date when it next writes",
                version, EXPORT_MIN_SCHEMA);
        return -1;
    }
    for (size_t i = 0; i < filter->nsources; i++) {
        if ((rc = source_known(st, filter->sources[i], err)) < 0)
            return -1;
        if (rc == 0) {
            err_file(err, st->path);
            err_set(err, "no source named '%s' in the store", filter->sources[i]);
            return -1;
        }
    }

    buf_init(&sql, 1 << 20);
    if (export_sql(w, filter, &sql) != 0 || buf_putc(&sql, '\0') != BUF_OK) {
        buf_free(&sql);
        err_file(err, st->path);
        err_set(err, "out of memory");
        return -1;
    }
    rc = sqlite3_prepare_v2(st->db, sql.data, -1, &s, NULL);
    buf_free(&sql);
    if (rc != SQLITE_OK)
        return db_err(st, err, "reading the facts");
    for (size_t i = 0; i < filter->nsources; i++)
        bind_text(s, (int)i + 1, filter->sources[i]);
    if (filter->since != NULL)
        bind_text(s, (int)filter->nsources + 1, filter->since);
    assert((size_t)sqlite3_column_count(s) == w->ncols);

    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        for (size_t i = 0; i < w->ncols; i++) {
            struct store_value *v = &row[i];
            int c = (int)i;
            memset(v, 0, sizeof *v);
            switch (sqlite3_column_type(s, c)) {
            case SQLITE_INTEGER:
                v->type = STORE_INTEGER;
                v->i = sqlite3_column_int64(s, c);
                break;
            case SQLITE_FLOAT:
                v->type = STORE_REAL;
                v->r = sqlite3_column_double(s, c);
                break;
            case SQLITE_NULL:
                v->type = STORE_NULL;
                break;
            default: /* text; a blob (none is selected) would be shown as its bytes */
                v->type = STORE_TEXT;
                v->s = (const char *)sqlite3_column_text(s, c);
                v->len = (size_t)sqlite3_column_bytes(s, c);
                if (v->s == NULL) { /* out of memory converting it */
                    sqlite3_finalize(s);
                    err_file(err, st->path);
                    err_set(err, "out of memory");
                    return -1;
                }
            }
        }
        int stop = fn(arg, row);
        if (stop != 0) {
            sqlite3_finalize(s);
            return stop;
        }
    }
    if (rc != SQLITE_DONE) {
        db_err(st, err, "reading the facts");
        sqlite3_finalize(s);
        return -1;
    }
    sqlite3_finalize(s);
    return 0;
}

int
store_export(struct store *st, enum store_export_view v, const struct store_export_filter *filter,
             store_export_fn fn, void *arg, struct err *err)
{
    assert(v < STORE_EXPORT_NVIEWS);
    assert(filter->nsources <= STORE_EXPORT_MAX_SOURCES);
    assert(filter->since == NULL || views[v].date != NULL);

    err_clear(err);
    /* One snapshot: the checks and the rows see the same store, even while
     * factd run commits. */
    if (exec(st, "BEGIN", err) != 0)
        return -1;
    int rc = export_read(st, &views[v], filter, fn, arg, err);
    if (rc != 0) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return exec(st, "COMMIT", err);
}
