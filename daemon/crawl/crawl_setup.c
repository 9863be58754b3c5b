/*
 * crawl_setup: the configuration compiled for crawling (struct setup): the
 * sources' link patterns and their allowed hosts and ports, the pattern set,
 * fetch's options.  Plain data, read by both threads; a reload makes a new
 * one (crawl_loop.c) and the worker frees the old one when it takes it.
 */
#include "crawl.h"

#include <stdlib.h>
#include <string.h>

#include "fetch_addr.h"
#include "input.h"
#include "log.h"
#include "patternset.h"
#include "store_source.h"

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

int
setup_store_sources(const struct setup *su, struct store *st, struct err *err)
{
    for (size_t i = 0; i < su->cfg->nsources; i++) {
        const struct config_source *c = &su->cfg->sources[i];
        struct store_source s = {c->name, c->region, c->region_code, c->level};
        int changed = 0;
        if (store_source_put(st, &s, 1, &changed, err) != 0)
            return -1;
        if (changed)
            log_msg(LOG_INFO, "source %s: region %s, region_code %s, level %s", c->name,
                    c->region ? c->region : "none", c->region_code ? c->region_code : "none",
                    c->level ? c->level : "none");
    }
    return 0;
}
