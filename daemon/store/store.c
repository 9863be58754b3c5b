/*
 * store: SQLite behind a small API.  This file: the group transactions and
 * their commit, the check that the store's files are still those SQLite has
 * open, and what a page leaves in the store (pattern sets, documents,
 * versions, facts, sightings, the search index).  Opening and migrations
 * are in store_open.c, the frontier's rows in store_frontier.c, the status
 * queries in store_status.c; store_impl.h holds what they share.
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
 */
#include "store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "extract.h"
#include "hash.h"
#include "store_impl.h"

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
    "latest_version_id = ?9, doc_year = coalesce(?10, doc_year) WHERE id = ?1";
static const char sql_version_find[] =
    "SELECT id, pattern_set_id FROM versions WHERE document_id = ?1 AND hash = ?2";
static const char sql_version_insert[] =
    "INSERT INTO versions (document_id, hash, bytes, charset, seen_at, pattern_set_id, title, "
    "published, doc_year, sha256, warc_file, warc_record_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
/* A version stored again keeps the archived copy it had: the first. */
static const char sql_version_set_doc[] =
    "UPDATE versions SET title = ?2, published = ?3, doc_year = ?4, "
    "sha256 = coalesce(sha256, ?5), warc_file = coalesce(warc_file, ?6), "
    "warc_record_id = coalesce(warc_record_id, ?7) WHERE id = ?1";
static const char sql_version_set_ps[] = "UPDATE versions SET pattern_set_id = ?2 WHERE id = ?1";
static const char sql_old_facts[] =
    "INSERT INTO temp.old_facts (fact_id) SELECT fact_id FROM sightings WHERE version_id = ?1";
static const char sql_sightings_clear[] = "DELETE FROM sightings WHERE version_id = ?1";
static const char sql_fact_insert[] =
    "INSERT INTO facts (identity, kind, value, value_max, qualifier, text, unit, sentence, clause, "
    "position, year, stance, first_seen, subject, direction) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
    "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
static const char sql_fact_id[] =
    "SELECT id, text, unit, clause, year, stance, subject, direction FROM facts WHERE identity = "
    "?1";
/* What the identity does not cover follows the latest extraction. */
static const char sql_fact_update[] =
    "UPDATE facts SET text = ?2, unit = ?3, clause = ?4, year = ?5, stance = ?6, subject = ?7, "
    "direction = ?8 WHERE id = ?1";
static const char sql_sighting_insert[] =
    "INSERT INTO sightings (fact_id, version_id, offset, text, sentence, pattern, pattern_set_id, "
    "verbatim, original_offset) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
    "ON CONFLICT (version_id, fact_id) DO UPDATE SET "
    "offset = excluded.offset, text = excluded.text, sentence = excluded.sentence, "
    "pattern = excluded.pattern, pattern_set_id = excluded.pattern_set_id, "
    "verbatim = excluded.verbatim, original_offset = excluded.original_offset";
static const char sql_drop_orphans[] =
    "DELETE FROM facts WHERE id IN (SELECT fact_id FROM temp.old_facts) "
    "AND NOT EXISTS (SELECT 1 FROM sightings WHERE fact_id = facts.id) RETURNING id";
static const char sql_savepoint[] = "SAVEPOINT document";
static const char sql_release[] = "RELEASE document";
/* FTS5 writes its pending index at every statement boundary, so the search
 * rows of a whole group are brought up to date in two statements.
 *
 * facts_fts (migration 7) takes its content from facts, so a row is taken
 * out of it by giving the text it was indexed with: the triggers on facts
 * queue each fact added and dropped, with a dropped fact's sentence.  A fact
 * was in the index before the group when the first event of its id is a
 * drop; it is in the facts table after the group when its last is an add.
 * That holds however often an id is dropped and used again in a group. */
static const char sql_search_sync[] =
    "INSERT INTO facts_fts (facts_fts, rowid, sentence) "
    "SELECT 'delete', id, factd_grams(sentence) FROM (SELECT id, op, sentence, "
    "row_number() OVER (PARTITION BY id ORDER BY seq) AS nth FROM facts_fts_queue) "
    "WHERE nth = 1 AND op = 'drop'; "
    "INSERT INTO facts_fts (rowid, sentence) SELECT id, factd_grams(sentence) FROM facts "
    "WHERE id IN (SELECT id FROM facts_fts_queue); "
    "DELETE FROM facts_fts_queue;";
static const char sql_old_facts_clear[] = "DELETE FROM temp.old_facts";

const char *const store_stmt_sql[S_N] = {sql_pattern_set_insert,
                                         sql_pattern_set_id,
                                         sql_seen,
                                         sql_touch,
                                         sql_doc_find,
                                         sql_doc_insert,
                                         sql_doc_update,
                                         sql_version_find,
                                         sql_version_insert,
                                         sql_version_set_ps,
                                         sql_version_set_doc,
                                         sql_old_facts,
                                         sql_sightings_clear,
                                         sql_fact_insert,
                                         sql_fact_id,
                                         sql_fact_update,
                                         sql_sighting_insert,
                                         sql_drop_orphans,
                                         sql_old_facts_clear,
                                         sql_savepoint,
                                         sql_release,
                                         store_sql_frontier_put,
                                         store_sql_frontier_add};

/* ---- transactions ---- */

/* Bring facts_fts up to date with the facts the group added and dropped
 * (its queue, filled by triggers; sql_search_sync says how), when the group
 * touched any fact at all. */
static int
sync_search(struct store *st, struct err *err)
{
    if (st->ntouched == 0)
        return 0;
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
int
store_files_note(struct store *st)
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
            store_files_note(st); /* one appeared since the store was opened */
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

void
store_rollback(struct store *st)
{
    if (!st->in_txn)
        return;
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    st->in_txn = 0;
    st->pending = 0;
    st->ntouched = 0;
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
    /* The year is part of it: the same promise for 2020 and for 2021 is two
     * commitments (FACTS.md, Identity). */
    n += (size_t)snprintf(key + n, cap - n, "\x1f%s\x1f%u\x1f%d\x1f", q ? q : "", f->position,
                          f->year);
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

/* Is column i the span of text, SQL NULL for an empty span? */
static int
col_is_span(sqlite3_stmt *s, int i, const char *text, struct span sp)
{
    if (sp.len == 0)
        return sqlite3_column_type(s, i) == SQLITE_NULL;
    return col_is(s, i, text + sp.off, sp.len);
}

/* A subject, or NULL when the fact has none. */
static void
bind_subject(sqlite3_stmt *s, int i, const char *text, struct span sp)
{
    if (sp.len > 0)
        bind_span(s, i, text, sp);
    else
        sqlite3_bind_null(s, i);
}

static int
put_facts(struct store *st, int64_t version_id, int64_t ps_id, const struct patternset *ps,
          const char *text, const char *original, const struct fact_list *facts, const char *now,
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
                    !col_is_name(s, 5, fact_stance_name(f->stance)) ||
                    !col_is_span(s, 6, text, f->subject) ||
                    !col_is_name(s, 7, fact_direction_name(f->direction));
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
            bind_subject(s, 7, text, f->subject);
            bind_text(s, 8, fact_direction_name(f->direction));
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
            bind_subject(s, 14, text, f->subject);
            bind_text(s, 15, fact_direction_name(f->direction));
            if (step_done(st, s, err, "storing a fact") != 0)
                return -1;
            fact_id = sqlite3_last_insert_rowid(st->db);
            res->facts_new++;
            st->ntouched++;
        }

        s = stmt(st, S_SIGHTING_INSERT);
        sqlite3_bind_int64(s, 1, fact_id);
        sqlite3_bind_int64(s, 2, version_id);
        sqlite3_bind_int64(s, 3, (sqlite3_int64)f->text.off);
        bind_span(s, 4, text, f->text);
        bind_span(s, 5, text, f->sentence);
        bind_text(s, 6, patternset_get(ps, (size_t)f->pattern)->id);
        sqlite3_bind_int64(s, 7, ps_id);
        if (original != NULL && f->original_sentence.len > 0) {
            bind_span(s, 8, original, f->original_sentence);
            sqlite3_bind_int64(s, 9, (sqlite3_int64)f->original.off);
        }
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
        bind_text(s, 7, doc->title);
        bind_text(s, 8, doc->published);
        if (doc->doc_year > 0)
            sqlite3_bind_int(s, 9, doc->doc_year);
        bind_text(s, 10, doc->sha256);
        bind_text(s, 11, doc->warc_file);
        bind_text(s, 12, doc->warc_record_id);
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
        /* New rules may read the document's title, date and year anew. */
        s = stmt(st, S_VERSION_SET_DOC);
        sqlite3_bind_int64(s, 1, version_id);
        bind_text(s, 2, doc->title);
        bind_text(s, 3, doc->published);
        if (doc->doc_year > 0)
            sqlite3_bind_int(s, 4, doc->doc_year);
        bind_text(s, 5, doc->sha256);
        bind_text(s, 6, doc->warc_file);
        bind_text(s, 7, doc->warc_record_id);
        if (step_done(st, s, err, "updating the version") != 0)
            return -1;
    }
    if ((!have_version || replace) &&
        put_facts(st, version_id, ps_id, ps, text, doc->original, facts, now, res, err) != 0)
        return -1;
    if (replace) {
        s = stmt(st, S_DROP_ORPHANS);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            res->facts_dropped++;
            st->ntouched++;
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
    if (doc->doc_year > 0)
        sqlite3_bind_int(s, 10, doc->doc_year);
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
