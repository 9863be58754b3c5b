/*
 * frontier: the URLs factd run follows, in memory: found by URL (a hash
 * table) and taken in order of due time (a binary heap).
 *
 * The store keeps the same rows (store_frontier_*, table frontier) for
 * restarts; this is the event loop's copy, which decides what to fetch next
 * without touching the disk.  Not thread-safe: the loop thread owns it.
 */
#ifndef FACTD_FRONTIER_H
#define FACTD_FRONTIER_H

#include <stddef.h>

enum frontier_kind { FRONTIER_LIST, FRONTIER_ARTICLE };
/* As the store's frontier.state column says them (frontier_state_names). */
enum frontier_state { FRONTIER_NEW, FRONTIER_OK, FRONTIER_RETRY, FRONTIER_GONE, FRONTIER_FAILED };

extern const char *const frontier_kind_names[];  /* "list", "article" */
extern const char *const frontier_state_names[]; /* "new", "ok", "retry", "gone", "failed" */

/* One URL.  The strings are from malloc() and owned by the entry; the
 * caller may replace them (freeing the old).  The entry itself is owned by
 * the frontier, which frees it in frontier_free(). */
struct frontier_entry {
    char *url;
    int source; /* index of its source in the configuration, -1 when none */
    enum frontier_kind kind;
    enum frontier_state state;
    char *etag, *last_modified, *hash; /* NULL when none */
    int failures, status;
    double next_fetch; /* Unix time; the heap's key: change it only out of the heap,
                          or frontier_schedule() again after */
    int heap_at;       /* the heap's: index in it, -1 when not scheduled */
    int in_flight;     /* being fetched or stored (frontier_set_in_flight()) */
    int unstored;      /* the caller's: times in a row the store did not take it */
};

struct frontier;

/* NULL when out of memory.  The caller owns it; frontier_free() frees it and
 * every entry. */
struct frontier *frontier_new(void);
void frontier_free(struct frontier *f);

struct frontier_entry *frontier_find(const struct frontier *f, const char *url);
/* A new entry for url (not yet in f), not scheduled; NULL when out of memory. */
struct frontier_entry *frontier_add(struct frontier *f, const char *url, int source,
                                    enum frontier_kind kind);
size_t frontier_count(const struct frontier *f);

/* Every entry, in no order: start with *pos = 0; NULL at the end. */
struct frontier_entry *frontier_each(const struct frontier *f, size_t *pos);

/* Change e's state.  The rules, asserted: nothing goes back to new but a
 * gone URL (a start URL the operator names again); a gone URL goes nowhere
 * else, since it is never fetched. */
void frontier_set_state(struct frontier *f, struct frontier_entry *e, enum frontier_state s);

/* e is given to fetch and the worker (1), or back from them (0).  Asserted:
 * it changes, and an entry given out is not in the schedule. */
void frontier_set_in_flight(struct frontier *f, struct frontier_entry *e, int in_flight);
/* Put e in the schedule at e->next_fetch, or move it there if it is in it
 * already.  -1 when out of memory. */
int frontier_schedule(struct frontier *f, struct frontier_entry *e);
void frontier_unschedule(struct frontier *f, struct frontier_entry *e);
/* The scheduled entry due first, or NULL; frontier_pop() takes it out. */
struct frontier_entry *frontier_next(const struct frontier *f);
struct frontier_entry *frontier_pop(struct frontier *f);
size_t frontier_scheduled(const struct frontier *f);
/* Scheduled entries due at or before now. */
size_t frontier_due(const struct frontier *f, double now);

#endif
