/*
 * metrics_listen: the /metrics listener, which is libmicrohttpd (MHD) run
 * from the daemon's libev loop: MHD's epoll set is watched by an ev_io and
 * its timeout kept by an ev_timer, so MHD reads, parses and answers with no
 * thread of its own and never blocks the loop.
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
 */
#include "metrics_listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics_impl.h"

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
metrics_listen_stop(struct metrics *m)
{
    if (m == NULL || m->mhd == NULL)
        return;
    ev_io_stop(m->loop, &m->mhd_io);
    ev_timer_stop(m->loop, &m->mhd_timer);
    ev_timer_stop(m->loop, &m->accept_timer);
    /* MHD closes its connections, and conn_closed() frees ours with them. */
    m->stopping = 1;
    MHD_stop_daemon(m->mhd);
    m->mhd = NULL;
    while (m->conns != NULL) /* lingering */
        conn_free(m->conns);
    m->stopping = 0;
    m->port = -1;
}
