/*
 * test_fetch_addr: the host and port of a URL as fetching counts them
 * (libcurl's parse, the host lower-cased, IPv6 in brackets, the scheme's
 * own port and whether the URL named it), hosts that do not fit, URLs with
 * no host; the edges of every range fetch_addr_public() refuses, IPv4 and
 * IPv6 and IPv4 carried in IPv6 (mapped, NAT64, 6to4); and
 * fetch_addr_allowed(): a private address only when the URL names it.
 *
 * test_decode already checks a handful of addresses inside the ranges
 * (127.0.0.1, 10.0.0.1, 172.31.255.255, ::1, fe80::1, ...); the cases here
 * are the first and last address of each range and the one just outside.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "check.h"
#include "fetch_addr.h"

/* fetch_url_host_port(url) gives want_host, want_port and want_dflt, or -1
 * when want_host is NULL; fetch_url_host() and fetch_url_host_port() with
 * port and dflt NULL give the same host (or the same -1). */
static void
url_case(const char *url, const char *want_host, long want_port, int want_dflt)
{
    char host[256], h1[256], h2[256], got[1024], want[1024];
    long port = -7;
    int dflt = -7;
    memset(host, 0, sizeof host);
    memset(h1, 0, sizeof h1);
    memset(h2, 0, sizeof h2);
    int rc = fetch_url_host_port(url, host, sizeof host, &port, &dflt);
    if (want_host == NULL) {
        snprintf(got, sizeof got, "%s -> %d", url, rc);
        snprintf(want, sizeof want, "%s -> -1", url);
    } else {
        snprintf(got, sizeof got, "%s -> %d host %s port %ld dflt %d", url, rc,
                 rc == 0 ? host : "-", port, dflt);
        snprintf(want, sizeof want, "%s -> 0 host %s port %ld dflt %d", url, want_host, want_port,
                 want_dflt);
    }
    CHECK_STR(got, want);

    int rc1 = fetch_url_host(url, h1, sizeof h1);
    int rc2 = fetch_url_host_port(url, h2, sizeof h2, NULL, NULL);
    snprintf(got, sizeof got, "%s -> %d %s / %d %s", url, rc1, rc1 == 0 ? h1 : "-", rc2,
             rc2 == 0 ? h2 : "-");
    snprintf(want, sizeof want, "%s -> %d %s / %d %s", url, want_host ? 0 : -1,
             want_host ? want_host : "-", want_host ? 0 : -1, want_host ? want_host : "-");
    CHECK_STR(got, want);
}

static void
url_hosts(void)
{
    /* Host names lower-cased; the scheme too (curl lower-cases it), so an
     * upper-case HTTPS still has 443 as its own port. */
    url_case("http://Example.COM/", "example.com", 80, 1);
    url_case("HTTPS://WWW.Example.Org/Path?Q=A#F", "www.example.org", 443, 1);
    url_case("http://ex%41mple.com/", "example.com", 80, 1); /* decoded, then lower-cased */
    url_case("http://127.0.0.1/", "127.0.0.1", 80, 1);

    /* The scheme's own port named or not: dflt 1 either way. */
    url_case("http://example.com:80/", "example.com", 80, 1);
    url_case("https://example.com:443/x", "example.com", 443, 1);
    url_case("http://example.com:080/", "example.com", 80, 1); /* a leading zero is still 80 */
    url_case("http://example.com:/", "example.com", 80, 1);    /* a colon and no port */
    url_case("https://example.com", "example.com", 443, 1);

    /* Other ports, and the other scheme's port: dflt 0. */
    url_case("http://example.com:8080/", "example.com", 8080, 0);
    url_case("http://example.com:443/", "example.com", 443, 0);
    url_case("https://example.com:80/", "example.com", 80, 0);
    url_case("https://example.com:8443/a/b", "example.com", 8443, 0);
    url_case("http://example.com:65535/", "example.com", 65535, 0);
    url_case("http://127.0.0.1:6379/", "127.0.0.1", 6379, 0);

    /* IPv6 literals: in brackets, lower case, curl's shortest form. */
    url_case("http://[::1]/", "[::1]", 80, 1);
    url_case("http://[::1]:8080/", "[::1]", 8080, 0);
    url_case("https://[2001:DB8::A]:443/", "[2001:db8::a]", 443, 1);
    url_case("http://[0:0:0:0:0:0:0:1]/", "[::1]", 80, 1);
    url_case("http://[FE80::1%25eth0]/", "[fe80::1]", 80, 1); /* the zone is not the host */

    /* IPv4 in the other spellings a URL allows: the dotted quad. */
    url_case("http://2130706433/", "127.0.0.1", 80, 1);
    url_case("http://0x7f.1/", "127.0.0.1", 80, 1);
    url_case("http://10.1/", "10.0.0.1", 80, 1);

    /* A user and password are not the host. */
    url_case("http://user:pass@Example.COM:8080/p", "example.com", 8080, 0);
    url_case("https://user@host.example/", "host.example", 443, 1);
    url_case("http://example.com@10.0.0.1/", "10.0.0.1", 80, 1);
    url_case("http://10.0.0.1@evil.example/", "evil.example", 80, 1);
    url_case("http://u:p@[::1]:81/", "[::1]", 81, 0);

    /* One to three slashes are a host's, as browsers read http URLs. */
    url_case("http:/example.com/", "example.com", 80, 1);
    url_case("http:///example.com/", "example.com", 80, 1);

    /* No host, a bad host or port, no scheme, not a URL. */
    url_case("", NULL, 0, 0);
    url_case("not a url", NULL, 0, 0);
    url_case("example.com/path", NULL, 0, 0); /* no scheme */
    url_case("/relative/path", NULL, 0, 0);
    url_case("http://", NULL, 0, 0);
    url_case("http:///", NULL, 0, 0);
    url_case("http://:8080/", NULL, 0, 0);
    url_case("http://user:pass@/", NULL, 0, 0);
    url_case("http://?q=1", NULL, 0, 0);
    url_case("http:example.com", NULL, 0, 0);      /* no slash */
    url_case("http:////example.com/", NULL, 0, 0); /* four slashes */
    url_case("http://example.com:65536/", NULL, 0, 0);
    url_case("http://example.com:8o/", NULL, 0, 0);
    url_case("http://exa mple.com/", NULL, 0, 0);
    url_case("http://::1/", NULL, 0, 0); /* IPv6 without brackets */
    url_case("http://[::1/", NULL, 0, 0);
    url_case("http://[zz::1]/", NULL, 0, 0);
    url_case("http://[::1]x/", NULL, 0, 0);

    /* Schemes with no host, or that libcurl does not know. */
    url_case("file:///etc/passwd", NULL, 0, 0);
    url_case("file://localhost/etc/passwd", NULL, 0, 0);
    url_case("mailto:someone@example.com", NULL, 0, 0);
    url_case("javascript:alert(1)", NULL, 0, 0);
    url_case("data:text/html,hi", NULL, 0, 0);
    url_case("gopherx://example.com/", NULL, 0, 0);
}

/* A host that does not fit host[size], its terminating NUL included, is -1
 * from all three calls; one that just fits is the host. */
static void
url_host_sizes(void)
{
    char host[512], url[600];
    long port = 0;
    int dflt = 0;

    CHECK(fetch_url_host("http://abc.example/", host, 12) == 0); /* 11 letters and NUL */
    CHECK_STR(host, "abc.example");
    CHECK(fetch_url_host("http://abc.example/", host, 11) == -1);
    CHECK(fetch_url_host_port("http://abc.example/", host, 11, NULL, NULL) == -1);
    CHECK(fetch_url_host_port("http://abc.example/", host, 11, &port, &dflt) == -1);
    CHECK(fetch_url_host_port("http://abc.example:81/", host, 12, &port, &dflt) == 0);
    CHECK_STR(host, "abc.example");
    CHECK(port == 81 && dflt == 0);
    CHECK(fetch_url_host("http://abc.example/", host, 1) == -1);
    CHECK(fetch_url_host("http://abc.example/", host, 0) == -1);

    /* The brackets of an IPv6 host count. */
    CHECK(fetch_url_host("http://[::1]/", host, 6) == 0);
    CHECK_STR(host, "[::1]");
    CHECK(fetch_url_host("http://[::1]/", host, 5) == -1);
    CHECK(fetch_url_host_port("http://[::1]:8080/", host, 5, &port, &dflt) == -1);

    /* The user is not counted, the lower-cased host is. */
    CHECK(fetch_url_host("http://a-long-user:a-long-password@AB.C/", host, 5) == 0);
    CHECK_STR(host, "ab.c");

    /* A 255-letter host fits 256 bytes, not 255; a 256-letter one not 256. */
    char name[300];
    memset(name, 'a', 256);
    name[256] = '\0';
    snprintf(url, sizeof url, "http://%.*s/", 255, name);
    CHECK(fetch_url_host(url, host, 256) == 0);
    CHECK(strlen(host) == 255 && host[0] == 'a' && host[254] == 'a');
    CHECK(fetch_url_host(url, host, 255) == -1);
    snprintf(url, sizeof url, "http://%s:8080/", name);
    CHECK(fetch_url_host_port(url, host, 256, &port, &dflt) == -1);
    CHECK(fetch_url_host_port(url, host, 257, &port, &dflt) == 0);
    CHECK(strlen(host) == 256 && port == 8080 && dflt == 0);
}

static void
sa4(struct sockaddr_in *s, const char *a)
{
    memset(s, 0, sizeof *s);
    s->sin_family = AF_INET;
    s->sin_port = htons(80);
    CHECK(inet_pton(AF_INET, a, &s->sin_addr) == 1);
}

static void
sa6(struct sockaddr_in6 *s, const char *a)
{
    memset(s, 0, sizeof *s);
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(80);
    CHECK(inet_pton(AF_INET6, a, &s->sin6_addr) == 1);
}

/* "addr: public" or "addr: not public", so that a failure names the address. */
static void
public_case(const char *a, int got, int want)
{
    char g[128], w[128];
    snprintf(g, sizeof g, "%s: %s", a, got ? "public" : "not public");
    snprintf(w, sizeof w, "%s: %s", a, want ? "public" : "not public");
    CHECK_STR(g, w);
}

struct addr_case {
    const char *a;
    int public;
};

static void
public_v4(void)
{
    static const struct addr_case cases[] = {
        /* 0/8 "this network" */
        {"0.0.0.1", 0},
        {"0.255.255.255", 0},
        {"1.0.0.0", 1},
        /* 10/8 */
        {"9.255.255.255", 1},
        {"10.0.0.0", 0},
        {"10.255.255.255", 0},
        {"11.0.0.0", 1},
        /* 100.64/10 shared, carrier NAT */
        {"100.63.255.255", 1},
        {"100.64.0.0", 0},
        {"100.127.255.255", 0},
        {"100.128.0.0", 1},
        /* 127/8 loopback */
        {"126.255.255.255", 1},
        {"127.0.0.0", 0},
        {"127.255.255.255", 0},
        {"128.0.0.0", 1},
        /* 169.254/16 link-local */
        {"169.253.255.255", 1},
        {"169.254.0.0", 0},
        {"169.254.255.255", 0},
        {"169.255.0.0", 1},
        /* 172.16/12 (its last address, 172.31.255.255, is in test_decode) */
        {"172.15.255.255", 1},
        {"172.16.0.0", 0},
        {"172.24.0.1", 0},
        {"172.32.0.0", 1},
        /* 192.0.0/24 protocol assignments */
        {"191.255.255.255", 1},
        {"192.0.0.0", 0},
        {"192.0.0.255", 0},
        {"192.0.1.0", 1},
        /* 192.0.2/24 documentation */
        {"192.0.1.255", 1},
        {"192.0.2.0", 0},
        {"192.0.2.255", 0},
        {"192.0.3.0", 1},
        /* 192.168/16 */
        {"192.167.255.255", 1},
        {"192.168.0.0", 0},
        {"192.168.255.255", 0},
        {"192.169.0.0", 1},
        /* 192.88.99/24 6to4 relay anycast (deprecated) */
        {"192.88.98.255", 1},
        {"192.88.99.0", 0},
        {"192.88.99.255", 0},
        {"192.88.100.0", 1},
        /* 198.18/15 benchmarking */
        {"198.17.255.255", 1},
        {"198.18.0.0", 0},
        {"198.19.255.255", 0},
        {"198.20.0.0", 1},
        /* 198.51.100/24 documentation */
        {"198.51.99.255", 1},
        {"198.51.100.0", 0},
        {"198.51.100.255", 0},
        {"198.51.101.0", 1},
        /* 203.0.113/24 documentation */
        {"203.0.112.255", 1},
        {"203.0.113.0", 0},
        {"203.0.113.255", 0},
        {"203.0.114.0", 1},
        /* 224/4 multicast, 240/4 reserved, the broadcast address */
        {"223.255.255.255", 1},
        {"224.0.0.0", 0},
        {"239.255.255.255", 0},
        {"240.0.0.0", 0},
        {"255.255.255.254", 0},
        /* Public. */
        {"1.1.1.1", 1},
        {"9.9.9.9", 1},
        {"93.184.216.34", 1},
        {"223.5.5.5", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sockaddr_in s;
        sa4(&s, cases[i].a);
        public_case(cases[i].a, fetch_addr_public((const struct sockaddr *)&s), cases[i].public);
    }
}

static void
public_v6(void)
{
    static const struct addr_case cases[] = {
        /* ::/96, unspecified, loopback and IPv4-compatible: none public, not
         * even the one carrying a public IPv4 address; ::1:0:0 is past it. */
        {"::2", 0},
        {"::a00:1", 0},
        {"::808:808", 0},
        {"::ffff:ffff", 0},
        {"::1:0:0", 1},
        /* ::ffff:0:0/96, IPv4 mapped: judged by the IPv4 address. */
        {"::ffff:0.0.0.0", 0},
        {"::ffff:255.255.255.255", 0},
        {"::ffff:192.168.0.0", 0},
        {"::ffff:192.168.255.255", 0},
        {"::ffff:192.167.255.255", 1},
        {"::ffff:100.64.0.0", 0},
        {"::ffff:169.254.169.254", 0},
        {"::ffff:1.1.1.1", 1},
        {"::fffe:a00:1", 1}, /* not mapped: ::fffe:0:0 is outside ::ffff:0:0/96 */
        /* 64:ff9b::/96, NAT64: judged by the IPv4 address. */
        {"64:ff9b::", 0},
        {"64:ff9b::ffff:ffff", 0},
        {"64:ff9b::7f00:1", 0},
        {"64:ff9b::a9fe:a9fe", 0},
        {"64:ff9b::6440:0", 0},
        {"64:ff9b::643f:ffff", 1},
        {"64:ff9b::101:101", 1},
        {"64:ff9b::1:a00:1", 1}, /* outside the /96: not 10.0.0.1 */
        /* 64:ff9b:1::/48, local-use NAT64: none public. */
        {"64:ff9b:0:ffff:ffff:ffff:ffff:ffff", 1},
        {"64:ff9b:1::", 0},
        {"64:ff9b:1::808:808", 0},
        {"64:ff9b:1:ffff:ffff:ffff:ffff:ffff", 0},
        {"64:ff9b:2::", 1},
        /* 2002::/16, 6to4: judged by the IPv4 address in its second and
         * third groups, whatever follows it. */
        {"2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1},
        {"2002::", 0},
        {"2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0},
        {"2002:c0a8:101:ffff:ffff:ffff:ffff:ffff", 0},
        {"2002:6440::1", 0},
        {"2002:63ff:ffff::1", 1},
        {"2002:101:101:ffff::1", 1},
        {"2003:a00:1::", 1}, /* not 6to4 */
        /* 2001::/32 Teredo (an IPv4 address inside), 2001:2::/48
         * benchmarking, 100::/64 discard-only. */
        {"2001::", 0},
        {"2001:0:4136:e378:8000:63bf:3fff:fdd2", 0},
        {"2001:0:ffff:ffff:ffff:ffff:ffff:ffff", 0},
        {"2001:1::", 1},
        {"2001:2::", 0},
        {"2001:2:0:ffff::1", 0},
        {"2001:2:1::", 1},
        {"100::", 0},
        {"100::ffff:ffff:ffff:ffff", 0},
        {"100:0:0:1::", 1},
        /* fc00::/7 unique local (the addresses just outside are reserved by
         * the IETF, not refused by fetch_addr_public). */
        {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1},
        {"fc00::", 0},
        {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0},
        {"fe00::", 1},
        /* fe80::/10 link-local, fec0::/10 site-local: together fe80:: up to
         * the multicast range. */
        {"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1},
        {"fe80::", 0},
        {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0},
        {"fec0::", 0},
        {"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0},
        /* ff00::/8 multicast */
        {"ff00::", 0},
        {"ff05::1:3", 0},
        {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0},
        /* 2001:db8::/32 documentation */
        {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", 1},
        {"2001:db8::", 0},
        {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 0},
        {"2001:db9::", 1},
        /* Public. */
        {"2606:4700:4700::1111", 1},
        {"2620:fe::fe", 1},
        {"2a00:1450:4001:800::200e", 1},
        {"2001:da8::1", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sockaddr_in6 s;
        sa6(&s, cases[i].a);
        public_case(cases[i].a, fetch_addr_public((const struct sockaddr *)&s), cases[i].public);
    }
}

/* Neither IPv4 nor IPv6: never public. */
static void
public_other(void)
{
    struct sockaddr_un un;
    memset(&un, 0, sizeof un);
    un.sun_family = AF_UNIX;
    CHECK(fetch_addr_public((const struct sockaddr *)&un) == 0);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_family = AF_UNSPEC;
    CHECK(fetch_addr_public((const struct sockaddr *)&ss) == 0);
}

static void
allowed_case4(const char *a, const char *url, int want)
{
    struct sockaddr_in s;
    char g[512], w[512];
    sa4(&s, a);
    int got = fetch_addr_allowed((const struct sockaddr *)&s, url);
    snprintf(g, sizeof g, "%s for %s: %s", a, url, got ? "allowed" : "refused");
    snprintf(w, sizeof w, "%s for %s: %s", a, url, want ? "allowed" : "refused");
    CHECK_STR(g, w);
}

static void
allowed_case6(const char *a, const char *url, int want)
{
    struct sockaddr_in6 s;
    char g[512], w[512];
    sa6(&s, a);
    int got = fetch_addr_allowed((const struct sockaddr *)&s, url);
    snprintf(g, sizeof g, "%s for %s: %s", a, url, got ? "allowed" : "refused");
    snprintf(w, sizeof w, "%s for %s: %s", a, url, want ? "allowed" : "refused");
    CHECK_STR(g, w);
}

static void
allowed(void)
{
    /* A public address: whatever the URL, even none. */
    allowed_case4("93.184.216.34", "http://example.com/", 1);
    allowed_case4("93.184.216.34", "not a url", 1);
    allowed_case6("2606:4700:4700::1111", "https://one.one.one.one/", 1);
    allowed_case6("::ffff:1.1.1.1", "http://example.com/", 1);

    /* IPv4: the URL names the address, or a name that resolved to it. */
    allowed_case4("127.0.0.1", "http://127.0.0.1:8080/x", 1);
    allowed_case4("127.0.0.1", "http://localhost:8080/x", 0);
    allowed_case4("10.0.0.5", "http://10.0.0.5/", 1);
    allowed_case4("10.0.0.5", "http://intranet.example/", 0);
    allowed_case4("192.168.1.1", "https://user:pw@192.168.1.1:8443/admin", 1);
    allowed_case4("169.254.169.254", "http://169.254.169.254/latest/meta-data/", 1);
    allowed_case4("169.254.169.254", "http://metadata.google.internal/", 0);
    allowed_case4("127.0.0.1", "http://2130706433/", 1); /* 127.0.0.1 spelt as a number */
    allowed_case4("127.0.0.1", "http://127.1/", 1);
    /* A user that looks like an address is not the host. */
    allowed_case4("10.0.0.1", "http://10.0.0.1@evil.example/", 0);
    allowed_case4("10.0.0.1", "http://evil.example@10.0.0.1/", 1);
    /* A name made of digits and letters, not an address. */
    allowed_case4("10.0.0.1", "http://10.0.0.1.nip.io/", 0);
    /* No URL to name it: refused. */
    allowed_case4("127.0.0.1", "not a url", 0);
    allowed_case4("127.0.0.1", "", 0);
    allowed_case4("127.0.0.1", "file:///etc/passwd", 0);

    /* IPv6, the same. */
    allowed_case6("::1", "http://[::1]:8080/", 1);
    allowed_case6("::1", "http://localhost:8080/", 0);
    allowed_case6("::1", "http://[0:0:0:0:0:0:0:1]/", 1);
    allowed_case6("fd00::1", "http://[fd00::1]/", 1);
    allowed_case6("fd00::1", "http://ula.example/", 0);
    allowed_case6("fe80::1", "http://[fe80::1%25eth0]/", 1);
    allowed_case6("fe80::1", "http://router.local/", 0);
    allowed_case6("::ffff:127.0.0.1", "http://[::ffff:127.0.0.1]/", 1);
    allowed_case6("::ffff:127.0.0.1", "http://localhost/", 0);
    allowed_case6("64:ff9b::a00:1", "http://nat64.example/", 0);
    allowed_case6("2002:a00:1::1", "http://sixtofour.example/", 0);
    allowed_case6("::1", "http://[::1/", 0);
}

int
main(void)
{
    url_hosts();
    url_host_sizes();
    public_v4();
    public_v6();
    public_other();
    allowed();
    return check_done("test_fetch_addr");
}
