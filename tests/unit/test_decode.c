/*
 * test_decode: Content-Encoding values; gzip, zlib and bare deflate decoded
 * whole and one byte at a time; a stream cut short is short; a corrupt one
 * fails; a bomb stops when the sink says so; fetch_addr_public's ranges.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "decode.h"
#include "fetch_addr.h"

struct out {
    char *p;
    size_t len, cap, stop_at;
};

static int
sink(void *arg, const void *p, size_t n)
{
    struct out *o = arg;
    if (o->stop_at && o->len + n > o->stop_at)
        return -1;
    if (o->len + n > o->cap) {
        o->cap = (o->len + n) * 2;
        o->p = realloc(o->p, o->cap);
    }
    memcpy(o->p + o->len, p, n);
    o->len += n;
    return 0;
}

/* Compress src with windowBits wb (31 gzip, 15 zlib, -15 bare deflate). */
static size_t
squeeze(const char *src, size_t n, int wb, unsigned char *dst, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 9, Z_DEFLATED, wb, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (unsigned char *)src;
    z.avail_in = (uInt)n;
    z.next_out = dst;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    size_t got = z.total_out;
    deflateEnd(&z);
    return got;
}

static void
coding(void)
{
    int d = 0;
    CHECK(decode_coding_of(" gzip\r\n", 7, &d) == DECODE_ZLIB && d == 0);
    CHECK(decode_coding_of("X-GZIP", 6, &d) == DECODE_ZLIB && d == 0);
    CHECK(decode_coding_of(" deflate", 8, &d) == DECODE_ZLIB && d == 1);
    CHECK(decode_coding_of(" identity, gzip", 15, &d) == DECODE_ZLIB);
    CHECK(decode_coding_of(" identity", 9, &d) == DECODE_NONE);
    CHECK(decode_coding_of("", 0, &d) == DECODE_NONE);
    CHECK(decode_coding_of(" br", 3, &d) == DECODE_BAD);
    CHECK(decode_coding_of(" gzip, gzip", 11, &d) == DECODE_BAD);
    CHECK(decode_coding_of(" gzipx", 6, &d) == DECODE_BAD);
}

static void
roundtrip(int wb, int deflate_label, size_t step)
{
    static char text[200000];
    static unsigned char z[300000];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = "绿化覆盖率达到40%。"[i % 26];
    size_t zn = squeeze(text, sizeof text, wb, z, sizeof z);
    struct decoder d;
    struct out o = {0};
    decode_init(&d, deflate_label);
    for (size_t i = 0; i < zn; i += step) {
        size_t n = zn - i < step ? zn - i : step;
        CHECK(decode_feed(&d, z + i, n, sink, &o) == 0);
    }
    CHECK(o.len == sizeof text && memcmp(o.p, text, o.len) == 0);
    CHECK(!decode_short(&d));
    decode_free(&d);
    /* The same cut in half: short, never complete. */
    o.len = 0;
    decode_init(&d, deflate_label);
    CHECK(decode_feed(&d, z, zn / 2, sink, &o) == 0);
    CHECK(decode_short(&d));
    CHECK(o.len < sizeof text);
    decode_free(&d);
    free(o.p);
}

static void
corrupt_and_bomb(void)
{
    static char zeros[8 << 20];
    static unsigned char z[1 << 20];
    size_t zn = squeeze(zeros, sizeof zeros, 31, z, sizeof z);
    struct decoder d;
    struct out o = {0};
    /* A bomb: the sink refuses past 1 MiB, and decoding stops there. */
    o.stop_at = 1 << 20;
    decode_init(&d, 0);
    CHECK(decode_feed(&d, z, zn, sink, &o) == -1);
    CHECK(o.len <= (size_t)(1 << 20));
    decode_free(&d);
    /* Bytes flipped in the middle: fails, and stays failed. */
    o.stop_at = 0;
    o.len = 0;
    z[zn / 2] ^= 0xff;
    z[zn / 2 + 1] ^= 0xff;
    decode_init(&d, 0);
    int rc = decode_feed(&d, z, zn, sink, &o);
    CHECK(rc == -1 || decode_short(&d) || o.len != sizeof zeros);
    decode_free(&d);
    /* Not gzip at all. */
    decode_init(&d, 0);
    CHECK(decode_feed(&d, "<html>not coded</html>", 22, sink, &o) == -1 && d.failed);
    CHECK(decode_feed(&d, "x", 1, sink, &o) == -1);
    decode_free(&d);
    free(o.p);
}

static int
public4(const char *a)
{
    struct sockaddr_in s = {.sin_family = AF_INET};
    inet_pton(AF_INET, a, &s.sin_addr);
    return fetch_addr_public((struct sockaddr *)&s);
}

static int
public6(const char *a)
{
    struct sockaddr_in6 s = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, a, &s.sin6_addr);
    return fetch_addr_public((struct sockaddr *)&s);
}

static void
addresses(void)
{
    const char *no4[] = {"127.0.0.1",      "127.1.2.3",   "10.0.0.1",        "172.16.0.1",
                         "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1",
                         "0.0.0.0",        "224.0.0.1",   "255.255.255.255", "198.18.0.1"};
    const char *yes4[] = {"8.8.8.8",     "101.6.6.6",   "172.32.0.1",
                          "192.169.0.1", "100.128.0.1", "202.108.22.5"};
    const char *no6[] = {"::1",
                         "::",
                         "fe80::1",
                         "fc00::1",
                         "fd12:3456::1",
                         "ff02::1",
                         "::ffff:127.0.0.1",
                         "::ffff:10.1.2.3",
                         "64:ff9b::a00:1",
                         "2001:db8::1",
                         "2002:7f00:1::1",
                         "2002:a00:1::",
                         "64:ff9b:1::808:808"};
    const char *yes6[] = {"2400:3200::1", "2001:4860:4860::8888", "::ffff:8.8.8.8",
                          "2002:808:808::1"};
    for (size_t i = 0; i < sizeof no4 / sizeof *no4; i++)
        CHECK_STR(public4(no4[i]) ? "public" : no4[i], no4[i]);
    for (size_t i = 0; i < sizeof yes4 / sizeof *yes4; i++)
        CHECK_STR(public4(yes4[i]) ? yes4[i] : "not public", yes4[i]);
    for (size_t i = 0; i < sizeof no6 / sizeof *no6; i++)
        CHECK_STR(public6(no6[i]) ? "public" : no6[i], no6[i]);
    for (size_t i = 0; i < sizeof yes6 / sizeof *yes6; i++)
        CHECK_STR(public6(yes6[i]) ? yes6[i] : "not public", yes6[i]);
}

int
main(void)
{
    coding();
    roundtrip(31, 0, 1 << 20); /* gzip, whole */
    roundtrip(31, 0, 1);       /* gzip, a byte at a time */
    roundtrip(15, 1, 7);       /* deflate as RFC 9110 means it */
    roundtrip(-15, 1, 1000);   /* deflate without its zlib header */
    corrupt_and_bomb();
    addresses();
    return check_done("test_decode");
}
