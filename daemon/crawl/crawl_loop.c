/*
 * crawl_loop: the loop thread of "factd run" (crawl.h has the picture): the
 * schedule, fetch's results, the worker's results, the timers and what
 * systemd is told.
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
