/*
 * config: two passes.  The first splits the file into sections and
 * key = value entries, each with its line, joining continuation lines; the
 * second checks every entry and fills the struct.  Checking all entries
 * rather than stopping at the first bad one is what lets `factd check` list
 * every mistake in one run.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "buf.h"
#include "metrics_listen.h"

#define MAX_CONFIG_BYTES (1u << 20)

struct entry {
    unsigned line;
    int source;  /* -1: [factd]; else the index of its [source NAME] */
    char *key;   /* From malloc(). */
    char *value; /* From malloc(). */
    int used;
};

struct parser {
    const char *name;
    config_error_fn report;
    void *arg;
    int errors;
    struct config *c;
    struct entry *e; /* From malloc(). */
    size_t ne, cape;
};

static void perr(struct parser *p, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
perr(struct parser *p, unsigned line, const char *fmt, ...)
{
    struct err e;
    va_list ap;

    err_clear(&e);
    err_file(&e, p->name);
    e.line = line;
    va_start(ap, fmt);
    err_vset(&e, fmt, ap);
    va_end(ap);
    p->errors++;
    if (p->report != NULL)
        p->report(p->arg, &e);
}

static int
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* ---- pass 1: sections and entries ---- */

static int
add_source(struct parser *p, const char *name, size_t n, unsigned line)
{
    struct config *c = p->c;
    for (size_t i = 0; i < c->nsources; i++)
        if (strlen(c->sources[i].name) == n && memcmp(c->sources[i].name, name, n) == 0) {
            perr(p, line, "source %.*s already defined at line %u", (int)n, name,
                 c->sources[i].line);
            return -2;
        }
    struct config_source *v = realloc(c->sources, (c->nsources + 1) * sizeof *v);
    if (v == NULL)
        return -1;
    c->sources = v;
    memset(&v[c->nsources], 0, sizeof *v);
    v[c->nsources].line = line;
    if ((v[c->nsources].name = strndup(name, n)) == NULL)
        return -1;
    return (int)c->nsources++;
}

/* The section a header line a..b names: -1 [factd], a source index, -3 bad
 * (reported), -4 out of memory. */
static int
section_of(struct parser *p, const char *a, const char *b, unsigned line)
{
    if (b[-1] != ']') {
        perr(p, line, "a section header must end with ]");
        return -3;
    }
    const char *in = a + 1, *ine = b - 1;
    while (in < ine && is_blank(*in))
        in++;
    while (ine > in && is_blank(ine[-1]))
        ine--;
    if (ine - in == 5 && memcmp(in, "factd", 5) == 0)
        return -1;
    if (ine - in > 7 && memcmp(in, "source", 6) == 0 && is_blank(in[6])) {
        const char *nm = in + 7;
        while (nm < ine && is_blank(*nm))
            nm++;
        for (const char *q = nm; q < ine; q++)
            if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                  (*q >= '0' && *q <= '9') || *q == '-' || *q == '_' || *q == '.')) {
                perr(p, line, "a source name is letters, digits, '-', '_' and '.'");
                return -3;
            }
        int i = add_source(p, nm, (size_t)(ine - nm), line);
        return i == -1 ? -4 : i == -2 ? -3 : i;
    }
    perr(p, line, "unknown section [%.*s] (sections: [factd], [source NAME])", (int)(ine - in), in);
    return -3;
}

static int
split(struct parser *p, const char *data, size_t len)
{
    const char *s = data, *end = data + len;
    unsigned line = 0;
    int section = -2; /* -2: before any section; -3: in a bad one */
    struct entry *last = NULL;

    while (s < end) {
        const char *begin = s;
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *a = s, *b = nl ? nl : end;
        line++;
        s = nl ? nl + 1 : end;
        while (a < b && is_blank(*a))
            a++;
        while (b > a && is_blank(b[-1]))
            b--;
        if (a == b || *a == '#' || *a == ';')
            continue;
        if (memchr(a, '\0', (size_t)(b - a)) != NULL) {
            perr(p, line, "a NUL byte in the line");
            continue;
        }
        if (*a == '[') {
            last = NULL;
            section = section_of(p, a, b, line);
            if (section == -4)
                return -1; /* out of memory */
            continue;
        }
        /* An indented line without '=' continues the value above. */
        const char *eq = memchr(a, '=', (size_t)(b - a));
        if (a != begin && last != NULL && eq == NULL) {
            size_t ol = strlen(last->value), n = (size_t)(b - a);
            char *v = realloc(last->value, ol + n + 2);
            if (v == NULL)
                return -1;
            v[ol] = ' ';
            memcpy(v + ol + 1, a, n);
            v[ol + 1 + n] = '\0';
            last->value = v;
            continue;
        }
        last = NULL;
        if (eq == NULL) {
            perr(p, line, "expected 'key = value'");
            continue;
        }
        if (section == -2) {
            perr(p, line, "a key before any section ([factd] or [source NAME])");
            continue;
        }
        if (section == -3)
            continue; /* its section was reported */
        const char *ke = eq;
        while (ke > a && is_blank(ke[-1]))
            ke--;
        const char *v = eq + 1;
        while (v < b && is_blank(*v))
            v++;
        if (ke == a) {
            perr(p, line, "a key is missing before '='");
            continue;
        }
        if (p->ne == p->cape) {
            struct entry *ev = buf_grow_array(p->e, &p->cape, sizeof *ev, 32);
            if (ev == NULL)
                return -1;
            p->e = ev;
        }
        last = &p->e[p->ne];
        memset(last, 0, sizeof *last);
        last->line = line;
        last->source = section;
        last->key = strndup(a, (size_t)(ke - a));
        last->value = strndup(v, (size_t)(b - v));
        p->ne++;
        if (last->key == NULL || last->value == NULL)
            return -1;
    }
    return 0;
}

/* ---- pass 2: keys and values ---- */

/* The entry of key in section, marked used; a second one is an error. */
static struct entry *
find(struct parser *p, int section, const char *key)
{
    struct entry *found = NULL;
    for (size_t i = 0; i < p->ne; i++) {
        struct entry *e = &p->e[i];
        if (e->source != section || strcmp(e->key, key) != 0)
            continue;
        if (found == NULL)
            found = e;
        else if (!e->used) /* said once, however often the key is looked up */
            perr(p, e->line, "%s given again (first at line %u)", key, found->line);
        e->used = 1;
    }
    return found;
}

static char *
get_string(struct parser *p, int section, const char *key, const char *dflt)
{
    struct entry *e = find(p, section, key);
    const char *v = e ? e->value : dflt;
    if (e != NULL && v[0] == '\0') {
        perr(p, e->line, "%s is empty", key);
        v = dflt;
    }
    return v ? strdup(v) : NULL;
}

static double
get_number(struct parser *p, int section, const char *key, double dflt, double lo, double hi)
{
    struct entry *e = find(p, section, key);
    char *end;
    if (e == NULL)
        return dflt;
    double v = strtod(e->value, &end);
    if (end == e->value || *end != '\0' || !(v >= lo && v <= hi)) {
        perr(p, e->line, "%s wants a number from %g to %g, not '%s'", key, lo, hi, e->value);
        return dflt;
    }
    return v;
}

/* "3600", "90s", "30m", "6h", "1d" in seconds. */
static long
get_interval(struct parser *p, int section, const char *key, long dflt)
{
    struct entry *e = find(p, section, key);
    char *end;
    if (e == NULL)
        return dflt;
    double v = strtod(e->value, &end);
    double mult = *end == '\0' || strcmp(end, "s") == 0 ? 1
                  : strcmp(end, "m") == 0               ? 60
                  : strcmp(end, "h") == 0               ? 3600
                  : strcmp(end, "d") == 0               ? 86400
                                                        : -1;
    if (end == e->value || mult < 0 || !(v * mult >= 1 && v * mult <= 366 * 86400.0)) {
        perr(p, e->line,
             "%s wants seconds, or a number with s, m, h or d (30m, 6h), up to a year; "
             "not '%s'",
             key, e->value);
        return dflt;
    }
    return (long)(v * mult);
}

/* Split v at white space into a NULL-free array; returns its length or -1. */
static long
words(const char *v, char ***out)
{
    size_t n = 0;
    char **w = NULL;
    const char *s = v;
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        const char *b = s;
        while (*s && *s != ' ' && *s != '\t')
            s++;
        if (s == b)
            break;
        char **nw = realloc(w, (n + 1) * sizeof *w);
        if (nw == NULL || (nw[n] = strndup(b, (size_t)(s - b))) == NULL) {
            free(nw ? nw : w);
            return -1;
        }
        w = nw;
        n++;
    }
    *out = w;
    return (long)n;
}

/* The host of an http(s) URL (into host), or -1 if it is not one. */
static int
url_host(const char *url, char *host, size_t hostlen)
{
    const char *h;
    if (strncasecmp(url, "http://", 7) == 0)
        h = url + 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        h = url + 8;
    else
        return -1;
    size_t n = strcspn(h, "/?#");
    const char *at = memchr(h, '@', n);
    if (at != NULL) {
        n -= (size_t)(at + 1 - h);
        h = at + 1;
    }
    if (h[0] != '[') {
        const char *colon = memchr(h, ':', n);
        if (colon != NULL)
            n = (size_t)(colon - h);
    } else {
        const char *rb = memchr(h, ']', n);
        if (rb == NULL)
            return -1;
        n = (size_t)(rb + 1 - h);
    }
    if (n == 0 || n >= hostlen)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z') ||
              (h[i] >= '0' && h[i] <= '9') || strchr("-.[]:", h[i]) != NULL))
            return -1;
    memcpy(host, h, n);
    host[n] = '\0';
    return 0;
}

static void
check_regex(struct parser *p, int section, const char *key, const char *re)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *c =
        pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &off, NULL);
    if (c == NULL) {
        PCRE2_UCHAR msg[256];
        struct entry *e = find(p, section, key);
        pcre2_get_error_message(code, msg, sizeof msg);
        perr(p, e ? e->line : 0, "%s: %s at character %zu", key, (const char *)msg,
             (size_t)off + 1);
    }
    pcre2_code_free(c);
}

int
config_region_code_ok(const char *code)
{
    for (int k = 0; k < 6; k++)
        if (code[k] < '0' || code[k] > '9')
            return 0;
    return code[6] == '\0';
}

int
config_level_ok(const char *level)
{
    static const char *const levels[] = {"province", "city", "district", "county", "ministry"};
    for (size_t k = 0; k < sizeof levels / sizeof levels[0]; k++)
        if (strcmp(level, levels[k]) == 0)
            return 1;
    return 0;
}

static int
fill_source(struct parser *p, int i)
{
    struct config_source *s = &p->c->sources[i];
    char *urls = get_string(p, i, "start_url", NULL);
    char *hosts = get_string(p, i, "allowed_hosts", NULL);
    char host[256];
    int rc = 0;

    s->link_pattern = get_string(p, i, "link_pattern", NULL);
    s->next_pattern = get_string(p, i, "next_pattern", NULL);
    s->charset = get_string(p, i, "charset", NULL);
    s->interval_s = get_interval(p, i, "interval", 6 * 3600);
    double year = get_number(p, i, "year", 0, 1900, 2100);
    s->year = (int)year;
    if (year != (double)s->year)
        perr(p, find(p, i, "year")->line, "year wants a whole year such as 2024, not '%s'",
             find(p, i, "year")->value);
    s->region = get_string(p, i, "region", NULL);
    s->region_code = get_string(p, i, "region_code", NULL);
    s->level = get_string(p, i, "level", NULL);
    if (s->region_code != NULL && !config_region_code_ok(s->region_code))
        perr(p, find(p, i, "region_code")->line,
             "region_code wants the six digits of a GB/T 2260 code such as 120106, not '%s'",
             s->region_code);
    if (s->level != NULL && !config_level_ok(s->level))
        perr(p, find(p, i, "level")->line,
             "level wants province, city, district, county or ministry, not '%s'", s->level);
    if (urls == NULL) {
        perr(p, s->line, "source %s has no start_url", s->name);
    } else {
        long n = words(urls, &s->start_urls);
        if (n < 0)
            rc = -1;
        s->nstart_urls = n > 0 ? (size_t)n : 0;
        for (size_t k = 0; k < s->nstart_urls; k++)
            if (url_host(s->start_urls[k], host, sizeof host) != 0)
                perr(p, find(p, i, "start_url")->line, "start_url %s is not an http or https URL",
                     s->start_urls[k]);
    }
    if (s->link_pattern == NULL)
        perr(p, s->line, "source %s has no link_pattern", s->name);
    else
        check_regex(p, i, "link_pattern", s->link_pattern);
    if (s->next_pattern != NULL)
        check_regex(p, i, "next_pattern", s->next_pattern);
    if (hosts != NULL) {
        long n = words(hosts, &s->allowed_hosts);
        if (n < 0)
            rc = -1;
        s->nallowed_hosts = n > 0 ? (size_t)n : 0;
    } else {
        /* Default: the hosts of the start URLs. */
        for (size_t k = 0; k < s->nstart_urls; k++) {
            if (url_host(s->start_urls[k], host, sizeof host) != 0)
                continue;
            int seen = 0;
            for (size_t j = 0; j < s->nallowed_hosts; j++)
                seen |= strcasecmp(s->allowed_hosts[j], host) == 0;
            if (seen)
                continue;
            char **v = realloc(s->allowed_hosts, (s->nallowed_hosts + 1) * sizeof *v);
            if (v == NULL || (v[s->nallowed_hosts] = strdup(host)) == NULL) {
                if (v != NULL)
                    s->allowed_hosts = v;
                rc = -1;
                break;
            }
            s->allowed_hosts = v;
            s->nallowed_hosts++;
        }
    }
    free(urls);
    free(hosts);
    return rc;
}

static int
fill(struct parser *p, const char *default_patterns)
{
    struct config *c = p->c;
    static const char *const levels[] = {"error", "warning", "info", "debug"};
    char ua[64];

    snprintf(ua, sizeof ua, "factd/%s", FACTD_VERSION);
    c->db = get_string(p, -1, "db", "/var/lib/factd/facts.db");
    c->archive_dir = get_string(p, -1, "archive_dir", "/var/lib/factd/archive");
    c->patterns_dir = get_string(p, -1, "patterns_dir", default_patterns);
    c->user_agent = get_string(p, -1, "user_agent", ua);
    c->log_level = get_string(p, -1, "log_level", "info");
    c->metrics_listen = get_string(p, -1, "metrics_listen", "");
    c->max_connections = (int)get_number(p, -1, "max_connections", 16, 1, 1024);
    c->max_host_connections = (int)get_number(p, -1, "max_host_connections", 2, 1, 64);
    c->host_delay = get_number(p, -1, "host_delay", 1, 0, 3600);
    c->timeout = get_number(p, -1, "timeout", 30, 1, 3600);
    c->connect_timeout = get_number(p, -1, "connect_timeout", 10, 1, 600);
    c->max_page_bytes = (size_t)get_number(p, -1, "max_page_bytes", 16 << 20, 1024, 1 << 30);
    c->busy_timeout_ms = (int)(get_number(p, -1, "busy_timeout", 60, 0.1, 3600) * 1000);
    if (c->db == NULL || c->archive_dir == NULL || c->patterns_dir == NULL ||
        c->user_agent == NULL || c->log_level == NULL || c->metrics_listen == NULL)
        return -1;
    if (c->metrics_listen[0] != '\0') {
        /* The listener's own check, so that `factd check` and a reload refuse
         * what `factd run` would: under systemd a unit that passed check and
         * then exits 2 is not restarted again (RestartPreventExitStatus=2). */
        struct err why;
        err_clear(&why);
        if (metrics_check_addr(c->metrics_listen, &why) != 0) {
            struct entry *e = find(p, -1, "metrics_listen");
            perr(p, e ? e->line : 0,
                 "metrics_listen is ADDRESS:PORT on loopback (127.0.0.1:9464), not '%s': %s",
                 c->metrics_listen, why.msg);
        }
    }
    int ok = 0;
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
        ok |= strcmp(c->log_level, levels[i]) == 0;
    if (!ok) {
        struct entry *e = find(p, -1, "log_level");
        perr(p, e ? e->line : 0, "log_level is error, warning, info or debug, not '%s'",
             c->log_level);
    }
    for (size_t i = 0; i < c->nsources; i++)
        if (fill_source(p, (int)i) != 0)
            return -1;
    if (c->nsources == 0)
        perr(p, 0, "no [source NAME] section: nothing to follow");
    for (size_t i = 0; i < p->ne; i++)
        if (!p->e[i].used)
            perr(p, p->e[i].line, "unknown key '%s' in [%s%s]", p->e[i].key,
                 p->e[i].source < 0 ? "factd" : "source ",
                 p->e[i].source < 0 ? "" : c->sources[p->e[i].source].name);
    return 0;
}

struct config *
config_parse(const char *name, const char *data, size_t len, const char *default_patterns,
             config_error_fn report, void *arg)
{
    struct parser p = {name, report, arg, 0, NULL, NULL, 0, 0};
    int rc;

    if ((p.c = calloc(1, sizeof *p.c)) == NULL || (p.c->file = strdup(name)) == NULL) {
        free(p.c);
        perr(&p, 0, "out of memory");
        return NULL;
    }
    /* A byte-order mark, as Windows editors write one: UTF-8's is skipped
     * (its line is still line 1); a UTF-16 file is refused by name rather
     * than as a NUL on every line. */
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
    } else if (len >= 2 && (memcmp(data, "\xFF\xFE", 2) == 0 || memcmp(data, "\xFE\xFF", 2) == 0)) {
        perr(&p, 1, "the file is UTF-16 (it starts with a byte-order mark); save it as UTF-8");
        config_free(p.c);
        return NULL;
    }
    rc = split(&p, data, len);
    if (rc == 0)
        rc = fill(&p, default_patterns);
    if (rc != 0)
        perr(&p, 0, "out of memory");
    for (size_t i = 0; i < p.ne; i++) {
        free(p.e[i].key);
        free(p.e[i].value);
    }
    free(p.e);
    if (p.errors > 0) {
        config_free(p.c);
        return NULL;
    }
    return p.c;
}

struct config *
config_load(const char *path, const char *default_patterns, config_error_fn report, void *arg)
{
    FILE *f = fopen(path, "rb");
    char *data;
    size_t n;

    if (f == NULL || (data = malloc(MAX_CONFIG_BYTES + 1)) == NULL) {
        struct parser p = {path, report, arg, 0, NULL, NULL, 0, 0};
        perr(&p, 0, "cannot read: %s", f == NULL ? strerror(errno) : "out of memory");
        if (f != NULL)
            fclose(f);
        return NULL;
    }
    n = fread(data, 1, MAX_CONFIG_BYTES + 1, f);
    fclose(f);
    if (n > MAX_CONFIG_BYTES) {
        struct parser p = {path, report, arg, 0, NULL, NULL, 0, 0};
        perr(&p, 0, "larger than %u bytes: not a configuration file?", MAX_CONFIG_BYTES);
        free(data);
        return NULL;
    }
    struct config *c = config_parse(path, data, n, default_patterns, report, arg);
    free(data);
    return c;
}

static void
free_words(char **w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(w[i]);
    free(w);
}

void
config_free(struct config *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->nsources; i++) {
        struct config_source *s = &c->sources[i];
        free(s->name);
        free_words(s->start_urls, s->nstart_urls);
        free_words(s->allowed_hosts, s->nallowed_hosts);
        free(s->link_pattern);
        free(s->next_pattern);
        free(s->charset);
        free(s->region);
        free(s->region_code);
        free(s->level);
    }
    free(c->sources);
    free(c->file);
    free(c->db);
    free(c->archive_dir);
    free(c->patterns_dir);
    free(c->user_agent);
    free(c->metrics_listen);
    free(c->log_level);
    free(c);
}
