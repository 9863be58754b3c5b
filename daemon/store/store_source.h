/*
 * store_source: the sources of the store as places (schema.sql, table
 * sources), which source a document belongs to, and its name.  factd run writes its
 * configured sources when it starts and on each reload; replay writes the
 * one its options or --sources file name.  Writes go into the store's open
 * group, like documents.
 */
#ifndef FACTD_STORE_SOURCE_H
#define FACTD_STORE_SOURCE_H

#include "err.h"

struct store;

/* A source and its place.  Strings are the caller's; NULL: not known. */
struct store_source {
    const char *name;        /* Required. */
    const char *region;      /* 天津市红桥区 */
    const char *region_code; /* Six digits, GB/T 2260: 120106. */
    const char *level;       /* province, city, district, county or ministry. */
};

/* Record s.  With replace (factd run: the configuration is what the store
 * follows) its place replaces what the store had, NULLs included; without
 * (replay) only the keys s gives are written, so a replay that names the
 * source alone leaves its place as the configuration set it.  *changed
 * (may be NULL) says whether the row is new or differs from before. */
int store_source_put(struct store *st, const struct store_source *s, int replace, int *changed,
                     struct err *err);

/* Give the stored document uri the source name, if it has another (or none):
 * *relabelled says whether it did.  A document the store does not have is
 * left alone (it is labelled when stored). */
int store_document_relabel(struct store *st, const char *uri, const char *name, int *relabelled,
                           struct err *err);

/* A document stored under the name from (a file's path, as replay named
 * files before they had file:// URIs) takes the name to, unless the store
 * has that one already: its versions, facts and sightings go with it. */
int store_document_rename(struct store *st, const char *from, const char *to, struct err *err);

#endif
