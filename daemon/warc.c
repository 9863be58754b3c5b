/*
 * warc: a streaming reader.  A record is a block of header lines, an empty
 * line, Content-Length bytes and two line ends; it is read whole (up to the
 * ceiling) and the next one follows, so memory is one record, not the
 * archive.  zlib's gzread reads gzip members one after another and reads a
 * file that is not compressed as it is, which covers every archive layout.
 *
 * An HTTP message stored in a record is the bytes as received: chunked
 * transfer coding and gzip content coding are undone here.  Brotli is not
 * (no library for it on Debian 12's base): such a response is skipped.
 */
#include "warc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "buf.h"

#define MAX_HEADER_BYTES 65536

struct reader {
    warc_read_fn rd;
    void *src;
    char buf[65536];
    size_t pos, len;
    long long offset; /* bytes consumed so far */
    int eof, error;
};

static int
fill(struct reader *r)
{
    if (r->pos < r->len)
        return 1;
    if (r->eof)
        return 0;
    long n = r->rd(r->src, r->buf, sizeof r->buf);
    if (n < 0)
        r->error = 1;
    if (n <= 0) {
        r->eof = 1;
        return 0;
    }
    r->pos = 0;
    r->len = (size_t)n;
    return 1;
}

/* Read a line (without its line end) into b; returns 1, or 0 at the end. */
static int
read_line(struct reader *r, struct buf *b)
{
    b->len = 0;
    for (;;) {
        if (!fill(r))
            return b->len > 0;
        char *nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
        size_t n = nl ? (size_t)(nl - (r->buf + r->pos)) : r->len - r->pos;
        if (buf_append(b, r->buf + r->pos, n) != BUF_OK)
            return -1;
        r->pos += n;
        r->offset += (long long)n;
        if (nl != NULL) {
            r->pos++;
            r->offset++;
            if (b->len > 0 && b->data[b->len - 1] == '\r')
                b->len--;
            if (b->data != NULL)
                b->data[b->len] = '\0';
            return 1;
        }
    }
}

static int
read_exact(struct reader *r, struct buf *b, size_t n)
{
    b->len = 0;
    while (b->len < n) {
        if (!fill(r))
            return 0;
        size_t take = r->len - r->pos;
        if (take > n - b->len)
            take = n - b->len;
        if (buf_append(b, r->buf + r->pos, take) != BUF_OK)
            return -1;
        r->pos += take;
        r->offset += (long long)take;
    }
    return 1;
}

/* The value of header name in the header lines of h[0..n), or NULL.  Copied to out. */
static const char *
header(const char *h, size_t n, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    const char *p = h, *end = h + n;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        const char *le = e ? e : end;
        if ((size_t)(le - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (v < le && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = le;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            snprintf(out, outlen, "%.*s", (int)(ve - v), v);
            return out;
        }
        p = le + 1;
    }
    return NULL;
}

/* Undo chunked transfer coding of body[0..len) into out. */
static int
dechunk(const char *body, size_t len, struct buf *out)
{
    size_t i = 0;
    for (;;) {
        char *end;
        if (i >= len)
            return 0; /* a truncated message: keep what came */
        unsigned long long size = strtoull(body + i, &end, 16);
        if (end == body + i)
            return -1;
        const char *nl = memchr(body + i, '\n', len - i);
        if (nl == NULL)
            return -1;
        i = (size_t)(nl - body) + 1;
        if (size == 0)
            return 0;
        if (size > len - i)
            size = len - i;
        if (buf_append(out, body + i, (size_t)size) != BUF_OK)
            return -1;
        i += (size_t)size;
        while (i < len && (body[i] == '\r' || body[i] == '\n'))
            i++;
    }
}

/* Undo gzip, zlib or raw deflate content coding; out never passes its ceiling. */
static int
inflate_body(const char *in, size_t len, struct buf *out)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        z_stream z;
        unsigned char chunk[65536];
        int rc;

        memset(&z, 0, sizeof z);
        /* 15+32: gzip or zlib header; -15: raw deflate, as some servers send. */
        if (inflateInit2(&z, attempt == 0 ? 15 + 32 : -15) != Z_OK)
            return -1;
        z.next_in = (unsigned char *)in;
        z.avail_in = (uInt)(len > 0xFFFFFFFFu ? 0xFFFFFFFFu : len);
        out->len = 0;
        do {
            z.next_out = chunk;
            z.avail_out = sizeof chunk;
            rc = inflate(&z, Z_NO_FLUSH);
            if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
                break;
            if (buf_append(out, chunk, sizeof chunk - z.avail_out) != BUF_OK) {
                inflateEnd(&z);
                return -2; /* over the ceiling: a bomb, or too big */
            }
        } while (rc == Z_OK && (z.avail_in > 0 || z.avail_out == 0));
        inflateEnd(&z);
        if (rc == Z_STREAM_END || (rc == Z_BUF_ERROR && out->len > 0))
            return 0;
    }
    return -1;
}

/* The status code of "HTTP/1.1 200 OK" from after its first space. */
static int
status_of(const char *p)
{
    char *end;
    long v = strtol(p, &end, 10);
    return end != p && v >= 100 && v <= 999 ? (int)v : 0;
}

/* Hand over the HTTP response stored in block[0..len).  Returns what fn
 * returns, or 1 when the response was skipped. */
static int
response(const char *uri, const char *date, const char *block, size_t len, size_t max,
         long long offset, warc_fn fn, void *arg)
{
    char status_line[64], ctype[256], te[64], ce[64];
    const char *hend = NULL;
    struct warc_response wr;
    struct buf dechunked, inflated;
    int rc = 1;

    for (size_t i = 0; i + 3 < len && hend == NULL; i++)
        if (block[i] == '\r' && block[i + 1] == '\n' && block[i + 2] == '\r' &&
            block[i + 3] == '\n')
            hend = block + i + 4;
    for (size_t i = 0; i + 1 < len && hend == NULL; i++)
        if (block[i] == '\n' && block[i + 1] == '\n')
            hend = block + i + 2;
    if (hend == NULL || len < 12 || strncmp(block, "HTTP/", 5) != 0)
        return 1;
    snprintf(status_line, sizeof status_line, "%.*s", (int)(len < 63 ? len : 63), block);
    const char *sp = strchr(status_line, ' ');
    int status = sp ? status_of(sp + 1) : 0;
    if (status < 200 || status > 299)
        return 1;

    size_t hlen = (size_t)(hend - block);
    const char *body = hend;
    size_t blen = len - hlen;
    buf_init(&dechunked, max);
    buf_init(&inflated, max);
    if (header(block, hlen, "Transfer-Encoding", te, sizeof te) && strcasestr(te, "chunked")) {
        if (dechunk(body, blen, &dechunked) != 0)
            goto out;
        body = dechunked.data ? dechunked.data : "";
        blen = dechunked.len;
    }
    if (header(block, hlen, "Content-Encoding", ce, sizeof ce) && strcasecmp(ce, "identity")) {
        if (strcasecmp(ce, "gzip") && strcasecmp(ce, "x-gzip") && strcasecmp(ce, "deflate"))
            goto out; /* br and the like: cannot be read here */
        if (inflate_body(body, blen, &inflated) != 0)
            goto out;
        body = inflated.data ? inflated.data : "";
        blen = inflated.len;
    }
    memset(&wr, 0, sizeof wr);
    wr.uri = uri;
    wr.date = date;
    wr.status = status;
    wr.content_type = header(block, hlen, "Content-Type", ctype, sizeof ctype);
    wr.body = body;
    wr.len = blen;
    wr.offset = offset;
    rc = fn(arg, &wr);
out:
    buf_free(&dechunked);
    buf_free(&inflated);
    return rc;
}

int
warc_read(warc_read_fn rd, void *src, const char *name, size_t max_record, warc_fn fn, void *arg,
          size_t *skipped, struct err *err)
{
    struct reader *r = calloc(1, sizeof *r);
    struct buf line, head, block;
    int rc = 0, records = 0;
    size_t skip = 0;

    err_clear(err);
    err_file(err, name);
    if (r == NULL) {
        err_set(err, "out of memory");
        return -1;
    }
    r->rd = rd;
    r->src = src;
    buf_init(&line, MAX_HEADER_BYTES);
    buf_init(&head, MAX_HEADER_BYTES);
    buf_init(&block, max_record);
    for (;;) {
        long long start;
        int got;
        /* Blank lines between records. */
        do {
            start = r->offset;
            got = read_line(r, &line);
        } while (got == 1 && line.len == 0);
        if (got == 0)
            break;
        if (got < 0 || strncmp(line.data, "WARC/", 5) != 0) {
            err->offset = start;
            err_set(err,
                    got < 0 ? "a header line longer than %d bytes"
                            : "not a WARC record (no WARC/ version line)",
                    MAX_HEADER_BYTES);
            rc = -1;
            break;
        }
        head.len = 0;
        while ((got = read_line(r, &line)) == 1 && line.len > 0) {
            if (buf_append(&head, line.data, line.len) != BUF_OK ||
                buf_putc(&head, '\n') != BUF_OK) {
                got = -1;
                break;
            }
        }
        if (got != 1) {
            err->offset = start;
            err_set(err, "record headers cut short");
            rc = -1;
            break;
        }
        char type[64] = "", clen[32] = "", uri[2048] = "", date[64] = "", ctype[128] = "";
        const char *h = head.data ? head.data : "";
        header(h, head.len, "WARC-Type", type, sizeof type);
        header(h, head.len, "WARC-Target-URI", uri, sizeof uri);
        header(h, head.len, "WARC-Date", date, sizeof date);
        header(h, head.len, "Content-Type", ctype, sizeof ctype);
        char *end;
        unsigned long long n = header(h, head.len, "Content-Length", clen, sizeof clen)
                                   ? strtoull(clen, &end, 10)
                                   : (unsigned long long)-1;
        if (n == (unsigned long long)-1 || *end != '\0') {
            err->offset = start;
            err_set(err, "record without a valid Content-Length");
            rc = -1;
            break;
        }
        if (n > max_record) {
            err->offset = start;
            err_set(err, "record of %llu bytes is larger than the limit of %zu bytes", n,
                    max_record);
            rc = -1;
            break;
        }
        if ((got = read_exact(r, &block, (size_t)n)) != 1) {
            err->offset = start;
            err_set(err, "record cut short: %zu of %llu bytes", block.len, n);
            rc = -1;
            break;
        }
        records++;
        /* WARC 1.0 writers put the URI in angle brackets. */
        char *u = uri;
        size_t ul = strlen(u);
        if (ul >= 2 && u[0] == '<' && u[ul - 1] == '>') {
            u[ul - 1] = '\0';
            u++;
        }
        if (strcasecmp(type, "response") == 0 && strstr(ctype, "application/http") != NULL) {
            int c = response(u, date, block.data ? block.data : "", block.len, max_record, start,
                             fn, arg);
            if (c < 0)
                break;
            if (c == 1)
                skip++;
        }
    }
    if (rc == 0 && r->error) {
        err_set(err, "read error (a damaged gzip stream?) after byte %lld", r->offset);
        rc = -1;
    }
    if (rc == 0 && records == 0 && r->offset > 0) {
        err_set(err, "no WARC records");
        rc = -1;
    }
    if (skipped != NULL)
        *skipped = skip;
    buf_free(&line);
    buf_free(&head);
    buf_free(&block);
    free(r);
    return rc;
}

static long
gz_read(void *src, void *buf, size_t n)
{
    int got = gzread((gzFile)src, buf, (unsigned)(n > 1u << 30 ? 1u << 30 : n));
    return got < 0 ? -1 : got;
}

int
warc_read_file(const char *path, size_t max_record, warc_fn fn, void *arg, size_t *skipped,
               struct err *err)
{
    gzFile gz = gzopen(path, "rb");
    if (gz == NULL) {
        err_clear(err);
        err_file(err, path);
        err_set(err, "cannot open");
        return -1;
    }
    gzbuffer(gz, 1 << 17);
    int rc = warc_read(gz_read, gz, path, max_record, fn, arg, skipped, err);
    gzclose(gz);
    return rc;
}

int
warc_is_archive(const char *path)
{
    size_t n = strlen(path);
    return (n > 5 && strcasecmp(path + n - 5, ".warc") == 0) ||
           (n > 8 && strcasecmp(path + n - 8, ".warc.gz") == 0);
}
