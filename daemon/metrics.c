/*
 * metrics: counters behind one mutex, a renderer that copies them out under
 * the mutex and writes text without it, and a small HTTP/1.x server on the
 * daemon's libev loop that answers each client once and closes.
 *
 * The server is deliberately not general: one resource, no keep-alive, no
 * request bodies, heads of at most 8 KiB, 16 clients.  It never blocks the
 * loop: every socket is non-blocking and a reply that does not fit in the
 * socket buffer waits for EV_WRITE.
 *
 * A client cannot keep others out (slowloris): its deadlines run from
 * accept and are never pushed back by the bytes it sends (2 s to send the
 * whole request head, 5 s for everything), and when all 16 places are taken
 * a new connection takes the place of the oldest client still sending its
 * request, else of the oldest whose reply is already out, else of the
 * oldest being sent one.  A scraper that asks at once is answered at once
 * whatever the others do; a slow one holds a place only while nobody else
 * wants it.  Numbers are written in the C locale,
 * which the daemon never leaves (it does not call setlocale()).
 */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS      16
#define REQUEST_DEADLINE 2.0 /* seconds from accept to a whole request head */
#define CLIENT_DEADLINE  5.0 /* seconds from accept to the reply sent and the client gone */
#define ACCEPT_RETRY     1.0 /* seconds to wait when out of file descriptors */
#define ACCEPT_BATCH     32  /* connections taken per wake-up, so the fetcher gets its turn */
#define LISTEN_BACKLOG   64
#define MAX_STATUS       600
#define MAX_RENDER       (1u << 20) /* far above what 600 statuses and the rest can need */
#define MAX_REPLY_HEAD   512

static const char *const failure_names[] = {
    "timeout",          "network",         "too_big",     "refused",  "bad_reply",
    "offsite_redirect", "private_address", "http_4xx",    "http_5xx", "gone",
    "not_a_page",       "store",           "page_budget", "other", /* the catch-all: keep it last */
};
#define N_FAILURES (sizeof failure_names / sizeof *failure_names)

static const char *const outcome_names[] = {"new", "changed", "unchanged", "failed"};
#define N_OUTCOMES (sizeof outcome_names / sizeof *outcome_names)

/* Bounds and their labels kept apart so a label reads exactly as written,
 * whatever printf would make of the double. */
static const double bucket_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                       0.25,  0.5,    1,     2.5,  5,     10};
static const char *const bucket_labels[] = {"0.001", "0.0025", "0.005", "0.01", "0.025",
                                            "0.05",  "0.1",    "0.25",  "0.5",  "1",
                                            "2.5",   "5",      "10"};
#define N_BUCKETS (sizeof bucket_bounds / sizeof *bucket_bounds)

struct histogram {
    uint64_t counts[N_BUCKETS + 1]; /* per bucket, not cumulative; the last is above 10 s */
    double sum;
    uint64_t count;
};

/* Everything recorded; a plain value so render can copy it whole. */
struct counters {
    uint64_t status[MAX_STATUS];
    uint64_t status_other; /* codes outside 0..599 */
    uint64_t bytes;
    uint64_t failures[N_FAILURES];
    uint64_t documents[N_OUTCOMES];
    uint64_t facts_new;
    size_t frontier_urls, frontier_due, in_flight;
    struct histogram extract, store;
};

enum client_state {
    CLIENT_READ,   /* waiting for the whole request head */
    CLIENT_WRITE,  /* sending the reply */
    CLIENT_LINGER, /* reply sent and our side shut: reading until the client closes */
};

struct client {
    ev_io io;       /* first: the io callback casts back */
    ev_timer timer; /* drops the client at its deadline: REQUEST_ or CLIENT_DEADLINE */
    struct metrics *m;
    struct client *prev, *next; /* newest first */
    int fd;
    enum client_state state;
    ev_tstamp accepted; /* loop time of accept; the deadlines count from it */
    int last_chance;    /* read once more before being evicted (make_room()) */
    size_t in_len;
    char in[METRICS_MAX_HEAD + 1]; /* one byte more, so a head too long is seen as such */
    struct buf out;                /* the reply; owned, freed when sent */
    size_t out_off;                /* bytes of out sent */
};

struct metrics {
    pthread_mutex_t lock;
    struct counters c; /* under lock */
    double start_time; /* Unix time of metrics_new(); never changes */

    /* The listener, touched on the loop's thread only. */
    struct ev_loop *loop;
    int listen_fd; /* -1 when not listening */
    int port;
    ev_io listen_io;
    ev_timer accept_timer; /* restarts listen_io after running out of descriptors */
    struct client *clients;
    int n_clients;
};

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
    m->listen_fd = -1;
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

/* ---- request heads ---- */

static int
is_tchar(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/*
 * The request line p[0..n), or as much of it as came when !whole: -1 when
 * it cannot be (the start of) "METHOD SP TARGET SP HTTP/1.D", else 0, and
 * when whole, *status and *head_only.  Targets are origin-form ("/metrics?x"),
 * absolute-form ("http://host/metrics") or "*".
 */
static int
request_line(const char *p, size_t n, int whole, int *status, int *head_only)
{
    static const char version[] = "HTTP/1.#"; /* # stands for a digit */
    size_t i = 0, method_len, target, target_len, v;

    while (i < n && is_tchar((unsigned char)p[i]))
        i++;
    method_len = i;
    if (i < n && (p[i] != ' ' || method_len == 0))
        return -1;
    if (i++ >= n)
        return whole ? -1 : 0;
    target = i;
    while (i < n && p[i] > ' ' && p[i] < 0x7f)
        i++;
    target_len = i - target;
    if (i < n && (p[i] != ' ' || target_len == 0))
        return -1;
    if (i++ >= n)
        return whole ? -1 : 0;
    for (v = 0; i < n && v < sizeof version - 1; i++, v++)
        if (version[v] == '#' ? p[i] < '0' || p[i] > '9' : p[i] != version[v])
            return -1;
    if (i < n || (whole && v < sizeof version - 1))
        return -1;
    if (!whole)
        return 0;

    /* Whole: what it asks for. */
    const char *t = p + target, *path = t, *end = t + target_len;
    if (target_len == 1 && *t == '*') {
        path = end; /* no path: not /metrics */
    } else if (*t != '/') {
        size_t scheme = target_len > 7 && strncasecmp(t, "http://", 7) == 0    ? 7
                        : target_len > 8 && strncasecmp(t, "https://", 8) == 0 ? 8
                                                                               : 0;
        if (scheme == 0)
            return -1;
        path = t + scheme;
        while (path < end && *path != '/' && *path != '?')
            path++;
    }
    const char *q = memchr(path, '?', (size_t)(end - path));
    size_t path_len = (size_t)((q != NULL ? q : end) - path);
    int is_metrics = path_len == 8 && memcmp(path, "/metrics", 8) == 0;
    int get = method_len == 3 && memcmp(p, "GET", 3) == 0;
    int head = method_len == 4 && memcmp(p, "HEAD", 4) == 0;
    *head_only = head;
    *status = !is_metrics ? 404 : get || head ? 200 : 405;
    return 0;
}

/* A header field line p[0..n), or its start when !whole: "NAME: VALUE" with
 * no space before the colon and no control characters but tab.  A line
 * starting with white space (obsolete folding) is refused, as RFC 9112 lets
 * a server do. */
static int
header_line(const char *p, size_t n, int whole)
{
    size_t i = 0;

    while (i < n && is_tchar((unsigned char)p[i]))
        i++;
    if (i == n)
        return whole ? -1 : 0;
    if (p[i] != ':' || i == 0)
        return -1;
    for (i++; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if ((ch < ' ' && ch != '\t') || ch == 0x7f)
            return -1;
    }
    return 0;
}

int
metrics_parse_request(const char *buf, size_t len, int *status, int *head_only)
{
    size_t limit = len < METRICS_MAX_HEAD ? len : METRICS_MAX_HEAD, pos = 0;
    int seen_request_line = 0;

    *status = 400;
    *head_only = 0;
    while (pos < limit) {
        const char *nl = memchr(buf + pos, '\n', limit - pos);
        size_t end = nl != NULL ? (size_t)(nl - buf) : limit, n = end - pos;
        int whole = nl != NULL;

        /* A CR ending a line, or ending what came so far (its LF may follow), is
         * the line's end; anywhere else the line checks refuse it. */
        if (n > 0 && buf[pos + n - 1] == '\r')
            n--;
        if (!seen_request_line) {
            /* RFC 9112 2.2: empty lines before the request line are ignored. */
            if (!(whole && n == 0)) {
                if (request_line(buf + pos, n, whole, status, head_only) != 0)
                    return -1;
                seen_request_line = whole;
            }
        } else if (whole && n == 0) {
            return 1;
        } else if (header_line(buf + pos, n, whole) != 0) {
            return -1;
        }
        if (!whole)
            break;
        pos = end + 1;
    }
    if (len > METRICS_MAX_HEAD)
        return -1;
    /* Not whole yet: the answer is not known. */
    *status = 400;
    *head_only = 0;
    return 0;
}

/* ---- the listener and its clients ---- */

static void
client_close(struct client *c)
{
    struct metrics *m = c->m;

    ev_io_stop(m->loop, &c->io);
    ev_timer_stop(m->loop, &c->timer);
    close(c->fd);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        m->clients = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    m->n_clients--;
    buf_free(&c->out);
    free(c);
}

static void
client_watch(struct client *c, int events)
{
    ev_io_stop(c->m->loop, &c->io);
    ev_io_set(&c->io, c->fd, events);
    ev_io_start(c->m->loop, &c->io);
}

/* RFC 9110 wants a Date from a server with a clock; the names are spelled
 * out because strftime's follow the locale. */
static void
http_date(char *out, size_t len)
{
    static const char days[][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    snprintf(out, len, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The whole reply into c->out.  -1 when out of memory. */
static int
client_reply(struct client *c, int status, int head_only)
{
    struct text page = {NULL, 0};
    const char *reason, *body, *type = "text/plain; charset=utf-8";
    size_t body_len = 0;
    char date[64];
    struct render r;

    switch (status) {
    case 200:
        if (metrics_render(c->m, &page) != 0)
            return -1;
        reason = "OK";
        body = page.data;
        body_len = page.len;
        type = "text/plain; version=0.0.4; charset=utf-8";
        break;
    case 404:
        reason = "Not Found";
        body = "not found: the metrics are at /metrics\n";
        break;
    case 405:
        reason = "Method Not Allowed";
        body = "method not allowed: use GET or HEAD\n";
        break;
    default:
        reason = "Bad Request";
        body = "bad request\n";
        break;
    }
    if (status != 200)
        body_len = strlen(body);

    memset(&r, 0, sizeof r);
    buf_init(&r.b, body_len + MAX_REPLY_HEAD);
    http_date(date, sizeof date);
    appendf(&r,
            "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Connection: close\r\n%s\r\n",
            status, reason, date, type, body_len, status == 405 ? "Allow: GET, HEAD\r\n" : "");
    if (!head_only && !r.failed && buf_append(&r.b, body, body_len) != BUF_OK)
        r.failed = 1;
    text_free(&page);
    if (r.failed) {
        buf_free(&r.b);
        return -1;
    }
    c->out = r.b;
    c->out_off = 0;
    return 0;
}

/* The reply is out: shut our side and read until the client closes.  A
 * close() with unread bytes waiting (a body, a second request, the rest of
 * a head too long) makes the kernel send a reset, which can destroy the
 * reply before the client reads it. */
static void
client_linger(struct client *c)
{
    buf_free(&c->out);
    shutdown(c->fd, SHUT_WR);
    c->state = CLIENT_LINGER;
    client_watch(c, EV_READ);
}

/* 0, or -1 when c was closed (it must not be touched again). */
static int
client_write(struct client *c)
{
    while (c->out_off < c->out.len) {
        ssize_t n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                client_close(c);
                return -1;
            }
            return 0;
        }
        c->out_off += (size_t)n;
    }
    client_linger(c);
    return 0;
}

/* Read what the client sent; on a whole head, answer.  0, or -1 when c was
 * closed (it must not be touched again). */
static int
client_read(struct client *c)
{
    int status, head_only, rc;
    ssize_t n = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, 0);

    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return 0;
    if (n <= 0) { /* gone, or broken, before asking for anything */
        client_close(c);
        return -1;
    }
    c->in_len += (size_t)n;
    rc = metrics_parse_request(c->in, c->in_len, &status, &head_only);
    if (rc == 0 && c->in_len < sizeof c->in)
        return 0;
    if (rc != 1) {
        status = 400;
        head_only = 0;
    }
    if (client_reply(c, status, head_only) != 0) {
        client_close(c);
        return -1;
    }
    /* The head is in: what is left of CLIENT_DEADLINE is for the reply. */
    struct ev_loop *loop = c->m->loop;
    double left = c->accepted + CLIENT_DEADLINE - ev_now(loop);
    ev_timer_stop(loop, &c->timer);
    ev_timer_set(&c->timer, left > 0 ? left : 0., 0.);
    ev_timer_start(loop, &c->timer);
    c->state = CLIENT_WRITE;
    client_watch(c, EV_WRITE);
    return client_write(c);
}

/* Discard what still comes; the deadline ends a client that never closes. */
static void
client_drain(struct client *c)
{
    char scratch[4096];
    ssize_t n = recv(c->fd, scratch, sizeof scratch, 0);

    if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)))
        return;
    client_close(c);
}

static void
client_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct client *c = (struct client *)w;

    switch (c->state) {
    case CLIENT_READ:
        client_read(c);
        break;
    case CLIENT_WRITE:
        client_write(c);
        break;
    case CLIENT_LINGER:
        client_drain(c);
        break;
    }
}

static void
client_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    client_close(w->data);
}

static void
client_start(struct metrics *m, int fd)
{
    struct client *c = calloc(1, sizeof *c);

    if (c == NULL) {
        close(fd);
        return;
    }
    c->m = m;
    c->fd = fd;
    c->state = CLIENT_READ;
    c->accepted = ev_now(m->loop);
    buf_init(&c->out, 0);
    ev_io_init(&c->io, client_io_cb, fd, EV_READ);
    ev_timer_init(&c->timer, client_timeout_cb, REQUEST_DEADLINE, 0.);
    c->timer.data = c;
    c->next = m->clients;
    if (m->clients != NULL)
        m->clients->prev = c;
    m->clients = c;
    m->n_clients++;
    ev_io_start(m->loop, &c->io);
    ev_timer_start(m->loop, &c->timer);
}

/* The oldest client in state s, or NULL. */
static struct client *
oldest_in(struct metrics *m, enum client_state s)
{
    struct client *found = NULL;

    for (struct client *c = m->clients; c != NULL; c = c->next)
        if (c->state == s)
            found = c; /* the list is newest first */
    return found;
}

/*
 * Make a place for a new client when all are taken, by closing one: the
 * oldest still sending its request, else the oldest whose reply is out and
 * that has only to close, else the oldest still being sent its reply.  A
 * client about to be evicted while sending its request is read once more
 * first, and if the rest of its head was waiting it is answered instead:
 * in a burst of connections accepted together, the scraper among them is
 * not pushed out by those after it before the loop ever read it.  Each turn
 * closes a client or moves one out of CLIENT_READ for good, so it ends.
 */
static void
make_room(struct metrics *m)
{
    while (m->n_clients >= MAX_CLIENTS) {
        struct client *c = oldest_in(m, CLIENT_READ);
        if (c != NULL && !c->last_chance) {
            c->last_chance = 1;
            client_read(c); /* closed, answered, or still short of a head */
            continue;
        }
        if (c == NULL && (c = oldest_in(m, CLIENT_LINGER)) == NULL)
            c = oldest_in(m, CLIENT_WRITE);
        client_close(c);
    }
}

static void
accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct metrics *m = w->data;

    for (int i = 0; i < ACCEPT_BATCH; i++) {
        int fd = accept4(m->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /* The connection stays queued and the socket readable: without
                 * a pause the loop would spin on it. */
                ev_io_stop(loop, &m->listen_io);
                ev_timer_set(&m->accept_timer, ACCEPT_RETRY, 0.);
                ev_timer_start(loop, &m->accept_timer);
            }
            return;
        }
        make_room(m);
        client_start(m, fd);
    }
}

static void
accept_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct metrics *m = w->data;
    ev_io_start(loop, &m->listen_io);
}

/* addr as a socket address, if it is a loopback one.  -1 with err saying
 * why, in words that read after "metrics listener: " and after the
 * configuration reader's "metrics_listen is ...". */
static int
parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *sslen, struct err *err)
{
    const char *host = addr, *host_end, *port;
    char name[INET6_ADDRSTRLEN + 1];
    unsigned long portnum = 0;
    size_t i;

    if (addr[0] == '[') {
        host = addr + 1;
        host_end = strchr(host, ']');
        if (host_end == NULL || host_end[1] != ':') {
            err_set(err, "not [IPv6]:PORT");
            return -1;
        }
        port = host_end + 2;
    } else {
        host_end = strrchr(addr, ':');
        if (host_end == NULL) {
            err_set(err, "not HOST:PORT (e.g. 127.0.0.1:9464)");
            return -1;
        }
        if (memchr(addr, ':', (size_t)(host_end - addr)) != NULL) {
            err_set(err, "an IPv6 address goes in brackets, as [::1]:9464");
            return -1;
        }
        port = host_end + 1;
    }
    for (i = 0; port[i] >= '0' && port[i] <= '9' && i < 6; i++)
        portnum = portnum * 10 + (unsigned long)(port[i] - '0');
    if (i == 0 || port[i] != '\0' || portnum > 65535) {
        err_set(err, "the port is not a number from 0 to 65535");
        return -1;
    }

    memset(ss, 0, sizeof *ss);
    size_t host_len = (size_t)(host_end - host);
    if (host_len < sizeof name) {
        memcpy(name, host, host_len);
        name[host_len] = '\0';
    } else {
        name[0] = '\0';
    }
    /* "localhost" is not looked up: a hosts file naming another address
     * must not be able to put the page on the network. */
    if (host == addr && strcasecmp(name, "localhost") == 0)
        memcpy(name, "127.0.0.1", sizeof "127.0.0.1");
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    if (host == addr && inet_pton(AF_INET, name, &sin->sin_addr) == 1) {
        if ((ntohl(sin->sin_addr.s_addr) >> 24) == 127) {
            sin->sin_family = AF_INET;
            sin->sin_port = htons((uint16_t)portnum);
            *sslen = sizeof *sin;
            return 0;
        }
    } else if (host != addr && inet_pton(AF_INET6, name, &sin6->sin6_addr) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr)) {
            sin6->sin6_family = AF_INET6;
            sin6->sin6_port = htons((uint16_t)portnum);
            *sslen = sizeof *sin6;
            return 0;
        }
    }
    err_set(err, "not a loopback address (127.0.0.1, [::1] or localhost); "
                 "the page is for this machine only");
    return -1;
}

static int
listen_on(struct metrics *m, struct ev_loop *loop, const char *addr, struct err *err)
{
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    int fd, one = 1;

    if (m->listen_fd >= 0) {
        err_set(err, "metrics listener: already listening on port %d", m->port);
        return -1;
    }
    if (parse_addr(addr, &ss, &sslen, err) != 0) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        err_set(err, "metrics listener: %s", why);
        return -1;
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        err_set(err, "metrics listener: cannot make a socket: %s", strerror(errno));
        return -1;
    }
    /* A restart must not wait for the last run's connections in TIME_WAIT. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, sslen) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
        err_set(err, "metrics listener: cannot listen: %s", strerror(errno));
        close(fd);
        return -1;
    }
    sslen = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sslen) != 0) {
        err_set(err, "metrics listener: cannot read the port: %s", strerror(errno));
        close(fd);
        return -1;
    }
    m->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                            : ((struct sockaddr_in6 *)&ss)->sin6_port);
    m->loop = loop;
    m->listen_fd = fd;
    ev_io_init(&m->listen_io, accept_cb, fd, EV_READ);
    m->listen_io.data = m;
    ev_init(&m->accept_timer, accept_retry_cb);
    m->accept_timer.data = m;
    ev_io_start(loop, &m->listen_io);
    return 0;
}

int
metrics_listen(struct metrics *m, struct ev_loop *loop, const char *addr, struct err *err)
{
    if (listen_on(m, loop, addr, err) != 0) {
        err_file(err, addr);
        return -1;
    }
    return 0;
}

int
metrics_check_addr(const char *addr, struct err *err)
{
    struct sockaddr_storage ss;
    socklen_t sslen = 0;

    return parse_addr(addr, &ss, &sslen, err);
}

int
metrics_port(const struct metrics *m)
{
    return m->listen_fd >= 0 ? m->port : -1;
}

void
metrics_free(struct metrics *m)
{
    if (m == NULL)
        return;
    while (m->clients != NULL)
        client_close(m->clients);
    if (m->listen_fd >= 0) {
        ev_io_stop(m->loop, &m->listen_io);
        ev_timer_stop(m->loop, &m->accept_timer);
        close(m->listen_fd);
    }
    pthread_mutex_destroy(&m->lock);
    free(m);
}
