/*
 * run_cmd: "factd run", the daemon.  Two threads:
 *
 *   the loop thread (libev) owns the network and the schedule: the frontier
 *   in memory (every URL, when it is due), fetch.c's transfers, the sources'
 *   link patterns for nothing but classifying; it never touches the disk
 *   after start-up, so a slow disk or a large page never stalls a transfer;
 *
 *   the worker thread owns the store and the archive: for each finished
 *   transfer it archives the response, decodes and extracts the page or
 *   finds its links, and writes the page, its facts and its frontier row in
 *   one group transaction.  Results come back to the loop through an
 *   ev_async.
 *
 * Jobs are handled in order, so the frontier rows in the store are always
 * those of pages that were stored: after a crash, the pages of the last
 * uncommitted group are fetched again, conditionally, and nothing is lost.
 */
#include "run_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <ev.h>
#include <pcre2.h>
#include <systemd/sd-daemon.h>

#include "archive.h"
#include "buf.h"
#include "config.h"
#include "extract.h"
#include "fetch.h"
#include "frontier.h"
#include "input.h"
#include "page.h"
#include "links.h"
#include "log.h"
#include "metrics.h"
#include "patternset.h"
#include "store.h"

/* A failed fetch is tried this many times, with backoff, before it waits
 * for the source's next interval. */
#define MAX_ATTEMPTS    4
#define BACKOFF_BASE    1.0    /* seconds before the first retry */
#define BACKOFF_MAX     3600.0 /* longest wait between retries */
#define ONCE_RETRY_WAIT 60.    /* --once waits for retries due this soon */
#define ARCHIVE_ROTATE  (256u << 20)
#define STOP_GRACE      10. /* seconds transfers in flight get at shutdown */
/* The longest one page may keep the worker extracting: past it the page is
 * stored with the facts found so far, and a warning.  A pattern at its match
 * limit costs up to 27 ms a sentence without JIT, so a large page of such
 * sentences would otherwise hold every page behind it for hours. */
#define PAGE_SECONDS    10.
/* Bodies in hand (fetched and not yet through the worker) at most, unless
 * max_page_bytes asks for more: the daemon's memory is bounded in bytes,
 * not in pages. */
#define IN_HAND_MIN     (32u << 20)

struct source_rt {
    const struct config_source *cfg;
    pcre2_code *link_re, *next_re;
    struct start_host {
        char host[256]; /* lower case */
        long port;      /* the scheme's own when the URL names none */
        int dflt;       /* port is the scheme's own */
    } * starts;         /* of the start URLs, for url_allowed() */
    size_t nstarts;
};

/*
 * What a reload replaces as one: the configuration, its compiled link
 * patterns and the pattern set.  The loop thread and the worker each hold
 * one; a reload hands the worker the new one through the job queue, so the
 * pages fetched before it are handled with the old one.
 */
struct setup {
    struct config *cfg;
    struct source_rt *src;
    struct patternset *ps;
    char set_hash[33]; /* input_set_hash() of ps */
    int64_t ps_id;     /* its id in the store; set by the worker */
};

enum job_type { JOB_PAGE, JOB_ROW, JOB_SWAP, JOB_STOP };

/* From the loop to the worker.  Everything is owned by the job. */
struct job {
    struct job *next;
    enum job_type type;
    struct frontier_entry *e; /* handed back in the result; the worker does not read it */
    struct setup *setup;      /* JOB_SWAP: the worker's new setup (not owned by the job) */
    char *url;                /* the frontier's; the page's uri is where it came from in the end */
    /* JOB_PAGE: the page, pointing into effective_url, content_type, body
     * and head, which the job owns; the worker sets its source and charset
     * from the setup it holds. */
    struct page page;
    char *effective_url, *content_type, *ip;
    struct text body, head, request;
    int source;
    enum frontier_kind kind;
    /* The frontier row to write; the worker fills in hash and, when the page
     * cannot be used, state and error.  etag and last_modified are those of
     * the copy stored before; a 200's new ones are new_etag and
     * new_last_modified, which count only once the page is stored. */
    char *etag, *last_modified, *old_hash, *error;
    char *new_etag, *new_last_modified;
    struct result *res; /* made with the job, so a result always comes back */
    enum frontier_state state;
    int status, failures;
    double next_fetch;
};

/* From the worker back to the loop. */
struct result {
    struct result *next;
    struct frontier_entry *e;
    char *hash;                    /* the body's hash, once stored, or NULL */
    char *etag, *last_modified;    /* the stored page's validators, with hash */
    int failed;                    /* the page could not be used */
    int retry;                     /* because the store failed: fetch it again soon */
    size_t bytes;                  /* the body's, released to fetch when this comes back */
    struct frontier_entry **reset; /* a group that did not commit: fetch these again */
    size_t nreset;
    size_t links_added; /* of links, those new to the store */
    char **links;       /* the frontier URLs the page links, with their kinds */
    enum frontier_kind *link_kinds;
    size_t nlinks;
    int fatal; /* the store cannot take more */
};

/* Warnings about one host in the current minute, for rate limiting. */
struct host_log {
    char host[256];
    double window; /* start of the minute */
    unsigned logged, held;
};

struct counts {
    size_t requests, ok, not_modified, gone, failed, retried, bytes;
    size_t docs[4], docs_failed, facts_new, links_new;
};

struct run {
    const char *file;  /* the configuration file, read again on SIGHUP */
    struct setup *cur; /* the loop thread's */
    struct setup *w;   /* the worker's; the same as cur but during a reload */
    struct store *store;
    struct archive *archive;
    struct metrics *metrics; /* NULL-safe; served when metrics_listen is set */
    int once;
    int verbose;  /* -v: debug whatever log_level says, reloads included */
    int stopping; /* a signal came: finish what runs, start nothing */
    int cancel;   /* the worker drops the page it reads (atomic: set by the loop) */
    int status;   /* exit status */

    struct ev_loop *loop;
    struct fetch *fetch;
    ev_timer due_timer, lag_timer, stop_timer;
    ev_async wake;
    ev_signal sigterm, sigint, sighup;
    ev_timer status_timer, watchdog_timer;
    ev_tstamp lag_expected, lag_max;

    struct frontier *fr; /* loop thread only */

    /* The worker and its queues (under mu). */
    pthread_t worker;
    int worker_started;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    struct job *jobs, *jobs_last;
    struct result *results, *results_last;
    size_t outstanding; /* jobs given, results not yet back (loop thread only) */

    struct counts n;               /* loop thread, but the worker's doc counts under mu */
    struct counts pn;              /* the worker's doc counts of the open group, under mu */
    struct frontier_entry **group; /* the worker's: pages in the open group */
    size_t ngroup, capgroup;
    int broken;             /* the worker found the store or archive unusable, under mu */
    struct host_log *hosts; /* loop thread */
    size_t nhosts;
    struct timespec start;
};

static double
now_unix(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double
elapsed(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void
replace(char **dst, const char *s)
{
    free(*dst);
    *dst = text_dup(s, NULL);
}

/* ---- the frontier, from the store ---- */

static int
source_index(const struct run *r, const char *name)
{
    for (size_t i = 0; i < r->cur->cfg->nsources; i++)
        if (strcmp(r->cur->cfg->sources[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int
load_row(void *arg, const struct store_url *u)
{
    struct run *r = arg;
    /* A source no longer configured gives -1: known, not followed, until a
     * configured source's list page links it. */
    int src = source_index(r, u->source);
    struct frontier_entry *e = frontier_add(
        r->fr, u->url, src, strcmp(u->kind, "list") == 0 ? FRONTIER_LIST : FRONTIER_ARTICLE);
    if (e == NULL)
        return -1;
    frontier_set_state(r->fr, e, FRONTIER_NEW);
    for (int i = 0; i < 5; i++)
        if (strcmp(u->state, frontier_state_names[i]) == 0)
            frontier_set_state(r->fr, e, (enum frontier_state)i);
    e->etag = text_dup(u->etag, NULL);
    e->last_modified = text_dup(u->last_modified, NULL);
    e->hash = text_dup(u->hash, NULL);
    e->failures = u->failures;
    e->status = u->status;
    e->next_fetch = u->next_fetch;
    return 0;
}

/* ---- the worker ---- */

static void group_add(struct run *r, struct frontier_entry *e);
static void group_lost(struct run *r);

static void
push_job(struct run *r, struct job *j)
{
    int counted = j->type == JOB_PAGE || j->type == JOB_ROW; /* each gives a result back */
    pthread_mutex_lock(&r->mu);
    if (r->jobs_last)
        r->jobs_last->next = j;
    else
        r->jobs = j;
    r->jobs_last = j;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->mu);
    /* j is the worker's now, maybe freed already: its type was read above. */
    if (counted)
        r->outstanding++;
}

static void
result_free(struct result *res)
{
    if (res == NULL)
        return;
    for (size_t i = 0; i < res->nlinks; i++)
        free(res->links[i]);
    free(res->links);
    free(res->link_kinds);
    free(res->hash);
    free(res->etag);
    free(res->last_modified);
    free(res->reset);
    free(res);
}

static void
job_free(struct job *j)
{
    free(j->url);
    free(j->effective_url);
    free(j->content_type);
    free(j->ip);
    text_free(&j->body);
    text_free(&j->head);
    text_free(&j->request);
    free(j->etag);
    free(j->last_modified);
    free(j->old_hash);
    free(j->error);
    free(j->new_etag);
    free(j->new_last_modified);
    result_free(j->res);
    free(j);
}

static int
result_add_link(struct result *res, const char *url, enum frontier_kind kind)
{
    char **l = realloc(res->links, (res->nlinks + 1) * sizeof *l);
    if (l == NULL)
        return -1;
    res->links = l;
    enum frontier_kind *k = realloc(res->link_kinds, (res->nlinks + 1) * sizeof *k);
    if (k == NULL)
        return -1;
    res->link_kinds = k;
    if ((l[res->nlinks] = strdup(url)) == NULL)
        return -1;
    k[res->nlinks++] = kind;
    return 0;
}

/*
 * May the source fetch url (a link, a redirect's target)?  Its host must be
 * one of allowed_hosts, and its port one that a start URL has with that
 * host; 80 and 443 too unless every start URL with that host names another
 * (a site on :8080 is kept to :8080), and for a host no start URL names.  A
 * redirect to another port of an allowed host (127.0.0.1:6379) is refused.
 */
static int
url_allowed(const struct source_rt *s, const char *url)
{
    char host[256];
    long port;
    int dflt, found = 0, named = 0, defaults = 0;
    if (fetch_url_host_port(url, host, sizeof host, &port, &dflt) != 0)
        return 0;
    for (size_t i = 0; i < s->cfg->nallowed_hosts && !found; i++)
        found = strcasecmp(s->cfg->allowed_hosts[i], host) == 0;
    if (!found)
        return 0;
    for (size_t i = 0; i < s->nstarts; i++) {
        if (strcmp(s->starts[i].host, host) != 0)
            continue;
        if (s->starts[i].port == port)
            return 1;
        named = 1;
        defaults |= s->starts[i].dflt;
    }
    return (!named || defaults) && (port == 80 || port == 443);
}

static int
re_match(const pcre2_code *re, const char *s, pcre2_match_data *md)
{
    return re != NULL && pcre2_match(re, (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL) >= 0;
}

/* A list page: its links that the source follows go into the frontier. */
static void
work_list(struct run *r, struct job *j, struct result *res)
{
    const struct source_rt *s = &r->w->src[j->source];
    struct doc d = {0}; /* page_read() sets it up; freed when it did not run too */
    struct links links = {0};
    struct err err;
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    struct page_opts o = {.max_bytes = r->w->cfg->max_page_bytes, .keep_html = 1};

    err_clear(&err);
    j->page.html = 1;
    int got = md != NULL ? page_read(&j->page, &o, &d, &err) : -1;
    if (got != 0 ||
        links_extract(d.html_utf8.data, d.html_utf8.len, j->effective_url, &links, &err) != 0) {
        log_msg(LOG_WARNING, "%s: cannot read the list page: %s", j->url,
                err.msg[0] ? err.msg : "out of memory");
        res->failed = 1;
    }
    double now = now_unix();
    for (size_t i = 0; i < links.n && !res->fatal; i++) {
        const char *u = links.urls[i];
        enum frontier_kind k;
        if (re_match(s->link_re, u, md))
            k = FRONTIER_ARTICLE;
        else if (re_match(s->next_re, u, md))
            k = FRONTIER_LIST;
        else
            continue;
        if (!url_allowed(s, u))
            continue;
        struct store_url row = {
            .url = u, .source = s->cfg->name, .kind = frontier_kind_names[k], .next_fetch = now};
        int added = 0;
        if (store_frontier_add(r->store, &row, &added, &err) != 0) {
            /* Its links are not all stored: the page must not count as
             * read, or its validators would answer 304 to them for ever. */
            char msg[600];
            err_format(&err, msg, sizeof msg);
            log_msg(LOG_ERR, "%s; %s is read again", msg, j->url);
            res->failed = 1;
            res->retry = 1;
            res->fatal = store_broken(r->store);
            break;
        }
        res->links_added += added != 0;
        /* All of them go back: the loop may know a URL the store has under
         * a source no longer configured, and adopts it. */
        if (result_add_link(res, u, k) != 0)
            break;
    }
    links_free(&links);
    doc_free(&d);
    pcre2_match_data_free(md);
}

/* The worker's page budget, asked between sentences. */
struct page_clock {
    struct run *r;
    struct timespec start;
    int cancelled; /* the loop asked for the page to be dropped */
};

static int
page_stop(void *arg)
{
    struct page_clock *pc = arg;
    struct timespec now;
    if (__atomic_load_n(&pc->r->cancel, __ATOMIC_RELAXED)) {
        pc->cancelled = 1;
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    return elapsed(&pc->start, &now) > PAGE_SECONDS;
}

/* An article: extracted and stored unless it is the same as before. */
static void
work_article(struct run *r, struct job *j, struct result *res, const char *hash)
{
    const struct source_rt *s = &r->w->src[j->source];
    struct store_doc sd = {j->page.uri, s->cfg->name, NULL, NULL, NULL, hash, j->page.len};
    struct err err;
    struct doc d;
    struct page_clock pc = {r, {0, 0}, 0};
    struct page_opts o = {
        .max_bytes = r->w->cfg->max_page_bytes, .ps = r->w->ps, .stop = page_stop, .stop_arg = &pc};
    int counted = 0, store_failed = 0;
    size_t pending = store_pending(r->store);
    char msg[700];

    err_clear(&err);
    int unchanged = j->old_hash != NULL && strcmp(j->old_hash, hash) == 0;
    if (!unchanged && store_seen(r->store, &sd, r->w->ps_id, &unchanged, &err) != 0) {
        store_failed = 1;
        goto failed;
    }
    if (unchanged) {
        pthread_mutex_lock(&r->mu);
        r->pn.docs[STORE_UNCHANGED]++;
        pthread_mutex_unlock(&r->mu);
        metrics_document(r->metrics, "unchanged", 0);
        log_msg(LOG_INFO, "%s: %d unchanged", j->url, j->status);
        return;
    }
    struct timespec t0, t1, t2;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pc.start = t0;
    int got = page_read(&j->page, &o, &d, &err);
    for (size_t i = 0; i < d.nwarnings; i++) {
        page_warning_format(&j->page, &d.warnings[i], msg, sizeof msg);
        log_msg(LOG_WARNING, "%s", msg);
    }
    if (got == -1)
        metrics_failure(r->metrics, "not_a_page");
    if (got != 0) {
        doc_free(&d);
        goto failed;
    }
    const struct extract_stats *st = &d.st;
    sd.title = d.info.title[0] ? d.info.title : NULL;
    sd.published = d.info.published[0] ? d.info.published : NULL;
    sd.charset = d.cs.name;
    if (pc.cancelled) {
        /* A stop: the page is dropped whole and fetched again next run,
         * rather than stored with part of its facts. */
        log_msg(LOG_WARNING, "%s: stopping; the page is not stored (read to byte %zu of %zu)",
                j->url, st->stopped_offset, d.text.len);
        doc_free(&d);
        res->failed = 1;
        res->retry = 1;
        return;
    }
    if (st->stopped) {
        log_msg(LOG_WARNING,
                "%s: extraction stopped after %.0f s at byte %zu of %zu; the %zu facts found "
                "before it are stored",
                j->url, PAGE_SECONDS, st->stopped_offset, d.text.len, d.facts.n);
        metrics_failure(r->metrics, "page_budget");
    }
    struct store_result sr;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    metrics_observe_extract(r->metrics, elapsed(&t0, &t1));
    int put = store_put(r->store, &sd, r->w->ps_id, r->w->ps, d.text.data, &d.facts, &sr, &err);
    clock_gettime(CLOCK_MONOTONIC, &t2);
    metrics_observe_store(r->metrics, elapsed(&t1, &t2));
    if (put != 0) {
        metrics_failure(r->metrics, "store");
        store_failed = 1;
    } else {
        static const char *const what[] = {"new", "changed", "unchanged", "re-extracted"};
        pthread_mutex_lock(&r->mu);
        r->pn.docs[sr.outcome]++;
        r->pn.facts_new += sr.facts_new;
        metrics_document(r->metrics, sr.outcome == STORE_CHANGED ? "changed" : "new", sr.facts_new);
        pthread_mutex_unlock(&r->mu);
        log_msg(LOG_INFO, "%s: %d %s, %zu facts (%zu new)", j->url, j->status, what[sr.outcome],
                d.facts.n, sr.facts_new);
        counted = 1;
    }
    doc_free(&d);
    if (counted)
        return;
failed:
    if (store_failed && pending > 0 && store_pending(r->store) == 0 && r->ngroup > 0) {
        /* SQLite gave the whole transaction up (a full disk): the group's
         * other pages went with this one.  A page that is not a page, or a
         * group of unchanged pages only (nothing pending), loses nothing. */
        group_lost(r);
    }
    err_file(&err, j->url);
    err_format(&err, msg, sizeof msg);
    log_msg(LOG_WARNING, "%s", msg);
    res->failed = 1;
    res->retry = store_failed;
    res->fatal = store_broken(r->store);
    free(j->error);
    j->error = strdup(err.msg);
    pthread_mutex_lock(&r->mu);
    r->n.docs_failed++;
    pthread_mutex_unlock(&r->mu);
    metrics_document(r->metrics, "failed", 0);
}

static void
work(struct run *r, struct job *j, struct result *res)
{
    struct err err;
    char hash[33], msg[700];

    err_clear(&err);
    pthread_mutex_lock(&r->mu);
    int broken = r->broken;
    pthread_mutex_unlock(&r->mu);
    if (broken) {
        /* Nothing more can be stored: the page is fetched again next run. */
        res->failed = 1;
        return;
    }
    if (j->type == JOB_PAGE) {
        const struct config_source *src = r->w->src[j->source].cfg;
        j->page.source = src->name;
        j->page.charset = src->charset;
        if (r->archive != NULL) {
            struct archive_page ap = {j->page, j->request.data, j->request.len, j->ip};
            if (archive_write(r->archive, &ap, &err) != 0) {
                /* Replaying the archive must give the store back, so a page
                 * that cannot be archived is not stored either; its
                 * frontier row is left as it was, to fetch it again. */
                err_format(&err, msg, sizeof msg);
                log_msg(LOG_ERR, "%s; %s not stored, stopping", msg, j->url);
                res->failed = 1;
                res->fatal = 1;
                return;
            }
        }
        page_hash(&j->page, hash);
        res->hash = strdup(hash);
        if (j->kind == FRONTIER_LIST) {
            work_list(r, j, res);
            if (!res->failed)
                log_msg(LOG_INFO, "%s: %d list, %zu new links", j->url, j->status,
                        res->links_added);
        } else {
            work_article(r, j, res, hash);
        }
        if (res->failed) {
            /* The row keeps the validators and hash of the copy stored
             * before, so the next fetch is not answered 304 for a page
             * the store never got. */
            j->state = FRONTIER_FAILED;
            free(res->hash);
            res->hash = NULL;
        } else {
            res->etag = text_dup(j->new_etag, NULL);
            res->last_modified = text_dup(j->new_last_modified, NULL);
            group_add(r, j->e);
        }
    }
    int stored = j->type == JOB_PAGE && !res->failed;
    if (res->retry) {
        /* Kept for another try (the store refused it, or a stop dropped
         * it): a run that ends before that try takes it at once. */
        j->state = FRONTIER_RETRY;
        j->next_fetch = now_unix();
    }
    struct store_url row = {
        .url = j->url,
        .source = r->w->cfg->sources[j->source].name,
        .kind = frontier_kind_names[j->kind],
        .state = frontier_state_names[j->state],
        .etag = stored ? j->new_etag : j->etag,
        .last_modified = stored ? j->new_last_modified : j->last_modified,
        .hash = stored ? res->hash : j->old_hash,
        .error = j->error,
        .status = j->status,
        .failures = j->failures,
        .next_fetch = j->next_fetch,
    };
    if (!res->fatal && store_frontier_put(r->store, &row, 1, &err) != 0) {
        err_format(&err, msg, sizeof msg);
        log_msg(LOG_ERR, "%s; %s is fetched again", msg, j->url);
        res->fatal = store_broken(r->store);
        /* The row still holds the copy before: so must the loop. */
        res->failed = 1;
        res->retry = 1;
        free(res->hash);
        res->hash = NULL;
    }
}

/* The store cannot take more: the loop stops fetching. */
static void
worker_broken(struct run *r)
{
    pthread_mutex_lock(&r->mu);
    r->broken = 1;
    pthread_mutex_unlock(&r->mu);
    ev_async_send(r->loop, &r->wake);
}

/* The pages written in the open group, to fetch again if it is lost. */
static void
group_add(struct run *r, struct frontier_entry *e)
{
    if (r->ngroup == r->capgroup) {
        struct frontier_entry **g = buf_grow_array(r->group, &r->capgroup, sizeof *g, 256);
        if (g == NULL)
            return; /* then that page is not fetched again early: it is only late */
        r->group = g;
    }
    r->group[r->ngroup++] = e;
}

/* The open group ended: its pages' counts go to those stored, or to the
 * failed when it was lost. */
static void
settle_group(struct run *r, int stored)
{
    pthread_mutex_lock(&r->mu);
    for (int k = 0; k < 4; k++) {
        if (stored)
            r->n.docs[k] += r->pn.docs[k];
        else
            r->n.docs_failed += r->pn.docs[k];
        r->pn.docs[k] = 0;
    }
    if (stored)
        r->n.facts_new += r->pn.facts_new;
    r->pn.facts_new = 0;
    pthread_mutex_unlock(&r->mu);
    if (stored)
        r->ngroup = 0;
}

static void
post_result(struct run *r, struct result *res)
{
    pthread_mutex_lock(&r->mu);
    if (r->results_last)
        r->results_last->next = res;
    else
        r->results = res;
    r->results_last = res;
    pthread_mutex_unlock(&r->mu);
    ev_async_send(r->loop, &r->wake);
}

/* The open group is gone (rolled back): its pages are not in the store, so
 * the loop forgets what it was told of them and fetches them again. */
static void
group_lost(struct run *r)
{
    settle_group(r, 0);
    struct result *res = calloc(1, sizeof *res);
    if (res != NULL && r->ngroup > 0) {
        res->reset = r->group; /* handed over */
        res->nreset = r->ngroup;
        r->group = NULL;
        r->capgroup = 0;
        post_result(r, res);
    } else {
        free(res);
    }
    r->ngroup = 0;
}

/* Commit the open group; its pages count as stored only now.  The archive
 * is synced first, so the store never holds a page a crash took from it. */
static void
commit(struct run *r)
{
    struct err err;
    err_clear(&err);
    int archive_bad =
        r->archive != NULL && store_pending(r->store) > 0 && archive_sync(r->archive, &err) != 0;
    int rc = -1;
    if (archive_bad)
        store_rollback(r->store);
    else
        rc = store_commit(r->store, &err);
    if (rc == 0) {
        settle_group(r, 1);
        return;
    }
    char msg[700];
    err_format(&err, msg, sizeof msg);
    log_msg(LOG_ERR, "%s (the group's pages are fetched again)", msg);
    group_lost(r);
    if (store_broken(r->store) || archive_bad)
        worker_broken(r);
}

static void setup_free(struct setup *su);

/* A reload's new setup, from the pages after it on: the old one is the
 * worker's alone by now (the loop moved on when it sent this). */
static void
take_setup(struct run *r, struct setup *su)
{
    struct err err;
    if (store_pattern_set(r->store, su->set_hash, &su->ps_id, &err) != 0) {
        char msg[700];
        err_format(&err, msg, sizeof msg);
        log_msg(LOG_ERR, "%s (the new patterns' facts are recorded under the old set)", msg);
        su->ps_id = r->w->ps_id;
    }
    struct setup *old = r->w;
    r->w = su;
    setup_free(old);
}

static void *
worker_main(void *arg)
{
    struct run *r = arg;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (r->jobs == NULL) {
            /* Idle: commit the open group when it is due rather than keep
             * it from readers until the next page. */
            if (store_due(r->store)) {
                pthread_mutex_unlock(&r->mu);
                commit(r);
                pthread_mutex_lock(&r->mu);
                continue;
            }
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += 100 * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&r->cond, &r->mu, &until);
        }
        struct job *j = r->jobs;
        r->jobs = j->next;
        if (r->jobs == NULL)
            r->jobs_last = NULL;
        pthread_mutex_unlock(&r->mu);
        if (j->type == JOB_STOP) {
            commit(r);
            job_free(j);
            return NULL;
        }
        if (j->type == JOB_SWAP) {
            take_setup(r, j->setup);
            job_free(j);
            pthread_mutex_lock(&r->mu);
            continue;
        }
        struct result *res = j->res;
        j->res = NULL;
        res->e = j->e;
        work(r, j, res);
        int fatal = res->fatal;
        if (fatal)
            worker_broken(r);
        /* The page's result goes first: should the commit below fail, the
         * loop takes the page as stored and then, from the lost group's
         * result after it, undoes that. */
        post_result(r, res);
        if (!fatal && store_due(r->store))
            commit(r);
        job_free(j);
        pthread_mutex_lock(&r->mu);
    }
}

/* ---- the loop ---- */

static void schedule(struct run *r);
static void maybe_finish(struct run *r);

/* Backoff before attempt n+1 after n failures: doubling, with jitter so many
 * pages that failed together do not come back together. */
static double
backoff(int failures, long retry_after)
{
    double d = BACKOFF_BASE * ldexp(1.0, failures - 1);
    unsigned short rnd = 0;
    if (getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) != sizeof rnd)
        rnd = 32768;
    d *= 0.75 + 0.5 * rnd / 65535.0;
    if (retry_after >= 0 && (double)retry_after > d)
        d = (double)retry_after;
    return d < BACKOFF_MAX ? d : BACKOFF_MAX;
}

static struct job *
row_job(struct frontier_entry *e, enum job_type type)
{
    struct job *j = calloc(1, sizeof *j);
    if (j == NULL || (j->res = calloc(1, sizeof *j->res)) == NULL) {
        free(j);
        return NULL;
    }
    j->type = type;
    j->e = e;
    j->url = text_dup(e->url, NULL);
    j->source = e->source;
    j->kind = e->kind;
    j->etag = text_dup(e->etag, NULL);
    j->last_modified = text_dup(e->last_modified, NULL);
    j->old_hash = text_dup(e->hash, NULL);
    j->state = e->state;
    j->status = e->status;
    j->failures = e->failures;
    j->next_fetch = e->next_fetch;
    return j;
}

#define HOST_WARNINGS_PER_MINUTE 20

static void
host_log_flush(struct host_log *h)
{
    if (h->held > 0)
        log_msg(LOG_WARNING, "%s: %u more warnings in the last minute not logged", h->host,
                h->held);
    h->held = 0;
}

/* A fetch warning about url; a host that is down fails every page, so past
 * HOST_WARNINGS_PER_MINUTE a minute the rest are counted, and the count
 * logged when the minute is over. */
static void warn_url(struct run *r, const char *url, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
warn_url(struct run *r, const char *url, const char *fmt, ...)
{
    char host[256] = "", msg[1200];
    const char *p = strstr(url, "://");
    if (p != NULL) {
        p += 3;
        size_t n = strcspn(p, "/?#");
        snprintf(host, sizeof host, "%.*s", (int)n, p);
    }
    double now = now_unix();
    struct host_log *h = NULL;
    for (size_t i = 0; i < r->nhosts && h == NULL; i++)
        if (strcmp(r->hosts[i].host, host) == 0)
            h = &r->hosts[i];
    if (h == NULL) {
        struct host_log *v = realloc(r->hosts, (r->nhosts + 1) * sizeof *v);
        if (v != NULL) {
            r->hosts = v;
            h = &v[r->nhosts++];
            memset(h, 0, sizeof *h);
            snprintf(h->host, sizeof h->host, "%s", host);
            h->window = now;
        }
    }
    if (h != NULL && now - h->window >= 60) {
        host_log_flush(h);
        h->window = now;
        h->logged = 0;
    }
    if (h != NULL && h->logged >= HOST_WARNINGS_PER_MINUTE) {
        h->held++;
        return;
    }
    if (h != NULL)
        h->logged++;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_msg(LOG_WARNING, "%s: %s", url, msg);
}

/* Counts held back are logged once their minute is over, even when no
 * further warning comes to roll the window. */
static void
hosts_tick(struct run *r)
{
    double now = now_unix();
    for (size_t i = 0; i < r->nhosts; i++)
        if (r->hosts[i].held > 0 && now - r->hosts[i].window >= 60) {
            host_log_flush(&r->hosts[i]);
            r->hosts[i].window = now;
            r->hosts[i].logged = 0;
        }
}

static void
fetch_done(void *arg, struct fetch_result *fr, void *udata)
{
    struct run *r = arg;
    struct frontier_entry *e = udata;
    if (e->source < 0) {
        /* Its source was dropped by a reload while it was fetched; its
         * place in the backlog is free for others. */
        e->in_flight = 0;
        schedule(r);
        maybe_finish(r);
        return;
    }
    double now = now_unix(), interval = (double)r->cur->cfg->sources[e->source].interval_s;
    int retry = 0, page = 0;
    char why[600] = "";

    r->n.requests++;
    e->status = fr->status;
    metrics_response(r->metrics, fr->error == FETCH_OK ? fr->status : 0, fr->body.len);
    if (fr->error != FETCH_OK)
        metrics_failure(r->metrics, fetch_error_name(fr->error));
    else if (fr->status == 404 || fr->status == 410)
        metrics_failure(r->metrics, "gone");
    else if (fr->status >= 500 || fr->status == 429)
        metrics_failure(r->metrics, "http_5xx");
    else if (fr->status >= 400)
        metrics_failure(r->metrics, "http_4xx");
    if (fr->error == FETCH_OK && fr->status == 200) {
        page = 1;
    } else if (fr->error == FETCH_OK && fr->status == 304) {
        r->n.not_modified++;
        log_msg(LOG_INFO, "%s: 304 not modified", e->url);
    } else if (fr->error == FETCH_OK && (fr->status == 404 || fr->status == 410)) {
        r->n.gone++;
        frontier_set_state(r->fr, e, FRONTIER_GONE);
        snprintf(why, sizeof why, "HTTP %d", fr->status);
        warn_url(r, e->url, "%d, not fetched again", fr->status);
    } else if (fr->error == FETCH_OK) {
        snprintf(why, sizeof why, "HTTP %d", fr->status);
        retry = fr->status == 429 || fr->status >= 500;
    } else {
        snprintf(why, sizeof why, "%s: %s", fetch_error_name(fr->error), fr->why);
        retry = fr->error == FETCH_TIMEOUT || fr->error == FETCH_NETWORK;
    }
    if (page || (fr->error == FETCH_OK && fr->status == 304)) {
        frontier_set_state(r->fr, e, FRONTIER_OK);
        e->failures = 0;
        e->next_fetch = now + interval;
        /* A 304 may bring new validators for the same content; a 200's
         * count only once the worker has stored the page. */
        if (!page && (fr->etag || fr->last_modified)) {
            replace(&e->etag, fr->etag);
            replace(&e->last_modified, fr->last_modified);
        }
    } else if (e->state != FRONTIER_GONE) {
        e->failures++;
        if (retry && e->failures < MAX_ATTEMPTS) {
            double d = backoff(e->failures, fr->retry_after);
            frontier_set_state(r->fr, e, FRONTIER_RETRY);
            e->next_fetch = now + d;
            r->n.retried++;
            log_msg(LOG_INFO, "%s: %s; attempt %d of %d, next in %.1f s", e->url, why, e->failures,
                    MAX_ATTEMPTS, d);
        } else {
            frontier_set_state(r->fr, e, FRONTIER_FAILED);
            e->next_fetch = now + interval;
            r->n.failed++;
            if (retry)
                warn_url(r, e->url, "%s; gave up after %d attempts", why, e->failures);
            else
                warn_url(r, e->url, "%s", why);
            e->failures = 0;
        }
    }
    struct job *j = row_job(e, page ? JOB_PAGE : JOB_ROW);
    if (j == NULL) {
        log_msg(LOG_ERR, "%s: out of memory", e->url);
        e->in_flight = 0;
        schedule(r);
        maybe_finish(r);
        return;
    }
    if (why[0])
        j->error = strdup(why);
    if (page) {
        r->n.ok++;
        r->n.bytes += fr->body.len;
        j->body = fr->body; /* taken; released to fetch when its result is back */
        j->res->bytes = fr->body.len;
        fr->body.data = NULL;
        fr->body.len = 0;
        j->head = fr->head;
        fr->head.data = NULL;
        j->request = fr->request;
        fr->request.data = NULL;
        j->new_etag = text_dup(fr->etag, NULL);
        j->new_last_modified = text_dup(fr->last_modified, NULL);
        j->effective_url = text_dup(fr->effective_url, NULL);
        j->content_type = text_dup(fr->content_type, NULL);
        j->ip = text_dup(fr->ip, NULL);
        j->page = (struct page){.uri = j->effective_url,
                                .body = j->body.data,
                                .len = j->body.len,
                                .head = j->head.data,
                                .head_len = j->head.len,
                                .content_type = j->content_type,
                                .when = time(NULL),
                                .html = -1};
    }
    push_job(r, j);
}

/* Pages in hand at once: fetching, waiting for their host, or with the
 * worker.  Beyond it nothing new starts until the worker catches up, so a
 * fast network and a slow disk do not pile bodies up in memory. */
static size_t
backlog_max(const struct run *r)
{
    return 2 * (size_t)r->cur->cfg->max_connections + 16;
}

/* Start every due entry the backlog allows; arm the timer for the next. */
static void
schedule(struct run *r)
{
    if (r->stopping)
        return;
    double now = now_unix();
    struct frontier_entry *next;
    while ((next = frontier_next(r->fr)) != NULL && next->next_fetch <= now &&
           fetch_running(r->fetch) + fetch_waiting(r->fetch) + r->outstanding < backlog_max(r)) {
        struct frontier_entry *e = frontier_pop(r->fr);
        struct err err;
        if (fetch_get(r->fetch, e->url, e->etag, e->last_modified, e, &err) != 0) {
            char msg[700];
            err_format(&err, msg, sizeof msg);
            log_msg(LOG_WARNING, "%s", msg);
            frontier_set_state(r->fr, e, FRONTIER_FAILED);
        } else {
            e->in_flight = 1;
        }
    }
    ev_timer_stop(r->loop, &r->due_timer);
    /* When the backlog is full, the next result calls again. */
    if ((next = frontier_next(r->fr)) != NULL && next->next_fetch > now) {
        ev_timer_set(&r->due_timer, next->next_fetch - now, 0.);
        ev_timer_start(r->loop, &r->due_timer);
    }
}

static void
finish_loop(struct run *r)
{
    ev_timer_stop(r->loop, &r->due_timer);
    ev_timer_stop(r->loop, &r->lag_timer);
    ev_timer_stop(r->loop, &r->stop_timer);
    ev_break(r->loop, EVBREAK_ALL);
}

/* --once is done when nothing runs, nothing waits with the worker, and
 * nothing is due before ONCE_RETRY_WAIT; a stop when nothing runs. */
static void
maybe_finish(struct run *r)
{
    if (fetch_running(r->fetch) > 0 || r->outstanding > 0)
        return;
    if (r->stopping) {
        finish_loop(r);
        return;
    }
    struct frontier_entry *next = frontier_next(r->fr);
    if (r->once && fetch_waiting(r->fetch) == 0 &&
        (next == NULL || next->next_fetch > now_unix() + ONCE_RETRY_WAIT))
        finish_loop(r);
}

/* A page the store could not take (busy past its timeout, a lost group):
 * fetched again soon, with backoff, up to MAX_ATTEMPTS times; then it
 * counts as not stored, and --once exits 1.  Not scheduled here. */
static void
store_again(struct run *r, struct frontier_entry *e)
{
    if (++e->unstored < MAX_ATTEMPTS) {
        frontier_set_state(r->fr, e, FRONTIER_RETRY);
        e->next_fetch = now_unix() + backoff(e->unstored, -1);
        return;
    }
    warn_url(r, e->url, "the store did not take it after %d attempts; fetched again in %ld s",
             e->unstored, r->cur->cfg->sources[e->source].interval_s);
    frontier_set_state(r->fr, e, FRONTIER_FAILED);
    e->next_fetch = now_unix() + (double)r->cur->cfg->sources[e->source].interval_s;
}

/* A group the worker could not commit: what the loop was told of its pages
 * is undone, and they are fetched again, in full, soon. */
static void
forget_group(struct run *r, struct result *res)
{
    log_msg(LOG_WARNING, "a group of %zu pages was not committed; they are fetched again in full",
            res->nreset);
    for (size_t i = 0; i < res->nreset; i++) {
        struct frontier_entry *e = res->reset[i];
        replace(&e->etag, NULL);
        replace(&e->last_modified, NULL);
        replace(&e->hash, NULL);
        if (e->in_flight || e->source < 0)
            continue;
        frontier_unschedule(r->fr, e);
        store_again(r, e);
        if (e->state != FRONTIER_GONE && !(r->once && e->state != FRONTIER_RETRY))
            frontier_schedule(r->fr, e);
    }
}

static void
take_result(struct run *r, struct result *res)
{
    struct frontier_entry *e = res->e;
    r->outstanding--;
    fetch_release(r->fetch, res->bytes);
    if (res->hash != NULL) {
        replace(&e->hash, res->hash);
        replace(&e->etag, res->etag);
        replace(&e->last_modified, res->last_modified);
        e->unstored = 0;
    }
    if (res->retry && e->source >= 0)
        store_again(r, e);
    else if (res->failed)
        frontier_set_state(r->fr, e, FRONTIER_FAILED);
    for (size_t i = 0; i < res->nlinks && e->source >= 0; i++) {
        struct frontier_entry *n = frontier_find(r->fr, res->links[i]);
        if (n == NULL) {
            n = frontier_add(r->fr, res->links[i], e->source, res->link_kinds[i]);
            if (n == NULL)
                continue;
            n->next_fetch = now_unix();
            r->n.links_new++;
        } else if (n->source < 0 && !n->in_flight) {
            /* Known to the store under a source no longer configured (a
             * renamed one): this source takes it over, in its old state. */
            n->source = e->source;
            n->kind = res->link_kinds[i];
        } else {
            continue;
        }
        if (!(r->once && n->next_fetch > now_unix() && n->state != FRONTIER_RETRY &&
              n->state != FRONTIER_NEW))
            frontier_schedule(r->fr, n);
    }
    e->in_flight = 0;
    /* Back in the schedule, unless --once is done with it. */
    if (e->state != FRONTIER_GONE && e->source >= 0 && !(r->once && e->state != FRONTIER_RETRY))
        frontier_schedule(r->fr, e);
}

static void
take_results(struct ev_loop *loop, ev_async *w, int revents)
{
    struct run *r = w->data;
    (void)loop;
    (void)revents;
    pthread_mutex_lock(&r->mu);
    struct result *res = r->results;
    r->results = r->results_last = NULL;
    pthread_mutex_unlock(&r->mu);
    while (res != NULL) {
        struct result *next = res->next;
        if (res->e == NULL)
            forget_group(r, res);
        else
            take_result(r, res);
        result_free(res);
        res = next;
    }
    pthread_mutex_lock(&r->mu);
    int broken = r->broken;
    pthread_mutex_unlock(&r->mu);
    if (broken && !r->stopping) {
        log_msg(LOG_ERR, "the store or the archive cannot take more pages; stopping");
        sd_notify(0, "STOPPING=1\nSTATUS=stopping: the store or the archive failed");
        r->status = 1;
        r->stopping = 1;
        fetch_hold(r->fetch);
    }
    schedule(r);
    maybe_finish(r);
}

static void
due_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct run *r = w->data;
    (void)loop;
    (void)revents;
    schedule(r);
    maybe_finish(r);
}

/* How late a 100 ms tick runs is how long the loop was kept from the
 * network: the figure README.md gives. */
static void
lag_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct run *r = w->data;
    (void)revents;
    ev_tstamp now = ev_time(), late = now - r->lag_expected;
    if (late > r->lag_max)
        r->lag_max = late;
    r->lag_expected = now + 0.1;
    (void)loop;
    maybe_finish(r);
}

static void
stop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct run *r = w->data;
    (void)loop;
    (void)revents;
    /* Transfers that did not finish are dropped (their pages are fetched
     * again next run); the pages already fetched are still stored, but a
     * page the worker is still reading after the grace is dropped too. */
    log_msg(LOG_WARNING, "%zu transfers still running after %.0f s; giving them up",
            fetch_running(r->fetch) + fetch_waiting(r->fetch), STOP_GRACE);
    fetch_abort(r->fetch);
    __atomic_store_n(&r->cancel, 1, __ATOMIC_RELAXED);
    maybe_finish(r);
}

/* ---- systemd ---- */

/* sd_notify() does nothing when NOTIFY_SOCKET is unset (not under systemd). */
static void
notify_status(struct run *r)
{
    pthread_mutex_lock(&r->mu);
    size_t stored = r->n.docs[STORE_NEW] + r->n.docs[STORE_CHANGED], facts = r->n.facts_new;
    pthread_mutex_unlock(&r->mu);
    sd_notifyf(0,
               "STATUS=%zu pages fetched (%zu stored, %zu failed), %zu facts new; "
               "%zu URLs known, %zu transfers, %zu pages with the worker",
               r->n.requests, stored, r->n.failed, facts, frontier_count(r->fr),
               fetch_running(r->fetch) + fetch_waiting(r->fetch), r->outstanding);
}

static void
status_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct run *r = w->data;
    metrics_set_frontier(r->metrics, frontier_count(r->fr), frontier_due(r->fr, now_unix()),
                         fetch_running(r->fetch) + fetch_waiting(r->fetch) + r->outstanding);
    hosts_tick(r);
    notify_status(r);
}

/* WATCHDOG=1 comes from the loop itself, so a loop that is stuck (not just
 * a busy worker) stops it and systemd restarts the service. */
static void
watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    (void)w;
    sd_notify(0, "WATCHDOG=1");
}

static void
stop(struct run *r, int signum)
{
    log_msg(LOG_INFO, "signal %d: finishing %zu transfers, then stopping", signum,
            fetch_running(r->fetch));
    sd_notify(0, "STOPPING=1");
    r->stopping = 1;
    fetch_hold(r->fetch);
    ev_timer_stop(r->loop, &r->due_timer);
    ev_timer_set(&r->stop_timer, STOP_GRACE, 0.);
    ev_timer_start(r->loop, &r->stop_timer);
    maybe_finish(r);
}

/* ---- setting up ---- */

static void
config_report(void *arg, const struct err *e)
{
    char msg[700];
    (void)arg;
    err_format(e, msg, sizeof msg);
    log_msg(LOG_ERR, "%s", msg);
}

static void
setup_free(struct setup *su)
{
    if (su == NULL)
        return;
    for (size_t i = 0; su->src != NULL && i < su->cfg->nsources; i++) {
        pcre2_code_free(su->src[i].link_re);
        pcre2_code_free(su->src[i].next_re);
        free(su->src[i].starts);
    }
    free(su->src);
    patternset_free(su->ps);
    config_free(su->cfg);
    free(su);
}

/* Read the configuration file and the patterns it names, and compile the
 * sources' link patterns: all of it, or NULL with every error logged. */
static struct setup *
setup_load(const char *file)
{
    struct setup *su = calloc(1, sizeof *su);
    struct err err;
    if (su == NULL ||
        (su->cfg = config_load(file, input_patterns_dir(), config_report, NULL)) == NULL) {
        if (su != NULL)
            log_msg(LOG_ERR, "%s: not loaded", file);
        free(su);
        return NULL;
    }
    if ((su->ps = patternset_load(su->cfg->patterns_dir, &err)) == NULL) {
        config_report(NULL, &err);
        setup_free(su);
        return NULL;
    }
    input_set_hash(su->ps, 0, NULL, su->set_hash);
    su->src = calloc(su->cfg->nsources ? su->cfg->nsources : 1, sizeof *su->src);
    if (su->src == NULL)
        goto nomem;
    for (size_t i = 0; i < su->cfg->nsources; i++) {
        const struct config_source *s = &su->cfg->sources[i];
        int ec;
        PCRE2_SIZE eo;
        su->src[i].cfg = s;
        su->src[i].link_re = pcre2_compile((PCRE2_SPTR)s->link_pattern, PCRE2_ZERO_TERMINATED,
                                           PCRE2_UTF, &ec, &eo, NULL);
        if (s->next_pattern)
            su->src[i].next_re = pcre2_compile((PCRE2_SPTR)s->next_pattern, PCRE2_ZERO_TERMINATED,
                                               PCRE2_UTF, &ec, &eo, NULL);
        /* config.c compiled them already: a failure here is memory. */
        if (su->src[i].link_re == NULL || (s->next_pattern && su->src[i].next_re == NULL))
            goto nomem;
        if ((su->src[i].starts = calloc(s->nstart_urls + 1, sizeof *su->src[i].starts)) == NULL)
            goto nomem;
        for (size_t k = 0; k < s->nstart_urls; k++) {
            struct start_host *h = &su->src[i].starts[su->src[i].nstarts];
            if (fetch_url_host_port(s->start_urls[k], h->host, sizeof h->host, &h->port,
                                    &h->dflt) == 0)
                su->src[i].nstarts++;
        }
    }
    return su;
nomem:
    log_msg(LOG_ERR, "%s: out of memory", file);
    setup_free(su);
    return NULL;
}

/*
 * A URL the store has under a source no longer configured (renamed,
 * removed, or not yet reloaded) goes to the first source whose patterns
 * and hosts take it, keeping its state and validators: renaming a source
 * does not make it fetch everything again.
 */
static void
adopt(struct run *r, struct frontier_entry *e, pcre2_match_data *md)
{
    for (size_t i = 0; i < r->cur->cfg->nsources; i++) {
        const struct source_rt *s = &r->cur->src[i];
        int article = re_match(s->link_re, e->url, md);
        if ((article || re_match(s->next_re, e->url, md)) && url_allowed(s, e->url)) {
            e->source = (int)i;
            e->kind = article ? FRONTIER_ARTICLE : FRONTIER_LIST;
            return;
        }
    }
}

/* Each source's start URLs are list pages, due now under --once. */
static int
seed(struct run *r, int first)
{
    double now = now_unix();
    for (size_t i = 0; i < r->cur->cfg->nsources; i++) {
        const struct config_source *s = &r->cur->cfg->sources[i];
        for (size_t k = 0; k < s->nstart_urls; k++) {
            struct frontier_entry *e = frontier_find(r->fr, s->start_urls[k]);
            if (e == NULL) {
                if ((e = frontier_add(r->fr, s->start_urls[k], (int)i, FRONTIER_LIST)) == NULL)
                    return -1;
                e->next_fetch = now;
            }
            e->kind = FRONTIER_LIST;
            e->source = (int)i;
            /* The heap's key changes: out of it first. */
            frontier_unschedule(r->fr, e);
            if ((r->once && first) || e->state == FRONTIER_GONE)
                e->next_fetch = now;
            if (e->state == FRONTIER_GONE)
                frontier_set_state(
                    r->fr, e, FRONTIER_NEW); /* a start URL the operator names is always tried */
        }
    }
    size_t pos = 0;
    struct frontier_entry *e;
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    while ((e = frontier_each(r->fr, &pos)) != NULL) {
        if (e->source < 0 && !e->in_flight && md != NULL)
            adopt(r, e, md);
        if (e->state == FRONTIER_GONE || e->source < 0 || e->in_flight)
            continue;
        /* One pass takes what is due now, and what is due again soon
         * because it failed; a daemon takes everything, each in its time. */
        if (r->once && e->next_fetch > now && e->state != FRONTIER_RETRY)
            continue;
        if (frontier_schedule(r->fr, e) != 0) {
            pcre2_match_data_free(md);
            return -1;
        }
    }
    pcre2_match_data_free(md);
    return 0;
}

static struct fetch_opts
fetch_opts_of(const struct config *c)
{
    struct fetch_opts fo = {
        .max_connections = c->max_connections,
        .max_host_connections = c->max_host_connections,
        .host_delay = c->host_delay,
        .timeout = c->timeout,
        .connect_timeout = c->connect_timeout,
        .max_bytes = c->max_page_bytes,
        .max_in_hand = c->max_page_bytes * 2 > IN_HAND_MIN ? c->max_page_bytes * 2 : IN_HAND_MIN,
        .user_agent = c->user_agent,
    };
    return fo;
}

/* fetch asks before each redirect: the hop must stay on the source's hosts
 * (and ports), as links must. */
static int
fetch_allow(void *arg, const char *url, void *udata)
{
    struct run *r = arg;
    const struct frontier_entry *e = udata;
    return e->source >= 0 && url_allowed(&r->cur->src[e->source], url);
}

/*
 * SIGHUP: build the new setup whole, then swap.  A file that does not load
 * leaves the running one as it is.  The store and the archive stay open:
 * a new db or archive_dir takes a restart, and says so.
 */
static void
reload(struct run *r)
{
    struct timespec mono;
    clock_gettime(CLOCK_MONOTONIC, &mono);
    sd_notifyf(0, "RELOADING=1\nSTATUS=reloading %s\nMONOTONIC_USEC=%llu", r->file,
               (unsigned long long)mono.tv_sec * 1000000ULL +
                   (unsigned long long)mono.tv_nsec / 1000ULL);
    struct setup *su = setup_load(r->file);
    struct job *j = su ? calloc(1, sizeof *j) : NULL;
    struct fetch_opts fo;
    if (su != NULL)
        fo = fetch_opts_of(su->cfg);
    if (j == NULL || fetch_set_opts(r->fetch, &fo) != 0) {
        log_msg(LOG_ERR,
                "%s: reload failed; still running with the configuration and patterns "
                "loaded before",
                r->file);
        setup_free(su);
        free(j);
        sd_notify(0, "READY=1");
        notify_status(r);
        return;
    }
    for (int k = 0; k < 3; k++) {
        static const char *const keys[] = {"db", "archive_dir", "metrics_listen"};
        const char *key = keys[k];
        const char *was = k == 0   ? r->cur->cfg->db
                          : k == 1 ? r->cur->cfg->archive_dir
                                   : r->cur->cfg->metrics_listen;
        const char *now = k == 0   ? su->cfg->db
                          : k == 1 ? su->cfg->archive_dir
                                   : su->cfg->metrics_listen;
        if (strcmp(was, now) != 0)
            log_msg(LOG_WARNING, "%s: %s changed to %s: that takes a restart; still using %s",
                    r->file, key, now, was);
    }
    /* Entries follow their source by name; those of a source no longer
     * configured leave the schedule (their rows stay in the store). */
    struct setup *old = r->cur;
    r->cur = su;
    size_t pos = 0;
    struct frontier_entry *e;
    while ((e = frontier_each(r->fr, &pos)) != NULL) {
        if (e->source < 0)
            continue;
        e->source = source_index(r, old->cfg->sources[e->source].name);
        if (e->source < 0)
            frontier_unschedule(r->fr, e);
    }
    if (!r->verbose)
        log_set_level((enum log_level)log_level_from_name(su->cfg->log_level));
    j->type = JOB_SWAP;
    j->setup = su;
    push_job(r, j);
    if (seed(r, 0) != 0)
        log_msg(LOG_ERR, "out of memory adding the new start URLs");
    log_msg(LOG_INFO, "%s: reloaded: %zu sources, %zu patterns", r->file, su->cfg->nsources,
            patternset_count(su->ps));
    sd_notify(0, "READY=1");
    notify_status(r);
    schedule(r);
}

static void
signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    struct run *r = w->data;
    (void)loop;
    (void)revents;
    if (w->signum == SIGHUP) {
        if (!r->stopping)
            reload(r);
        return;
    }
    if (r->stopping) {
        /* Whatever the worker is doing: the page it reads is dropped, the
         * pages waiting for it too, and what was stored is committed. */
        log_msg(LOG_WARNING, "second signal: stopping now");
        __atomic_store_n(&r->cancel, 1, __ATOMIC_RELAXED);
        fetch_abort(r->fetch);
        finish_loop(r);
        return;
    }
    stop(r, w->signum);
}

static void
usage(FILE *f)
{
    fputs("usage: factd run -c FILE [--once] [-v]\n"
          "\n"
          "Follow the sources of the configuration FILE: fetch their list pages and\n"
          "the articles they link, politely, and keep the store (db) current.\n"
          "Runs until SIGTERM or SIGINT; SIGHUP reads FILE and the patterns again.\n"
          "--once makes one pass over every source, waits for it to finish, prints\n"
          "a summary and exits.\n"
          "\n"
          "  -c, --config FILE  the configuration (factd check -c FILE checks it)\n"
          "      --once         one pass, then exit\n"
          "  -v, --verbose      log at debug level whatever log_level says\n"
          "\n"
          "Exit status: 0 when the pass completed or a signal stopped it (pages that\n"
          "failed to fetch are counted), 1 when the store or the archive failed or,\n"
          "with --once, a page fetched could not be stored, 2 for usage,\n"
          "configuration and pattern errors.\n",
          f);
}

static void
summary(struct run *r)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    double el = elapsed(&r->start, &t);
    printf("requests: %zu (%zu ok, %zu not modified, %zu gone, %zu failed, %zu retries); "
           "%.2f MB\n"
           "documents: %zu new, %zu changed, %zu unchanged, %zu failed; facts: %zu new; "
           "links: %zu new\n"
           "%.2f s; the loop waited at most %.1f ms\n",
           r->n.requests, r->n.ok, r->n.not_modified, r->n.gone, r->n.failed, r->n.retried,
           (double)r->n.bytes / 1e6, r->n.docs[STORE_NEW], r->n.docs[STORE_CHANGED],
           r->n.docs[STORE_UNCHANGED], r->n.docs_failed, r->n.facts_new, r->n.links_new, el,
           r->lag_max * 1000);
    fflush(stdout);
}

static void
cleanup(struct run *r)
{
    /* Pages not yet stored are dropped: their frontier rows are unchanged,
     * so the next run fetches them again.  Reloads not yet taken by the
     * worker go with them: the last one's setup is cur, freed below. */
    pthread_mutex_lock(&r->mu);
    while (r->jobs != NULL) {
        struct job *j = r->jobs;
        r->jobs = j->next;
        if (j->type == JOB_SWAP && j->setup != r->cur)
            setup_free(j->setup);
        job_free(j);
    }
    r->jobs_last = NULL;
    pthread_mutex_unlock(&r->mu);
    if (r->worker_started) {
        struct job *stop_job = calloc(1, sizeof *stop_job);
        if (stop_job != NULL) {
            stop_job->type = JOB_STOP;
            push_job(r, stop_job);
        }
        pthread_join(r->worker, NULL);
    }
    while (r->results != NULL) {
        struct result *res = r->results;
        r->results = res->next;
        result_free(res);
    }
    free(r->group);
    fetch_free(r->fetch);
    metrics_free(r->metrics);
    if (r->loop != NULL)
        ev_loop_destroy(r->loop);
    frontier_free(r->fr);
    for (size_t i = 0; i < r->nhosts; i++)
        host_log_flush(&r->hosts[i]);
    free(r->hosts);
    if (r->w != r->cur)
        setup_free(r->w);
    setup_free(r->cur);
    archive_close(r->archive);
    store_close(r->store);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cond);
}

static void
watch_signal(struct run *r, ev_signal *w, int signum)
{
    ev_signal_init(w, signal_cb, signum);
    w->data = r;
    ev_signal_start(r->loop, w);
}

int
run_cmd(int argc, char **argv)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"once", no_argument, NULL, 'o'},
                                             {"verbose", no_argument, NULL, 'v'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    struct run r;
    int c, verbose = 0;
    struct err err;

    memset(&r, 0, sizeof r);
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.cond, NULL);
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            r.file = optarg;
            break;
        case 'o':
            r.once = 1;
            break;
        case 'v':
            verbose = r.verbose = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (r.file == NULL || optind != argc) {
        usage(stderr);
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &r.start);
    /* main() keeps freed memory up to 32 MB a buffer for the next page, which
     * suits extract and replay; the daemon holds pages in two threads (two
     * malloc arenas) and its memory is bounded in bytes: a buffer of a
     * megabyte or more goes back to the kernel when freed. */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    mallopt(M_TRIM_THRESHOLD, 4 << 20);
    log_init(verbose ? LOG_DEBUG : LOG_INFO);
    if ((r.cur = r.w = setup_load(r.file)) == NULL) {
        cleanup(&r);
        return 2;
    }
    if (!verbose)
        log_set_level((enum log_level)log_level_from_name(r.cur->cfg->log_level));
    const struct config *cfg = r.cur->cfg;
    if ((r.store = store_open(cfg->db, cfg->busy_timeout_ms, &err)) == NULL ||
        store_pattern_set(r.store, r.cur->set_hash, &r.cur->ps_id, &err) != 0 ||
        store_commit(r.store, &err) != 0 ||
        (r.archive = archive_open(cfg->archive_dir, ARCHIVE_ROTATE, &err)) == NULL) {
        config_report(NULL, &err);
        cleanup(&r);
        return 2;
    }
    /* Groups of up to 200 pages or half a second (store.c says why): pages
     * come at the network's pace, and analysts see them soon. */
    store_set_batch(r.store, 200, 500);
    r.fr = frontier_new();
    if (r.fr == NULL || store_frontier_load(r.store, load_row, &r, &err) != 0) {
        if (r.fr == NULL)
            err_set(&err, "out of memory");
        config_report(NULL, &err);
        cleanup(&r);
        return 2;
    }
    r.loop = ev_loop_new(EVFLAG_AUTO);
    struct fetch_opts fo = fetch_opts_of(cfg);
    if (r.loop == NULL ||
        (r.fetch = fetch_new(r.loop, &fo, fetch_done, fetch_allow, &r, &err)) == NULL ||
        seed(&r, 1) != 0) {
        log_msg(LOG_ERR, "%s", r.loop == NULL ? "cannot make an event loop" : err.msg);
        cleanup(&r);
        return 2;
    }
    if ((r.metrics = metrics_new()) == NULL ||
        (cfg->metrics_listen[0] != '\0' &&
         metrics_listen(r.metrics, r.loop, cfg->metrics_listen, &err) != 0)) {
        if (r.metrics == NULL)
            err_set(&err, "out of memory");
        config_report(NULL, &err);
        cleanup(&r);
        return 2;
    }
    ev_init(&r.due_timer, due_cb);
    r.due_timer.data = &r;
    ev_init(&r.stop_timer, stop_cb);
    r.stop_timer.data = &r;
    ev_timer_init(&r.lag_timer, lag_cb, 0.1, 0.1);
    r.lag_timer.data = &r;
    r.lag_expected = ev_time() + 0.1;
    ev_timer_start(r.loop, &r.lag_timer);
    ev_timer_init(&r.status_timer, status_cb, 5., 5.);
    r.status_timer.data = &r;
    ev_timer_start(r.loop, &r.status_timer);
    uint64_t wd_usec = 0;
    if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0) {
        double every = (double)wd_usec / 2e6;
        ev_timer_init(&r.watchdog_timer, watchdog_cb, every, every);
        ev_timer_start(r.loop, &r.watchdog_timer);
    }
    ev_async_init(&r.wake, take_results);
    r.wake.data = &r;
    ev_async_start(r.loop, &r.wake);
    watch_signal(&r, &r.sigterm, SIGTERM);
    watch_signal(&r, &r.sigint, SIGINT);
    watch_signal(&r, &r.sighup, SIGHUP);
    if (pthread_create(&r.worker, NULL, worker_main, &r) != 0) {
        log_msg(LOG_ERR, "cannot start the worker thread");
        cleanup(&r);
        return 2;
    }
    r.worker_started = 1;
    log_msg(LOG_INFO, "%s: %zu sources, %zu URLs known; store %s", r.file, cfg->nsources,
            frontier_count(r.fr), cfg->db);
    sd_notify(0, "READY=1");
    notify_status(&r);
    schedule(&r);
    ev_run(r.loop, 0);
    /* The loop no longer watches signals; while the worker finishes, a
     * second SIGTERM or SIGINT ends the process at once (the store stays
     * consistent: whole pages only). */
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    int status = r.status;
    size_t pos = 0, unstored = 0;
    for (struct frontier_entry *e; (e = frontier_each(r.fr, &pos)) != NULL;)
        unstored += e->unstored > 0;
    if (unstored > 0) {
        /* Not lost: their rows in the store still hold the copy before (or
         * none), so the next run fetches them in full. */
        log_msg(LOG_ERR,
                "%zu pages fetched in this run could not be stored; the next run fetches "
                "them again",
                unstored);
        if (r.once && status == 0)
            status = 1;
    }
    cleanup(&r);
    if (r.broken) /* the last commit, after the loop, failed too */
        status = 1;
    summary(&r);
    return status;
}
