/*
 * fuzz_metrics: any bytes as what the metrics listener is given, for the
 * parts of it that are ours (libmicrohttpd reads the HTTP itself):
 *
 * - the first line, split as libmicrohttpd splits a request line (the
 *   method up to the first space, the target from the next non-space up to
 *   the last space), to metrics_route().  The answer is one of its four, and
 *   it is the target's alone that decides between 404 and the rest, so the
 *   verdict on the target holds whatever the method, and a query string
 *   added to a target without one changes nothing;
 * - the whole input, up to a NUL, as an address to metrics_check_addr(),
 *   which accepts exactly what a plain reading of its rules accepts:
 *   HOST:PORT with PORT up to six digits and at most 65535, and HOST
 *   "localhost" (any case), an IPv4 address in 127.0.0.0/8, or "[IPv6]"
 *   that is ::1.  A refusal says why.
 *
 * Every string is a copy of exactly its bytes, so ASan sees a read past its end.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "metrics_listen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *
copy(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s == NULL)
        abort();
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static void
check_route(const char *line, size_t len)
{
    const char *sp = memchr(line, ' ', len), *t, *end = line + len;
    char *method, *target = NULL, *query;
    int status, get_or_head;

    if (sp == NULL)
        return;
    method = copy(line, (size_t)(sp - line));
    for (t = sp; t < end && *t == ' '; t++)
        ;
    if (t < end) {
        const char *v = end - 1;
        while (v > t && *v == ' ') /* trailing spaces */
            v--;
        while (v > t && *v != ' ')
            v--;
        target = copy(t, (size_t)((v > t ? v : end) - t));
    }
    status = metrics_route(method, target);
    if (status != 200 && status != 400 && status != 404 && status != 405)
        abort();
    get_or_head = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if ((status == 200 && !get_or_head) || (status == 405 && get_or_head))
        abort();
    if (status != 400) {
        int get = metrics_route("GET", target), post = metrics_route("POST", target);
        if ((status == 404) != (get == 404) || (status == 404) != (post == 404) ||
            (status != 404 && (get != 200 || post != 405)))
            abort();
        if (target != NULL && strcmp(target, "*") != 0 && strchr(target, '?') == NULL) {
            size_t n = strlen(target);
            query = malloc(n + sizeof "?x=1");
            if (query == NULL)
                abort();
            memcpy(query, target, n);
            memcpy(query + n, "?x=1", sizeof "?x=1");
            if (metrics_route(method, query) != status)
                abort();
            free(query);
        }
    }
    free(method);
    free(target);
}

/* Whether addr is one the rules allow, read plainly. */
static int
addr_allowed(const char *addr)
{
    const char *colon, *port;
    char *host;
    unsigned char a[sizeof(struct in6_addr)];
    unsigned long n = 0;
    size_t i;
    int ok;

    if (addr[0] == '[') {
        colon = strstr(addr, "]:");
        if (colon == NULL || memchr(addr, ']', (size_t)(colon - addr)) != NULL)
            return 0;
        colon++;
    } else {
        colon = strrchr(addr, ':');
        if (colon == NULL || memchr(addr, ':', (size_t)(colon - addr)) != NULL)
            return 0;
    }
    port = colon + 1;
    for (i = 0; port[i] >= '0' && port[i] <= '9'; i++)
        n = n * 10 + (unsigned long)(port[i] - '0');
    if (i == 0 || i > 6 || port[i] != '\0' || n > 65535)
        return 0;
    if (addr[0] == '[') {
        host = copy(addr + 1, (size_t)(colon - addr - 2));
        ok = inet_pton(AF_INET6, host, a) == 1 && IN6_IS_ADDR_LOOPBACK((struct in6_addr *)a);
    } else {
        host = copy(addr, (size_t)(colon - addr));
        ok =
            strcasecmp(host, "localhost") == 0 || (inet_pton(AF_INET, host, a) == 1 && a[0] == 127);
    }
    free(host);
    return ok;
}

static void
check_addr(const char *addr)
{
    struct err e;
    int rc;

    err_clear(&e);
    rc = metrics_check_addr(addr, &e);
    if (rc != 0 && rc != -1)
        abort();
    if (rc == -1 && e.msg[0] == '\0')
        abort();
    if ((rc == 0) != addr_allowed(addr))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    const char *nl = memchr(p, '\n', size);
    size_t line = nl != NULL ? (size_t)(nl - p) : size;
    char *s;

    /* libmicrohttpd ends a line at CRLF or LF and hands over C strings. */
    if (line > 0 && p[line - 1] == '\r')
        line--;
    s = copy(p, line);
    check_route(s, strlen(s));
    free(s);

    s = copy(p, size);
    check_addr(s);
    free(s);
    return 0;
}
