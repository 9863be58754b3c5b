/*
 * crawl: what the files of "factd run" share: the daemon's state (struct
 * run), the jobs and results that pass between its two threads, and the
 * setup a reload replaces.  Private to crawl_loop.c, crawl_worker.c,
 * crawl_setup.c and run_cmd.c; run_cmd.h is the command's only header.
 *
 * Two threads:
 *
 *   the loop thread (libev, crawl_loop.c) owns the network and the
 *   schedule: the frontier in memory (every URL, when it is due), fetch.c's
 *   transfers, the sources' link patterns for nothing but classifying; it
 *   never touches the disk after start-up, so a slow disk or a large page
 *   never stalls a transfer;
 *
 *   the worker thread (crawl_worker.c) owns the store and the archive: for
 *   each finished transfer it archives the response, reads the page
 *   (page_read()) and stores it or finds its links, and writes the page,
 *   its facts and its frontier row in one group transaction.  Results come
 *   back to the loop through an ev_async.
 *
 * Jobs are handled in order, so the frontier rows in the store are always
 * those of pages that were stored: after a crash, the pages of the last
 * uncommitted group are fetched again, conditionally, and nothing is lost.
 */
#ifndef FACTD_CRAWL_H
#define FACTD_CRAWL_H

#include <assert.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <ev.h>
#include <pcre2.h>

#include "buf.h"
#include "config.h"
#include "fetch.h"
#include "frontier.h"
#include "metrics.h"
#include "page.h"
#include "store.h"
#include "store_frontier.h"
#include "warc_writer.h"

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
    } * starts;         /* of the start URLs, for setup_url_allowed() */
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
    struct warc_writer *archive;
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
    pthread_t loop_thread, worker_thread; /* for ON_LOOP() and ON_WORKER() */
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

/* Which thread may do what, said in the comments above, asserted in the
 * test builds: the loop thread owns the frontier, the schedule and the
 * fetcher; the worker owns the store and the archive while the loop runs. */
#define ON_LOOP(r)   assert(pthread_equal(pthread_self(), (r)->loop_thread))
#define ON_WORKER(r) assert(pthread_equal(pthread_self(), (r)->worker_thread))

/* ---- crawl_worker.c: the jobs, and the worker thread ---- */

/* A job for e (a copy of its row; the result made with it), or NULL when
 * out of memory.  The job owns all it holds; job_free() frees it. */
struct job *job_new(struct frontier_entry *e, enum job_type type);
/* Hand j to the worker (any thread). */
void job_push(struct run *r, struct job *j);
void job_free(struct job *j);
void result_free(struct result *res);
/* The worker thread's body; arg is the struct run. */
void *worker_main(void *arg);

/* ---- crawl_loop.c: the loop thread ---- */

void loop_fetch_done(void *arg, struct fetch_result *fr, void *udata);
/* Start every due entry the backlog allows; arm the timer for the next. */
void loop_schedule(struct run *r);
void loop_finish(struct run *r);
/* Finish the loop when --once is done or a stop has nothing left to wait for. */
void loop_maybe_finish(struct run *r);
void loop_take_results(struct ev_loop *loop, ev_async *w, int revents);
void loop_due_cb(struct ev_loop *loop, ev_timer *w, int revents);
void loop_lag_cb(struct ev_loop *loop, ev_timer *w, int revents);
void loop_stop_cb(struct ev_loop *loop, ev_timer *w, int revents);
void loop_status_cb(struct ev_loop *loop, ev_timer *w, int revents);
void loop_watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents);
void loop_notify_status(struct run *r);
/* A signal: finish the transfers running (STOP_GRACE at most), then stop. */
void loop_stop(struct run *r, int signum);
void loop_host_log_flush(struct host_log *h);
/* A frontier row of the store, into the frontier (store_frontier_load()). */
int loop_load_row(void *arg, const struct store_url *u);
/* The sources' start URLs into the frontier, and what is due into the schedule. */
int loop_seed(struct run *r, int first);
int loop_fetch_allow(void *arg, const char *url, void *udata);
/* SIGHUP: the new setup whole, then swapped in. */
void loop_reload(struct run *r);

/* ---- crawl_setup.c: the configuration, compiled for crawling ---- */

/* All of it, or NULL with every error logged; setup_free() frees it. */
struct setup *setup_load(const char *file);
void setup_free(struct setup *su);
/* May the source fetch url (a link, a redirect's target)? */
int setup_url_allowed(const struct source_rt *s, const char *url);
int setup_re_match(const pcre2_code *re, const char *s, pcre2_match_data *md);
/* An error, to the log (config_load()'s report callback). */
void setup_report(void *arg, const struct err *e);
/* Record the configured sources and their places in the store (its open
 * group), logging each that is new or changed: run does at start, the
 * worker on each reload. */
int setup_store_sources(const struct setup *su, struct store *st, struct err *err);
/* fetch's limits and timeouts from the configuration. */
struct fetch_opts setup_fetch_opts(const struct config *c);

#endif
