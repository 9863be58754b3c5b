/*
 * store: SQLite behind a small API.
 *
 * The connection runs in WAL mode, so analysts read while factd writes, with
 * foreign keys on and a busy timeout, so another writer makes factd wait
 * rather than fail.  Writes happen in a BEGIN IMMEDIATE transaction (the
 * write lock is taken before anything is read, so two writers never
 * deadlock on an upgrade from a read lock), and each document in a SAVEPOINT
 * of its own, released when it is whole or rolled back when it is not.
 *
 * Committing a group of documents rather than each one alone is what makes
 * the store fast: a commit writes every B-tree page the transaction touched
 * (facts, sightings, their indexes, the search index) to the WAL, and most of
 * them are the same pages from one document to the next.
 *
 * Schema changes are migrations in schema.sql (compiled in as
 * store_schema_sql); PRAGMA user_version is the last one applied.
 */
#include "store.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "extract.h"
#include "hash.h"

extern const char store_schema_sql[];

/* 'fact' in ASCII: marks a database as a factd store. */
#define STORE_APPLICATION_ID 0x66616374

#define MAX_MIGRATIONS 64

/* ---- SQL ---- */

static const char sql_pattern_set_insert[] =
    "INSERT INTO pattern_sets (hash, loaded_at) VALUES (?1, ?2) ON CONFLICT (hash) DO NOTHING";
static const char sql_pattern_set_id[] = "SELECT id FROM pattern_sets WHERE hash = ?1";
static const char sql_seen[] =
    "SELECT d.id, v.id, v.pattern_set_id FROM documents d "
    "JOIN versions v ON v.id = d.latest_version_id WHERE d.uri = ?1 AND v.hash = ?2";
static const char sql_touch[] = "UPDATE documents SET last_seen = ?2 WHERE id = ?1";
static const char sql_doc_find[] = "SELECT id, latest_version_id FROM documents WHERE uri = ?1";
static const char sql_doc_insert[] =
    "INSERT INTO documents (uri, source, title, published, charset, bytes, hash, first_seen, "
    "last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)";
static const char sql_doc_update[] =
    "UPDATE documents SET source = coalesce(?2, source), title = coalesce(?3, title), "
    "published = coalesce(?4, published), charset = ?5, bytes = ?6, hash = ?7, last_seen = ?8, "
    "latest_version_id = ?9 WHERE id = ?1";
static const char sql_version_find[] =
    "SELECT id, pattern_set_id FROM versions WHERE document_id = ?1 AND hash = ?2";
static const char sql_version_insert[] =
    "INSERT INTO versions (document_id, hash, bytes, charset, seen_at, pattern_set_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_version_set_ps[] = "UPDATE versions SET pattern_set_id = ?2 WHERE id = ?1";
static const char sql_old_facts[] =
    "INSERT INTO temp.old_facts (fact_id) SELECT fact_id FROM sightings WHERE version_id = ?1";
static const char sql_sightings_clear[] = "DELETE FROM sightings WHERE version_id = ?1";
static const char sql_fact_insert[] =
    "INSERT INTO facts (identity, kind, value, value_max, qualifier, text, unit, sentence, clause, "
    "position, year, stance, first_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
    "?12, ?13)";
static const char sql_fact_id[] =
    "SELECT id, text, unit, clause, year, stance FROM facts WHERE identity = ?1";
/* What the identity does not cover follows the latest extraction. */
static const char sql_fact_update[] =
    "UPDATE facts SET text = ?2, unit = ?3, clause = ?4, year = ?5, stance = ?6 WHERE id = ?1";
static const char sql_sighting_insert[] =
    "INSERT INTO sightings (fact_id, version_id, offset, text, sentence, pattern, pattern_set_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (version_id, fact_id) DO UPDATE SET "
    "offset = excluded.offset, text = excluded.text, sentence = excluded.sentence, "
    "pattern = excluded.pattern, pattern_set_id = excluded.pattern_set_id";
static const char sql_drop_orphans[] =
    "DELETE FROM facts WHERE id IN (SELECT fact_id FROM temp.old_facts) "
    "AND NOT EXISTS (SELECT 1 FROM sightings WHERE fact_id = facts.id) RETURNING id";
static const char sql_savepoint[] = "SAVEPOINT document";
static const char sql_release[] = "RELEASE document";
static const char sql_touched_insert[] = "INSERT INTO temp.touched (id) VALUES (?1)";
/* FTS5 writes its pending index at every statement boundary, so the search
 * rows of a whole group are brought up to date in two statements. */
static const char sql_search_sync[] =
    "DELETE FROM fact_search WHERE rowid IN (SELECT id FROM temp.touched); "
    "INSERT INTO fact_search (rowid, spaced) SELECT id, factd_spaced(sentence) FROM facts "
    "WHERE id IN (SELECT id FROM temp.touched); "
    "DELETE FROM temp.touched;";
static const char sql_old_facts_clear[] = "DELETE FROM temp.old_facts";
static const char sql_frontier_put[] =
    "INSERT INTO frontier (url, source, kind, state, etag, last_modified, hash, status, error, "
    "failures, next_fetch, last_fetched, first_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
    "?10, ?11, ?12, ?13) ON CONFLICT (url) DO UPDATE SET source = excluded.source, "
    "kind = excluded.kind, state = excluded.state, etag = excluded.etag, "
    "last_modified = excluded.last_modified, hash = excluded.hash, status = excluded.status, "
    "error = excluded.error, failures = excluded.failures, next_fetch = excluded.next_fetch, "
    "last_fetched = coalesce(excluded.last_fetched, last_fetched)";
static const char sql_frontier_add[] =
    "INSERT INTO frontier (url, source, kind, state, failures, next_fetch, first_seen) "
    "VALUES (?1, ?2, ?3, 'new', 0, ?4, ?5) ON CONFLICT (url) DO NOTHING";

enum stmt {
    S_PS_INSERT,
    S_PS_ID,
    S_SEEN,
    S_TOUCH,
    S_DOC_FIND,
    S_DOC_INSERT,
    S_DOC_UPDATE,
    S_VERSION_FIND,
    S_VERSION_INSERT,
    S_VERSION_SET_PS,
    S_OLD_FACTS,
    S_SIGHTINGS_CLEAR,
    S_FACT_INSERT,
    S_FACT_ID,
    S_FACT_UPDATE,
    S_SIGHTING_INSERT,
    S_DROP_ORPHANS,
    S_OLD_FACTS_CLEAR,
    S_TOUCHED_INSERT,
    S_SAVEPOINT,
    S_RELEASE,
    S_FRONTIER_PUT,
    S_FRONTIER_ADD,
    S_N
};

static const char *const stmt_sql[S_N] = {sql_pattern_set_insert,
                                          sql_pattern_set_id,
                                          sql_seen,
                                          sql_touch,
                                          sql_doc_find,
                                          sql_doc_insert,
                                          sql_doc_update,
                                          sql_version_find,
                                          sql_version_insert,
                                          sql_version_set_ps,
                                          sql_old_facts,
                                          sql_sightings_clear,
                                          sql_fact_insert,
                                          sql_fact_id,
                                          sql_fact_update,
                                          sql_sighting_insert,
                                          sql_drop_orphans,
                                          sql_old_facts_clear,
                                          sql_touched_insert,
                                          sql_savepoint,
                                          sql_release,
                                          sql_frontier_put,
                                          sql_frontier_add};

struct store {
    sqlite3 *db;
    char *path; /* From malloc(). */
    sqlite3_stmt *st[S_N];
    int in_txn;             /* a group transaction is open */
    size_t pending;         /* documents written in it */
    unsigned batch_docs;    /* commit when this many are pending, */
    unsigned batch_ms;      /* or when the group is this old */
    struct timespec began;  /* when the group began */
    struct timespec paused; /* when the write lock was last left free for long */
    int readonly;           /* opened with store_open_readonly() */
    int last_rc;            /* primary result code of the last error */
    /* The store file, its -wal and its -shm as SQLite opened them, to
     * notice one deleted or replaced under factd (files_check()). */
    struct store_file {
        char *name; /* From malloc(); NULL for a read-only store. */
        dev_t dev;
        ino_t ino;
        int known; /* dev and ino are recorded */
    } files[3];
    int lost;            /* files_check() failed: nothing more is written */
    struct err lost_err; /* what it said */
    /* Facts added or dropped in the open group, whose search rows are
     * brought up to date just before it commits. */
    int64_t *touched; /* From malloc(). */
    size_t ntouched, captouched;
    size_t doc_touched; /* ntouched when the current document began */
};

/* ---- helpers ---- */

static int
db_err(struct store *st, struct err *err, const char *what)
{
    st->last_rc = sqlite3_errcode(st->db) & 0xff;
    err_file(err, st->path);
    err_set(err, "%s: %s", what, sqlite3_errmsg(st->db));
    return -1;
}

static void
now_utc(char out[CLOCK_UTC_SIZE])
{
    clock_utc(time(NULL), out);
}

static int
exec(struct store *st, const char *sql, struct err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        st->last_rc = sqlite3_errcode(st->db) & 0xff;
        err_file(err, st->path);
        err_set(err, "%s", msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static sqlite3_stmt *
stmt(struct store *st, enum stmt s)
{
    sqlite3_reset(st->st[s]);
    sqlite3_clear_bindings(st->st[s]);
    return st->st[s];
}

static void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v == NULL)
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

/* Run a statement that returns no row (or whose rows do not matter). */
static int
step_done(struct store *st, sqlite3_stmt *s, struct err *err, const char *what)
{
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        ;
    if (rc != SQLITE_DONE)
        return db_err(st, err, what);
    return 0;
}

/* Open the group transaction if none is open. */
static int
begin(struct store *st, struct err *err)
{
    if (st->in_txn)
        return 0;
    if (st->lost) {
        *err = st->lost_err;
        return -1;
    }
    if (exec(st, "BEGIN IMMEDIATE", err) != 0)
        return -1;
    st->in_txn = 1;
    st->pending = 0;
    st->ntouched = 0;
    clock_gettime(CLOCK_MONOTONIC, &st->began);
    return 0;
}

static int
touch(struct store *st, int64_t fact_id)
{
    if (st->ntouched == st->captouched) {
        int64_t *v = buf_grow_array(st->touched, &st->captouched, sizeof *v, 256);
        if (v == NULL)
            return -1;
        st->touched = v;
    }
    st->touched[st->ntouched++] = fact_id;
    return 0;
}

/* Bring the search rows of the facts the group touched up to date: delete
 * each, and insert it again if the fact is still there.  That is right
 * whatever happened to an id in the group, even when SQLite reused the id of
 * a dropped fact for a new one. */
static int
sync_search(struct store *st, struct err *err)
{
    if (st->ntouched == 0)
        return 0;
    for (size_t i = 0; i < st->ntouched; i++) {
        sqlite3_stmt *s = stmt(st, S_TOUCHED_INSERT);
        sqlite3_bind_int64(s, 1, st->touched[i]);
        if (step_done(st, s, err, "updating the search index") != 0)
            return -1;
    }
    st->ntouched = 0;
    return exec(st, sql_search_sync, err);
}

void
store_set_batch(struct store *st, unsigned docs, unsigned ms)
{
    st->batch_docs = docs ? docs : 1;
    st->batch_ms = ms;
}

int
store_set_cache(struct store *st, unsigned mb, struct err *err)
{
    char sql[64];

    snprintf(sql, sizeof sql, "PRAGMA cache_size = -%u", mb * 1024);
    return exec(st, sql, err);
}

size_t
store_pending(const struct store *st)
{
    return st->pending;
}

/* Milliseconds from a to b. */
static long long
ms_between(const struct timespec *a, const struct timespec *b)
{
    return (long long)(b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

int
store_due(const struct store *st)
{
    struct timespec now;

    if (!st->in_txn)
        return 0;
    if (st->pending >= st->batch_docs)
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return ms_between(&st->began, &now) >= (long long)st->batch_ms;
}

/*
 * Group after group, the write lock is free only for the moment between a
 * commit and the next page's first write, and another writer waiting in
 * SQLite's busy handler (which sleeps up to 100 ms between tries) would
 * almost never see it free.  So every 2 seconds of writing, the lock is left
 * free a little longer than one of its sleeps.
 */
static void
let_others_write(struct store *st)
{
    struct timespec now, nap = {0, 110 * 1000000L};

    clock_gettime(CLOCK_MONOTONIC, &now);
    if (st->paused.tv_sec == 0 && st->paused.tv_nsec == 0)
        st->paused = now;
    if (ms_between(&st->paused, &now) < 2000)
        return;
    nanosleep(&nap, NULL);
    clock_gettime(CLOCK_MONOTONIC, &st->paused);
}

/* ---- the store's files ---- */

/*
 * SQLite reaches the store through the file handles it opened and does not
 * look at the names again.  So a store file deleted or moved away under
 * factd takes every later commit with it, unseen; one replaced (mv) is
 * never written, but the -wal file beside it, which goes by name, still
 * holds factd's last commits, and the next reader of the new file reads
 * them into it, page by page: a corrupt database.  A -wal or -shm file
 * deleted makes the next reader start a WAL or a WAL index of its own while
 * factd goes on with the old one.
 *
 * Each commit therefore first looks at the three names, against the device
 * and inode they had when the store was opened.  That is three stat() calls
 * (about 4 us each, measured) a commit, which comes at most every 200 pages
 * or half a second in factd run and every 5000 pages or second in replay:
 * nothing beside the B-tree pages a commit writes.
 */
static const char *const file_suffix[3] = {"", "-wal", "-shm"};
static const char *const file_what[3] = {"the store file", "the store's -wal file",
                                         "the store's -shm file"};

/* Record the device and inode of each of the store's files that exists
 * (the -wal and -shm files appear with WAL mode).  0, or -1 when out of
 * memory. */
static int
files_note(struct store *st)
{
    /* SQLite's own name of the store: the one it opened, symbolic links
     * resolved; the -wal and -shm files are beside it. */
    const char *db = sqlite3_db_filename(st->db, "main");

    if (db == NULL || db[0] == '\0')
        db = st->path;
    for (int i = 0; i < 3; i++) {
        struct store_file *f = &st->files[i];
        struct stat sb;
        if (f->name == NULL) {
            size_t len = strlen(db) + strlen(file_suffix[i]) + 1;
            if ((f->name = malloc(len)) == NULL)
                return -1;
            snprintf(f->name, len, "%s%s", db, file_suffix[i]);
        }
        if (!f->known && stat(f->name, &sb) == 0) {
            f->dev = sb.st_dev;
            f->ino = sb.st_ino;
            f->known = 1;
        }
    }
    return 0;
}

/* Are the store's files still those SQLite has open?  0 if so (or when it
 * cannot be told: a stat() that fails for another reason than a missing
 * file is left to SQLite's own I/O errors).  -1 when one was deleted, moved
 * away or replaced since the store was opened: *which is its index in
 * st->files, and err names it and says what became of it. */
static int
files_check(struct store *st, int *which, struct err *err)
{
    for (int i = 0; i < 3; i++) {
        struct store_file *f = &st->files[i];
        struct stat sb;
        int gone;
        if (f->name == NULL)
            continue;
        if (!f->known) {
            files_note(st); /* one appeared since the store was opened */
            continue;
        }
        if (stat(f->name, &sb) != 0) {
            if (errno != ENOENT && errno != ENOTDIR)
                continue;
            gone = 1;
        } else if (sb.st_dev != f->dev || sb.st_ino != f->ino) {
            gone = 0;
        } else {
            continue;
        }
        *which = i;
        err_clear(err);
        err_file(err, i == 0 ? st->path : f->name);
        if (gone)
            err_set(err,
                    "%s was deleted or moved away while factd had it open (device:inode "
                    "%jx:%ju): nothing more can be stored",
                    file_what[i], (uintmax_t)f->dev, (uintmax_t)f->ino);
        else
            err_set(err,
                    "%s was replaced by another file (device:inode %jx:%ju, now %jx:%ju) while "
                    "factd had it open: nothing more can be stored, and the new file is left "
                    "as it is",
                    file_what[i], (uintmax_t)f->dev, (uintmax_t)f->ino, (uintmax_t)sb.st_dev,
                    (uintmax_t)sb.st_ino);
        return -1;
    }
    return 0;
}

/*
 * The store's file `which` is not the one SQLite has open (err says so):
 * the open group is given up, and nothing is written any more.  What earlier
 * groups committed is copied from the WAL into the store file SQLite has
 * open, and the WAL emptied: a store moved away (or kept by a hard link)
 * then holds every commit, a store whose -wal file was deleted keeps what
 * was in it, and a file put in the store's place is not read with factd's
 * pages.  The checkpoint waits a second at most for readers: it is worth
 * trying, not waiting for.  err gets what became of the commits.
 */
static void
files_lost(struct store *st, int which, struct err *err)
{
    char msg[sizeof err->msg];
    int rc;

    store_rollback(st);
    st->lost = 1;
    sqlite3_busy_timeout(st->db, 1000);
    rc = sqlite3_wal_checkpoint_v2(st->db, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    snprintf(msg, sizeof msg, "%s", err->msg);
    if (rc != SQLITE_OK)
        err_set(err, "%s; the pages committed since the last checkpoint may be lost (%s)", msg,
                sqlite3_errmsg(st->db));
    else if (which == 0)
        err_set(err,
                "%s; if the old file was kept under another name, it holds every page "
                "committed before",
                msg);
    else
        err_set(err, "%s; the store file holds every page committed before", msg);
    st->lost_err = *err;
    /* Whatever else would write (a pattern set recorded on reload) fails. */
    sqlite3_exec(st->db, "PRAGMA query_only = ON", NULL, NULL, NULL);
}

int
store_commit(struct store *st, struct err *err)
{
    if (st->lost) {
        /* Said by the commit that found it; no group is begun since. */
        if (!st->in_txn)
            return 0;
        store_rollback(st);
        *err = st->lost_err;
        return -1;
    }
    int which;
    if (!st->readonly && files_check(st, &which, err) != 0) {
        int pending = st->in_txn && st->pending > 0;
        char msg[sizeof err->msg];
        files_lost(st, which, err);
        if (pending) {
            snprintf(msg, sizeof msg, "%s", err->msg);
            err_set(err, "commit failed, the last documents are not stored: %s", msg);
        }
        return -1;
    }
    if (!st->in_txn)
        return 0;
    if (sync_search(st, err) != 0 || exec(st, "COMMIT", err) != 0) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        store_rollback(st);
        err_set(err, "commit failed, the last documents are not stored: %s", msg);
        return -1;
    }
    st->in_txn = 0;
    st->pending = 0;
    let_others_write(st);
    return 0;
}

/* factd_spaced(text): a space between Chinese characters, so that the search
 * table's unicode61 tokenizer makes each one a token. */
static void
sql_spaced(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const unsigned char *s = sqlite3_value_text(argv[0]);
    int n = sqlite3_value_bytes(argv[0]);
    struct buf b;

    (void)argc;
    if (s == NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    buf_init(&b, (size_t)n * 2 + 16);
    for (int i = 0; i < n;) {
        int len = s[i] < 0x80 ? 1 : s[i] < 0xE0 ? 2 : s[i] < 0xF0 ? 3 : 4;
        if (i + len > n)
            len = n - i;
        /* CJK ideographs and punctuation (U+2E80 and up) stand alone. */
        int cjk = len >= 3 && (s[i] > 0xE2 || (s[i] == 0xE2 && s[i + 1] >= 0xBA));
        if (cjk && b.len > 0 && b.data[b.len - 1] != ' ')
            buf_putc(&b, ' ');
        buf_append(&b, s + i, (size_t)len);
        if (cjk)
            buf_putc(&b, ' ');
        i += len;
    }
    if (b.data == NULL)
        sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
    else
        sqlite3_result_text(ctx, b.data, (int)b.len, free);
}

/* ---- migrations ---- */

struct migration {
    int version;
    const char *sql;
    size_t len;
};

/* Split the compiled-in schema at its "-- migration N:" lines. */
static int
migrations(struct migration *m, int max)
{
    static const char mark[] = "\n-- migration ";
    const char *p = store_schema_sql;
    int n = 0;

    while ((p = strstr(p, mark)) != NULL && n < max) {
        p += sizeof mark - 1;
        m[n].version = (int)strtol(p, NULL, 10);
        m[n].sql = strchr(p, '\n');
        if (m[n].sql == NULL)
            break;
        if (n > 0)
            m[n - 1].len = (size_t)(p - (sizeof mark - 1) - m[n - 1].sql);
        n++;
    }
    if (n > 0)
        m[n - 1].len = strlen(m[n - 1].sql);
    return n;
}

int
store_schema_version(void)
{
    struct migration m[MAX_MIGRATIONS];
    int n = migrations(m, MAX_MIGRATIONS);
    return n > 0 ? m[n - 1].version : 0;
}

static int
pragma_int(struct store *st, const char *sql, int *out, struct err *err)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = sqlite3_column_int(s, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_OK) {
        err_file(err, st->path);
        if (rc == SQLITE_NOTADB)
            err_set(err, "not an SQLite database (left as it is)");
        else
            err_set(err, "%s", sqlite3_errmsg(st->db));
        return -1;
    }
    return 0;
}

static int
migrate(struct store *st, struct err *err)
{
    struct migration m[MAX_MIGRATIONS];
    int n = migrations(m, MAX_MIGRATIONS), version, appid, tables;
    int latest = n > 0 ? m[n - 1].version : 0;

    /* One read transaction: another factd may be creating the store, and
     * its version, id and tables must be seen as of one moment. */
    if (exec(st, "BEGIN", err) != 0)
        return -1;
    if (pragma_int(st, "PRAGMA user_version", &version, err) != 0 ||
        pragma_int(st, "PRAGMA application_id", &appid, err) != 0 ||
        pragma_int(st, "SELECT count(*) FROM sqlite_schema", &tables, err) != 0) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    if (exec(st, "COMMIT", err) != 0)
        return -1;
    err_file(err, st->path);
    if (version > latest) {
        err_set(err,
                "the store's schema version %d is newer than this factd's (%d): use a newer "
                "factd (the store is left as it is)",
                version, latest);
        return -1;
    }
    if ((version > 0 || tables > 0) && appid != STORE_APPLICATION_ID) {
        err_set(err, "an SQLite database, but not a factd store (left as it is)");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (m[i].version <= version)
            continue;
        char *sql = malloc(m[i].len + 1);
        char tail[96];
        if (sql == NULL) {
            err_set(err, "out of memory");
            return -1;
        }
        memcpy(sql, m[i].sql, m[i].len);
        sql[m[i].len] = '\0';
        snprintf(tail, sizeof tail, "PRAGMA user_version = %d; PRAGMA application_id = %d;",
                 m[i].version, STORE_APPLICATION_ID);
        int rc = exec(st, "BEGIN IMMEDIATE", err);
        /* Another factd may have migrated the store since we looked: look
         * again now that we hold the write lock. */
        int now = 0;
        if (rc == 0 && (rc = pragma_int(st, "PRAGMA user_version", &now, err)) == 0 &&
            now >= m[i].version) {
            free(sql);
            if (exec(st, "COMMIT", err) != 0)
                return -1;
            version = now;
            continue;
        }
        if (rc == 0)
            rc = exec(st, sql, err);
        if (rc == 0)
            rc = exec(st, tail, err);
        if (rc == 0)
            rc = exec(st, "COMMIT", err);
        free(sql);
        if (rc != 0) {
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s", err->msg);
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            err_set(err, "migration %d failed (the store is left at version %d): %s", m[i].version,
                    version, msg);
            return -1;
        }
        version = m[i].version;
    }
    return 0;
}

/* ---- open and close ---- */

/* The directory path is in, for messages and access checks. */
static void
dir_of(const char *path, char *dir, size_t size)
{
    snprintf(dir, size, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash != NULL)
        *slash = '\0';
    else
        snprintf(dir, size, ".");
}

static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

/* SQLite's memory statistics take a global mutex on every allocation, and
 * factd never reads them.  This must come before SQLite is initialised,
 * hence before the first open. */
static void
sqlite_init(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* An empty store for path, err cleared and naming it; NULL when out of memory. */
static struct store *
store_new(const char *path, struct err *err)
{
    struct store *st;

    pthread_once(&sqlite_once, sqlite_init);
    st = calloc(1, sizeof *st);

    err_clear(err);
    err_file(err, path);
    if (st == NULL || (st->path = strdup(path)) == NULL) {
        err_set(err, "out of memory");
        free(st);
        return NULL;
    }
    return st;
}

struct store *
store_open(const char *path, int busy_ms, struct err *err)
{
    struct store *st = store_new(path, err);
    struct stat sb;

    if (st == NULL)
        return NULL;
    /* Say plainly what SQLite would call "unable to open database file". */
    if (stat(path, &sb) != 0) {
        char dir[4096];
        dir_of(path, dir, sizeof dir);
        if (access(dir, W_OK) != 0) {
            err_set(err, "cannot create the store: directory %s: %s", dir, strerror(errno));
            store_close(st);
            return NULL;
        }
    } else if (access(path, R_OK | W_OK) != 0) {
        err_set(err, "cannot open the store for writing: %s", strerror(errno));
        store_close(st);
        return NULL;
    } else {
        char dir[4096];
        dir_of(path, dir, sizeof dir);
        if (access(dir, W_OK) != 0) {
            err_set(err,
                    "directory %s is not writable (%s): the store needs its -wal and -shm files "
                    "beside it",
                    dir, strerror(errno));
            store_close(st);
            return NULL;
        }
    }
    /* NOMUTEX: a store is used by one thread at a time (store.h), so the
     * connection's own mutex would be taken and released for nothing on
     * every call. */
    if (sqlite3_open_v2(path, &st->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        db_err(st, err, "cannot open the store");
        store_close(st);
        return NULL;
    }
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, busy_ms);
    /* Keep the -wal and -shm files when factd closes the store: readers who
     * may not write in its directory (analysts in the factd group) cannot
     * create them, and without them cannot read a WAL database. */
    int persist = 1;
    sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    sqlite3_create_function(st->db, "factd_spaced", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                            sql_spaced, NULL, NULL);
    int mode_ok = 0;
    if (migrate(st, err) != 0)
        goto fail;
    {
        /* WAL lets analysts read while factd writes; NORMAL is safe in WAL
         * against a crash of the process (a power cut may lose the last
         * transactions, never consistency). */
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW)
            mode_ok = strcmp((const char *)sqlite3_column_text(s, 0), "wal") == 0;
        sqlite3_finalize(s);
        if (!mode_ok) {
            db_err(st, err, "cannot switch the store to WAL mode");
            goto fail;
        }
    }
    /*
     * temp_store MEMORY: savepoint journals and temp tables in memory, not
     * in a file written page by page.  A checkpoint every 64 MB of WAL
     * rather than 4 MB: in a large store the pages a group dirties are
     * scattered, and a page changed by several groups is copied back once.
     * The WAL is cut back to 8 MB after a checkpoint.
     */
    if (exec(st,
             "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; "
             "PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY; "
             "PRAGMA wal_autocheckpoint = 16384; PRAGMA journal_size_limit = 8388608;",
             err) != 0 ||
        exec(st,
             "CREATE TEMP TABLE old_facts (fact_id INTEGER); "
             "CREATE TEMP TABLE touched (id INTEGER)",
             err) != 0)
        goto fail;
    for (int i = 0; i < S_N; i++)
        if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st->st[i],
                               NULL) != SQLITE_OK) {
            db_err(st, err, "preparing a statement");
            goto fail;
        }
    /*
     * A read opens the -wal and -shm files, if no statement has since the
     * switch to WAL (the statements above are prepared from the schema
     * SQLite has in memory), and from then on the connection holds the
     * lock that keeps another from deleting them as it closes.  Their
     * identities are recorded only then: until then they may come and go
     * with the connections of others, and SQLite deletes a stale -wal file
     * beside a new, empty store.  The store file must still be the one
     * SQLite opened.
     */
    int moved = 0, version;
    if (pragma_int(st, "PRAGMA user_version", &version, err) != 0)
        goto fail;
    if (files_note(st) != 0) {
        err_set(err, "out of memory");
        goto fail;
    }
    if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK &&
        moved) {
        err_set(err, "the store file was deleted or replaced while factd opened it");
        goto fail;
    }
    st->batch_docs = 1;
    return st;
fail:
    store_close(st);
    return NULL;
}

struct store *
store_open_readonly(const char *path, int busy_ms, struct err *err)
{
    struct store *st = store_new(path, err);
    int version, appid;

    if (st == NULL)
        return NULL;
    if (access(path, R_OK) != 0) {
        err_set(err, "cannot read the store: %s", strerror(errno));
        store_close(st);
        return NULL;
    }
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        db_err(st, err, "cannot open the store");
        store_close(st);
        return NULL;
    }
    sqlite3_busy_timeout(st->db, busy_ms);
    /* replay --dry-run looks documents up as a writing replay does. */
    for (int i = 0; i < S_N; i++)
        if (stmt_sql[i] == sql_seen || stmt_sql[i] == sql_touch ||
            stmt_sql[i] == sql_pattern_set_id)
            sqlite3_prepare_v2(st->db, stmt_sql[i], -1, &st->st[i], NULL);
    if (pragma_int(st, "PRAGMA user_version", &version, err) != 0 ||
        pragma_int(st, "PRAGMA application_id", &appid, err) != 0) {
        store_close(st);
        return NULL;
    }
    st->readonly = 1;
    if (appid != STORE_APPLICATION_ID || version < 1) {
        err_set(err, "not a factd store");
        store_close(st);
        return NULL;
    }
    if (version > store_schema_version()) {
        err_set(err, "the store's schema version %d is newer than this factd's (%d)", version,
                store_schema_version());
        store_close(st);
        return NULL;
    }
    return st;
}

void
store_close(struct store *st)
{
    struct err err;

    if (st == NULL)
        return;
    store_commit(st, &err);
    for (int i = 0; i < S_N; i++)
        sqlite3_finalize(st->st[i]);
    if (st->db != NULL)
        sqlite3_close(st->db);
    for (int i = 0; i < 3; i++)
        free(st->files[i].name);
    free(st->touched);
    free(st->path);
    free(st);
}

/* ---- writing ---- */

int
store_pattern_set(struct store *st, const char *hash, int64_t *id, struct err *err)
{
    char now[32];
    sqlite3_stmt *s;

    now_utc(now);
    s = stmt(st, S_PS_INSERT);
    bind_text(s, 1, hash);
    bind_text(s, 2, now);
    if (step_done(st, s, err, "recording the pattern set") != 0)
        return -1;
    s = stmt(st, S_PS_ID);
    bind_text(s, 1, hash);
    if (sqlite3_step(s) != SQLITE_ROW)
        return db_err(st, err, "reading the pattern set");
    *id = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return 0;
}

int
store_pattern_set_find(struct store *st, const char *hash, int64_t *id, struct err *err)
{
    sqlite3_stmt *s = stmt(st, S_PS_ID);
    int rc;

    bind_text(s, 1, hash);
    rc = sqlite3_step(s);
    *id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_err(st, err, "reading the pattern set");
}

int
store_seen(struct store *st, const struct store_doc *doc, int64_t ps_id, int *unchanged,
           struct err *err)
{
    sqlite3_stmt *s = stmt(st, S_SEEN);
    int rc;

    *unchanged = 0;
    bind_text(s, 1, doc->uri);
    bind_text(s, 2, doc->hash);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        int64_t doc_id = sqlite3_column_int64(s, 0);
        *unchanged = sqlite3_column_int64(s, 2) == ps_id;
        sqlite3_reset(s);
        if (*unchanged && !st->readonly) {
            char now[32];
            now_utc(now);
            if (begin(st, err) != 0)
                return -1;
            s = stmt(st, S_TOUCH);
            sqlite3_bind_int64(s, 1, doc_id);
            bind_text(s, 2, now);
            return step_done(st, s, err, "recording the visit");
        }
        return 0;
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : db_err(st, err, "looking the document up");
}

/* The identity of a fact (docs/FACTS.md): a hash of kind, value, value_max,
 * qualifier, position and the sentence without white space. */
void
store_fact_identity(const char *kind, const struct fact *f, const char *text, unsigned char id[16])
{
    char small[2048], *key = small;
    const char *q = fact_qual_name(f->qualifier);
    uint64_t h[2];
    size_t n, cap = 160 + f->sentence.len;

    /* Most sentences fit on the stack; a longer one gets the heap. */
    if (cap > sizeof small && (key = malloc(cap)) == NULL) {
        key = small;
        cap = sizeof small;
    } else if (key == small) {
        cap = sizeof small;
    }
    n = (size_t)snprintf(key, cap, "%s\x1f%.15g\x1f", kind, f->value);
    if (f->has_max)
        n += (size_t)snprintf(key + n, cap - n, "%.15g", f->value_max);
    n += (size_t)snprintf(key + n, cap - n, "\x1f%s\x1f%u\x1f", q ? q : "", f->position);
    for (size_t i = 0; i < f->sentence.len && n < cap; i++) {
        char c = text[f->sentence.off + i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v')
            key[n++] = c;
    }
    hash_128(key, n, h);
    if (key != small)
        free(key);
    for (int i = 0; i < 8; i++) {
        id[i] = (unsigned char)(h[0] >> (56 - 8 * i));
        id[8 + i] = (unsigned char)(h[1] >> (56 - 8 * i));
    }
}

static void
bind_span(sqlite3_stmt *s, int i, const char *text, struct span sp)
{
    /* The text outlives the statement's step: no copy. */
    sqlite3_bind_text(s, i, text + sp.off, (int)sp.len, SQLITE_STATIC);
}

/* Is column i of the row at s the text p[0..n)? */
static int
col_is(sqlite3_stmt *s, int i, const char *p, size_t n)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t != NULL && (size_t)sqlite3_column_bytes(s, i) == n && memcmp(t, p, n) == 0;
}

/* Is column i the name (NULL for SQL NULL)? */
static int
col_is_name(sqlite3_stmt *s, int i, const char *name)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    if (t == NULL || name == NULL)
        return t == NULL && name == NULL;
    return strcmp((const char *)t, name) == 0;
}

static int
put_facts(struct store *st, int64_t version_id, int64_t ps_id, const struct patternset *ps,
          const char *text, const struct fact_list *facts, const char *now,
          struct store_result *res, struct err *err)
{
    for (size_t i = 0; i < facts->n; i++) {
        const struct fact *f = &facts->v[i];
        unsigned char id[16];
        char unit[128];
        const char *kind = patternset_kind_name(ps, f->kind);
        int64_t fact_id = 0;
        int found, stale = 0;

        /* Most sightings are of facts the store has (a page seen again, a
         * syndicated copy): look first, insert only what is new. */
        store_fact_identity(kind, f, text, id);
        extract_unit(ps, text, f, unit, sizeof unit);
        sqlite3_stmt *s = stmt(st, S_FACT_ID);
        sqlite3_bind_blob(s, 1, id, 16, SQLITE_TRANSIENT);
        found = sqlite3_step(s);
        if (found == SQLITE_ROW) {
            fact_id = sqlite3_column_int64(s, 0);
            stale = !col_is(s, 1, text + f->text.off, f->text.len) ||
                    !col_is(s, 2, unit, strlen(unit)) ||
                    !col_is(s, 3, text + f->clause.off, f->clause.len) ||
                    sqlite3_column_int(s, 4) != f->year ||
                    !col_is_name(s, 5, fact_stance_name(f->stance));
        }
        sqlite3_reset(s);
        if (found != SQLITE_ROW && found != SQLITE_DONE)
            return db_err(st, err, "looking a fact up");
        if (found == SQLITE_ROW && stale) {
            s = stmt(st, S_FACT_UPDATE);
            sqlite3_bind_int64(s, 1, fact_id);
            bind_span(s, 2, text, f->text);
            bind_text(s, 3, unit);
            bind_span(s, 4, text, f->clause);
            if (f->year > 0)
                sqlite3_bind_int(s, 5, f->year);
            bind_text(s, 6, fact_stance_name(f->stance));
            if (step_done(st, s, err, "updating a fact") != 0)
                return -1;
        }
        if (found == SQLITE_DONE) {
            s = stmt(st, S_FACT_INSERT);
            sqlite3_bind_blob(s, 1, id, 16, SQLITE_TRANSIENT);
            bind_text(s, 2, kind);
            sqlite3_bind_double(s, 3, f->value);
            if (f->has_max)
                sqlite3_bind_double(s, 4, f->value_max);
            bind_text(s, 5, fact_qual_name(f->qualifier));
            bind_span(s, 6, text, f->text);
            bind_text(s, 7, unit);
            bind_span(s, 8, text, f->sentence);
            bind_span(s, 9, text, f->clause);
            sqlite3_bind_int(s, 10, (int)f->position);
            if (f->year > 0)
                sqlite3_bind_int(s, 11, f->year);
            bind_text(s, 12, fact_stance_name(f->stance));
            bind_text(s, 13, now);
            if (step_done(st, s, err, "storing a fact") != 0)
                return -1;
            fact_id = sqlite3_last_insert_rowid(st->db);
            res->facts_new++;
            if (touch(st, fact_id) != 0) {
                err_set(err, "out of memory");
                return -1;
            }
        }

        s = stmt(st, S_SIGHTING_INSERT);
        sqlite3_bind_int64(s, 1, fact_id);
        sqlite3_bind_int64(s, 2, version_id);
        sqlite3_bind_int64(s, 3, (sqlite3_int64)f->text.off);
        bind_span(s, 4, text, f->text);
        bind_span(s, 5, text, f->sentence);
        bind_text(s, 6, patternset_get(ps, (size_t)f->pattern)->id);
        sqlite3_bind_int64(s, 7, ps_id);
        if (step_done(st, s, err, "storing a sighting") != 0)
            return -1;
        res->sightings++;
    }
    return 0;
}

/* Parameters 2 to 8 of both the document insert and the document update. */
static void
bind_doc(sqlite3_stmt *s, const struct store_doc *doc, const char *now)
{
    bind_text(s, 2, doc->source);
    bind_text(s, 3, doc->title);
    bind_text(s, 4, doc->published);
    bind_text(s, 5, doc->charset);
    sqlite3_bind_int64(s, 6, (sqlite3_int64)doc->bytes);
    bind_text(s, 7, doc->hash);
    bind_text(s, 8, now);
}

static int
put_in_txn(struct store *st, const struct store_doc *doc, int64_t ps_id,
           const struct patternset *ps, const char *text, const struct fact_list *facts,
           struct store_result *res, struct err *err)
{
    char now[32];
    int64_t doc_id = 0, version_id = 0, version_ps = 0;
    int have_doc = 0, have_version = 0;
    sqlite3_stmt *s;

    now_utc(now);
    s = stmt(st, S_DOC_FIND);
    bind_text(s, 1, doc->uri);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        doc_id = sqlite3_column_int64(s, 0);
        have_doc = 1;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_err(st, err, "looking the document up");
    if (!have_doc) {
        s = stmt(st, S_DOC_INSERT);
        bind_text(s, 1, doc->uri);
        bind_doc(s, doc, now);
        if (step_done(st, s, err, "storing the document") != 0)
            return -1;
        doc_id = sqlite3_last_insert_rowid(st->db);
    } else {
        s = stmt(st, S_VERSION_FIND);
        sqlite3_bind_int64(s, 1, doc_id);
        bind_text(s, 2, doc->hash);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            version_id = sqlite3_column_int64(s, 0);
            version_ps = sqlite3_column_int64(s, 1);
            have_version = 1;
        }
        sqlite3_reset(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return db_err(st, err, "looking the version up");
    }
    res->outcome = !have_doc ? STORE_NEW : !have_version ? STORE_CHANGED : STORE_REEXTRACTED;
    if (!have_version) {
        s = stmt(st, S_VERSION_INSERT);
        sqlite3_bind_int64(s, 1, doc_id);
        bind_text(s, 2, doc->hash);
        sqlite3_bind_int64(s, 3, (sqlite3_int64)doc->bytes);
        bind_text(s, 4, doc->charset);
        bind_text(s, 5, now);
        sqlite3_bind_int64(s, 6, ps_id);
        if (step_done(st, s, err, "storing the version") != 0)
            return -1;
        version_id = sqlite3_last_insert_rowid(st->db);
    }
    int replace = have_version && version_ps != ps_id;
    if (have_version && !replace)
        res->outcome = STORE_CHANGED; /* an earlier content again: it becomes the latest */
    if (replace) {
        /* Another pattern set extracted this version: its sightings go, and
         * facts that only they held are dropped once the new ones are in. */
        s = stmt(st, S_OLD_FACTS);
        sqlite3_bind_int64(s, 1, version_id);
        if (step_done(st, s, err, "noting the old sightings") != 0)
            return -1;
        s = stmt(st, S_SIGHTINGS_CLEAR);
        sqlite3_bind_int64(s, 1, version_id);
        if (step_done(st, s, err, "clearing the old sightings") != 0)
            return -1;
        s = stmt(st, S_VERSION_SET_PS);
        sqlite3_bind_int64(s, 1, version_id);
        sqlite3_bind_int64(s, 2, ps_id);
        if (step_done(st, s, err, "updating the version") != 0)
            return -1;
    }
    if ((!have_version || replace) &&
        put_facts(st, version_id, ps_id, ps, text, facts, now, res, err) != 0)
        return -1;
    if (replace) {
        s = stmt(st, S_DROP_ORPHANS);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            res->facts_dropped++;
            if (touch(st, sqlite3_column_int64(s, 0)) != 0) {
                err_set(err, "out of memory");
                return -1;
            }
        }
        if (rc != SQLITE_DONE)
            return db_err(st, err, "dropping facts without sightings");
        s = stmt(st, S_OLD_FACTS_CLEAR);
        if (step_done(st, s, err, "clearing the old sightings") != 0)
            return -1;
    }
    s = stmt(st, S_DOC_UPDATE);
    sqlite3_bind_int64(s, 1, doc_id);
    bind_doc(s, doc, now);
    sqlite3_bind_int64(s, 9, version_id);
    return step_done(st, s, err, "updating the document");
}

int
store_put(struct store *st, const struct store_doc *doc, int64_t ps_id, const struct patternset *ps,
          const char *text, const struct fact_list *facts, struct store_result *res,
          struct err *err)
{
    memset(res, 0, sizeof *res);
    err_clear(err);
    if (begin(st, err) != 0 ||
        step_done(st, stmt(st, S_SAVEPOINT), err, "starting the document") != 0) {
        err_file(err, doc->uri);
        return -1;
    }
    st->doc_touched = st->ntouched;
    if (put_in_txn(st, doc, ps_id, ps, text, facts, res, err) != 0 ||
        step_done(st, stmt(st, S_RELEASE), err, "finishing the document") != 0) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        /* This document only: the group's others stay. */
        sqlite3_exec(st->db, "ROLLBACK TO document; RELEASE document", NULL, NULL, NULL);
        sqlite3_exec(st->db, sql_old_facts_clear, NULL, NULL, NULL);
        st->ntouched = st->doc_touched;
        if (sqlite3_get_autocommit(st->db)) {
            /* SQLite gave the whole transaction up (disk full, I/O error):
             * the group's other documents are gone with it. */
            st->in_txn = 0;
            st->pending = 0;
            st->ntouched = 0;
        }
        err_file(err, doc->uri);
        err_set(err, "not stored: %s (%s)", msg, st->path);
        return -1;
    }
    st->pending++;
    return 0;
}

/* ---- reading ---- */

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

int
store_latest_facts(struct store *st, const char *uri, store_fact_fn fn, void *arg, struct err *err)
{
    static const char sql[] =
        "SELECT f.identity, f.kind, f.value, f.value_max, f.qualifier, f.text, f.clause, "
        "f.year, f.stance "
        "FROM documents d JOIN sightings s ON s.version_id = d.latest_version_id "
        "JOIN facts f ON f.id = s.fact_id WHERE d.uri = ?1 ORDER BY s.offset";
    sqlite3_stmt *s;
    int rc;

    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return db_err(st, err, "reading a document's facts");
    bind_text(s, 1, uri);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_fact f;
        const void *id = sqlite3_column_blob(s, 0);
        memset(&f, 0, sizeof f);
        if (id != NULL && sqlite3_column_bytes(s, 0) == 16)
            memcpy(f.identity, id, 16);
        f.kind = (const char *)sqlite3_column_text(s, 1);
        f.value = sqlite3_column_double(s, 2);
        f.has_max = sqlite3_column_type(s, 3) != SQLITE_NULL;
        f.value_max = f.has_max ? sqlite3_column_double(s, 3) : 0;
        f.qualifier = (const char *)sqlite3_column_text(s, 4);
        f.text = (const char *)sqlite3_column_text(s, 5);
        f.clause = (const char *)sqlite3_column_text(s, 6);
        f.year = sqlite3_column_int(s, 7);
        f.stance = (const char *)sqlite3_column_text(s, 8);
        if (fn(arg, &f) != 0)
            break;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_err(st, err, "reading a document's facts");
    return 0;
}

int
store_broken(const struct store *st)
{
    if (st->lost)
        return 1;
    switch (st->last_rc) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
        return 1;
    default:
        return 0;
    }
}

/* ---- the crawl frontier ---- */

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

void
store_rollback(struct store *st)
{
    if (!st->in_txn)
        return;
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_exec(st->db, "DELETE FROM temp.touched", NULL, NULL, NULL);
    st->in_txn = 0;
    st->pending = 0;
    st->ntouched = 0;
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

/* ---- status ---- */

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
