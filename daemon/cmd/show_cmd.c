/*
 * show_cmd: a fact as a reader checks it: the figure and what it measures,
 * then each page it was seen on (the current ones first) with its source and
 * place, date, the sentence as stored, the SHA-256 of the bytes and where the
 * archived copy lies, and a citation line made of them.
 */
#include "show_cmd.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_show.h"

static const char usage_text[] =
    "usage: factd show --db FILE FACT_ID\n"
    "\n"
    "Print a fact of the store (its id: fact_id in the views, id in facts) and\n"
    "every page it was seen on: source and place, URL, title, published date,\n"
    "the sentence, the SHA-256 of the page as fetched and the WARC record that\n"
    "holds it, with a line to cite.  The store is opened read-only.\n";

/* The value of column name in row, or NULL. */
static const char *
col(const struct store_row *row, const char *name)
{
    for (int i = 0; i < row->n; i++)
        if (strcmp(row->names[i], name) == 0)
            return row->values[i];
    return NULL;
}

static const char *
either(const char *v, const char *dflt)
{
    return v != NULL && v[0] != '\0' ? v : dflt;
}

struct show {
    int sightings;
};

static int
print_row(void *arg, int kind, const struct store_row *row)
{
    struct show *sh = arg;
    if (kind == 0) {
        printf("fact %s: %s %s", col(row, "id"), col(row, "kind"), col(row, "value"));
        if (col(row, "value_max") != NULL)
            printf("..%s", col(row, "value_max"));
        printf(" (%s)", col(row, "text"));
        if (col(row, "qualifier") != NULL)
            printf(", %s", col(row, "qualifier"));
        printf(", %s, %s\n", either(col(row, "stance"), "no stance"),
               col(row, "year") ? col(row, "year") : "no year");
        printf("  subject:    %s\n", either(col(row, "subject"), "none"));
        printf("  direction:  %s\n", either(col(row, "direction"), "none"));
        printf("  unit:       %s\n", either(col(row, "unit"), ""));
        printf("  sentence:   %s\n", either(col(row, "sentence"), ""));
        printf("  clause:     %s\n", either(col(row, "clause"), ""));
        printf("  first seen: %s\n", either(col(row, "first_seen"), ""));
        return 0;
    }
    sh->sightings++;
    const char *region = col(row, "region"), *code = col(row, "region_code"),
               *level = col(row, "level"), *source = col(row, "source");
    printf("\nseen on %s%s\n", either(col(row, "uri"), "?"),
           strcmp(either(col(row, "current"), "no"), "yes") == 0 ? " (as the page is now)"
                                                                 : " (an earlier version)");
    printf("  source:     %s", either(source, "none"));
    if (region || code || level)
        printf(" (%s%s%s%s%s)", either(region, ""), region && (code || level) ? ", " : "",
               either(code, ""), code && level ? ", " : "", either(level, ""));
    printf("\n  title:      %s\n", either(col(row, "title"), "none"));
    printf("  published:  %s (doc_year %s)\n", either(col(row, "published"), "unknown"),
           either(col(row, "doc_year"), "unknown"));
    printf("  stored:     %s (version %s)\n", either(col(row, "seen_at"), ""),
           either(col(row, "version_id"), ""));
    printf("  sha256:     %s\n",
           either(col(row, "sha256"), "not recorded (stored before factd kept it)"));
    if (col(row, "warc_record_id") != NULL)
        printf("  archived:   %s, record %s\n", either(col(row, "warc_file"), "?"),
               col(row, "warc_record_id"));
    else
        printf("  archived:   no (read from a file)\n");
    printf("  offset:     byte %s of the normalized text, by pattern %s\n",
           either(col(row, "offset"), "?"), either(col(row, "pattern"), "?"));
    printf("  sentence:   %s\n", either(col(row, "sentence"), ""));
    if (col(row, "verbatim") != NULL)
        printf("  as written: %s (byte %s of the page's text)\n", col(row, "verbatim"),
               either(col(row, "original_offset"), "?"));
    /* Region, title, date, URL, the day factd read it and the bytes' hash:
     * enough for a reader to find the page and check the copy. */
    printf("  cite:       %s%s%s, %s, %s (retrieved %.10s", either(region, either(source, "")),
           region || source ? ", " : "", either(col(row, "title"), "untitled"),
           either(col(row, "published"), "n.d."), either(col(row, "uri"), "?"),
           either(col(row, "seen_at"), "?"));
    if (col(row, "sha256") != NULL)
        printf("; SHA-256 %s", col(row, "sha256"));
    printf(")\n");
    return 0;
}

int
show_cmd(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *db = NULL;
    struct err err;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
        if (c == 'd') {
            db = optarg;
        } else {
            fputs(usage_text, c == 'h' ? stdout : stderr);
            return c == 'h' ? 0 : 2;
        }
    }
    if (db == NULL || optind + 1 != argc) {
        fputs(usage_text, stderr);
        return 2;
    }
    char *end;
    long long id = strtoll(argv[optind], &end, 10);
    if (end == argv[optind] || *end != '\0' || id <= 0) {
        fprintf(stderr, "factd show: FACT_ID wants a fact's id (a whole number), not '%s'\n",
                argv[optind]);
        return 2;
    }
    struct store *st = store_open_readonly(db, 5000, &err);
    struct show sh = {0};
    if (st == NULL || store_show_fact(st, (int64_t)id, print_row, &sh, &err) != 0) {
        err_print(stderr, &err);
        store_close(st);
        return st == NULL ? 2 : 1;
    }
    if (sh.sightings == 0)
        printf("\nseen on no page now (every sighting went with a change of patterns)\n");
    store_close(st);
    return 0;
}
