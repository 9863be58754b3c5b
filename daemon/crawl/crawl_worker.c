/*
 * crawl_worker: the worker thread of "factd run" (crawl.h has the picture).
 * It takes jobs in order: archives each page, reads it (page_read()), and
 * stores it, its facts or its links and its frontier row, committing in
 * groups; each job's result goes back to the loop.
 */
#include "crawl.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "links.h"
#include "log.h"

static void group_add(struct run *r, struct frontier_entry *e);
static void group_lost(struct run *r);

void
job_push(struct run *r, struct job *j)
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

void
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

void
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

struct job *
job_new(struct frontier_entry *e, enum job_type type)
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

/* A list page: its links that the source follows go into the frontier. */
static void
work_list(struct run *r, struct job *j, struct result *res)
{
    const struct source_rt *s = &r->w->src[j->source];
    ON_WORKER(r);
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
    double now = clock_now();
    for (size_t i = 0; i < links.n && !res->fatal; i++) {
        const char *u = links.urls[i];
        enum frontier_kind k;
        if (setup_re_match(s->link_re, u, md))
            k = FRONTIER_ARTICLE;
        else if (setup_re_match(s->next_re, u, md))
            k = FRONTIER_LIST;
        else
            continue;
        if (!setup_url_allowed(s, u))
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
    return clock_elapsed(&pc->start, &now) > PAGE_SECONDS;
}

/* An article: extracted and stored unless it is the same as before. */
static void
work_article(struct run *r, struct job *j, struct result *res, const char *hash)
{
    const struct source_rt *s = &r->w->src[j->source];
    struct store_doc sd = {
        .uri = j->page.uri, .source = s->cfg->name, .hash = hash, .bytes = j->page.len};
    struct err err;
    struct doc d;
    char sha[65];
    if (r->archive != NULL)
        sd.warc_record_id = warc_writer_last(r->archive, &sd.warc_file);
    struct page_clock pc = {r, {0, 0}, 0};
    ON_WORKER(r);
    struct page_opts o = {.max_bytes = r->w->cfg->max_page_bytes,
                          .ps = r->w->ps,
                          .year = s->cfg->year,
                          .stop = page_stop,
                          .stop_arg = &pc};
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
    /* Only a page that is stored needs its SHA-256. */
    page_sha256(&j->page, sha);
    sd.sha256 = sha;
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
    sd.doc_year = d.doc_year;
    sd.original = d.original.data;
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
    metrics_observe_extract(r->metrics, clock_elapsed(&t0, &t1));
    int put = store_put(r->store, &sd, r->w->ps_id, r->w->ps, d.text.data, &d.facts, &sr, &err);
    clock_gettime(CLOCK_MONOTONIC, &t2);
    metrics_observe_store(r->metrics, clock_elapsed(&t1, &t2));
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
    ON_WORKER(r);

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
            struct warc_writer_page ap = {j->page, j->request.data, j->request.len, j->ip};
            if (warc_writer_put(r->archive, &ap, &err) != 0) {
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
        j->next_fetch = clock_now();
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
    ON_WORKER(r);
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
    ON_WORKER(r);
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
    ON_WORKER(r);
    err_clear(&err);
    int archive_bad = r->archive != NULL && store_pending(r->store) > 0 &&
                      warc_writer_sync(r->archive, &err) != 0;
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

/* A reload's new setup, from the pages after it on: the old one is the
 * worker's alone by now (the loop moved on when it sent this). */
static void
take_setup(struct run *r, struct setup *su)
{
    struct err err;
    ON_WORKER(r);
    if (store_pattern_set(r->store, su->set_hash, &su->ps_id, &err) != 0) {
        char msg[700];
        err_format(&err, msg, sizeof msg);
        log_msg(LOG_ERR, "%s (the new patterns' facts are recorded under the old set)", msg);
        su->ps_id = r->w->ps_id;
    }
    /* The sources go in with the open group, committed now, so that the
     * places logged are the places stored. */
    if (setup_store_sources(su, r->store, &err) != 0) {
        char msg[700];
        err_format(&err, msg, sizeof msg);
        log_msg(LOG_ERR, "%s (the sources' places stay as they were)", msg);
    }
    commit(r);
    struct setup *old = r->w;
    r->w = su;
    setup_free(old);
}

void *
worker_main(void *arg)
{
    struct run *r = arg;
    r->worker_thread = pthread_self();
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
