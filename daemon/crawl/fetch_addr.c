/*
 * fetch_addr: the address policy and the host of a URL, apart from the
 * transfers (fetch.c).  URLs are parsed with libcurl's URL API, the parser
 * the transfers themselves use.  Addresses are checked against the ranges
 * that are not public by hand; an IPv6 address that carries an IPv4 one
 * (mapped, NAT64, 6to4) is judged by the IPv4 address it reaches.
 */
#include "fetch_addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int
fetch_url_host(const char *url, char *host, size_t size)
{
    return fetch_url_host_port(url, host, size, NULL, NULL);
}

int
fetch_url_host_port(const char *url, char *host, size_t size, long *port, int *dflt)
{
    CURLU *u = curl_url();
    char *name = NULL, *p = NULL, *scheme = NULL;
    int rc = -1;
    if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &name, 0) == CURLUE_OK &&
        (port == NULL || (curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) == CURLUE_OK &&
                          curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK)) &&
        strlen(name) < size) {
        size_t n = strlen(name);
        for (size_t i = 0; i <= n; i++)
            host[i] = (char)tolower((unsigned char)name[i]);
        if (port != NULL) {
            *port = strtol(p, NULL, 10);
            *dflt = *port == (strcmp(scheme, "https") == 0  ? 443
                              : strcmp(scheme, "http") == 0 ? 80
                                                            : -1);
        }
        rc = 0;
    }
    curl_free(name);
    curl_free(p);
    curl_free(scheme);
    curl_url_cleanup(u);
    return rc;
}

static int
v4_public(uint32_t a)
{
    static const struct {
        uint32_t net, mask;
    } not_public[] = {
        {0x00000000, 0xff000000}, /* 0/8 "this network" */
        {0x0a000000, 0xff000000}, /* 10/8 private */
        {0x64400000, 0xffc00000}, /* 100.64/10 shared (carrier NAT) */
        {0x7f000000, 0xff000000}, /* 127/8 loopback */
        {0xa9fe0000, 0xffff0000}, /* 169.254/16 link-local, cloud metadata */
        {0xac100000, 0xfff00000}, /* 172.16/12 private */
        {0xc0000000, 0xffffff00}, /* 192.0.0/24 protocol assignments */
        {0xc0000200, 0xffffff00}, /* 192.0.2/24 documentation */
        {0xc0586300, 0xffffff00}, /* 192.88.99/24 6to4 relays (deprecated) */
        {0xc0a80000, 0xffff0000}, /* 192.168/16 private */
        {0xc6120000, 0xfffe0000}, /* 198.18/15 benchmarking */
        {0xc6336400, 0xffffff00}, /* 198.51.100/24 documentation */
        {0xcb007100, 0xffffff00}, /* 203.0.113/24 documentation */
        {0xe0000000, 0xe0000000}, /* 224/4 multicast, 240/4 reserved, broadcast */
    };
    for (size_t i = 0; i < sizeof not_public / sizeof not_public[0]; i++)
        if ((a & not_public[i].mask) == not_public[i].net)
            return 0;
    return 1;
}

int
fetch_addr_public(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return v4_public(ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr));
    if (sa->sa_family != AF_INET6)
        return 0;
    const unsigned char *b = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b};
    if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0)
        return v4_public((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 |
                         b[15]);
    if (b[0] == 0x20 && b[1] == 0x02) /* 6to4: 2002:a.b.c.d::/48 reaches a.b.c.d */
        return v4_public((uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 | b[5]);
    if (memcmp(b, nat64, 4) == 0 && b[4] == 0 && b[5] == 1) /* 64:ff9b:1::/48, local NAT64 */
        return 0;
    int zero = 1; /* :: and ::1, and the deprecated IPv4-compatible ::a.b.c.d */
    for (int i = 0; i < 12; i++)
        zero &= b[i] == 0;
    if (zero)
        return 0;
    if ((b[0] & 0xfe) == 0xfc) /* fc00::/7 unique local */
        return 0;
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) /* fe80::/10 link-local */
        return 0;
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) /* fec0::/10 site-local (deprecated) */
        return 0;
    if (b[0] == 0xff) /* multicast */
        return 0;
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) /* documentation */
        return 0;
    /* 2001::/32 Teredo: the client's IPv4 address is carried in it (its
     * bits inverted), any address behind a relay; refused whole. */
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0)
        return 0;
    /* 2001:2::/48 benchmarking. */
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0x02 && b[4] == 0 && b[5] == 0)
        return 0;
    /* 100::/64 discard-only. */
    if (b[0] == 0x01 && b[1] == 0 && b[2] == 0 && b[3] == 0 && b[4] == 0 && b[5] == 0 &&
        b[6] == 0 && b[7] == 0)
        return 0;
    return 1;
}

static int
host_is_literal(const char *url)
{
    char host[256];
    unsigned char a[sizeof(struct in6_addr)];
    if (fetch_url_host(url, host, sizeof host) != 0)
        return 0;
    if (host[0] == '[') { /* curl gives IPv6 hosts in brackets */
        size_t n = strlen(host);
        if (n < 3 || host[n - 1] != ']')
            return 0;
        host[n - 1] = '\0';
        return inet_pton(AF_INET6, host + 1, a) == 1;
    }
    return inet_pton(AF_INET, host, a) == 1;
}

int
fetch_addr_allowed(const struct sockaddr *sa, const char *url)
{
    return fetch_addr_public(sa) || host_is_literal(url);
}
