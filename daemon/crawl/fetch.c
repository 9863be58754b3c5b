/*
 * fetch: the libcurl multi interface on libev, in the way curl's
 * docs/examples/evhiperfifo.c describes: curl tells us which sockets to watch
 * (sock_cb) and when to call it back (timer_cb); we tell curl what happened
 * with curl_multi_socket_action().  Finished transfers are collected in
 * collect(), which runs after curl_multi_socket_action() has returned, so the
 * handle can be removed and the caller may start new transfers.
 *
 * An easy handle is made when its request starts, not when it is queued: a
 * first crawl queues thousands of articles, and a handle is several KB.
 */
#include "fetch.h"
#include "decode.h"
#include "fetch_addr.h"

#include <assert.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_HEAD_BYTES (64u << 10)
#define MAX_REDIRECTS  5

struct host;

struct request {
    struct request *next;                /* in its host's queue, or in fetch.failed */
    struct request *prev_run, *next_run; /* in fetch.active while running */
    struct host *host;
    struct fetch *f;
    char *url, *etag, *last_modified;
    void *udata;
    CURL *easy;
    struct curl_slist *headers;
    struct buf body, head, sent;
    char *hop;      /* the URL asked for now: url, or the last redirect's target */
    int redirects;  /* followed so far */
    double started; /* ev_time() at its first hop */
    int too_big;
    int sent_done;  /* the request header block in sent is complete */
    int blocked;    /* a connection was refused: not a public address */
    int paused;     /* its writes wait for the bodies in hand to shrink */
    size_t counted; /* of body, the bytes counted in fetch.in_hand */
    /* Content decoding of the current response. */
    enum decode_coding coding;
    int deflate; /* Content-Encoding: deflate */
    struct decoder dec;
    char errbuf[CURL_ERROR_SIZE];
};

struct host {
    struct host *next;
    char *name;
    int running;
    ev_tstamp next_start;
    struct request *first, *last; /* waiting, in order */
};

struct sock {
    ev_io io;
    struct fetch *f;
    struct sock *prev, *next; /* all watched sockets, freed with f */
};

struct fetch {
    struct ev_loop *loop;
    CURLM *multi;
    ev_timer curl_timer; /* curl's own timeouts */
    ev_timer pump_timer; /* the next host_delay to pass, or failures to hand over */
    struct fetch_opts o;
    char *user_agent;
    fetch_done_fn done;
    fetch_allow_fn allow;
    void *arg;
    struct host *hosts;
    struct sock *socks;
    struct request *failed; /* requests that could not start; reported from pump_timer */
    struct request *active; /* running */
    size_t running, waiting;
    size_t in_hand; /* body bytes of live requests, and of bodies not yet released */
    size_t npaused;
    int held;
};

static void pump(struct fetch *f);

/* A new response, or none: no decoding under way. */
static void
decoder_end(struct request *rq)
{
    decode_free(&rq->dec);
    decode_init(&rq->dec, rq->deflate);
}

/* The body as received so far no longer counts (dropped, or handed over:
 * then the caller releases it). */
static void
uncount(struct fetch *f, struct request *rq)
{
    assert(f->in_hand >= rq->counted);
    f->in_hand -= rq->counted;
    rq->counted = 0;
}

static void
request_free(struct fetch *f, struct request *rq)
{
    if (rq == NULL)
        return;
    uncount(f, rq);
    if (rq->paused)
        f->npaused--;
    if (rq->easy != NULL)
        curl_easy_cleanup(rq->easy);
    decoder_end(rq);
    curl_slist_free_all(rq->headers);
    buf_free(&rq->body);
    buf_free(&rq->head);
    buf_free(&rq->sent);
    free(rq->url);
    free(rq->hop);
    free(rq->etag);
    free(rq->last_modified);
    free(rq);
}

/* ---- curl's callbacks ---- */

/* The oldest running transfer is never paused, so one always moves on. */
static int
oldest(const struct fetch *f, const struct request *rq)
{
    return rq->next_run == NULL && f->active != NULL;
}

static int
append_body(struct fetch *f, struct request *rq, const void *p, size_t n)
{
    if (buf_append(&rq->body, p, n) != BUF_OK) {
        rq->too_big = 1;
        return -1;
    }
    rq->counted += n;
    f->in_hand += n;
    return 0;
}

static int
sink_body(void *arg, const void *p, size_t n)
{
    struct request *rq = arg;
    return append_body(rq->f, rq, p, n);
}

static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
    struct request *rq = arg;
    struct fetch *f = rq->f;
    size_t len = size * n;

    if (f->o.max_in_hand > 0 && f->in_hand >= f->o.max_in_hand && !oldest(f, rq)) {
        /* curl hands the same bytes again when the transfer is resumed. */
        if (!rq->paused) {
            rq->paused = 1;
            f->npaused++;
        }
        return CURL_WRITEFUNC_PAUSE;
    }
    if (rq->body.len == 0 && rq->coding == DECODE_NONE) {
        /* The body's size, when said, is reserved at once: growing a 15 MB
         * body by doubling copies it again and again on the loop. */
        curl_off_t cl = -1;
        curl_easy_getinfo(rq->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
        if (cl > 0 && (curl_off_t)f->o.max_bytes >= cl)
            (void)buf_reserve(&rq->body, (size_t)cl);
    }
    int rc;
    if (rq->coding == DECODE_NONE) {
        rc = append_body(f, rq, p, len);
    } else if (rq->coding == DECODE_ZLIB) {
        if (rq->dec.in == 0)
            decode_init(&rq->dec, rq->deflate);
        rc = decode_feed(&rq->dec, p, len, sink_body, rq);
    } else {
        rc = -1;
    }
    /* Any count but len ends the transfer with CURLE_WRITE_ERROR. */
    return rc == 0 ? len : 0;
}

/* Keeps the header block of the last response only: a redirect or a 100
 * Continue starts a new one. */
static size_t
header_cb(char *p, size_t size, size_t n, void *arg)
{
    struct request *rq = arg;
    size_t len = size * n;
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        rq->head.len = 0;
        rq->coding = DECODE_NONE;
        rq->deflate = 0;
    } else if (len > 17 && strncasecmp(p, "Content-Encoding:", 17) == 0 && rq->body.len == 0 &&
               rq->dec.in == 0) {
        /* Several Content-Encoding lines are one list: two codings is one
         * too many.  A trailer after the body changes nothing. */
        int deflate = 0;
        enum decode_coding c = decode_coding_of(p + 17, len - 17, &deflate);
        if (c != DECODE_NONE && rq->coding != DECODE_NONE)
            rq->coding = DECODE_BAD;
        else if (c != DECODE_NONE) {
            rq->coding = c;
            rq->deflate = deflate;
        }
    }
    (void)buf_append(&rq->head, p, len); /* a head past 64 KB is kept cut short */
    return len;
}

/* Before every connection: a host name that resolves to a loopback or
 * private address (DNS rebinding, a redirect to an internal name) is not
 * connected to.  The URL naming such an address itself is the operator's
 * choice (the allow callback has let it through). */
static curl_socket_t
opensocket_cb(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct request *rq = arg;
    (void)purpose;
    if (!fetch_addr_allowed(&a->addr, rq->hop)) {
        rq->blocked = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static int
debug_cb(CURL *easy, curl_infotype type, char *p, size_t len, void *arg)
{
    struct request *rq = arg;
    (void)easy;
    if (type != CURLINFO_HEADER_OUT)
        return 0;
    if (rq->sent_done) {
        rq->sent.len = 0;
        rq->sent_done = 0;
    }
    (void)buf_append(&rq->sent, p, len);
    rq->sent_done =
        rq->sent.len >= 4 && memcmp(rq->sent.data + rq->sent.len - 4, "\r\n\r\n", 4) == 0;
    return 0;
}

static void
sock_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct sock *s = (struct sock *)w;
    struct fetch *f = s->f; /* s may be freed by the call below */
    int action =
        (revents & EV_READ ? CURL_CSELECT_IN : 0) | (revents & EV_WRITE ? CURL_CSELECT_OUT : 0);
    int still;
    (void)loop;
    curl_multi_socket_action(f->multi, w->fd, action, &still);
    pump(f);
}

static void
sock_forget(struct fetch *f, struct sock *s)
{
    ev_io_stop(f->loop, &s->io);
    if (s->prev)
        s->prev->next = s->next;
    else
        f->socks = s->next;
    if (s->next)
        s->next->prev = s->prev;
    free(s);
}

static int
sock_cb(CURL *easy, curl_socket_t fd, int what, void *arg, void *sockp)
{
    struct fetch *f = arg;
    struct sock *s = sockp;
    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        if (s != NULL) {
            curl_multi_assign(f->multi, fd, NULL);
            sock_forget(f, s);
        }
        return 0;
    }
    if (s == NULL) {
        if ((s = calloc(1, sizeof *s)) == NULL)
            return -1; /* curl fails the transfer */
        s->f = f;
        s->next = f->socks;
        if (f->socks)
            f->socks->prev = s;
        f->socks = s;
        ev_init(&s->io, sock_io_cb);
        curl_multi_assign(f->multi, fd, s);
    }
    int events = (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0);
    ev_io_stop(f->loop, &s->io);
    ev_io_set(&s->io, fd, events);
    ev_io_start(f->loop, &s->io);
    return 0;
}

static void
curl_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct fetch *f = w->data;
    int still;
    (void)loop;
    (void)revents;
    curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &still);
    pump(f);
}

/* curl asks to be called back in ms milliseconds (-1: never). */
static int
timer_cb(CURLM *multi, long ms, void *arg)
{
    struct fetch *f = arg;
    (void)multi;
    ev_timer_stop(f->loop, &f->curl_timer);
    if (ms >= 0) {
        ev_timer_set(&f->curl_timer, (double)ms / 1000.0, 0.);
        ev_timer_start(f->loop, &f->curl_timer);
    }
    return 0;
}

/* ---- results ---- */

static enum fetch_error
classify(CURLcode rc, const struct request *rq)
{
    switch (rc) {
    case CURLE_OK:
        return FETCH_OK;
    case CURLE_OPERATION_TIMEDOUT:
        return FETCH_TIMEOUT;
    case CURLE_FILESIZE_EXCEEDED:
        return FETCH_TOO_BIG;
    case CURLE_WRITE_ERROR:
        if (rq->too_big)
            return FETCH_TOO_BIG;
        return rq->coding == DECODE_BAD || rq->dec.failed ? FETCH_BAD_REPLY : FETCH_NETWORK;
    case CURLE_COULDNT_CONNECT:
        return rq->blocked ? FETCH_PRIVATE : FETCH_NETWORK;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_URL_MALFORMAT:
        return FETCH_REFUSED;
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_WEIRD_SERVER_REPLY:
        return FETCH_BAD_REPLY;
    default:
        return FETCH_NETWORK;
    }
}

const char *
fetch_error_name(enum fetch_error e)
{
    static const char *const names[] = {
        "ok",      "timeout",   "network",          "too_big",
        "refused", "bad_reply", "offsite_redirect", "private_address"};
    assert((size_t)e < sizeof names / sizeof names[0]);
    return names[e];
}

static const char *
header_value(CURL *easy, const char *name)
{
    struct curl_header *h;
    if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
        return NULL;
    return h->value;
}

static void
buf_as_text(struct buf *b, struct text *t)
{
    if (b->data == NULL || buf_to_text(b, t) != BUF_OK) {
        t->data = NULL;
        t->len = 0;
    }
}

/* Hand a finished (or unstartable) request to the caller and free it.
 * error, when not FETCH_OK, overrides what rc says, and why says it. */
static void
finish(struct fetch *f, struct request *rq, CURLcode rc, enum fetch_error error, const char *why0)
{
    struct fetch_result r;
    char why[CURL_ERROR_SIZE + 2200] = "";
    long status = 0;
    char *eff = NULL, *ctype = NULL, *ip = NULL;
    double secs = 0;
    curl_off_t retry = 0;

    memset(&r, 0, sizeof r);
    r.url = rq->url;
    r.error = rq->easy ? classify(rc, rq) : FETCH_NETWORK;
    if (r.error == FETCH_OK && rq->coding == DECODE_ZLIB && decode_short(&rq->dec)) {
        /* curl finished the transfer, Content-Length and all, but the coded
         * stream stops short: a page cut off, not a whole one. */
        r.error = FETCH_NETWORK;
        why0 = "the gzip or deflate body ends before its end (cut short)";
    }
    if (error != FETCH_OK)
        r.error = error;
    if (rq->easy != NULL) {
        curl_easy_getinfo(rq->easy, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(rq->easy, CURLINFO_EFFECTIVE_URL, &eff);
        curl_easy_getinfo(rq->easy, CURLINFO_CONTENT_TYPE, &ctype);
        curl_easy_getinfo(rq->easy, CURLINFO_PRIMARY_IP, &ip);
        curl_easy_getinfo(rq->easy, CURLINFO_TOTAL_TIME, &secs);
        curl_easy_getinfo(rq->easy, CURLINFO_RETRY_AFTER, &retry);
        r.etag = header_value(rq->easy, "ETag");
        r.last_modified = header_value(rq->easy, "Last-Modified");
    }
    if (why0 != NULL)
        snprintf(why, sizeof why, "%s", why0);
    else if (r.error == FETCH_TOO_BIG)
        snprintf(why, sizeof why, "body over max_page_bytes (%zu bytes)", f->o.max_bytes);
    else if (r.error == FETCH_PRIVATE)
        snprintf(why, sizeof why, "%s: the host's address is not a public one", rq->hop);
    else if (r.error == FETCH_BAD_REPLY && rq->coding == DECODE_BAD)
        snprintf(why, sizeof why, "a Content-Encoding other than gzip or deflate");
    else if (r.error == FETCH_BAD_REPLY && rq->dec.failed)
        snprintf(why, sizeof why, "the gzip or deflate body does not decode");
    else if (rq->easy == NULL)
        snprintf(why, sizeof why, "cannot start the transfer (out of memory)");
    else if (r.error != FETCH_OK)
        snprintf(why, sizeof why, "%s", rq->errbuf[0] ? rq->errbuf : curl_easy_strerror(rc));
    r.why = why;
    r.status = (int)status;
    r.effective_url = eff ? eff : rq->url;
    r.content_type = ctype;
    r.ip = ip ? ip : "";
    r.seconds = secs;
    r.retry_after = retry > 0 ? (long)retry : -1;
    size_t counted = rq->counted;
    uncount(f, rq);
    if (r.error == FETCH_OK) {
        buf_as_text(&rq->body, &r.body);
        if (r.body.data != NULL)
            f->in_hand += counted; /* until the caller releases it, or drops it below */
    }
    buf_as_text(&rq->head, &r.head);
    buf_as_text(&rq->sent, &r.request);
    f->done(f->arg, &r, rq->udata);
    if (r.body.data != NULL)
        fetch_release(f, counted); /* not taken */
    text_free(&r.body);
    text_free(&r.head);
    text_free(&r.request);
    request_free(f, rq);
}

static void
unlink_active(struct fetch *f, struct request *rq)
{
    if (rq->prev_run)
        rq->prev_run->next_run = rq->next_run;
    else
        f->active = rq->next_run;
    if (rq->next_run)
        rq->next_run->prev_run = rq->prev_run;
}

/* A transfer ended in a redirect: put the next hop to the allow callback,
 * and ask for it on the same handle.  Returns 0 when it is on its way, or
 * an error for finish() with why filled in. */
static enum fetch_error
follow(struct fetch *f, struct request *rq, char *why, size_t size)
{
    char *to = NULL, *scheme = NULL;
    CURLU *u = curl_url();
    enum fetch_error e = FETCH_OK;

    curl_easy_getinfo(rq->easy, CURLINFO_REDIRECT_URL, &to);
    assert(to != NULL); /* collect() hands over a 3xx without Location as it is */
    if (u == NULL) {
        snprintf(why, size, "out of memory");
        return FETCH_NETWORK;
    }
    if (rq->redirects >= MAX_REDIRECTS) {
        snprintf(why, size, "more than %d redirects", MAX_REDIRECTS);
        e = FETCH_REFUSED;
    } else if (curl_url_set(u, CURLUPART_URL, to, 0) != CURLUE_OK ||
               curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
               (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        snprintf(why, size, "a redirect to %.2000s, not an http or https URL", to);
        e = FETCH_REFUSED;
    } else if (f->allow != NULL && !f->allow(f->arg, to, rq->udata)) {
        snprintf(why, size, "a redirect to %.2000s, outside the source's allowed hosts", to);
        e = FETCH_OFFSITE;
    }
    curl_free(scheme);
    curl_url_cleanup(u);
    char *hop = e == FETCH_OK ? strdup(to) : NULL;
    if (e != FETCH_OK || hop == NULL)
        return e != FETCH_OK ? e : FETCH_NETWORK;
    free(rq->hop);
    rq->hop = hop;
    rq->redirects++;
    /* The redirect's own body is nobody's page. */
    uncount(f, rq);
    rq->body.len = 0;
    rq->too_big = 0;
    rq->blocked = 0;
    decoder_end(rq);
    /* The hops share the transfer's timeout, as curl's own following did. */
    double left = f->o.timeout - (ev_time() - rq->started);
    curl_easy_setopt(rq->easy, CURLOPT_TIMEOUT_MS, (long)(left > 0.001 ? left * 1000 : 1));
    curl_easy_setopt(rq->easy, CURLOPT_URL, rq->hop);
    if (curl_multi_add_handle(f->multi, rq->easy) != CURLM_OK)
        return FETCH_NETWORK;
    return FETCH_OK;
}

static int
is_redirect(long status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* Collect what curl has finished.  Called only after curl_multi_socket_action()
 * returned, so removing and adding handles here is allowed. */
static void
collect(struct fetch *f)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(f->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        CURL *easy = m->easy_handle;
        CURLcode rc = m->data.result;
        struct request *rq = NULL;
        long status = 0;
        char why[2200] = "";
        enum fetch_error e = FETCH_OK;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&rq);
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        curl_multi_remove_handle(f->multi, easy);
        char *to = NULL;
        curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &to);
        if (rc == CURLE_OK && is_redirect(status) && to != NULL) {
            if ((e = follow(f, rq, why, sizeof why)) == FETCH_OK)
                continue; /* still running, on its next hop */
        }
        unlink_active(f, rq);
        rq->host->running--;
        f->running--;
        finish(f, rq, rc, e, why[0] ? why : NULL);
    }
}

/* Let paused transfers go on once the bodies in hand allow it, and the
 * oldest always.  curl_easy_pause() may call write_cb at once, which may
 * pause the transfer again. */
static void
resume(struct fetch *f)
{
    for (struct request *rq = f->active, *next; rq != NULL && f->npaused > 0; rq = next) {
        next = rq->next_run;
        if (!rq->paused || (f->in_hand >= f->o.max_in_hand && !oldest(f, rq)))
            continue;
        rq->paused = 0;
        f->npaused--;
        curl_easy_pause(rq->easy, CURLPAUSE_CONT);
    }
}

/* ---- starting requests ---- */

static int
start(struct fetch *f, struct request *rq)
{
    CURL *e = curl_easy_init();
    char line[8300];
    if (e == NULL || (rq->hop = strdup(rq->url)) == NULL) {
        if (e != NULL)
            curl_easy_cleanup(e);
        return -1;
    }
    rq->easy = e;
    buf_init(&rq->body, f->o.max_bytes);
    buf_init(&rq->head, MAX_HEAD_BYTES);
    buf_init(&rq->sent, MAX_HEAD_BYTES);
    if (rq->etag != NULL) {
        snprintf(line, sizeof line, "If-None-Match: %s", rq->etag);
        rq->headers = curl_slist_append(rq->headers, line);
    }
    if (rq->last_modified != NULL) {
        snprintf(line, sizeof line, "If-Modified-Since: %s", rq->last_modified);
        struct curl_slist *h = curl_slist_append(rq->headers, line);
        if (h != NULL)
            rq->headers = h;
    }
    /* Asked for by hand and decoded in write_cb, not by curl: curl 7.88
     * takes a gzip stream cut short for a whole body. */
    struct curl_slist *h = curl_slist_append(rq->headers, "Accept-Encoding: gzip, deflate");
    if (h != NULL)
        rq->headers = h;
    rq->started = ev_time();
    curl_easy_setopt(e, CURLOPT_URL, rq->hop);
    curl_easy_setopt(e, CURLOPT_PRIVATE, rq);
    /* No proxy from the environment (http_proxy, all_proxy): a proxy
     * resolves the names itself, past the address check below. */
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L); /* follow() does, hop by hop */
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, opensocket_cb);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, rq);
    curl_easy_setopt(e, CURLOPT_USERAGENT, f->user_agent);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, rq->headers);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(f->o.timeout * 1000));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(f->o.connect_timeout * 1000));
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->o.max_bytes);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, rq->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, rq);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, rq);
    /* The request header block, as sent, is archived with the page; curl
     * hands it over only to a debug callback. */
    curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, debug_cb);
    curl_easy_setopt(e, CURLOPT_DEBUGDATA, rq);
    curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
    if (curl_multi_add_handle(f->multi, e) != CURLM_OK)
        return -1;
    return 0;
}

static void
pump_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct fetch *f = w->data;
    (void)loop;
    (void)revents;
    while (f->failed != NULL) {
        struct request *rq = f->failed;
        f->failed = rq->next;
        finish(f, rq, CURLE_OUT_OF_MEMORY, FETCH_OK, NULL);
    }
    pump(f);
}

/* Start what the limits allow; arm pump_timer for the next host delay. */
static void
pump(struct fetch *f)
{
    collect(f);
    if (f->npaused > 0)
        resume(f);
    if (f->held)
        return;
    ev_tstamp now = ev_time(), wake = 0;
    for (struct host *h = f->hosts; h != NULL; h = h->next) {
        while (h->first != NULL && h->running < f->o.max_host_connections &&
               f->running < (size_t)f->o.max_connections && now >= h->next_start &&
               (f->o.max_in_hand == 0 || f->in_hand < f->o.max_in_hand)) {
            struct request *rq = h->first;
            h->first = rq->next;
            if (h->first == NULL)
                h->last = NULL;
            rq->next = NULL;
            f->waiting--;
            h->next_start = now + f->o.host_delay;
            if (start(f, rq) != 0) {
                if (rq->easy) {
                    curl_easy_cleanup(rq->easy);
                    rq->easy = NULL;
                }
                rq->next = f->failed;
                f->failed = rq;
                wake = now;
                continue;
            }
            rq->next_run = f->active;
            if (f->active)
                f->active->prev_run = rq;
            f->active = rq;
            h->running++;
            f->running++;
        }
        if (h->first != NULL && h->running < f->o.max_host_connections && now < h->next_start &&
            (wake == 0 || h->next_start < wake))
            wake = h->next_start;
    }
    if (wake != 0) {
        ev_timer_stop(f->loop, &f->pump_timer);
        ev_timer_set(&f->pump_timer, wake > now ? wake - now : 0., 0.);
        ev_timer_start(f->loop, &f->pump_timer);
    }
}

/* ---- the interface ---- */

struct fetch *
fetch_new(struct ev_loop *loop, const struct fetch_opts *o, fetch_done_fn done,
          fetch_allow_fn allow, void *arg, struct err *err)
{
    static int curl_ready;
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            err_set(err, "libcurl cannot be initialized");
            return NULL;
        }
        curl_ready = 1;
    }
    struct fetch *f = calloc(1, sizeof *f);
    if (f == NULL || (f->multi = curl_multi_init()) == NULL ||
        (f->user_agent = strdup(o->user_agent)) == NULL) {
        err_set(err, "out of memory setting up libcurl");
        if (f != NULL && f->multi != NULL)
            curl_multi_cleanup(f->multi);
        free(f);
        return NULL;
    }
    f->loop = loop;
    f->o = *o;
    f->o.user_agent = f->user_agent;
    f->done = done;
    f->allow = allow;
    f->arg = arg;
    ev_init(&f->curl_timer, curl_timer_cb);
    f->curl_timer.data = f;
    ev_init(&f->pump_timer, pump_timer_cb);
    f->pump_timer.data = f;
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
    curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)o->max_host_connections);
    curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)o->max_connections);
    return f;
}

static struct host *
host_for(struct fetch *f, const char *url, struct err *err)
{
    char name[256];
    if (fetch_url_host(url, name, sizeof name) != 0) {
        err_set(err, "not a URL with a host");
        err_file(err, url);
        return NULL;
    }
    struct host *h;
    for (h = f->hosts; h != NULL; h = h->next)
        if (strcmp(h->name, name) == 0)
            break;
    if (h == NULL && (h = calloc(1, sizeof *h)) != NULL) {
        if ((h->name = strdup(name)) == NULL) {
            free(h);
            h = NULL;
        } else {
            h->next = f->hosts;
            f->hosts = h;
        }
    }
    if (h == NULL)
        err_set(err, "out of memory");
    return h;
}

int
fetch_get(struct fetch *f, const char *url, const char *etag, const char *last_modified,
          void *udata, struct err *err)
{
    struct host *h = host_for(f, url, err);
    if (h == NULL)
        return -1;
    struct request *rq = calloc(1, sizeof *rq);
    int fail = rq == NULL;
    if (rq != NULL) {
        rq->url = text_dup(url, &fail);
        rq->etag = text_dup(etag, &fail);
        rq->last_modified = text_dup(last_modified, &fail);
    }
    if (fail) {
        request_free(f, rq);
        err_set(err, "out of memory");
        return -1;
    }
    rq->f = f;
    rq->host = h;
    rq->udata = udata;
    if (h->last)
        h->last->next = rq;
    else
        h->first = rq;
    h->last = rq;
    f->waiting++;
    pump(f);
    return 0;
}

void
fetch_release(struct fetch *f, size_t len)
{
    assert(f->in_hand >= len);
    f->in_hand -= len;
    if (f->npaused > 0 || f->waiting > 0)
        pump(f);
}

size_t
fetch_running(const struct fetch *f)
{
    return f->running;
}

size_t
fetch_waiting(const struct fetch *f)
{
    return f->waiting;
}

int
fetch_set_opts(struct fetch *f, const struct fetch_opts *o)
{
    char *ua = strdup(o->user_agent);
    if (ua == NULL)
        return -1;
    free(f->user_agent);
    f->user_agent = ua;
    f->o = *o;
    f->o.user_agent = ua;
    curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)o->max_host_connections);
    curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)o->max_connections);
    pump(f);
    return 0;
}

void
fetch_hold(struct fetch *f)
{
    f->held = 1;
}

void
fetch_abort(struct fetch *f)
{
    f->held = 1;
    while (f->active != NULL) {
        struct request *rq = f->active;
        curl_multi_remove_handle(f->multi, rq->easy);
        unlink_active(f, rq);
        rq->host->running--;
        request_free(f, rq);
    }
    f->running = 0;
    while (f->failed != NULL) {
        struct request *rq = f->failed;
        f->failed = rq->next;
        request_free(f, rq);
    }
    for (struct host *h = f->hosts; h != NULL; h = h->next) {
        for (struct request *rq = h->first, *rn; rq != NULL; rq = rn) {
            rn = rq->next;
            request_free(f, rq);
        }
        h->first = h->last = NULL;
    }
    f->waiting = 0;
}

void
fetch_free(struct fetch *f)
{
    if (f == NULL)
        return;
    ev_timer_stop(f->loop, &f->curl_timer);
    ev_timer_stop(f->loop, &f->pump_timer);
    fetch_abort(f);
    for (struct host *h = f->hosts, *hn; h != NULL; h = hn) {
        hn = h->next;
        free(h->name);
        free(h);
    }
    curl_multi_cleanup(f->multi);
    while (f->socks != NULL)
        sock_forget(f, f->socks);
    free(f->user_agent);
    free(f);
}
