/*
 * crawl_loop: the loop thread of "factd run" (crawl.h has the picture): the
 * frontier loaded from the store and seeded with the start URLs, the
 * schedule, fetch's results, the worker's results, the timers, what systemd
 * is told, and a reload.
 */
#include "crawl.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "clock.h"
#include "log.h"
#include "patternset.h"

static void
replace(char **dst, const char *s)
{
    free(*dst);
    *dst = text_dup(s, NULL);
}

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

#define HOST_WARNINGS_PER_MINUTE 20

void
loop_host_log_flush(struct host_log *h)
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
    ON_LOOP(r);
    if (p != NULL) {
        p += 3;
        size_t n = strcspn(p, "/?#");
        snprintf(host, sizeof host, "%.*s", (int)n, p);
    }
    double now = clock_now();
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
        loop_host_log_flush(h);
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
    double now = clock_now();
    for (size_t i = 0; i < r->nhosts; i++)
        if (r->hosts[i].held > 0 && now - r->hosts[i].window >= 60) {
            loop_host_log_flush(&r->hosts[i]);
            r->hosts[i].window = now;
            r->hosts[i].logged = 0;
        }
}

void
loop_fetch_done(void *arg, struct fetch_result *fr, void *udata)
{
    struct run *r = arg;
    struct frontier_entry *e = udata;
    ON_LOOP(r);
    if (e->source < 0) {
        /* Its source was dropped by a reload while it was fetched; its
         * place in the backlog is free for others. */
        frontier_set_in_flight(r->fr, e, 0);
        loop_schedule(r);
        loop_maybe_finish(r);
        return;
    }
    double now = clock_now(), interval = (double)r->cur->cfg->sources[e->source].interval_s;
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
    struct job *j = job_new(e, page ? JOB_PAGE : JOB_ROW);
    if (j == NULL) {
        log_msg(LOG_ERR, "%s: out of memory", e->url);
        frontier_set_in_flight(r->fr, e, 0);
        loop_schedule(r);
        loop_maybe_finish(r);
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
    job_push(r, j);
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
void
loop_schedule(struct run *r)
{
    ON_LOOP(r);
    if (r->stopping)
        return;
    double now = clock_now();
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
            frontier_set_in_flight(r->fr, e, 1);
        }
    }
    ev_timer_stop(r->loop, &r->due_timer);
    /* When the backlog is full, the next result calls again. */
    if ((next = frontier_next(r->fr)) != NULL && next->next_fetch > now) {
        ev_timer_set(&r->due_timer, next->next_fetch - now, 0.);
        ev_timer_start(r->loop, &r->due_timer);
    }
}

void
loop_finish(struct run *r)
{
    ev_timer_stop(r->loop, &r->due_timer);
    ev_timer_stop(r->loop, &r->lag_timer);
    ev_timer_stop(r->loop, &r->stop_timer);
    ev_break(r->loop, EVBREAK_ALL);
}

/* --once is done when nothing runs, nothing waits with the worker, and
 * nothing is due before ONCE_RETRY_WAIT; a stop when nothing runs. */
void
loop_maybe_finish(struct run *r)
{
    if (fetch_running(r->fetch) > 0 || r->outstanding > 0)
        return;
    if (r->stopping) {
        loop_finish(r);
        return;
    }
    struct frontier_entry *next = frontier_next(r->fr);
    if (r->once && fetch_waiting(r->fetch) == 0 &&
        (next == NULL || next->next_fetch > clock_now() + ONCE_RETRY_WAIT))
        loop_finish(r);
}

/* A page the store could not take (busy past its timeout, a lost group):
 * fetched again soon, with backoff, up to MAX_ATTEMPTS times; then it
 * counts as not stored, and --once exits 1.  Not scheduled here. */
static void
store_again(struct run *r, struct frontier_entry *e)
{
    ON_LOOP(r);
    if (++e->unstored < MAX_ATTEMPTS) {
        frontier_set_state(r->fr, e, FRONTIER_RETRY);
        e->next_fetch = clock_now() + backoff(e->unstored, -1);
        return;
    }
    warn_url(r, e->url, "the store did not take it after %d attempts; fetched again in %ld s",
             e->unstored, r->cur->cfg->sources[e->source].interval_s);
    frontier_set_state(r->fr, e, FRONTIER_FAILED);
    e->next_fetch = clock_now() + (double)r->cur->cfg->sources[e->source].interval_s;
}

/* A group the worker could not commit: what the loop was told of its pages
 * is undone, and they are fetched again, in full, soon. */
static void
forget_group(struct run *r, struct result *res)
{
    ON_LOOP(r);
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
    ON_LOOP(r);
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
            n->next_fetch = clock_now();
            r->n.links_new++;
        } else if (n->source < 0 && !n->in_flight) {
            /* Known to the store under a source no longer configured (a
             * renamed one): this source takes it over, in its old state. */
            n->source = e->source;
            n->kind = res->link_kinds[i];
        } else {
            continue;
        }
        if (!(r->once && n->next_fetch > clock_now() && n->state != FRONTIER_RETRY &&
              n->state != FRONTIER_NEW))
            frontier_schedule(r->fr, n);
    }
    frontier_set_in_flight(r->fr, e, 0);
    /* Back in the schedule, unless --once is done with it. */
    if (e->state != FRONTIER_GONE && e->source >= 0 && !(r->once && e->state != FRONTIER_RETRY))
        frontier_schedule(r->fr, e);
}

void
loop_take_results(struct ev_loop *loop, ev_async *w, int revents)
{
    struct run *r = w->data;
    ON_LOOP(r);
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
    loop_schedule(r);
    loop_maybe_finish(r);
}

void
loop_due_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct run *r = w->data;
    (void)loop;
    (void)revents;
    loop_schedule(r);
    loop_maybe_finish(r);
}

/* How late a 100 ms tick runs is how long the loop was kept from the
 * network: the figure README.md gives. */
void
loop_lag_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct run *r = w->data;
    (void)revents;
    ev_tstamp now = ev_time(), late = now - r->lag_expected;
    if (late > r->lag_max)
        r->lag_max = late;
    r->lag_expected = now + 0.1;
    (void)loop;
    loop_maybe_finish(r);
}

void
loop_stop_cb(struct ev_loop *loop, ev_timer *w, int revents)
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
    loop_maybe_finish(r);
}

/* ---- systemd ---- */

/* sd_notify() does nothing when NOTIFY_SOCKET is unset (not under systemd). */
void
loop_notify_status(struct run *r)
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

void
loop_status_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct run *r = w->data;
    metrics_set_frontier(r->metrics, frontier_count(r->fr), frontier_due(r->fr, clock_now()),
                         fetch_running(r->fetch) + fetch_waiting(r->fetch) + r->outstanding);
    hosts_tick(r);
    loop_notify_status(r);
}

/* WATCHDOG=1 comes from the loop itself, so a loop that is stuck (not just
 * a busy worker) stops it and systemd restarts the service. */
void
loop_watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    (void)w;
    sd_notify(0, "WATCHDOG=1");
}

void
loop_stop(struct run *r, int signum)
{
    ON_LOOP(r);
    log_msg(LOG_INFO, "signal %d: finishing %zu transfers, then stopping", signum,
            fetch_running(r->fetch));
    sd_notify(0, "STOPPING=1");
    r->stopping = 1;
    fetch_hold(r->fetch);
    ev_timer_stop(r->loop, &r->due_timer);
    ev_timer_set(&r->stop_timer, STOP_GRACE, 0.);
    ev_timer_start(r->loop, &r->stop_timer);
    loop_maybe_finish(r);
}

/* ---- the frontier from the store and the configuration, and reloading ---- */

static int
source_index(const struct run *r, const char *name)
{
    for (size_t i = 0; i < r->cur->cfg->nsources; i++)
        if (strcmp(r->cur->cfg->sources[i].name, name) == 0)
            return (int)i;
    return -1;
}

int
loop_load_row(void *arg, const struct store_url *u)
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
        int article = setup_re_match(s->link_re, e->url, md);
        if ((article || setup_re_match(s->next_re, e->url, md)) && setup_url_allowed(s, e->url)) {
            e->source = (int)i;
            e->kind = article ? FRONTIER_ARTICLE : FRONTIER_LIST;
            return;
        }
    }
}

/* Each source's start URLs are list pages, due now under --once. */
int
loop_seed(struct run *r, int first)
{
    double now = clock_now();
    ON_LOOP(r);
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

/* fetch asks before each redirect: the hop must stay on the source's hosts
 * (and ports), as links must. */
int
loop_fetch_allow(void *arg, const char *url, void *udata)
{
    struct run *r = arg;
    const struct frontier_entry *e = udata;
    return e->source >= 0 && setup_url_allowed(&r->cur->src[e->source], url);
}

/*
 * SIGHUP: build the new setup whole, then swap.  A file that does not load
 * leaves the running one as it is.  The store and the archive stay open:
 * a new db or archive_dir takes a restart, and says so.
 */
void
loop_reload(struct run *r)
{
    struct timespec mono;
    ON_LOOP(r);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    sd_notifyf(0, "RELOADING=1\nSTATUS=reloading %s\nMONOTONIC_USEC=%llu", r->file,
               (unsigned long long)mono.tv_sec * 1000000ULL +
                   (unsigned long long)mono.tv_nsec / 1000ULL);
    struct setup *su = setup_load(r->file);
    struct job *j = su ? calloc(1, sizeof *j) : NULL;
    struct fetch_opts fo;
    if (su != NULL)
        fo = setup_fetch_opts(su->cfg);
    if (j == NULL || fetch_set_opts(r->fetch, &fo) != 0) {
        log_msg(LOG_ERR,
                "%s: reload failed; still running with the configuration and patterns "
                "loaded before",
                r->file);
        setup_free(su);
        free(j);
        sd_notify(0, "READY=1");
        loop_notify_status(r);
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
    job_push(r, j);
    if (loop_seed(r, 0) != 0)
        log_msg(LOG_ERR, "out of memory adding the new start URLs");
    log_msg(LOG_INFO, "%s: reloaded: %zu sources, %zu patterns", r->file, su->cfg->nsources,
            patternset_count(su->ps));
    sd_notify(0, "READY=1");
    loop_notify_status(r);
    loop_schedule(r);
}
