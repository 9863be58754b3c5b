/*
 * search_cmd: keyword search for a person at a terminal or a script.  The
 * words are matched as typed (store_search.h); each hit is a line of tab-
 * separated fields with the words marked [like this] in its sentence, or
 * with --json a JSON object.  Exit status as grep's: 0 found, 1 not, 2 error.
 */
#include "search_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "store.h"
#include "store_search.h"

static const char usage_text[] =
    "usage: factd search --db FILE [--kind KIND] [--limit N] [--json] WORD...\n"
    "\n"
    "Prints the current facts whose sentence holds every WORD, as typed\n"
    "(面积, 绿化覆盖率), newest first: fact id, kind, value, year, stance,\n"
    "source, the sentence with the words marked [so], URI; tab-separated.\n"
    "  --db FILE     the store, opened read-only\n"
    "  --kind KIND   only facts of this kind (area, mu, percent, ...)\n"
    "  --limit N     at most N lines (default 50; 0 for all)\n"
    "  --json        one JSON object a line, with every field\n"
    "Exit status: 0 when something matched, 1 when nothing did, 2 on error.\n";

struct out {
    const struct store_search_query *q;
    int json;
};

/* A field of a tab-separated line: tabs and line breaks would split it. */
static void
put_field(const char *s)
{
    if (s == NULL || *s == '\0') {
        fputc('-', stdout);
        return;
    }
    for (; *s; s++)
        fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, stdout);
}

/* The sentence with each occurrence of a word in brackets; where two words
 * overlap, the one that starts first is marked. */
static void
put_marked(const char *s, const struct store_search_query *q)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t best = 0;
        for (int w = 0; w < q->nwords; w++) {
            size_t len = strlen(q->words[w]);
            if (len > best && len <= n - i && memcmp(s + i, q->words[w], len) == 0)
                best = len;
        }
        if (best > 0) {
            fputc('[', stdout);
            fwrite(s + i, 1, best, stdout);
            fputc(']', stdout);
            i += best;
        } else {
            fputc(s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ? ' ' : s[i], stdout);
            i++;
        }
    }
}

static void
put_json(const struct store_search_hit *h)
{
    printf("{\"fact_id\":%lld,\"kind\":", h->fact_id);
    json_cstring(stdout, h->kind);
    fputs(",\"value\":", stdout);
    json_number(stdout, h->value);
    fputs(",\"value_max\":", stdout);
    if (h->has_value_max)
        json_number(stdout, h->value_max);
    else
        fputs("null", stdout);
    fputs(",\"qualifier\":", stdout);
    json_cstring(stdout, h->qualifier);
    fputs(",\"text\":", stdout);
    json_cstring(stdout, h->text);
    fputs(",\"unit\":", stdout);
    json_cstring(stdout, h->unit);
    if (h->year > 0)
        printf(",\"year\":%d", h->year);
    else
        fputs(",\"year\":null", stdout);
    fputs(",\"stance\":", stdout);
    json_cstring(stdout, h->stance);
    fputs(",\"source\":", stdout);
    json_cstring(stdout, h->source);
    fputs(",\"sentence\":", stdout);
    json_cstring(stdout, h->sentence);
    fputs(",\"uri\":", stdout);
    json_cstring(stdout, h->uri);
    fputs("}\n", stdout);
}

static int
put_hit(const struct store_search_hit *h, void *arg)
{
    const struct out *o = arg;

    if (o->json) {
        put_json(h);
        return 0;
    }
    printf("%lld\t", h->fact_id);
    put_field(h->kind);
    printf("\t%.15g", h->value);
    if (h->has_value_max)
        printf("-%.15g", h->value_max);
    if (h->year > 0)
        printf("\t%d\t", h->year);
    else
        fputs("\t-\t", stdout);
    put_field(h->stance);
    fputc('\t', stdout);
    put_field(h->source);
    fputc('\t', stdout);
    put_marked(h->sentence ? h->sentence : "", o->q);
    fputc('\t', stdout);
    put_field(h->uri);
    fputc('\n', stdout);
    return 0;
}

int
search_cmd(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},    {"kind", required_argument, NULL, 'k'},
        {"limit", required_argument, NULL, 'n'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    struct store_search_query q = {.limit = 50};
    struct out o = {.q = &q};
    const char *db = NULL;
    struct err err;
    int c, scanned = 0;

    optind = 1;
    while ((c = getopt_long(argc, argv, "d:k:n:jh", longopts, NULL)) != -1) {
        if (c == 'd') {
            db = optarg;
        } else if (c == 'k') {
            q.kind = optarg;
        } else if (c == 'n') {
            char *end;
            errno = 0;
            q.limit = strtol(optarg, &end, 10);
            if (errno != 0 || end == optarg || *end != '\0' || q.limit < 0) {
                fprintf(stderr, "factd search: --limit wants a count, 0 or more: '%s'\n", optarg);
                return 2;
            }
        } else if (c == 'j') {
            o.json = 1;
        } else {
            fputs(usage_text, c == 'h' ? stdout : stderr);
            return c == 'h' ? 0 : 2;
        }
    }
    if (db == NULL || optind == argc) {
        fputs(db == NULL ? "factd search: --db FILE is needed\n"
                         : "factd search: give at least one word to search for\n",
              stderr);
        fputs(usage_text, stderr);
        return 2;
    }
    for (int i = optind; i < argc; i++)
        if (argv[i][0] == '\0') {
            fputs("factd search: an empty word matches everything; give a word\n", stderr);
            return 2;
        }
    q.words = (const char *const *)(argv + optind);
    q.nwords = argc - optind;
    struct store *st = store_open_readonly(db, 5000, &err);
    if (st == NULL) {
        err_print(stderr, &err);
        return 2;
    }
    long n = store_search(st, &q, put_hit, &o, &scanned, &err);
    if (n < 0) {
        err_print(stderr, &err);
        store_close(st);
        return 2;
    }
    if (scanned)
        fprintf(stderr,
                "factd: %s: no search index (a store made before schema version 7): every "
                "sentence was read; open it once with this factd's replay or run to add the "
                "index\n",
                db);
    store_close(st);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "factd search: writing the results: %s\n", strerror(errno));
        return 2;
    }
    return n > 0 ? 0 : 1;
}
