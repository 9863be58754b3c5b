/*
 * status_cmd: what an operator runs to see whether factd run is doing its
 * job: what it fetched and stored lately, what it has still to do, what
 * fails, and whether it looks alive.  Everything comes from the store, read
 * only, so it works beside a running daemon and needs no signal or socket.
 */
#include "status_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "input.h"
#include "json.h"
#include "store.h"
#include "store_status.h"

#define MAX_FAILURES 10

static const char usage_text[] =
    "usage: factd status -c FILE [--since DURATION] [--json]\n"
    "\n"
    "What factd run did in the last hour (or DURATION: 90, 90s, 30m, 6h, 1d),\n"
    "read from the store the configuration FILE names, which is not written:\n"
    "pages fetched (URLs whose last fetch ended in the window, by how it ended),\n"
    "documents new and changed and facts new, in all and per source; the\n"
    "frontier now; the URLs failing now, latest first (at most 10); and whether\n"
    "the daemon looks alive, idle or stopped.\n"
    "\n"
    "  -c, --config FILE   the factd.conf of the daemon\n"
    "      --since D       the window (default 1h)\n"
    "      --json          one JSON object\n"
    "\n"
    "Exit status 0 when the store was read, whatever it says; 1 when there is\n"
    "no store yet, or factd run has not opened it; 2 for a wrong command line,\n"
    "a configuration error or a store that cannot be read.\n";

/* A source's counts, from the store or zero for a configured source that
 * did nothing in the window. */
struct src {
    char *name; /* NULL for documents stored without a source */
    int configured;
    struct store_status_counts c;
};

struct fail {
    char *url, *source, *state, *error, *when;
    int status, failures;
};

struct status {
    struct src *srcs;
    size_t nsrcs, capsrcs;
    struct fail fails[MAX_FAILURES];
    int nfails;
    int nomem;
};

static struct src *
add_src(struct status *s, const char *name)
{
    if (s->nsrcs == s->capsrcs) {
        struct src *v = buf_grow_array(s->srcs, &s->capsrcs, sizeof *v, 16);
        if (v == NULL) {
            s->nomem = 1;
            return NULL;
        }
        s->srcs = v;
    }
    struct src *r = &s->srcs[s->nsrcs++];
    memset(r, 0, sizeof *r);
    r->name = text_dup(name, &s->nomem);
    return r;
}

static int
on_source(void *arg, const char *name, const struct store_status_counts *c)
{
    struct status *s = arg;
    struct src *r = NULL;
    for (size_t i = 0; i < s->nsrcs && r == NULL; i++)
        if (name != NULL && s->srcs[i].name != NULL && strcmp(s->srcs[i].name, name) == 0)
            r = &s->srcs[i];
    if (r == NULL && (r = add_src(s, name)) == NULL)
        return 1;
    r->c = *c;
    return 0;
}

static int
on_failure(void *arg, const struct store_failure *f)
{
    struct status *s = arg;
    struct fail *d = &s->fails[s->nfails++];
    d->url = text_dup(f->url, &s->nomem);
    d->source = text_dup(f->source, &s->nomem);
    d->state = text_dup(f->state, &s->nomem);
    d->error = text_dup(f->error, &s->nomem);
    d->when = text_dup(f->when, &s->nomem);
    d->status = f->status;
    d->failures = f->failures;
    return s->nfails == MAX_FAILURES;
}

static void
status_free(struct status *s)
{
    for (size_t i = 0; i < s->nsrcs; i++)
        free(s->srcs[i].name);
    free(s->srcs);
    for (int i = 0; i < s->nfails; i++) {
        free(s->fails[i].url);
        free(s->fails[i].source);
        free(s->fails[i].state);
        free(s->fails[i].error);
        free(s->fails[i].when);
    }
}

/* "90", "90s", "30m", "6h", "1d" in seconds, or -1. */
static long
parse_duration(const char *s)
{
    char *end;
    errno = 0;
    long n = strtol(s, &end, 10);
    long unit = *end == '\0' || strcmp(end, "s") == 0 ? 1
                : strcmp(end, "m") == 0               ? 60
                : strcmp(end, "h") == 0               ? 3600
                : strcmp(end, "d") == 0               ? 86400
                                                      : -1;
    /* A window longer than a century is a typing mistake, and would
     * overflow time arithmetic further on. */
    if (errno != 0 || end == s || *s < '0' || *s > '9' || unit < 0 || n <= 0 ||
        n > 36500L * 86400 / unit)
        return -1;
    return n * unit;
}

/* A length of time as a person reads it: "12 s", "5 min", "2 h 3 min". */
static void
fmt_span(long long s, char *out, size_t size)
{
    if (s < 0)
        s = -s;
    if (s < 120)
        snprintf(out, size, "%lld s", s);
    else if (s < 3600)
        snprintf(out, size, "%lld min", s / 60);
    else if (s < 86400 && s % 3600 / 60 != 0)
        snprintf(out, size, "%lld h %lld min", s / 3600, s % 3600 / 60);
    else if (s < 86400)
        snprintf(out, size, "%lld h", s / 3600);
    else if (s % 86400 / 3600 != 0)
        snprintf(out, size, "%lld d %lld h", s / 86400, s % 86400 / 3600);
    else
        snprintf(out, size, "%lld d", s / 86400);
}

static void
fmt_unix(double t, char *out, size_t size)
{
    char s[CLOCK_UTC_SIZE];
    clock_utc((time_t)t, s);
    snprintf(out, size, "%s", s);
}

enum verdict { V_NEVER, V_ALIVE, V_IDLE, V_STOPPED };
static const char *const verdict_names[] = {"never", "alive", "idle", "stopped"};

/*
 * A running daemon writes at every fetch, and it fetches whenever a URL is
 * due; so silence is normal only while nothing is due.  A transfer can take
 * up to timeout and one host is asked at most every host_delay, hence the
 * grace: five minutes, or twice the longer of those.
 */
static enum verdict
judge(const struct store_status *st, const struct config *cfg, char *line, size_t size)
{
    double grace = 300;
    char ago[32], t[32];

    if (2 * cfg->timeout > grace)
        grace = 2 * cfg->timeout;
    if (2 * cfg->host_delay > grace)
        grace = 2 * cfg->host_delay;
    if (st->last_activity[0] == '\0') {
        snprintf(line, size, "never: nothing fetched or stored yet");
        return V_NEVER;
    }
    /* A time ahead of the clock is a clock that was set back: recent. */
    long long idle = st->idle_s > 0 ? st->idle_s : 0;
    fmt_span(idle, ago, sizeof ago);
    if (idle <= grace) {
        snprintf(line, size, "alive: last activity %s ago", ago);
        return V_ALIVE;
    }
    if (st->due > 0 && (double)st->now - st->next_due > grace) {
        fmt_unix(st->next_due, t, sizeof t);
        snprintf(line, size,
                 "stopped? last activity %s ago, and %lld URL%s due, the first since %s", ago,
                 st->due, st->due == 1 ? "" : "s", t);
        return V_STOPPED;
    }
    if (st->due > 0) {
        fmt_unix(st->next_due, t, sizeof t);
        snprintf(line, size, "idle: last activity %s ago; %lld URL%s due since %s", ago, st->due,
                 st->due == 1 ? "" : "s", t);
    } else if (st->next_due > 0) {
        char in[32];
        fmt_unix(st->next_due, t, sizeof t);
        fmt_span((long long)st->next_due - st->now, in, sizeof in);
        snprintf(line, size, "idle: last activity %s ago; next fetch due in %s (%s)", ago, in, t);
    } else {
        snprintf(line, size, "idle: last activity %s ago; nothing to fetch", ago);
    }
    return V_IDLE;
}

static const char *
src_name(const struct src *r)
{
    return r->name ? r->name : "(no source)";
}

static void
text_counts(const struct store_status_counts *c)
{
    printf("%lld fetched (%lld ok, %lld not modified, %lld gone, %lld failed); documents %lld "
           "new, %lld changed; facts %lld new\n",
           c->fetched, c->ok, c->not_modified, c->gone, c->failed, c->docs_new, c->docs_changed,
           c->facts_new);
}

static void
print_text(const char *db, long window_s, const struct store_status *st, const struct status *s,
           const char *verdict)
{
    char span[32];
    int width = 0;

    fmt_span(window_s, span, sizeof span);
    printf("store:       %s\n", db);
    printf("window:      the last %s, since %s\n", span, st->since);
    printf("pages:       %lld fetched (%lld ok, %lld not modified, %lld gone, %lld failed)\n",
           st->window.fetched, st->window.ok, st->window.not_modified, st->window.gone,
           st->window.failed);
    printf("documents:   %lld new, %lld changed\n", st->window.docs_new, st->window.docs_changed);
    printf("facts:       %lld new\n", st->window.facts_new);
    for (size_t i = 0; i < s->nsrcs; i++)
        if ((int)strlen(src_name(&s->srcs[i])) > width)
            width = (int)strlen(src_name(&s->srcs[i]));
    for (size_t i = 0; i < s->nsrcs; i++) {
        printf("  %-*s  ", width, src_name(&s->srcs[i]));
        text_counts(&s->srcs[i].c);
        if (!s->srcs[i].configured)
            printf("  %-*s  (not in the configuration)\n", width, "");
    }
    printf("frontier:    %lld URLs (%lld new, %lld ok, %lld retry, %lld failed, %lld gone); "
           "%lld due now\n",
           st->urls, st->never_fetched, st->ok, st->retry, st->failed, st->gone, st->due);
    printf("last fetch:  %s\n", st->last_fetch[0] ? st->last_fetch : "never");
    if (st->retry + st->failed > 0) {
        printf("failing:     %lld URL%s%s\n", st->retry + st->failed,
               st->retry + st->failed == 1 ? "" : "s",
               st->retry + st->failed > s->nfails ? ", the latest:" : ":");
        for (int i = 0; i < s->nfails; i++) {
            const struct fail *f = &s->fails[i];
            char why[64];
            snprintf(why, sizeof why, "HTTP %d", f->status);
            printf("  %s  %-6s  %s  %s\n", f->when ? f->when : "-", f->state, f->url,
                   f->error ? f->error : why);
        }
    }
    printf("%s\n", verdict);
}

static void
json_counts(const struct store_status_counts *c)
{
    printf("\"fetched\": %lld, \"ok\": %lld, \"not_modified\": %lld, \"gone\": %lld, "
           "\"failed\": %lld, \"documents_new\": %lld, \"documents_changed\": %lld, "
           "\"facts_new\": %lld",
           c->fetched, c->ok, c->not_modified, c->gone, c->failed, c->docs_new, c->docs_changed,
           c->facts_new);
}

/* A time, or null when there is none. */
static void
json_time(const char *t)
{
    json_cstring(stdout, t[0] ? t : NULL);
}

static void
print_json(const char *db, const char *conf, long window_s, const struct store_status *st,
           const struct status *s, enum verdict v, const char *verdict)
{
    char now[32], next[32] = "";

    fmt_unix((double)st->now, now, sizeof now);
    if (st->next_due > 0)
        fmt_unix(st->next_due, next, sizeof next);
    fputs("{\"store\": ", stdout);
    json_cstring(stdout, db);
    fputs(", \"config\": ", stdout);
    json_cstring(stdout, conf);
    printf(", \"now\": \"%s\", \"window\": {\"seconds\": %ld, \"since\": \"%s\", ", now, window_s,
           st->since);
    json_counts(&st->window);
    fputs("}, \"sources\": [", stdout);
    for (size_t i = 0; i < s->nsrcs; i++) {
        fputs(i ? ", {\"name\": " : "{\"name\": ", stdout);
        json_cstring(stdout, s->srcs[i].name);
        printf(", \"configured\": %s, ", s->srcs[i].configured ? "true" : "false");
        json_counts(&s->srcs[i].c);
        putchar('}');
    }
    printf("], \"frontier\": {\"urls\": %lld, \"new\": %lld, \"ok\": %lld, \"retry\": %lld, "
           "\"failed\": %lld, \"gone\": %lld, \"due\": %lld, \"next_due\": ",
           st->urls, st->never_fetched, st->ok, st->retry, st->failed, st->gone, st->due);
    json_time(next);
    fputs("}, \"last_fetch\": ", stdout);
    json_time(st->last_fetch);
    printf(", \"failing\": %lld, \"failures\": [", st->retry + st->failed);
    for (int i = 0; i < s->nfails; i++) {
        const struct fail *f = &s->fails[i];
        fputs(i ? ", {\"url\": " : "{\"url\": ", stdout);
        json_cstring(stdout, f->url);
        fputs(", \"source\": ", stdout);
        json_cstring(stdout, f->source);
        fputs(", \"state\": ", stdout);
        json_cstring(stdout, f->state);
        printf(", \"status\": %d, \"error\": ", f->status);
        json_cstring(stdout, f->error);
        printf(", \"failures\": %d, \"when\": ", f->failures);
        json_cstring(stdout, f->when);
        putchar('}');
    }
    fputs("], \"last_activity\": ", stdout);
    json_time(st->last_activity);
    if (st->last_activity[0] != '\0')
        printf(", \"idle_s\": %lld", st->idle_s);
    else
        fputs(", \"idle_s\": null", stdout);
    printf(", \"verdict\": \"%s\", \"summary\": ", verdict_names[v]);
    json_cstring(stdout, verdict);
    fputs("}\n", stdout);
}

static void
report(void *arg, const struct err *e)
{
    (void)arg;
    err_print(stderr, e);
}

int
status_cmd(int argc, char **argv)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"since", required_argument, NULL, 's'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *file = NULL;
    long window_s = 3600;
    int c, json = 0, rc;

    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        if (c == 'c') {
            file = optarg;
        } else if (c == 's') {
            if ((window_s = parse_duration(optarg)) < 0) {
                fprintf(stderr,
                        "factd status: --since: '%s' is not a duration (90, 90s, 30m, 6h, 1d)\n",
                        optarg);
                return 2;
            }
        } else if (c == 'j') {
            json = 1;
        } else {
            fputs(usage_text, c == 'h' ? stdout : stderr);
            return c == 'h' ? 0 : 2;
        }
    }
    if (file == NULL || optind != argc) {
        fputs("usage: factd status -c FILE [--since DURATION] [--json]\n", stderr);
        return 2;
    }
    struct config *cfg = config_load(file, input_patterns_dir(), report, NULL);
    if (cfg == NULL)
        return 2;
    /* Before factd run's first commit there is nothing to read; that is a
     * state of the daemon, not a fault of the store. */
    if (access(cfg->db, F_OK) != 0 && errno == ENOENT) {
        fprintf(stderr, "factd: no store yet at %s: factd run has not stored anything\n", cfg->db);
        config_free(cfg);
        return 1;
    }

    struct status s;
    struct store_status st;
    struct err err;
    memset(&s, 0, sizeof s);
    for (size_t i = 0; i < cfg->nsources; i++) {
        struct src *r = add_src(&s, cfg->sources[i].name);
        if (r != NULL)
            r->configured = 1;
    }
    struct store *store = store_open_readonly(cfg->db, 5000, &err);
    rc = store == NULL
             ? -1
             : store_status(store, window_s, on_source, on_failure, MAX_FAILURES, &s, &st, &err);
    store_close(store);
    if (rc == 0 && s.nomem) {
        err_set(&err, "out of memory");
        rc = -1;
    }
    if (rc != 0) {
        err_print(stderr, &err);
        status_free(&s);
        config_free(cfg);
        return rc > 0 ? 1 : 2;
    }
    char line[512];
    enum verdict v = judge(&st, cfg, line, sizeof line);
    if (json)
        print_json(cfg->db, file, window_s, &st, &s, v, line);
    else
        print_text(cfg->db, window_s, &st, &s, line);
    status_free(&s);
    config_free(cfg);
    return 0;
}
