/*
 * test_warc_writer: pages written by warc_writer.c and read back by warc_reader.c (a GBK
 * body, an empty one, a binary one with NULs, coded, LF-only and interim
 * heads), the records as stored, one gzip member per record, rotation, a
 * file cut in its last record, a failed write (RLIMIT_FSIZE stands in for a
 * full disk), refused pages, and directories that cannot be used.  All of it
 * happens in a directory from mkdtemp(), removed at the end.
 */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "warc_reader.h"
#include "warc_writer.h"

#define WHEN       ((time_t)1795323600) /* 2026-11-22T05:00:00Z */
#define MAX_GOT    64
#define MAX_FILES  64
#define MAX_RECORD (1 << 20)
#define GBK_BODY                                                                                   \
    "<html><body>\xc8\xab\xc4\xea\xb9\xfa\xc4\xda\xc9\xfa\xb2\xfa\xd7\xdc\xd6\xb5"                 \
    "1349084\xd2\xda\xd4\xaa</body></html>"
#define GBK_URI "http://www.stats.gov.cn/sj/zxfb/202602/t20260228_1.html"
#define GBK_REQUEST                                                                                \
    "GET /sj/zxfb/202602/t20260228_1.html HTTP/1.1\r\nHost: www.stats.gov.cn\r\n"                  \
    "User-Agent: factd/0.1.0\r\nAccept: */*\r\n\r\n"

static char tmp[] = "/tmp/test_warc_writer.XXXXXX";

/* The responses warc_read_file() handed over; strings from malloc(). */
static struct got {
    char *uri;
    int status;
    char *ctype;
    char *body;
    size_t len;
} got[MAX_GOT];
static size_t ngot;

/* The damaged stretches warc_read_file() told of, and where the last whole
 * record of the last archive read ends. */
#define MAX_DAMAGE 16
static struct err damages[MAX_DAMAGE];
static int cuts[MAX_DAMAGE];
static size_t ndamage;
static long long last_whole;

static void
got_clear(void)
{
    for (size_t i = 0; i < ngot; i++) {
        free(got[i].uri);
        free(got[i].ctype);
        free(got[i].body);
    }
    ngot = 0;
    ndamage = 0;
}

static int
collect(void *arg, const struct warc_response *r)
{
    struct got *g;

    if (ngot == MAX_GOT)
        return -1;
    g = &got[ngot++];
    g->uri = strdup(r->uri);
    g->status = r->status;
    g->ctype = r->content_type ? strdup(r->content_type) : NULL;
    g->body = malloc(r->len + 1);
    memcpy(g->body, r->body, r->len);
    g->len = r->len;
    return 0;
}

static void
on_damage(void *arg, const struct err *e, int cut)
{
    if (ndamage < MAX_DAMAGE) {
        damages[ndamage] = *e;
        cuts[ndamage] = cut;
    }
    ndamage++;
}

/* Read path's responses after the ones collected so far, and its damage
 * after the damage told so far.  Returns 0, 1 when damage was told, -1 when
 * reading failed. */
static int
read_back(const char *path, size_t *skipped, struct err *err)
{
    struct warc_stats st;
    size_t before = ndamage;
    int rc = warc_read_file(path, MAX_RECORD, collect, on_damage, NULL, &st, err);

    if (skipped != NULL)
        *skipped = st.skipped;
    last_whole = st.whole;
    if (rc == 0 && st.damaged != ndamage - before)
        return -1;
    return rc != 0 ? -1 : st.damaged > 0;
}

/* The names in dir, in order; returns how many (each at most 255 bytes). */
static size_t
list_dir(const char *dir, char (*names)[256], size_t max)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    size_t k = 0;

    for (int i = 0; i < n; i++) {
        if (ents[i]->d_name[0] != '.' && k < max)
            snprintf(names[k++], 256, "%s", ents[i]->d_name);
        free(ents[i]);
    }
    if (n >= 0)
        free(ents);
    return k;
}

static int
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* All of a gzip file, its members one after another; from malloc(). */
static char *
gunzip_file(const char *path, size_t *len)
{
    gzFile gz = gzopen(path, "rb");
    char *p = NULL;
    size_t cap = 0;
    int n;

    *len = 0;
    if (gz == NULL)
        return NULL;
    do {
        if (cap - *len < 65536) {
            cap = cap * 2 + 65536;
            p = realloc(p, cap + 1);
        }
        n = gzread(gz, p + *len, 65536);
        if (n > 0)
            *len += (size_t)n;
    } while (n > 0);
    gzclose(gz);
    p[*len] = '\0';
    return p;
}

/* The gzip members in path, or -1 if it is not a sequence of whole ones. */
static int
count_members(const char *path)
{
    FILE *f = fopen(path, "rb");
    static unsigned char in[1 << 20], out[65536];
    size_t n;
    z_stream z;
    int members = 0, rc = Z_OK;

    if (f == NULL)
        return -1;
    n = fread(in, 1, sizeof in, f);
    fclose(f);
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return -1;
    z.next_in = in;
    z.avail_in = (uInt)n;
    while (z.avail_in > 0) {
        z.next_out = out;
        z.avail_out = sizeof out;
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            members++;
            inflateReset(&z);
        } else if (rc != Z_OK) {
            break;
        }
    }
    inflateEnd(&z);
    return rc == Z_STREAM_END ? members : -1;
}

/* Where the gzip members of path begin (up to max of them), and the file's
 * size; returns how many there are, or -1 if they are not all whole. */
static int
member_offsets(const char *path, long long *offs, int max, long long *size)
{
    FILE *f = fopen(path, "rb");
    static unsigned char in[1 << 20], out[65536];
    size_t n, pos = 0;
    z_stream z;
    int members = 0, rc = Z_OK;

    if (f == NULL)
        return -1;
    n = fread(in, 1, sizeof in, f);
    fclose(f);
    *size = (long long)n;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return -1;
    while (pos < n) {
        if (members < max)
            offs[members] = (long long)pos;
        inflateReset(&z);
        z.next_in = in + pos;
        z.avail_in = (uInt)(n - pos);
        do {
            z.next_out = out;
            z.avail_out = sizeof out;
            rc = inflate(&z, Z_NO_FLUSH);
        } while (rc == Z_OK);
        if (rc != Z_STREAM_END)
            break;
        pos = n - z.avail_in;
        members++;
    }
    inflateEnd(&z);
    return rc == Z_STREAM_END ? members : -1;
}

/* All of path; from malloc(), NUL-terminated. */
static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p = NULL;
    long n;

    *len = 0;
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (p = malloc((size_t)n + 1)) != NULL) {
        *len = fread(p, 1, (size_t)n, f);
        p[*len] = '\0';
    }
    fclose(f);
    return p;
}

static int
spill(const char *path, const void *p, size_t len)
{
    FILE *f = fopen(path, "wb");
    int ok = f != NULL && fwrite(p, 1, len, f) == len;

    if (f != NULL && fclose(f) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

/* What stderr gets between capture_begin() and capture_end(), which
 * returns it (from malloc()). */
static int saved_stderr = -1;

static void
capture_begin(void)
{
    char path[300];
    int fd;

    snprintf(path, sizeof path, "%s/stderr", tmp);
    fflush(stderr);
    saved_stderr = dup(2);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        dup2(fd, 2);
        close(fd);
    }
}

static char *
capture_end(void)
{
    char path[300];
    size_t len;

    fflush(stderr);
    if (saved_stderr >= 0) {
        dup2(saved_stderr, 2);
        close(saved_stderr);
        saved_stderr = -1;
    }
    snprintf(path, sizeof path, "%s/stderr", tmp);
    char *s = slurp(path, &len);
    unlink(path);
    if (s != NULL)
        fputs(s, stderr); /* still seen in the test's output */
    return s != NULL ? s : strdup("");
}

static size_t
count(const char *hay, size_t len, const char *needle)
{
    size_t k = 0, nl = strlen(needle);
    const char *p = hay, *end = hay + len;

    while ((p = memmem(p, (size_t)(end - p), needle, nl)) != NULL) {
        k++;
        p += nl;
    }
    return k;
}

static struct warc_writer_page
page(const char *uri, const char *head, const char *body, size_t body_len, const char *request,
     const char *ip)
{
    struct warc_writer_page p;

    memset(&p, 0, sizeof p);
    p.page.uri = uri;
    p.page.head = head;
    p.page.head_len = strlen(head);
    p.page.body = body;
    p.page.len = body_len;
    p.request = request;
    p.request_len = request ? strlen(request) : 0;
    p.ip = ip;
    p.page.when = WHEN;
    return p;
}

/* Bytes that deflate cannot shrink, so file sizes are predictable. */
static void
noise(char *p, size_t n, unsigned seed)
{
    unsigned x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (char)(x >> 23);
    }
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void
test_round_trip(void)
{
    char dir[256], path[600], names[MAX_FILES][256], binary[300], want[600];
    static const char coded[] = "<p>\xe4\xb8\x80\xe8\x88\xac\xe5\x85\xac\xe5\x85\xb1 216784</p>";
    struct warc_writer_page pages[7];
    struct warc_writer *a;
    struct err err;
    size_t n, skipped = 0, len;

    for (size_t i = 0; i < sizeof binary; i++)
        binary[i] = (char)(i * 7 % 256);
    pages[0] = page(GBK_URI,
                    "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html; charset=GBK\r\n"
                    "Content-Length: 12345\r\n\r\n",
                    GBK_BODY, sizeof GBK_BODY - 1, GBK_REQUEST, "203.0.113.7");
    pages[1] =
        page("http://www.gov.cn/empty", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n", NULL,
             0, "GET /empty HTTP/1.1\r\nHost: www.gov.cn\r\n\r\n", "2001:db8::1");
    pages[2] = page("https://www.mof.gov.cn/coded",
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                    "content-encoding: gzip\r\nTransfer-Encoding:  chunked\r\n"
                    "Vary: Accept-Encoding\r\n\r\n",
                    coded, sizeof coded - 1, "GET /coded HTTP/1.1\r\n\r\n", NULL);
    pages[3] = page("http://example.gov.cn/lf",
                    "HTTP/1.0 200 OK\nContent-Type: text/html\nContent-Length: 3\n",
                    "<p>LF only</p>", 14, NULL, NULL);
    pages[4] = page("http://example.gov.cn/bin",
                    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n", binary,
                    sizeof binary, NULL, NULL);
    pages[5] = page("http://example.gov.cn/continue",
                    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                    "Content-Length: 1\r\n\r\n",
                    "x", 1, "POST /continue HTTP/1.1\r\nExpect: 100-continue\r\n\r\n", NULL);
    pages[6] = page("http://example.gov.cn/missing", "HTTP/1.1 404 Not Found\r\n\r\n", "gone", 4,
                    NULL, NULL);

    snprintf(dir, sizeof dir, "%s/round", tmp);
    a = warc_writer_open(dir, 1 << 30, &err);
    CHECK(a != NULL);
    if (a == NULL)
        return;
    CHECK(warc_writer_current(a) == NULL);
    for (int i = 0; i < 7; i++) {
        int rc = warc_writer_put(a, &pages[i], &err);
        CHECK(rc == 0);
        if (rc != 0)
            err_print(stderr, &err);
    }
    CHECK(warc_writer_current(a) != NULL && ends_with(warc_writer_current(a), ".warc.gz.open"));
    CHECK(warc_writer_current(a) != NULL && access(warc_writer_current(a), F_OK) == 0);
    warc_writer_close(a);

    n = list_dir(dir, names, MAX_FILES);
    CHECK(n == 1);
    if (n != 1)
        return;
    snprintf(want, sizeof want, "-%ld-00000.warc.gz", (long)getpid());
    CHECK(strncmp(names[0], "factd-", 6) == 0 && strlen(names[0]) == 6 + 14 + strlen(want));
    CHECK(ends_with(names[0], want));
    snprintf(path, sizeof path, "%s/%s", dir, names[0]);

    err_clear(&err);
    CHECK(read_back(path, &skipped, &err) == 0);
    if (err.msg[0] != '\0')
        err_print(stderr, &err);
    CHECK(skipped == 1);
    CHECK(ngot == 6);
    for (size_t i = 0; i < ngot && i < 6; i++) {
        CHECK_STR(got[i].uri, pages[i].page.uri);
        CHECK(got[i].status == 200);
        CHECK(got[i].len == pages[i].page.len);
        CHECK(got[i].len == pages[i].page.len &&
              (got[i].len == 0 || memcmp(got[i].body, pages[i].page.body, got[i].len) == 0));
    }
    if (ngot == 6) {
        CHECK_STR(got[0].ctype, "text/html; charset=GBK");
        CHECK_STR(got[1].ctype, "text/plain");
        CHECK_STR(got[2].ctype, "text/html; charset=utf-8");
        CHECK_STR(got[3].ctype, "text/html");
        CHECK_STR(got[4].ctype, "application/octet-stream");
    }
    got_clear();

    /* The records as stored. */
    char *s = gunzip_file(path, &len);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    CHECK(strncmp(s, "WARC/1.1\r\nWARC-Type: warcinfo\r\n", 31) == 0);
    CHECK(count(s, len, "WARC-Type: warcinfo\r\n") == 1);
    CHECK(count(s, len, "\r\nsoftware: factd/") == 1);
    CHECK(count(s, len, "\r\nformat: WARC File Format 1.1\r\n") == 1);
    snprintf(want, sizeof want, "WARC-Filename: %s\r\n", names[0]);
    CHECK(count(s, len, want) == 1);
    CHECK(count(s, len, "WARC/1.1\r\n") == 1 + 4 * 2 + 3);
    CHECK(count(s, len, "WARC-Type: request\r\n") == 4);
    CHECK(count(s, len, "WARC-Type: response\r\n") == 7);
    CHECK(count(s, len, "Content-Type: application/http;msgtype=request\r\n") == 4);
    CHECK(count(s, len, "Content-Type: application/http;msgtype=response\r\n") == 7);
    CHECK(count(s, len, "WARC-Date: 2026-11-22T05:00:00Z\r\n") == 11);
    CHECK(count(s, len, "WARC-Target-URI: " GBK_URI "\r\n") == 2);
    CHECK(count(s, len, "WARC-Target-URI: <") == 0);
    CHECK(count(s, len, "WARC-IP-Address: 203.0.113.7\r\n") == 2);
    CHECK(count(s, len, "WARC-IP-Address: 2001:db8::1\r\n") == 2);
    CHECK(count(s, len, "WARC-IP-Address:") == 4);
    CHECK(count(s, len, "WARC-Warcinfo-ID: <urn:uuid:") == 11);
    CHECK(count(s, len, "WARC-Concurrent-To: <urn:uuid:") == 8);
    CHECK(count(s, len, "\r\n\r\n" GBK_REQUEST "\r\n\r\n") == 1);
    snprintf(want, sizeof want,
             "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html; charset=GBK\r\n"
             "Content-Length: %zu\r\n\r\n<html>",
             sizeof GBK_BODY - 1);
    CHECK(count(s, len, want) == 1);
    CHECK(count(s, len, "Content-Length: 12345") == 0);
    snprintf(want, sizeof want,
             "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
             "X-Factd-Was-Content-Encoding: gzip\r\nX-Factd-Was-Transfer-Encoding: chunked\r\n"
             "Vary: Accept-Encoding\r\nContent-Length: %zu\r\n\r\n<p>",
             sizeof coded - 1);
    CHECK(count(s, len, want) == 1);
    CHECK(count(s, len,
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n"
                "\r\n\r\n\r\n") == 1);
    CHECK(count(s, len,
                "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: 14\r\n\r\n"
                "<p>LF only</p>\r\n\r\n") == 1);
    CHECK(count(s, len, "100 Continue") == 0);
    CHECK(count(s, len,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1\r\n\r\n"
                "x\r\n\r\n") == 1);

    /* Record IDs: random version 4 UUIDs, all different; each
     * WARC-Concurrent-To names a record of the file. */
    char ids[16][40];
    size_t nids = 0;
    for (const char *p = s;
         (p = memmem(p, len - (size_t)(p - s), "WARC-Record-ID: <urn:uuid:", 26)) != NULL &&
         nids < 16;) {
        p += 26;
        CHECK(strlen(p) > 37 && p[36] == '>' && p[14] == '4' && strchr("89ab", p[19]) != NULL);
        memcpy(ids[nids], p, 36);
        ids[nids++][36] = '\0';
    }
    CHECK(nids == 12);
    for (size_t i = 0; i < nids; i++)
        for (size_t j = i + 1; j < nids; j++)
            CHECK(strcmp(ids[i], ids[j]) != 0);
    for (const char *p = s;
         (p = memmem(p, len - (size_t)(p - s), "WARC-Concurrent-To: <urn:uuid:", 30)) != NULL;) {
        p += 30;
        int found = 0;
        for (size_t i = 0; i < nids; i++)
            found |= strncmp(p, ids[i], 36) == 0;
        CHECK(found);
    }
    free(s);

    /* One gzip member per record, so a reader can seek to each. */
    CHECK(count_members(path) == 12);
}

static void
test_rotation(void)
{
    char dir[256], path[600], names[MAX_FILES][256], uri[64], body[3000];
    struct warc_writer *a;
    struct err err;
    size_t n;
    int rotated = 0;

    snprintf(dir, sizeof dir, "%s/rotate", tmp);
    a = warc_writer_open(dir, 4096, &err);
    CHECK(a != NULL);
    if (a == NULL)
        return;
    for (int i = 0; i < 12; i++) {
        snprintf(uri, sizeof uri, "http://example.gov.cn/page-%02d", i);
        noise(body, sizeof body, (unsigned)i);
        struct warc_writer_page p = page(uri, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n",
                                         body, sizeof body, "GET / HTTP/1.1\r\n\r\n", NULL);
        CHECK(warc_writer_put(a, &p, &err) == 0);
        const char *cur = warc_writer_current(a);
        CHECK(cur != NULL && access(cur, F_OK) == 0);
        if (cur != NULL && !ends_with(cur, ".open"))
            rotated++;
    }
    warc_writer_close(a);
    CHECK(rotated >= 4);

    n = list_dir(dir, names, MAX_FILES);
    CHECK(n >= 4);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        CHECK(strncmp(names[i], "factd-", 6) == 0);
        CHECK(ends_with(names[i], ".warc.gz"));
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        char *s = gunzip_file(path, &len);
        CHECK(s != NULL && strncmp(s, "WARC/1.1\r\nWARC-Type: warcinfo\r\n", 31) == 0);
        free(s);
        err_clear(&err);
        CHECK(read_back(path, NULL, &err) == 0);
    }
    CHECK(ngot == 12);
    for (size_t i = 0; i < ngot; i++) {
        snprintf(uri, sizeof uri, "http://example.gov.cn/page-%02zu", i);
        noise(body, sizeof body, (unsigned)i);
        CHECK_STR(got[i].uri, uri);
        CHECK(got[i].len == sizeof body && memcmp(got[i].body, body, sizeof body) == 0);
    }
    got_clear();
}

/* A file cut in its last record, as a crash leaves it: the records before
 * it are read, and the cut member is named by where it begins in the file. */
static void
test_cut(void)
{
    char dir[256], path[600], names[MAX_FILES][256], msg[1200], want[300];
    struct warc_writer *a;
    struct err err;
    long long offs[16], size;

    snprintf(dir, sizeof dir, "%s/cut", tmp);
    a = warc_writer_open(dir, 1 << 30, &err);
    CHECK(a != NULL);
    if (a == NULL)
        return;
    for (int i = 0; i < 3; i++) {
        struct warc_writer_page p = page(GBK_URI, "HTTP/1.1 200 OK\r\n\r\n", GBK_BODY,
                                         sizeof GBK_BODY - 1, GBK_REQUEST, NULL);
        CHECK(warc_writer_put(a, &p, &err) == 0);
    }
    warc_writer_close(a);
    CHECK(list_dir(dir, names, MAX_FILES) == 1);
    snprintf(path, sizeof path, "%s/%s", dir, names[0]);
    CHECK(member_offsets(path, offs, 16, &size) == 7);
    CHECK(truncate(path, size - 20) == 0);

    err_clear(&err);
    CHECK(read_back(path, NULL, &err) == 1);
    CHECK(ngot == 2);
    CHECK(ndamage == 1 && cuts[0] == 1);
    CHECK_STR(damages[0].file, path);
    CHECK(damages[0].offset == offs[6]);
    CHECK(last_whole == offs[6]);
    err_format(&damages[0], msg, sizeof msg);
    snprintf(want, sizeof want, ": byte %lld: the last gzip member is cut short", offs[6]);
    CHECK(strncmp(msg, path, strlen(path)) == 0 && strstr(msg, want) != NULL);
    got_clear();
}

/* A full disk, played by RLIMIT_FSIZE: write() fails with EFBIG once the
 * file would pass the limit. */
static void
test_write_failure(void)
{
    char dir[256], path[600], names[MAX_FILES][256], body[6000];
    struct warc_writer *a;
    struct err err;
    struct rlimit old, small;
    int written = 0, rc = 0;
    char failed[512] = "";

    snprintf(dir, sizeof dir, "%s/full", tmp);
    a = warc_writer_open(dir, 1 << 30, &err);
    CHECK(a != NULL);
    if (a == NULL)
        return;
    noise(body, sizeof body, 7);
    struct warc_writer_page p = page("http://example.gov.cn/full", "HTTP/1.1 200 OK\r\n\r\n", body,
                                     sizeof body, NULL, NULL);
    signal(SIGXFSZ, SIG_IGN);
    CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
    small = old;
    small.rlim_cur = 20000;
    CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0);
    while (written < 10 && (rc = warc_writer_put(a, &p, &err)) == 0)
        written++;
    CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
    CHECK(rc == -1);
    CHECK(written == 3);
    CHECK(strstr(err.msg, "cannot write: File too large") != NULL);
    CHECK(strstr(err.msg, "cut back to its last whole record") != NULL);
    CHECK(ends_with(err.file, ".warc.gz"));
    CHECK(warc_writer_current(a) != NULL && strcmp(warc_writer_current(a), err.file) == 0);
    snprintf(failed, sizeof failed, "%s", err.file);

    /* The next write begins a new file. */
    CHECK(warc_writer_put(a, &p, &err) == 0);
    CHECK(warc_writer_current(a) != NULL && strcmp(warc_writer_current(a), failed) != 0);
    warc_writer_close(a);

    CHECK(list_dir(dir, names, MAX_FILES) == 2);
    err_clear(&err);
    CHECK(read_back(failed, NULL, &err) == 0);
    CHECK(ngot == 3);
    got_clear();
    snprintf(path, sizeof path, "%s/%s", dir, names[1]);
    CHECK(strcmp(path, failed) != 0);
    CHECK(read_back(path, NULL, &err) == 0);
    CHECK(ngot == 1);
    got_clear();
}

/* Pages that cannot be stored are refused before anything is written. */
static void
test_refused(void)
{
    char dir[256], names[MAX_FILES][256], path[600], cur[512];
    struct warc_writer *a;
    struct err err;

    snprintf(dir, sizeof dir, "%s/refused", tmp);
    a = warc_writer_open(dir, 1 << 30, &err);
    CHECK(a != NULL);
    if (a == NULL)
        return;
    struct warc_writer_page good =
        page("http://example.gov.cn/a", "HTTP/1.1 200 OK\r\n", "a", 1, NULL, NULL);
    struct warc_writer_page nohead =
        page("http://example.gov.cn/b", "garbage\r\n\r\n", "b", 1, NULL, NULL);
    struct warc_writer_page baduri =
        page("http://example.gov.cn/c\r\nWARC-Type: x", "HTTP/1.1 200 OK\r\n", "c", 1, NULL, NULL);
    struct warc_writer_page badip =
        page("http://example.gov.cn/d", "HTTP/1.1 200 OK\r\n", "d", 1, NULL, "1.2.3.4\n");
    CHECK(warc_writer_put(a, &nohead, &err) == -1);
    CHECK(warc_writer_current(a) == NULL);
    CHECK(list_dir(dir, names, MAX_FILES) == 0);
    CHECK(warc_writer_put(a, &good, &err) == 0);
    snprintf(cur, sizeof cur, "%s", warc_writer_current(a));
    CHECK(warc_writer_put(a, &nohead, &err) == -1);
    CHECK_STR(err.file, "http://example.gov.cn/b");
    CHECK(strstr(err.msg, "no status line") != NULL);
    CHECK(warc_writer_put(a, &baduri, &err) == -1);
    CHECK(strstr(err.msg, "URI") != NULL);
    CHECK(warc_writer_put(a, &badip, &err) == -1);
    CHECK(warc_writer_put(a, &good, &err) == 0);
    CHECK_STR(warc_writer_current(a), cur);
    warc_writer_close(a);

    CHECK(list_dir(dir, names, MAX_FILES) == 1);
    snprintf(path, sizeof path, "%s/%s", dir, names[0]);
    err_clear(&err);
    CHECK(read_back(path, NULL, &err) == 0);
    CHECK(ngot == 2);
    got_clear();
}

static void
test_open(void)
{
    char path[600], names[MAX_FILES][256];
    struct warc_writer *a;
    struct err err;
    struct stat st;
    FILE *f;

    /* Created, with its mode, and left empty by an archive never written to. */
    snprintf(path, sizeof path, "%s/new/", tmp);
    a = warc_writer_open(path, 1000, &err);
    CHECK(a != NULL);
    warc_writer_close(a);
    snprintf(path, sizeof path, "%s/new", tmp);
    CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0750);
    CHECK(list_dir(path, names, MAX_FILES) == 0);
    warc_writer_close(NULL);

    snprintf(path, sizeof path, "%s/plain-file", tmp);
    f = fopen(path, "w");
    CHECK(f != NULL);
    if (f != NULL)
        fclose(f);
    CHECK(warc_writer_open(path, 1000, &err) == NULL);
    CHECK_STR(err.file, path);
    CHECK_STR(err.msg, "not a directory");

    snprintf(path, sizeof path, "%s/no/such", tmp);
    CHECK(warc_writer_open(path, 1000, &err) == NULL);
    CHECK_STR(err.file, path);
    CHECK(strstr(err.msg, "cannot create directory") != NULL);

    if (geteuid() == 0) {
        printf("test_warc_writer: running as root, unwritable directory not checked\n");
        return;
    }
    snprintf(path, sizeof path, "%s/read-only", tmp);
    CHECK(mkdir(path, 0500) == 0);
    CHECK(warc_writer_open(path, 1000, &err) == NULL);
    CHECK_STR(err.file, path);
    CHECK(strstr(err.msg, "cannot write to directory: Permission denied") != NULL);
    chmod(path, 0700);
}

#define NDAMAGED 30

/* Page i of test_damaged(): incompressible bodies for odd i (deflate keeps
 * them as stored blocks, so flipped bytes show only in the CRC), text for
 * even i (flipped bytes break the deflate codes). */
static size_t
damaged_body(int i, char *body, size_t cap)
{
    size_t n = 0;

    if (i % 2 == 1) {
        noise(body, 3000, (unsigned)i + 100);
        return 3000;
    }
    while (n + 64 < cap && n < 600)
        n += (size_t)snprintf(body + n, cap - n, "<p>page %d: area %d square metres</p>\n", i,
                              (int)n);
    return n;
}

/* Check the pages read back are those of test_damaged() but the ones in
 * except (-1 ends it), in order. */
static void
check_pages(const int *except)
{
    char uri[64], body[4000];
    size_t k = 0;

    for (int i = 0; i < NDAMAGED; i++) {
        int skip = 0;
        for (const int *e = except; *e >= 0; e++)
            skip |= *e == i;
        if (skip)
            continue;
        snprintf(uri, sizeof uri, "http://example.gov.cn/page-%02d", i);
        size_t n = damaged_body(i, body, sizeof body);
        CHECK(k < ngot && strcmp(got[k].uri, uri) == 0);
        CHECK(k < ngot && got[k].len == n && memcmp(got[k].body, body, n) == 0);
        k++;
    }
    CHECK(k == ngot);
}

/*
 * One gzip member per record, and damage in some: bytes flipped in two
 * members, the first member's magic, zeros after the last, a plain archive
 * with a stretch that is not a record, records over the ceiling.  Each time
 * every other record is read, and the damage is named by the offset where
 * it begins in the file (a member's start, for a gzip archive).
 */
static void
test_damaged(void)
{
    char dir[256], path[600], bad[600], names[MAX_FILES][256], msg[1200], want[300];
    char body[4000];
    struct warc_writer *a;
    struct err err;
    long long offs[NDAMAGED + 2], size;
    size_t len;
    const int none[] = {-1}, two[] = {10, 21, -1};

    snprintf(dir, sizeof dir, "%s/damaged", tmp);
    a = warc_writer_open(dir, 1 << 30, &err);
    CHECK(a != NULL);
    if (a == NULL)
        return;
    for (int i = 0; i < NDAMAGED; i++) {
        char uri[64];
        snprintf(uri, sizeof uri, "http://example.gov.cn/page-%02d", i);
        size_t n = damaged_body(i, body, sizeof body);
        struct warc_writer_page p =
            page(uri, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n", body, n, NULL, NULL);
        CHECK(warc_writer_put(a, &p, &err) == 0);
    }
    warc_writer_close(a);
    CHECK(list_dir(dir, names, MAX_FILES) == 1);
    snprintf(path, sizeof path, "%s/%s", dir, names[0]);
    /* The warcinfo record, then page i in member i + 1. */
    CHECK(member_offsets(path, offs, NDAMAGED + 2, &size) == NDAMAGED + 1);
    offs[NDAMAGED + 1] = size;
    char *good = slurp(path, &len);
    CHECK(good != NULL && (long long)len == size);
    if (good == NULL)
        return;
    snprintf(bad, sizeof bad, "%s/bad.warc.gz", tmp);

    /* 40 bytes flipped in the middle of pages 10 (stored) and 21 (coded). */
    char *b = malloc(len + 8192);
    memcpy(b, good, len);
    for (int k = 0; k < 2; k++) {
        int m = two[k] + 1;
        long long mid = (offs[m] + offs[m + 1]) / 2 - 20;
        CHECK(offs[m + 1] - offs[m] > 80);
        for (int j = 0; j < 40; j++)
            b[mid + j] ^= 0x55;
    }
    CHECK(spill(bad, b, len) == 0);
    CHECK(read_back(bad, NULL, &err) == 1);
    check_pages(two);
    CHECK(ndamage == 2 && cuts[0] == 0 && cuts[1] == 0);
    for (size_t k = 0; k < ndamage && k < 2; k++) {
        int m = two[k] + 1;
        CHECK_STR(damages[k].file, bad);
        CHECK(damages[k].offset == offs[m]);
        CHECK(strstr(damages[k].msg, "a damaged gzip member (") != NULL);
        snprintf(want, sizeof want, "skipped to the next gzip member, at byte %lld", offs[m + 1]);
        CHECK(strstr(damages[k].msg, want) != NULL);
    }
    for (size_t k = 0; k < ndamage && k < 2; k++) {
        err_format(&damages[k], msg, sizeof msg);
        printf("test_warc_writer: %s\n", msg);
    }
    got_clear();

    /* Checked without reading the records: where whole members end. */
    struct warc_stats st;
    int fd = open(bad, O_RDONLY);
    CHECK(warc_check_members(fd, bad, NULL, NULL, &st, &err) == 0);
    CHECK(st.damaged == 2 && st.cut == 0 && st.whole == size);
    close(fd);

    /* The first member's magic gone: the name says gzip. */
    memcpy(b, good, len);
    b[0] = 0;
    b[1] = 0;
    CHECK(spill(bad, b, len) == 0);
    CHECK(read_back(bad, NULL, &err) == 1);
    check_pages(none);
    CHECK(ndamage == 1 && damages[0].offset == 0);
    snprintf(want, sizeof want, "not a gzip member; skipped to the next gzip member, at byte %lld",
             offs[1]);
    CHECK(strstr(damages[0].msg, want) != NULL);
    got_clear();

    /* Zeros after the last member, as a crash may leave them. */
    memcpy(b, good, len);
    memset(b + len, 0, 4096);
    CHECK(spill(bad, b, len + 4096) == 0);
    CHECK(read_back(bad, NULL, &err) == 1);
    check_pages(none);
    CHECK(ndamage == 1 && cuts[0] == 0 && damages[0].offset == size);
    CHECK(strstr(damages[0].msg, "not a gzip member; no whole gzip member after it") != NULL);
    CHECK(last_whole == size);
    got_clear();

    /* Records over the ceiling are passed over, one by one. */
    struct warc_stats small;
    CHECK(warc_read_file(path, 2000, collect, on_damage, NULL, &small, &err) == 0);
    CHECK(ngot == NDAMAGED / 2 && small.damaged == NDAMAGED / 2 && ndamage == NDAMAGED / 2);
    CHECK(ndamage > 0 && damages[0].offset == offs[2] &&
          strstr(damages[0].msg, "larger than the limit of 2000 bytes; skipped") != NULL);
    got_clear();

    /* A plain archive with lines that are not a record before page 5. */
    size_t plen;
    char *plain = gunzip_file(path, &plen);
    CHECK(plain != NULL);
    if (plain != NULL) {
        static const char junk[] = "garbage\r\nWARC-Type: response\r\n\r\nmore garbage\r\n";
        const char *p = plain;
        for (int k = 0; k < 6 && p != NULL; k++)
            p = memmem(p + 1, plen - (size_t)(p + 1 - plain), "WARC/1.1\r\n", 10);
        CHECK(p != NULL);
        char *nb = realloc(b, plen + 8192);
        CHECK(nb != NULL);
        if (nb != NULL)
            b = nb;
        if (p != NULL && nb != NULL) {
            size_t at = (size_t)(p - plain);
            memcpy(b, plain, at);
            memcpy(b + at, junk, sizeof junk - 1);
            memcpy(b + at + sizeof junk - 1, plain + at, plen - at);
            snprintf(bad, sizeof bad, "%s/bad.warc", tmp);
            CHECK(spill(bad, b, plen + sizeof junk - 1) == 0);
            CHECK(read_back(bad, NULL, &err) == 1);
            check_pages(none);
            CHECK(ndamage == 1 && damages[0].offset == (long long)at);
            snprintf(want, sizeof want,
                     "not a WARC record (no WARC/ version line); skipped to the next record, at "
                     "byte %zu",
                     at + sizeof junk - 1);
            CHECK(ndamage == 1 && strstr(damages[0].msg, want) != NULL);
            got_clear();
        }
    }
    free(plain);
    free(b);
    free(good);
}

/* The names in dir that end with suffix: how many, the first in first. */
static int
find_name(const char *dir, const char *suffix, char *first, size_t cap)
{
    char names[MAX_FILES][256];
    size_t n = list_dir(dir, names, MAX_FILES);
    int k = 0;

    for (size_t i = 0; i < n; i++)
        if (ends_with(names[i], suffix) && k++ == 0)
            snprintf(first, cap, "%s/%s", dir, names[i]);
    return k;
}

/*
 * warc_writer_open() finishes the .open files of dead writers: one killed
 * after five pages and a torn sixth record is cut back and renamed, one
 * with nothing whole in it removed; a live writer's file and files that are
 * not factd's are left alone; each step is logged.  warc_writer_close() logs a
 * rename that fails.
 */
static void
test_recover(void)
{
    char dir[256], dead[600], want[700], live[600], other[600], empty[600], final[600];
    struct warc_writer *a, *b;
    struct err err;
    struct stat st;
    pid_t pid;
    int status, fd;

    snprintf(dir, sizeof dir, "%s/recover", tmp);
    CHECK(mkdir(dir, 0750) == 0);
    fflush(NULL);
    if ((pid = fork()) == 0) {
        a = warc_writer_open(dir, 1 << 30, &err);
        for (int i = 0; a != NULL && i < 5; i++) {
            struct warc_writer_page p = page(GBK_URI, "HTTP/1.1 200 OK\r\n\r\n", GBK_BODY,
                                             sizeof GBK_BODY - 1, GBK_REQUEST, NULL);
            warc_writer_put(a, &p, &err);
        }
        raise(SIGKILL);
        _exit(1);
    }
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status));
    CHECK(find_name(dir, ".warc.gz.open", dead, sizeof dead) == 1);
    CHECK(stat(dead, &st) == 0);
    long long whole = (long long)st.st_size;
    /* The torn record: the first 100 bytes of a member. */
    size_t len;
    char *bytes = slurp(dead, &len);
    FILE *f = fopen(dead, "ab");
    CHECK(bytes != NULL && len > 100 && f != NULL && fwrite(bytes, 1, 100, f) == 100);
    if (f != NULL)
        fclose(f);
    free(bytes);
    fd = open(dead, O_RDONLY);
    CHECK(fd >= 0 && warc_writer_file_busy(fd) == 0);
    close(fd);
    snprintf(empty, sizeof empty, "%s/factd-20260101000000-1-00000.warc.gz.open", dir);
    snprintf(other, sizeof other, "%s/other.warc.gz.open", dir);
    CHECK(spill(empty, "", 0) == 0 && spill(other, "junk", 4) == 0);

    capture_begin();
    a = warc_writer_open(dir, 1 << 30, &err);
    char *log = capture_end();
    CHECK(a != NULL);
    snprintf(final, sizeof final, "%.*s", (int)(strlen(dead) - 5), dead);
    CHECK(stat(final, &st) == 0 && st.st_size == whole);
    CHECK(access(dead, F_OK) != 0 && access(empty, F_OK) != 0 && access(other, F_OK) == 0);
    snprintf(want, sizeof want, "%s: byte %lld: cut off the 100 bytes after its last whole record",
             dead, whole);
    CHECK(strstr(log, want) != NULL);
    snprintf(want, sizeof want, "%s: finished as %s", dead, strrchr(final, '/') + 1);
    CHECK(strstr(log, want) != NULL);
    snprintf(want, sizeof want, "%s: removed: left by a factd that stopped", empty);
    CHECK(strstr(log, want) != NULL);
    CHECK(strstr(log, "other.warc") == NULL);
    free(log);
    CHECK(read_back(final, NULL, &err) == 0);
    CHECK(ngot == 5);
    got_clear();

    /* A live writer's file: busy, and left alone by another archive. */
    struct warc_writer_page p =
        page(GBK_URI, "HTTP/1.1 200 OK\r\n\r\n", GBK_BODY, sizeof GBK_BODY - 1, NULL, NULL);
    CHECK(a != NULL && warc_writer_put(a, &p, &err) == 0);
    snprintf(live, sizeof live, "%s",
             a != NULL && warc_writer_current(a) ? warc_writer_current(a) : "");
    CHECK(stat(live, &st) == 0);
    fd = open(live, O_RDONLY);
    CHECK(fd >= 0 && warc_writer_file_busy(fd) == 1);
    capture_begin();
    b = warc_writer_open(dir, 1 << 30, &err);
    log = capture_end();
    CHECK(b != NULL && strstr(log, live) == NULL);
    free(log);
    struct stat st2;
    CHECK(stat(live, &st2) == 0 && st2.st_size == st.st_size);
    warc_writer_close(b);
    CHECK(a != NULL && warc_writer_put(a, &p, &err) == 0);
    warc_writer_close(a);
    CHECK(access(live, F_OK) != 0);
    CHECK(fd >= 0 && warc_writer_file_busy(fd) == 0);
    close(fd);

    /* A rename that fails at close is logged, with the file and why. */
    a = warc_writer_open(dir, 1 << 30, &err);
    CHECK(a != NULL && warc_writer_put(a, &p, &err) == 0);
    snprintf(live, sizeof live, "%s",
             a != NULL && warc_writer_current(a) ? warc_writer_current(a) : "");
    CHECK(unlink(live) == 0);
    capture_begin();
    warc_writer_close(a);
    log = capture_end();
    snprintf(want, sizeof want, "%s: cannot rename: No such file or directory", live);
    CHECK(strstr(log, want) != NULL);
    free(log);
}

int
main(void)
{
    umask(022);
    if (mkdtemp(tmp) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_round_trip();
    test_rotation();
    test_cut();
    test_damaged();
    test_recover();
    test_write_failure();
    test_refused();
    test_open();
    nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return check_done("test_warc_writer");
}
