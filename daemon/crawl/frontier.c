/*
 * frontier: open addressing with linear probing (FNV-1a of the URL), kept at
 * most half full; the heap holds entry pointers and each entry its index in
 * it, so an entry can be moved or taken out in O(log n) when a reload drops
 * its source or a result reschedules it.
 */
#include "frontier.h"

#include <assert.h>
#include <pthread.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hash.h"

const char *const frontier_kind_names[] = {"list", "article"};
const char *const frontier_state_names[] = {"new", "ok", "retry", "gone", "failed"};

struct frontier {
    pthread_t owner;               /* the thread that made it, the only one to use it */
    struct frontier_entry **table; /* table_cap slots, a power of two */
    size_t table_cap, count;
    struct frontier_entry **heap;
    size_t nheap, capheap;
};

static struct frontier_entry **
slot(struct frontier_entry **table, size_t cap, const char *url)
{
    size_t m = cap - 1, i = (size_t)hash_fnv1a_str(url) & m;
    while (table[i] != NULL && strcmp(table[i]->url, url) != 0)
        i = (i + 1) & m;
    return &table[i];
}

struct frontier *
frontier_new(void)
{
    struct frontier *f = calloc(1, sizeof *f);
    if (f != NULL)
        f->owner = pthread_self();
    return f;
}

/* run_cmd's loop thread owns the frontier; the worker only ever sees copies. */
#define OWNED(f) assert(pthread_equal(pthread_self(), (f)->owner))

void
frontier_set_state(struct frontier *f, struct frontier_entry *e, enum frontier_state s)
{
    OWNED(f);
    assert(s != FRONTIER_NEW || e->state == FRONTIER_NEW || e->state == FRONTIER_GONE);
    assert(e->state != FRONTIER_GONE || s == FRONTIER_GONE || s == FRONTIER_NEW);
    e->state = s;
}

void
frontier_set_in_flight(struct frontier *f, struct frontier_entry *e, int in_flight)
{
    OWNED(f);
    assert(e->in_flight != in_flight);
    assert(!in_flight || e->heap_at < 0);
    e->in_flight = in_flight;
}

void
frontier_free(struct frontier *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->table_cap; i++) {
        struct frontier_entry *e = f->table[i];
        if (e == NULL)
            continue;
        free(e->url);
        free(e->etag);
        free(e->last_modified);
        free(e->hash);
        free(e);
    }
    free(f->table);
    free(f->heap);
    free(f);
}

struct frontier_entry *
frontier_find(const struct frontier *f, const char *url)
{
    return f->table_cap ? *slot(f->table, f->table_cap, url) : NULL;
}

static int
grow(struct frontier *f)
{
    size_t cap = f->table_cap ? f->table_cap * 2 : 1024;
    struct frontier_entry **t = calloc(cap, sizeof *t);
    if (t == NULL)
        return -1;
    for (size_t i = 0; i < f->table_cap; i++)
        if (f->table[i] != NULL)
            *slot(t, cap, f->table[i]->url) = f->table[i];
    free(f->table);
    f->table = t;
    f->table_cap = cap;
    return 0;
}

struct frontier_entry *
frontier_add(struct frontier *f, const char *url, int source, enum frontier_kind kind)
{
    OWNED(f);
    if ((f->count + 1) * 2 > f->table_cap && grow(f) != 0)
        return NULL;
    struct frontier_entry *e = calloc(1, sizeof *e);
    if (e == NULL || (e->url = strdup(url)) == NULL) {
        free(e);
        return NULL;
    }
    e->source = source;
    e->kind = kind;
    e->heap_at = -1;
    *slot(f->table, f->table_cap, url) = e;
    f->count++;
    return e;
}

size_t
frontier_count(const struct frontier *f)
{
    return f->count;
}

struct frontier_entry *
frontier_each(const struct frontier *f, size_t *pos)
{
    while (*pos < f->table_cap) {
        struct frontier_entry *e = f->table[(*pos)++];
        if (e != NULL)
            return e;
    }
    return NULL;
}

/* ---- the heap, by next_fetch ---- */

static void
swap(struct frontier *f, size_t a, size_t b)
{
    struct frontier_entry *t = f->heap[a];
    f->heap[a] = f->heap[b];
    f->heap[b] = t;
    f->heap[a]->heap_at = (int)a;
    f->heap[b]->heap_at = (int)b;
}

static void
up(struct frontier *f, size_t i)
{
    while (i > 0 && f->heap[(i - 1) / 2]->next_fetch > f->heap[i]->next_fetch) {
        swap(f, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void
down(struct frontier *f, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < f->nheap && f->heap[l]->next_fetch < f->heap[m]->next_fetch)
            m = l;
        if (l + 1 < f->nheap && f->heap[l + 1]->next_fetch < f->heap[m]->next_fetch)
            m = l + 1;
        if (m == i)
            return;
        swap(f, i, m);
        i = m;
    }
}

int
frontier_schedule(struct frontier *f, struct frontier_entry *e)
{
    OWNED(f);
    /* A URL being fetched or stored is not due: it would be fetched twice. */
    assert(!e->in_flight);
    assert(e->heap_at < (int)f->nheap);
    if (e->heap_at >= 0) {
        up(f, (size_t)e->heap_at);
        down(f, (size_t)e->heap_at);
        return 0;
    }
    if (f->nheap == f->capheap) {
        struct frontier_entry **h = buf_grow_array(f->heap, &f->capheap, sizeof *h, 1024);
        if (h == NULL)
            return -1;
        f->heap = h;
    }
    e->heap_at = (int)f->nheap;
    f->heap[f->nheap++] = e;
    up(f, f->nheap - 1);
    return 0;
}

void
frontier_unschedule(struct frontier *f, struct frontier_entry *e)
{
    OWNED(f);
    if (e->heap_at < 0)
        return;
    size_t i = (size_t)e->heap_at;
    swap(f, i, f->nheap - 1);
    f->nheap--;
    e->heap_at = -1;
    if (i < f->nheap) {
        up(f, i);
        down(f, i);
    }
}

struct frontier_entry *
frontier_next(const struct frontier *f)
{
    return f->nheap > 0 ? f->heap[0] : NULL;
}

struct frontier_entry *
frontier_pop(struct frontier *f)
{
    struct frontier_entry *top = frontier_next(f);
    if (top != NULL)
        frontier_unschedule(f, top);
    return top;
}

size_t
frontier_scheduled(const struct frontier *f)
{
    return f->nheap;
}

size_t
frontier_due(const struct frontier *f, double now)
{
    size_t n = 0;
    for (size_t i = 0; i < f->nheap; i++)
        n += f->heap[i]->next_fetch <= now;
    return n;
}
