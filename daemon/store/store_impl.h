/*
 * store_impl.h: the inside of the store, shared by its files and by nobody
 * else.  Only daemon/store*.c include it; the store's users go through the
 * public headers.  Who holds what:
 *
 *   store.c           transactions and group commit, the store's files (the
 *                     device and inode check), pattern sets, documents,
 *                     versions, facts, sightings and the search index (store.h)
 *   store_open.c      opening, migrations and closing (store.h)
 *   store_frontier.c  the crawl frontier's rows (store_frontier.h)
 *   store_status.c    the queries of factd status and factd stats (store_status.h)
 *
 * Here: struct store, the statements every store prepares when it opens, and
 * the small helpers all of them call.
 */
#ifndef FACTD_STORE_IMPL_H
#define FACTD_STORE_IMPL_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "clock.h"
#include "err.h"
#include "store.h"

/* The statements prepared when a store opens (store_open()), by index. */
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
    S_VERSION_SET_DOC,
    S_OLD_FACTS,
    S_SIGHTINGS_CLEAR,
    S_FACT_INSERT,
    S_FACT_ID,
    S_FACT_UPDATE,
    S_SIGHTING_INSERT,
    S_DROP_ORPHANS,
    S_OLD_FACTS_CLEAR,
    S_SAVEPOINT,
    S_RELEASE,
    S_FRONTIER_PUT,
    S_FRONTIER_ADD,
    S_N
};

/* The SQL of each statement, by index: in store.c, the frontier's two in
 * store_frontier.c. */
extern const char *const store_stmt_sql[S_N];
extern const char store_sql_frontier_put[];
extern const char store_sql_frontier_add[];

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
    /* Facts added or dropped in the open group: facts_fts has work to do
     * at its commit (the triggers' queue says which). */
    size_t ntouched;
    size_t doc_touched; /* ntouched when the current document began */
};

/* ---- helpers ---- */

static inline int
db_err(struct store *st, struct err *err, const char *what)
{
    st->last_rc = sqlite3_errcode(st->db) & 0xff;
    err_file(err, st->path);
    err_set(err, "%s: %s", what, sqlite3_errmsg(st->db));
    return -1;
}

static inline void
now_utc(char out[CLOCK_UTC_SIZE])
{
    clock_utc(time(NULL), out);
}

static inline int
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

static inline sqlite3_stmt *
stmt(struct store *st, enum stmt s)
{
    sqlite3_reset(st->st[s]);
    sqlite3_clear_bindings(st->st[s]);
    return st->st[s];
}

static inline void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v == NULL)
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

/* Run a statement that returns no row (or whose rows do not matter). */
static inline int
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
static inline int
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

/* Record the device and inode of each of the store's files (store.c). */
int store_files_note(struct store *st);

#endif
