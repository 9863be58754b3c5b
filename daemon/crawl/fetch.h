/*
 * fetch: many HTTP GETs at once, politely, with libcurl's multi interface
 * driven by a libev loop (CURLMOPT_SOCKETFUNCTION, CURLMOPT_TIMERFUNCTION):
 * no polling, no thread per transfer.
 *
 * Requests wait in a queue per host and start when the host has fewer than
 * max_host_connections transfers and host_delay seconds have passed since
 * its last start, fewer than max_connections run in all, and the bodies in
 * hand are under max_in_hand bytes.  Only http and https.
 *
 * Redirects (at most 5) are followed here, not by libcurl, so that every hop
 * is put to the caller's allow callback before anything connects to it.
 * Whatever the URL, a connection to an address that is not public
 * (loopback, private, link-local, ...) is refused unless the URL names that
 * address itself: a host name that resolves to 127.0.0.1 is not followed.
 *
 * gzip and deflate are asked for and undone here, a piece at a time as the
 * body arrives, so decoding never holds the loop for long and a body whose
 * coding ends early is a failed transfer.  A body is cut off, and the
 * transfer failed, as soon as it passes max_bytes (after decoding, so a gzip
 * bomb stops there too).
 *
 * Bodies count against max_in_hand from their first byte until the caller
 * releases them (fetch_release()): over it, no transfer starts and every
 * running one but the oldest is paused, so the bytes in hand stay under
 * max_in_hand plus one max_bytes whatever the pages' sizes.
 *
 * The done callback runs from the loop after curl_multi_info_read() and the
 * removal of the handle, never inside a curl callback, so it may start new
 * requests.
 */
#ifndef FACTD_FETCH_H
#define FACTD_FETCH_H

#include <ev.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

struct fetch;

struct fetch_opts {
    int max_connections;
    int max_host_connections;
    double host_delay;      /* seconds between two starts on one host */
    double timeout;         /* seconds per transfer */
    double connect_timeout; /* seconds */
    size_t max_bytes;       /* largest body */
    size_t max_in_hand;     /* bodies received and not released; 0: no bound */
    const char *user_agent; /* copied */
};

/* Why a transfer failed; FETCH_OK when a response came, whatever its status. */
enum fetch_error {
    FETCH_OK,
    FETCH_TIMEOUT,   /* the transfer or the connection took too long */
    FETCH_NETWORK,   /* refused, reset, closed early, a body shorter than said */
    FETCH_TOO_BIG,   /* the body passed max_bytes */
    FETCH_REFUSED,   /* a redirect to another scheme, too many redirects, a bad URL */
    FETCH_BAD_REPLY, /* a response curl cannot read: bad content coding, bad headers */
    FETCH_OFFSITE,   /* a redirect the allow callback refused */
    FETCH_PRIVATE,   /* the host's address is not public and the URL did not name it */
};

/* "ok", "timeout", "network", "too_big", "refused", "bad_reply",
 * "offsite_redirect", "private_address": the name logs and metrics give
 * each error. */
const char *fetch_error_name(enum fetch_error e);

/* A finished transfer.  Everything is valid during the done callback only,
 * except body, which the callback may take (copy the struct and zero it);
 * a body taken counts against max_in_hand until fetch_release(). */
struct fetch_result {
    const char *url;           /* as asked */
    const char *effective_url; /* after redirects */
    enum fetch_error error;
    const char *why;           /* the failure in words, "" when FETCH_OK */
    int status;                /* HTTP status of the last response, 0 if none came */
    const char *etag;          /* NULL when the response had none */
    const char *last_modified; /* likewise */
    const char *content_type;  /* likewise */
    long retry_after;          /* seconds from Retry-After, -1 when none */
    const char *ip;            /* the server's address, "" if unknown */
    struct text body;          /* the body, decoded */
    struct text head;          /* the last response's status line and headers */
    struct text request;       /* the last request's line and headers, as sent */
    double seconds;            /* total time of the transfer */
};

typedef void (*fetch_done_fn)(void *arg, struct fetch_result *r, void *udata);

/* May the request of udata be redirected to url (absolute, http or https)?
 * Returns 1 to follow it; 0 fails the transfer with FETCH_OFFSITE. */
typedef int (*fetch_allow_fn)(void *arg, const char *url, void *udata);

/* A fetcher on loop; done is called with arg for each finished request, and
 * allow (NULL: every redirect is followed) for each redirect.  NULL with err
 * set when libcurl cannot be set up. */
struct fetch *fetch_new(struct ev_loop *loop, const struct fetch_opts *o, fetch_done_fn done,
                        fetch_allow_fn allow, void *arg, struct err *err);

/*
 * Ask for url, conditionally when etag or last_modified (the validators of
 * the copy held) are not NULL; udata comes back with the result.  Returns 0,
 * or -1 with err set for a URL without a host or out of memory.
 */
int fetch_get(struct fetch *f, const char *url, const char *etag, const char *last_modified,
              void *udata, struct err *err);

/* The caller is done with a body of len bytes it took from a result. */
void fetch_release(struct fetch *f, size_t len);

/* Transfers running, and requests waiting for their host. */
size_t fetch_running(const struct fetch *f);
size_t fetch_waiting(const struct fetch *f);

/* New limits and timeouts (a reload), for requests started from now on.
 * Returns -1 when out of memory, with the old ones kept. */
int fetch_set_opts(struct fetch *f, const struct fetch_opts *o);

/* Stop starting queued requests (shutdown); running ones go on. */
void fetch_hold(struct fetch *f);

/* Abort everything, running and waiting, without callbacks (their udata
 * are not handed back); nothing starts after it. */
void fetch_abort(struct fetch *f);

/* Abort everything, running and waiting, without callbacks, and free f. */
void fetch_free(struct fetch *f);

#endif
