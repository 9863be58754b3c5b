/*
 * metrics: counters behind one mutex, a renderer that copies them out under
 * the mutex and writes text without it, and the /metrics listener, which is
 * libmicrohttpd (MHD) run from the daemon's libev loop: MHD's epoll set is
 * watched by an ev_io and its timeout kept by an ev_timer, so MHD reads,
 * parses and answers with no thread of its own and never blocks the loop.
 *
 * The limits on clients stay ours, because MHD's do not hold against a
 * slow client (slowloris): its timeout is one of inactivity, which a byte a
 * second defeats, and at its connection limit it refuses the newcomer, so
 * 16 slow clients would keep a scraper out.  A connection's deadlines run
 * from accept and are never pushed back by the bytes it sends (2 s to send
 * the whole request head, 5 s for everything), and when more than 16 are
 * open the newest stays and the oldest still sending its request goes,
 * else the oldest already answered, else the oldest being sent its reply.
 * A scraper that asks at once is answered at once whatever the others do;
 * a slow one holds a place only while nobody else wants it.  We end a
 * connection MHD holds with shutdown(), never close(): MHD then sees it end
 * and closes it itself on its next run, so the descriptor is never closed
 * under it.  Evictions wait until MHD_run() returns, so that a client
 * accepted in a burst has had its waiting head read before places are
 * counted, as the scraper among a crowd of newcomers must.
 *
 * Numbers are written in the C locale, which the daemon never leaves (it
 * does not call setlocale()).
 */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <microhttpd.h>
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
#define LISTEN_BACKLOG   64
/* Above MAX_CLIENTS, so that our evictions decide who stays, not MHD's
 * refusal: up to 10 accepted per MHD_run() and those shut down but not yet
 * closed by MHD come on top of the 16. */
#define MHD_CONNECTIONS  (4 * MAX_CLIENTS)
/* Per connection, for MHD's read buffer, the parsed head and the reply's
 * head (the body is ours): a head much over METRICS_MAX_HEAD MHD refuses. */
#define MHD_MEMORY       (16 * 1024)
#define MAX_STATUS       600
#define MAX_RENDER       (1u << 20) /* far above what 600 statuses and the rest can need */

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

enum conn_state {
    CONN_HEAD,   /* MHD is reading the request head */
    CONN_REPLY,  /* MHD is sending the reply */
    CONN_LINGER, /* MHD is done with it: we read our dup() until the client closes */
};

/* Our side of one of MHD's connections: its deadline and its place.  Made
 * when MHD accepts the socket, freed when MHD closes it (or, lingering,
 * when we do). */
struct conn {
    ev_io io;       /* CONN_LINGER only: reads fd */
    ev_timer timer; /* the deadline: REQUEST_ or CLIENT_DEADLINE from accept */
    struct metrics *m;
    struct conn *prev, *next; /* in m->conns, newest first, while it holds a place */
    int fd;                   /* MHD's socket; in CONN_LINGER our dup() of it */
    enum conn_state state;
    int dropped;        /* shut down: MHD closes it on its next run; holds no place */
    int target;         /* target_kind() of the request target, once MHD has the line */
    ev_tstamp accepted; /* loop time of accept; the deadlines count from it */
};

struct metrics {
    pthread_mutex_t lock;
    struct counters c; /* under lock */
    double start_time; /* Unix time of metrics_new(); never changes */

    /* The listener, touched on the loop's thread only. */
    struct ev_loop *loop;
    struct MHD_Daemon *mhd; /* NULL when not listening */
    int port;
    ev_io mhd_io;          /* MHD's epoll descriptor */
    ev_timer mhd_timer;    /* MHD_get_timeout() */
    ev_timer accept_timer; /* restarts mhd_io after running out of descriptors */
    struct conn *conns;    /* those holding a place, newest first */
    int n_conns;
    int stopping; /* in metrics_free(): what MHD closes now is not kept to linger */
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

/* ---- what a request asks for ---- */

static int
is_tchar(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/*
 * 1 when target names /metrics (a query string allowed), 0 when it names
 * something else, -1 when it is not a target: origin-form ("/metrics?x"),
 * absolute-form ("http://host/metrics") or "*", printable ASCII.  target is
 * as the client sent it; MHD's own copy has lost its query and had its
 * %-escapes decoded, and the page answers to one spelling only.
 */
static int
target_kind(const char *target)
{
    const char *t = target, *path = target, *end, *q;
    size_t len;

    if (t == NULL || *t == '\0')
        return -1;
    for (len = 0; t[len] != '\0'; len++)
        if ((unsigned char)t[len] <= ' ' || (unsigned char)t[len] >= 0x7f)
            return -1;
    end = t + len;
    if (len == 1 && *t == '*')
        return 0;
    if (*t != '/') {
        size_t scheme = len > 7 && strncasecmp(t, "http://", 7) == 0    ? 7
                        : len > 8 && strncasecmp(t, "https://", 8) == 0 ? 8
                                                                        : 0;
        if (scheme == 0)
            return -1;
        for (path = t + scheme; path < end && *path != '/' && *path != '?'; path++)
            ;
    }
    q = memchr(path, '?', (size_t)(end - path));
    return (q != NULL ? q : end) - path == 8 && memcmp(path, "/metrics", 8) == 0;
}

/* The status due to method on a target of kind target_kind(). */
static int
route(const char *method, int kind)
{
    const char *p = method;

    while (*p != '\0' && is_tchar((unsigned char)*p))
        p++;
    if (p == method || *p != '\0' || kind < 0)
        return 400;
    if (kind == 0)
        return 404;
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ? 200 : 405;
}

int
metrics_route(const char *method, const char *target)
{
    return route(method, target_kind(target));
}

/* ---- our side of MHD's connections ---- */

/* c gives up its place. */
static void
conn_unlink(struct conn *c)
{
    struct metrics *m = c->m;

    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        m->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    m->n_conns--;
}

/* Only once MHD has let go of c: it closed the socket, or c lingers. */
static void
conn_free(struct conn *c)
{
    struct metrics *m = c->m;

    ev_timer_stop(m->loop, &c->timer);
    if (c->state == CONN_LINGER) {
        ev_io_stop(m->loop, &c->io);
        close(c->fd);
    }
    if (!c->dropped)
        conn_unlink(c);
    free(c);
}

/* Ends a connection MHD holds; MHD closes it, and frees c through
 * conn_closed(), on its next run. */
static void
conn_drop(struct conn *c)
{
    ev_timer_stop(c->m->loop, &c->timer);
    shutdown(c->fd, SHUT_RDWR);
    conn_unlink(c);
    c->dropped = 1;
}

static void
conn_end(struct conn *c)
{
    if (c->state == CONN_LINGER)
        conn_free(c);
    else
        conn_drop(c);
}

static void
conn_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    conn_end(w->data);
}

/* Discard what still comes; the deadline ends a client that never closes. */
static void
conn_linger_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct conn *c = (struct conn *)w;
    char scratch[4096];
    ssize_t n = recv(c->fd, scratch, sizeof scratch, 0);

    if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)))
        return;
    conn_free(c);
}

static void
conn_start(struct metrics *m, struct MHD_Connection *mc, void **ctx)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct conn *c = calloc(1, sizeof *c);

    *ctx = c;
    if (c == NULL || ci == NULL) {
        /* Without a deadline it could stay for ever. */
        if (ci != NULL)
            shutdown(ci->connect_fd, SHUT_RDWR);
        free(c);
        *ctx = NULL;
        return;
    }
    c->m = m;
    c->fd = ci->connect_fd;
    c->state = CONN_HEAD;
    c->target = -1;
    c->accepted = ev_now(m->loop);
    ev_timer_init(&c->timer, conn_timeout_cb, REQUEST_DEADLINE, 0.);
    c->timer.data = c;
    c->next = m->conns;
    if (m->conns != NULL)
        m->conns->prev = c;
    m->conns = c;
    m->n_conns++;
    ev_timer_start(m->loop, &c->timer);
}

/*
 * MHD is about to close c's socket, having shut its sending side.  A close()
 * with unread bytes waiting (a body, a second request, the rest of a head
 * too long) makes the kernel send a reset, which can destroy the reply
 * before the client reads it, and MHD closes at once: so the socket stays
 * open on a dup() that we read until the client closes or its deadline.
 */
static void
conn_closed(struct conn *c)
{
    int fd;

    if (c->dropped || c->m->stopping || (fd = fcntl(c->fd, F_DUPFD_CLOEXEC, 0)) < 0) {
        conn_free(c);
        return;
    }
    c->fd = fd;
    c->state = CONN_LINGER;
    ev_io_init(&c->io, conn_linger_cb, fd, EV_READ);
    ev_io_start(c->m->loop, &c->io);
}

static void
conn_notify_cb(void *cls, struct MHD_Connection *mc, void **ctx,
               enum MHD_ConnectionNotificationCode code)
{
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        conn_start(cls, mc, ctx);
    else if (*ctx != NULL)
        conn_closed(*ctx);
}

/* MHD has the request line: the target as sent, before it strips and
 * decodes it.  What we return is the handler's *req. */
static void *
uri_cb(void *cls, const char *uri, struct MHD_Connection *mc)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct conn *c = ci != NULL ? ci->socket_context : NULL;

    if (c != NULL)
        c->target = target_kind(uri);
    return c;
}

/* MHD has the whole head: answer it, once. */
static enum MHD_Result
answer_cb(void *cls, struct MHD_Connection *mc, const char *url, const char *method,
          const char *version, const char *upload_data, size_t *upload_data_size, void **req)
{
    struct metrics *m = cls;
    struct conn *c = *req;
    const union MHD_ConnectionInfo *head =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    const char *type = "text/plain; charset=utf-8", *body = "bad request\n";
    struct MHD_Response *r;
    struct text page = {NULL, 0};
    enum MHD_Result ok = MHD_NO;
    int status;

    if (c == NULL || c->dropped)
        return MHD_NO;
    if (c->state != CONN_HEAD) { /* a request body: the answer is out already */
        *upload_data_size = 0;
        return MHD_YES;
    }
    status = head != NULL && head->header_size > METRICS_MAX_HEAD ? 431 : route(method, c->target);
    if (status == 200) {
        if (metrics_render(m, &page) != 0)
            return MHD_NO;
        type = "text/plain; version=0.0.4; charset=utf-8";
        r = MHD_create_response_from_buffer(page.len, page.data, MHD_RESPMEM_MUST_FREE);
        if (r == NULL)
            text_free(&page);
    } else {
        if (status == 404)
            body = "not found: the metrics are at /metrics\n";
        else if (status == 405)
            body = "method not allowed: use GET or HEAD\n";
        else if (status == 431)
            body = "request head too large\n";
        r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    }
    if (r == NULL)
        return MHD_NO;
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) == MHD_YES &&
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_YES &&
        (status != 405 ||
         MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") == MHD_YES))
        ok = MHD_queue_response(mc, (unsigned int)status, r);
    MHD_destroy_response(r);
    if (ok == MHD_YES) {
        /* The head is in: what is left of CLIENT_DEADLINE is for the reply. */
        double left = c->accepted + CLIENT_DEADLINE - ev_now(m->loop);
        c->state = CONN_REPLY;
        ev_timer_stop(m->loop, &c->timer);
        ev_timer_set(&c->timer, left > 0 ? left : 0., 0.);
        ev_timer_start(m->loop, &c->timer);
    }
    return ok;
}

/* ---- running MHD ---- */

/* The oldest connection in state s that holds a place, the newest aside:
 * the room is made for it. */
static struct conn *
oldest_in(struct metrics *m, enum conn_state s)
{
    struct conn *found = NULL;

    for (struct conn *c = m->conns != NULL ? m->conns->next : NULL; c != NULL; c = c->next)
        if (c->state == s)
            found = c; /* the list is newest first */
    return found;
}

/* Down to MAX_CLIENTS places: the oldest still sending its request goes
 * first, else the oldest answered, else the oldest being answered.  Past
 * MAX_CLIENTS, at least MAX_CLIENTS connections besides the newest hold a
 * place, so there is always one to end. */
static void
make_room(struct metrics *m)
{
    while (m->n_conns > MAX_CLIENTS) {
        struct conn *c = oldest_in(m, CONN_HEAD);
        if (c == NULL && (c = oldest_in(m, CONN_LINGER)) == NULL)
            c = oldest_in(m, CONN_REPLY);
        conn_end(c);
    }
}

/* Out of descriptors, accept() fails and the connection stays queued.
 * With connections open MHD stops listening until one closes, but with
 * none it tries again on every run, and the loop would spin on the
 * listening socket. */
static int
starved(struct metrics *m)
{
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    int probe;

    if (di == NULL || di->num_connections != 0)
        return 0;
    probe = fcntl(m->mhd_io.fd, F_DUPFD_CLOEXEC, 0);
    if (probe >= 0) {
        close(probe);
        return 0;
    }
    return errno == EMFILE || errno == ENFILE;
}

static void
mhd_run(struct metrics *m)
{
    MHD_UNSIGNED_LONG_LONG ms;

    MHD_run(m->mhd);
    make_room(m);
    ev_timer_stop(m->loop, &m->mhd_timer);
    if (starved(m)) {
        ev_io_stop(m->loop, &m->mhd_io);
        ev_timer_set(&m->accept_timer, ACCEPT_RETRY, 0.);
        ev_timer_start(m->loop, &m->accept_timer);
    } else if (MHD_get_timeout(m->mhd, &ms) == MHD_YES) {
        ev_timer_set(&m->mhd_timer, (double)ms / 1000., 0.);
        ev_timer_start(m->loop, &m->mhd_timer);
    }
}

static void
mhd_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    mhd_run(w->data);
}

static void
mhd_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    mhd_run(w->data);
}

static void
accept_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct metrics *m = w->data;

    ev_io_start(loop, &m->mhd_io);
    mhd_run(m);
}

/* ---- listening ---- */

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
    int fd, mhd_fd, one = 1;

    if (m->mhd != NULL) {
        err_set(err, "metrics listener: already listening on port %d", m->port);
        return -1;
    }
    if (parse_addr(addr, &ss, &sslen, err) != 0) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        err_set(err, "metrics listener: %s", why);
        return -1;
    }
    /* Bound here, not by MHD, so that a refusal says why ("in use"). */
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
    /* MHD closes the socket it is given when it fails to start, except when
     * it fails early: it gets a dup(), and ours is closed either way (at
     * worst a start that fails for want of memory leaves the dup open). */
    mhd_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    /* No MHD_OPTION_CONNECTION_TIMEOUT: its timeout is one of inactivity,
     * and the deadlines are ours. */
    struct MHD_OptionItem options[] = {
        {MHD_OPTION_LISTEN_SOCKET, mhd_fd, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, MHD_CONNECTIONS, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, MHD_MEMORY, NULL},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)conn_notify_cb, m},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_cb, m},
        {MHD_OPTION_END, 0, NULL},
    };
    m->loop = loop;
    if (mhd_fd >= 0)
        m->mhd = MHD_start_daemon(MHD_USE_EPOLL, 0, NULL, NULL, answer_cb, m, MHD_OPTION_ARRAY,
                                  options, MHD_OPTION_END);
    close(fd);
    const union MHD_DaemonInfo *di =
        m->mhd != NULL ? MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
    if (di == NULL) {
        err_set(err, "metrics listener: libmicrohttpd did not start");
        if (m->mhd != NULL)
            MHD_stop_daemon(m->mhd);
        m->mhd = NULL;
        return -1;
    }
    ev_io_init(&m->mhd_io, mhd_io_cb, di->epoll_fd, EV_READ);
    m->mhd_io.data = m;
    ev_init(&m->mhd_timer, mhd_timer_cb);
    m->mhd_timer.data = m;
    ev_init(&m->accept_timer, accept_retry_cb);
    m->accept_timer.data = m;
    ev_io_start(loop, &m->mhd_io);
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
    return m->mhd != NULL ? m->port : -1;
}

void
metrics_free(struct metrics *m)
{
    if (m == NULL)
        return;
    if (m->mhd != NULL) {
        ev_io_stop(m->loop, &m->mhd_io);
        ev_timer_stop(m->loop, &m->mhd_timer);
        ev_timer_stop(m->loop, &m->accept_timer);
        /* MHD closes its connections, and conn_closed() frees ours with them. */
        m->stopping = 1;
        MHD_stop_daemon(m->mhd);
        while (m->conns != NULL) /* lingering */
            conn_free(m->conns);
    }
    pthread_mutex_destroy(&m->lock);
    free(m);
}
