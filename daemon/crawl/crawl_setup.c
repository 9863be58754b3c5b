/*
 * crawl_setup: what the configuration sets up for "factd run": the sources'
 * compiled link patterns and allowed hosts and ports, the pattern set, the
 * frontier seeded from the store and the start URLs, and a reload.
 */
#include "crawl.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "clock.h"
#include "fetch_addr.h"
#include "input.h"
#include "log.h"
#include "patternset.h"

static int
source_index(const struct run *r, const char *name)
{
    for (size_t i = 0; i < r->cur->cfg->nsources; i++)
        if (strcmp(r->cur->cfg->sources[i].name, name) == 0)
            return (int)i;
    return -1;
}

int
setup_load_row(void *arg, const struct store_url *u)
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
 * May the source fetch url (a link, a redirect's target)?  Its host must be
 * one of allowed_hosts, and its port one that a start URL has with that
 * host; 80 and 443 too unless every start URL with that host names another
 * (a site on :8080 is kept to :8080), and for a host no start URL names.  A
 * redirect to another port of an allowed host (127.0.0.1:6379) is refused.
 */
int
setup_url_allowed(const struct source_rt *s, const char *url)
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

int
setup_re_match(const pcre2_code *re, const char *s, pcre2_match_data *md)
{
    return re != NULL && pcre2_match(re, (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL) >= 0;
}

void
setup_report(void *arg, const struct err *e)
{
    char msg[700];
    (void)arg;
    err_format(e, msg, sizeof msg);
    log_msg(LOG_ERR, "%s", msg);
}

void
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
struct setup *
setup_load(const char *file)
{
    struct setup *su = calloc(1, sizeof *su);
    struct err err;
    if (su == NULL ||
        (su->cfg = config_load(file, input_patterns_dir(), setup_report, NULL)) == NULL) {
        if (su != NULL)
            log_msg(LOG_ERR, "%s: not loaded", file);
        free(su);
        return NULL;
    }
    if ((su->ps = patternset_load(su->cfg->patterns_dir, &err)) == NULL) {
        setup_report(NULL, &err);
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
setup_seed(struct run *r, int first)
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

struct fetch_opts
setup_fetch_opts(const struct config *c)
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
int
setup_fetch_allow(void *arg, const char *url, void *udata)
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
setup_reload(struct run *r)
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
    if (setup_seed(r, 0) != 0)
        log_msg(LOG_ERR, "out of memory adding the new start URLs");
    log_msg(LOG_INFO, "%s: reloaded: %zu sources, %zu patterns", r->file, su->cfg->nsources,
            patternset_count(su->ps));
    sd_notify(0, "READY=1");
    loop_notify_status(r);
    loop_schedule(r);
}
