/*
 * run_cmd: "factd run", the daemon: its options, starting the loop and the
 * worker (crawl.h), the signals, and the summary of a --once pass.
 */
#include "run_cmd.h"

#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "clock.h"
#include "crawl.h"
#include "log.h"
#include "metrics_listen.h"

static void
signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    struct run *r = w->data;
    (void)loop;
    (void)revents;
    if (w->signum == SIGHUP) {
        if (!r->stopping)
            loop_reload(r);
        return;
    }
    if (r->stopping) {
        /* Whatever the worker is doing: the page it reads is dropped, the
         * pages waiting for it too, and what was stored is committed. */
        log_msg(LOG_WARNING, "second signal: stopping now");
        __atomic_store_n(&r->cancel, 1, __ATOMIC_RELAXED);
        fetch_abort(r->fetch);
        loop_finish(r);
        return;
    }
    loop_stop(r, w->signum);
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
    double el = clock_elapsed(&r->start, &t);
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
            job_push(r, stop_job);
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
    metrics_listen_stop(r->metrics);
    metrics_free(r->metrics);
    if (r->loop != NULL)
        ev_loop_destroy(r->loop);
    frontier_free(r->fr);
    for (size_t i = 0; i < r->nhosts; i++)
        loop_host_log_flush(&r->hosts[i]);
    free(r->hosts);
    if (r->w != r->cur)
        setup_free(r->w);
    setup_free(r->cur);
    warc_writer_close(r->archive);
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
    r.loop_thread = pthread_self();
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
        setup_store_sources(r.cur, r.store, &err) != 0 || store_commit(r.store, &err) != 0 ||
        (r.archive = warc_writer_open(cfg->archive_dir, ARCHIVE_ROTATE, &err)) == NULL) {
        setup_report(NULL, &err);
        cleanup(&r);
        return 2;
    }
    /* Groups of up to 200 pages or half a second (store.c says why): pages
     * come at the network's pace, and analysts see them soon. */
    store_set_batch(r.store, 200, 500);
    r.fr = frontier_new();
    if (r.fr == NULL || store_frontier_load(r.store, loop_load_row, &r, &err) != 0) {
        if (r.fr == NULL)
            err_set(&err, "out of memory");
        setup_report(NULL, &err);
        cleanup(&r);
        return 2;
    }
    r.loop = ev_loop_new(EVFLAG_AUTO);
    struct fetch_opts fo = setup_fetch_opts(cfg);
    if (r.loop == NULL ||
        (r.fetch = fetch_new(r.loop, &fo, loop_fetch_done, loop_fetch_allow, &r, &err)) == NULL ||
        loop_seed(&r, 1) != 0) {
        log_msg(LOG_ERR, "%s", r.loop == NULL ? "cannot make an event loop" : err.msg);
        cleanup(&r);
        return 2;
    }
    if ((r.metrics = metrics_new()) == NULL ||
        (cfg->metrics_listen[0] != '\0' &&
         metrics_listen(r.metrics, r.loop, cfg->metrics_listen, &err) != 0)) {
        if (r.metrics == NULL)
            err_set(&err, "out of memory");
        setup_report(NULL, &err);
        cleanup(&r);
        return 2;
    }
    ev_init(&r.due_timer, loop_due_cb);
    r.due_timer.data = &r;
    ev_init(&r.stop_timer, loop_stop_cb);
    r.stop_timer.data = &r;
    ev_timer_init(&r.lag_timer, loop_lag_cb, 0.1, 0.1);
    r.lag_timer.data = &r;
    r.lag_expected = ev_time() + 0.1;
    ev_timer_start(r.loop, &r.lag_timer);
    ev_timer_init(&r.status_timer, loop_status_cb, 5., 5.);
    r.status_timer.data = &r;
    ev_timer_start(r.loop, &r.status_timer);
    uint64_t wd_usec = 0;
    if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0) {
        double every = (double)wd_usec / 2e6;
        ev_timer_init(&r.watchdog_timer, loop_watchdog_cb, every, every);
        ev_timer_start(r.loop, &r.watchdog_timer);
    }
    ev_async_init(&r.wake, loop_take_results);
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
    loop_notify_status(&r);
    loop_schedule(&r);
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
