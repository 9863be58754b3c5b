/*
 * stats_cmd: counts of a store, for a person at a terminal: documents,
 * versions, facts per kind, sightings, last update.
 */
#include "stats_cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "store.h"
#include "store_status.h"

int
stats_cmd(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *db = NULL;
    struct store_stats s;
    struct err err;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
        if (c == 'd') {
            db = optarg;
        } else {
            fputs("usage: factd stats --db FILE\n", c == 'h' ? stdout : stderr);
            return c == 'h' ? 0 : 2;
        }
    }
    if (db == NULL || optind != argc) {
        fputs("usage: factd stats --db FILE\n", stderr);
        return 2;
    }
    struct store *st = store_open_readonly(db, 5000, &err);
    if (st == NULL || store_stats(st, &s, &err) != 0) {
        err_print(stderr, &err);
        store_close(st);
        return 2;
    }
    printf("store:        %s (schema version %d)\n", db, s.schema_version);
    printf("documents:    %lld\n", s.documents);
    printf("versions:     %lld\n", s.versions);
    printf("facts:        %lld\n", s.facts);
    for (int k = 0; k < s.nkinds; k++)
        printf("  %-10s  %lld\n", s.kinds[k].name, s.kinds[k].facts);
    printf("sightings:    %lld\n", s.sightings);
    printf("pattern sets: %lld\n", s.pattern_sets);
    printf("last update:  %s\n", s.last_update[0] ? s.last_update : "never");
    store_close(st);
    return 0;
}
