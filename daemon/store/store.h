/*
 * store: the SQLite fact store (schema.sql).  Facts go in once by identity
 * (docs/FACTS.md), with a sighting for every document version they are seen
 * on.  Each document is written whole or not at all (a savepoint of its own),
 * and documents are committed in groups: a crash at any moment leaves the
 * store as it was after the last committed group, every document in it whole.
 *
 * A store is used by one thread at a time: the one that opened it, or one it
 * was handed to with a happens-before (pthread_create, a mutex).
 *
 * It does not read pages or extract: it is handed what extract found.
 * sqlite3 types and messages stay inside the store's files (store*.c).
 *
 * Here: opening and closing, group commit, and what a page leaves in the
 * store (pattern sets, documents, versions, facts, sightings).  The crawl
 * frontier's rows are store_frontier.h's, the queries of factd status and
 * factd stats store_status.h's; both take a store opened here.
 */
#ifndef FACTD_STORE_H
#define FACTD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "fact.h"
#include "patternset.h"

struct store;

/* What the store knows of a page before and after it is processed. */
struct store_doc {
    const char *uri;            /* Path or URL; the document's identity.  Not owned. */
    const char *source;         /* Source name, or NULL.  Not owned. */
    const char *title;          /* Page title, or NULL.  Not owned. */
    const char *published;      /* YYYY-MM-DD, or NULL.  Not owned. */
    const char *charset;        /* Charset the page was decoded with.  Not owned. */
    const char *hash;           /* Content hash of the raw bytes (page_hash()).  Not owned. */
    size_t bytes;               /* Raw size. */
    int doc_year;               /* The year the document speaks from (今年), 0 when unknown. */
    const char *sha256;         /* SHA-256 of the raw bytes (page_sha256()), or NULL.  Not owned. */
    const char *warc_file;      /* The WARC file holding the page, or NULL.  Not owned. */
    const char *warc_record_id; /* Its response record's WARC-Record-ID, or NULL.  Not owned. */
    const char *original;       /* The page's text before NFKC (struct doc's original), whose
                                 * facts' original spans say the verbatim sentence; or NULL. */
};

enum store_outcome {
    STORE_NEW,         /* a document not seen before */
    STORE_CHANGED,     /* a new (or an earlier) content of a known document */
    STORE_UNCHANGED,   /* the same content, already extracted with this pattern set */
    STORE_REEXTRACTED, /* the same content, extracted again with a new pattern set */
};

struct store_result {
    enum store_outcome outcome;
    size_t facts_new;     /* facts not in the store before */
    size_t facts_dropped; /* facts left without any sighting and removed */
    size_t sightings;     /* sightings written */
};

/*
 * Open (creating if needed) the store at path and bring its schema up to
 * date.  busy_ms is how long to wait for another writer.  Refuses, without
 * changing it, a file that is not SQLite, a database that is not a factd
 * store, and a store whose schema is newer than this factd's.
 */
struct store *store_open(const char *path, int busy_ms, struct err *err);

/* Open an existing store to read it (stats): nothing is created, migrated
 * or written, so a store the user may only read can be looked at. */
struct store *store_open_readonly(const char *path, int busy_ms, struct err *err);
/* Close; an open group is committed first (store_commit() to see its errors). */
void store_close(struct store *st);

/* The schema version this factd writes. */
int store_schema_version(void);

/*
 * Group commit.  Writes go into one open transaction that store_commit()
 * ends; store_due() says when the group has reached `docs` documents or is
 * `ms` milliseconds old.  The default, 1 document, commits each on its own.
 */
void store_set_batch(struct store *st, unsigned docs, unsigned ms);
/* SQLite's page cache for this store, in MB (16 unless set). */
int store_set_cache(struct store *st, unsigned mb, struct err *err);
int store_due(const struct store *st);
/*
 * Commit the open group, if any.  On failure the whole group is rolled back.
 * First, even with no group open, the store file and its -wal and -shm
 * files must still be those SQLite opened: one deleted, moved away or
 * replaced fails the commit, and the store is broken from then on
 * (store_broken()): nothing more is written to it, later commits with
 * nothing to commit succeed, and what was committed before is moved from
 * the WAL into the file SQLite has open.
 */
int store_commit(struct store *st, struct err *err);
/* Give the open group up: none of its writes are kept. */
void store_rollback(struct store *st);

/* Documents written in the open group, not yet committed. */
size_t store_pending(const struct store *st);

/* The id of a pattern set by its hash, recorded if new. */
int store_pattern_set(struct store *st, const char *hash, int64_t *id, struct err *err);
/* The same without recording: *id is -1 for a set the store has not seen. */
int store_pattern_set_find(struct store *st, const char *hash, int64_t *id, struct err *err);

/*
 * Is this content of this document already stored with pattern set ps_id?
 * Sets *unchanged, and when it is, records that the page was seen again.
 */
int store_seen(struct store *st, const struct store_doc *doc, int64_t ps_id, int *unchanged,
               struct err *err);

/*
 * Store a version of a document and the facts extracted from its normalized
 * text, whole or not at all, in the open group (begun if none).  When this version was extracted
 * before with another pattern set, its sightings are replaced and facts left without any sighting
 * are dropped.
 */
int store_put(struct store *st, const struct store_doc *doc, int64_t ps_id,
              const struct patternset *ps, const char *text, const struct fact_list *facts,
              struct store_result *res, struct err *err);

/* Was the last error one of the store itself (corrupt, full, I/O, read-only,
 * its files deleted or replaced), after which no page can be stored? */
int store_broken(const struct store *st);

/* A fact as the store holds it, for comparing with a new extraction. */
struct store_fact {
    unsigned char identity[16];
    const char *kind, *qualifier, *text, *clause; /* Valid during the callback only. */
    const char *stance;                           /* NULL when none; likewise. */
    double value, value_max;
    int has_max;
    int year; /* 0 when none */
};

/* Called for each fact; returns 0 to go on. */
typedef int (*store_fact_fn)(void *arg, const struct store_fact *f);

/* The facts seen on the latest version of the document uri (none if the
 * store does not have it). */
int store_latest_facts(struct store *st, const char *uri, store_fact_fn fn, void *arg,
                       struct err *err);

/* The identity of a fact of the given kind name found in text, as the store
 * computes it (docs/FACTS.md, "Identity"). */
void store_fact_identity(const char *kind, const struct fact *f, const char *text,
                         unsigned char id[16]);

#endif
