/*
 * fact: names of the enumerations and the fact list.  The names are the
 * contract with analysts (JSON output, SQL columns): never rename one.
 */
#include "fact.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

static const char *const kind_names[FACT_NKINDS] = {"area", "mu", "percent", "pct_point",
                                                    "project"};
static const char *const qual_names[QUAL_N] = {NULL, "approx", "more_than", "at_least", "at_most"};
static const char *const stance_names[STANCE_N] = {NULL, "target", "reported"};

const char *
fact_kind_name(enum fact_kind k)
{
    return (unsigned)k < FACT_NKINDS ? kind_names[k] : "unknown";
}

const char *
fact_qual_name(enum fact_qual q)
{
    return (unsigned)q < QUAL_N ? qual_names[q] : NULL;
}

const char *
fact_direction_name(enum fact_direction d)
{
    return d == DIRECTION_UP ? "up" : d == DIRECTION_DOWN ? "down" : NULL;
}

const char *
fact_stance_name(enum fact_stance s)
{
    return (unsigned)s < STANCE_N ? stance_names[s] : NULL;
}

static int
lookup(const char *const *names, int n, const char *name, size_t len)
{
    for (int i = 0; i < n; i++)
        if (names[i] != NULL && strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
            return i;
    return -1;
}

int
fact_kind_from_name(const char *name, size_t len)
{
    return lookup(kind_names, FACT_NKINDS, name, len);
}

int
fact_qual_from_name(const char *name, size_t len)
{
    if (len == 4 && memcmp(name, "null", 4) == 0)
        return QUAL_NONE;
    return lookup(qual_names, QUAL_N, name, len);
}

void
fact_list_init(struct fact_list *l)
{
    l->v = NULL;
    l->n = l->cap = 0;
}

int
fact_list_push(struct fact_list *l, const struct fact *f)
{
    if (l->n == l->cap) {
        struct fact *v = buf_grow_array(l->v, &l->cap, sizeof *v, 16);
        if (v == NULL)
            return -1;
        l->v = v;
    }
    l->v[l->n++] = *f;
    return 0;
}

void
fact_list_free(struct fact_list *l)
{
    if (l == NULL)
        return;
    free(l->v);
    fact_list_init(l);
}
