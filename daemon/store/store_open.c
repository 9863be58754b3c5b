/*
 * store_open: opening a store and closing it.  Opening gives the connection
 * its settings (WAL mode, foreign keys, a busy timeout: store.c says why),
 * the factd_spaced() function the search index is filled with, its temporary
 * tables and its prepared statements, and first brings the schema up to date.
 *
 * Schema changes are migrations in schema.sql (compiled in as
 * store_schema_sql); PRAGMA user_version is the last one applied.
 */
#include "store.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "store_impl.h"
#include "store_search.h"

extern const char store_schema_sql[];

/* 'fact' in ASCII: marks a database as a factd store. */
#define STORE_APPLICATION_ID 0x66616374

#define MAX_MIGRATIONS 64

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

/* factd_grams(text): what facts_fts indexes for a sentence (store_search.h);
 * the search index's rows are written with it. */
static void
sql_grams(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    int n = sqlite3_value_bytes(argv[0]);
    struct buf b;

    (void)argc;
    if (s == NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    buf_init(&b, (size_t)1 << 30);
    if (store_search_grams(s, (size_t)n, &b) != BUF_OK) {
        buf_free(&b);
        sqlite3_result_error_nomem(ctx);
        return;
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
        /* A comment that only begins with the words is no migration. */
        if (*p < '1' || *p > '9')
            continue;
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
    sqlite3_create_function(st->db, "factd_grams", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                            sql_grams, NULL, NULL);
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
        exec(st, "CREATE TEMP TABLE old_facts (fact_id INTEGER)", err) != 0)
        goto fail;
    for (int i = 0; i < S_N; i++)
        if (sqlite3_prepare_v3(st->db, store_stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st->st[i],
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
    if (store_files_note(st) != 0) {
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

/* Did the read fail only for want of the -shm a writer would have made?
 * Then nothing writes the store, and reading it as it lies is right; any
 * other failure (busy, a -shm one may not read) is reported as it is. */
static int
no_writer(struct store *st)
{
    int rc = sqlite3_errcode(st->db);
    char shm[PATH_MAX + 8];
    struct stat sb;

    if (rc != SQLITE_READONLY && rc != SQLITE_CANTOPEN)
        return 0;
    if ((size_t)snprintf(shm, sizeof shm, "%s-shm", st->path) >= sizeof shm)
        return 0;
    return stat(shm, &sb) != 0 && errno == ENOENT;
}

/* Open st's file again as immutable (file:PATH?immutable=1). */
static int
reopen_immutable(struct store *st)
{
    struct buf uri;
    int bad;

    buf_init(&uri, 3 * PATH_MAX + 32);
    bad = buf_append(&uri, "file:", 5);
    for (const char *p = st->path; *p != '\0' && bad == BUF_OK; p++)
        bad = *p == '%' || *p == '?' || *p == '#' ? buf_appendf(&uri, "%%%02X", (unsigned char)*p)
                                                  : buf_putc(&uri, *p);
    if (bad == BUF_OK)
        bad = buf_append(&uri, "?immutable=1", 13); /* with its NUL */
    if (bad != BUF_OK) {
        buf_free(&uri);
        return -1;
    }
    sqlite3_close(st->db);
    int rc = sqlite3_open_v2(uri.data, &st->db,
                             SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, NULL);
    buf_free(&uri);
    return rc == SQLITE_OK ? 0 : -1;
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
    /* A store in WAL mode is read through its -shm file, which a reader
     * creates when no writer has: one who may not write the directory
     * cannot.  With no -shm there is no writer either, so the file is read
     * as it is (immutable), which SQLite allows without the -shm. */
    /* Any other failure is told by the reads below, as it was. */
    if (sqlite3_exec(st->db, "SELECT 1 FROM sqlite_schema LIMIT 1", NULL, NULL, NULL) !=
            SQLITE_OK &&
        no_writer(st) && reopen_immutable(st) != 0) {
        db_err(st, err, "cannot read the store");
        store_close(st);
        return NULL;
    }
    /* replay --dry-run looks documents up as a writing replay does. */
    for (int i = 0; i < S_N; i++)
        if (i == S_SEEN || i == S_TOUCH || i == S_PS_ID)
            sqlite3_prepare_v2(st->db, store_stmt_sql[i], -1, &st->st[i], NULL);
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
    free(st->path);
    free(st);
}
