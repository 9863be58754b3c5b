/*
 * metrics: counters behind one mutex, and a renderer that copies them out
 * under the mutex and writes text without it.  The listener that serves
 * them is metrics_listen.c.
 *
 * Numbers are written in the C locale, which the daemon never leaves (it
 * does not call setlocale()).
 */
#include "metrics.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics_impl.h"

/* ---- making and recording ---- */

struct metrics *
metrics_new(void)
{
    struct metrics *m = calloc(1, sizeof *m);
    struct timespec ts;

    if (m == NULL)
        return NULL;
    if (pthread_mutex_init(&m->lock, NULL) != 0) {
        free(m);
        return NULL;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    m->start_time = (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1000.0;
    m->port = -1;
    return m;
}

void
metrics_response(struct metrics *m, int status, size_t bytes)
{
    if (m == NULL)
        return;
    pthread_mutex_lock(&m->lock);
    if (status >= 0 && status < MAX_STATUS)
        m->c.status[status]++;
    else
        m->c.status_other++;
    m->c.bytes += bytes;
    pthread_mutex_unlock(&m->lock);
}

static size_t
name_index(const char *const *names, size_t n, const char *name)
{
    size_t i;
    for (i = 0; name != NULL && i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return n;
}

void
metrics_failure(struct metrics *m, const char *reason)
{
    if (m == NULL)
        return;
    size_t i = name_index(failure_names, N_FAILURES - 1, reason);
    pthread_mutex_lock(&m->lock);
    m->c.failures[i]++; /* not found: N_FAILURES - 1, "other" */
    pthread_mutex_unlock(&m->lock);
}

void
metrics_document(struct metrics *m, const char *outcome, size_t facts_new)
{
    if (m == NULL)
        return;
    size_t i = name_index(outcome_names, N_OUTCOMES, outcome);
    pthread_mutex_lock(&m->lock);
    if (i < N_OUTCOMES)
        m->c.documents[i]++;
    m->c.facts_new += facts_new;
    pthread_mutex_unlock(&m->lock);
}

void
metrics_set_frontier(struct metrics *m, size_t urls, size_t due, size_t in_flight)
{
    if (m == NULL)
        return;
    pthread_mutex_lock(&m->lock);
    m->c.frontier_urls = urls;
    m->c.frontier_due = due;
    m->c.in_flight = in_flight;
    pthread_mutex_unlock(&m->lock);
}

/* m is not NULL; h is one of its histograms. */
static void
observe(struct metrics *m, struct histogram *h, double seconds)
{
    size_t i = 0;

    if (isnan(seconds))
        return;
    if (seconds < 0) /* the clock was stepped back */
        seconds = 0;
    while (i < N_BUCKETS && seconds > bucket_bounds[i])
        i++;
    pthread_mutex_lock(&m->lock);
    h->counts[i]++;
    h->sum += seconds;
    h->count++;
    pthread_mutex_unlock(&m->lock);
}

void
metrics_observe_extract(struct metrics *m, double seconds)
{
    if (m != NULL)
        observe(m, &m->c.extract, seconds);
}

void
metrics_observe_store(struct metrics *m, double seconds)
{
    if (m != NULL)
        observe(m, &m->c.store, seconds);
}

/* ---- rendering ---- */

struct render {
    struct buf b;
    int failed; /* an append failed: the text is incomplete */
};

static void appendf(struct render *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* buf_appendf() that remembers a failure, so a render is checked once. */
static void
appendf(struct render *r, const char *fmt, ...)
{
    va_list ap;

    if (r->failed)
        return;
    va_start(ap, fmt);
    r->failed = buf_vappendf(&r->b, fmt, ap) != BUF_OK;
    va_end(ap);
}

/* The shortest decimal that reads back as v, as Prometheus's own clients
 * choose it (so 0.003 is "0.003", not "0.0030000000000000001"), but written
 * without an exponent in the range a person reads at a glance: a start
 * time is 1718000000.123, not 1.718000000123e+09. */
static void
format_double(char *out, size_t len, double v)
{
    int digits, exp;

    if (isnan(v)) {
        snprintf(out, len, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(out, len, "%s", v > 0 ? "+Inf" : "-Inf");
        return;
    }
    for (digits = 1; digits < 17; digits++) {
        snprintf(out, len, "%.*e", digits - 1, v);
        if (strtod(out, NULL) == v)
            break;
    }
    snprintf(out, len, "%.*e", digits - 1, v);
    exp = (int)strtol(strchr(out, 'e') + 1, NULL, 10);
    if (exp >= -5 && exp < 21)
        snprintf(out, len, "%.*f", digits - 1 - exp > 0 ? digits - 1 - exp : 0, v);
}

static void
describe(struct render *r, const char *name, const char *type, const char *help)
{
    appendf(r, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
render_histogram(struct render *r, const char *name, const char *help, const struct histogram *h)
{
    uint64_t cum = 0;
    char sum[32];

    describe(r, name, "histogram", help);
    for (size_t i = 0; i < N_BUCKETS; i++) {
        cum += h->counts[i];
        appendf(r, "%s_bucket{le=\"%s\"} %" PRIu64 "\n", name, bucket_labels[i], cum);
    }
    cum += h->counts[N_BUCKETS];
    appendf(r, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, cum);
    format_double(sum, sizeof sum, h->sum);
    appendf(r, "%s_sum %s\n%s_count %" PRIu64 "\n", name, sum, name, h->count);
}

/* A label value as the format wants it: backslash, quote and newline escaped. */
static void
append_label_value(struct render *r, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '\\' || *s == '"')
            appendf(r, "\\%c", *s);
        else if (*s == '\n')
            appendf(r, "\\n");
        else
            appendf(r, "%c", *s);
    }
}

int
metrics_render(struct metrics *m, struct text *out)
{
    struct render r;
    struct counters c;
    char start[32];

    out->data = NULL;
    out->len = 0;
    pthread_mutex_lock(&m->lock);
    c = m->c;
    pthread_mutex_unlock(&m->lock);

    memset(&r, 0, sizeof r);
    buf_init(&r.b, MAX_RENDER);

    describe(&r, "factd_build_info", "gauge", "Always 1; the version label names the factd build.");
    appendf(&r, "factd_build_info{version=\"");
    append_label_value(&r, FACTD_VERSION);
    appendf(&r, "\"} 1\n");

    describe(&r, "factd_start_time_seconds", "gauge", "Start time of the daemon, Unix seconds.");
    format_double(start, sizeof start, m->start_time);
    appendf(&r, "factd_start_time_seconds %s\n", start);

    describe(&r, "factd_http_responses_total", "counter",
             "Finished transfers by HTTP status of the last response; \"none\" when none came.");
    for (int s = 0; s < MAX_STATUS; s++) {
        if (c.status[s] == 0)
            continue;
        if (s == 0)
            appendf(&r, "factd_http_responses_total{status=\"none\"} %" PRIu64 "\n", c.status[s]);
        else
            appendf(&r, "factd_http_responses_total{status=\"%d\"} %" PRIu64 "\n", s, c.status[s]);
    }
    if (c.status_other != 0)
        appendf(&r, "factd_http_responses_total{status=\"other\"} %" PRIu64 "\n", c.status_other);

    describe(&r, "factd_http_response_bytes_total", "counter",
             "Body bytes of finished transfers, after content decoding.");
    appendf(&r, "factd_http_response_bytes_total %" PRIu64 "\n", c.bytes);

    describe(&r, "factd_fetch_failures_total", "counter", "Failed fetches by reason.");
    for (size_t i = 0; i < N_FAILURES; i++)
        appendf(&r, "factd_fetch_failures_total{reason=\"%s\"} %" PRIu64 "\n", failure_names[i],
                c.failures[i]);

    describe(&r, "factd_documents_total", "counter", "Documents processed by outcome.");
    for (size_t i = 0; i < N_OUTCOMES; i++)
        appendf(&r, "factd_documents_total{outcome=\"%s\"} %" PRIu64 "\n", outcome_names[i],
                c.documents[i]);

    describe(&r, "factd_facts_new_total", "counter", "Facts stored for the first time.");
    appendf(&r, "factd_facts_new_total %" PRIu64 "\n", c.facts_new);

    describe(&r, "factd_frontier_urls", "gauge", "URLs in the frontier.");
    appendf(&r, "factd_frontier_urls %zu\n", c.frontier_urls);
    describe(&r, "factd_frontier_due", "gauge", "URLs in the frontier due for fetching now.");
    appendf(&r, "factd_frontier_due %zu\n", c.frontier_due);
    describe(&r, "factd_transfers_in_flight", "gauge", "Transfers running.");
    appendf(&r, "factd_transfers_in_flight %zu\n", c.in_flight);

    render_histogram(&r, "factd_extract_seconds", "Time to decode and extract one page.",
                     &c.extract);
    render_histogram(&r, "factd_store_write_seconds",
                     "Time to write one page and its facts to the store.", &c.store);

    if (r.failed || buf_to_text(&r.b, out) != BUF_OK) {
        buf_free(&r.b);
        return -1;
    }
    return 0;
}

void
metrics_free(struct metrics *m)
{
    if (m == NULL)
        return;
    /* The listener's watchers are on the caller's loop: metrics_listen_stop()
     * must have taken them off it, on the loop's thread. */
    assert(m->mhd == NULL);
    pthread_mutex_destroy(&m->lock);
    free(m);
}
