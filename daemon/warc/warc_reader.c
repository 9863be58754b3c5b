/*
 * warc_reader: a streaming reader in two layers.
 *
 * The lower layer turns the file into segments of bytes: a plain archive's
 * bytes as they are, or a gzip archive's decoded members, one at a time.  A
 * member is decoded whole into memory (up to the record ceiling) before any
 * of it is handed up, so a member that fails its CRC at its end has handed
 * over nothing: with one record per member no damaged record is ever stored.
 * A member larger than that (an archive compressed as one stream) is handed
 * up as it is decoded.  gzread is not used: it gives up at the first bad
 * member and counts offsets in decoded bytes, which no one can seek to.
 *
 * The upper layer parses records from the segments: a block of header
 * lines, an empty line, Content-Length bytes and two line ends; a record is
 * read whole (up to the ceiling) and the next one follows, so memory is one
 * record and one member, not the archive.
 *
 * Damage is passed over, not given up at (warc_reader.h says how).  The lower layer
 * finds the next member by its header bytes and decodes it before believing
 * it: 1f 8b 08 turns up by chance in compressed data (once in 16 MB), and a
 * chance match does not decode.  The file is read with positioned reads, so
 * that trying a candidate and going back costs nothing but the reads.
 *
 * An HTTP message stored in a record is the bytes as received: chunked
 * transfer coding and gzip content coding are undone here.  Brotli is not
 * (no library for it on Debian 12's base): such a response is skipped.
 */
#include "warc_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "decode.h"

#define MAX_HEADER_BYTES 65536

/* File bytes read at once, and decoded bytes made at once. */
#define IN_SIZE  (1 << 16)
#define OUT_STEP (1 << 16)

/* What decoding a gzip member came to. */
enum member {
    MEMBER_WHOLE, /* it ended, its CRC and length right */
    MEMBER_PART,  /* it holds more than fits in memory: handed up as decoded */
    MEMBER_CUT,   /* the file ended within it */
    MEMBER_BAD,   /* not a gzip member, or one that does not decode */
    MEMBER_FAIL,  /* a read error or out of memory: r->err says */
};

struct reader {
    warc_read_fn rd;
    void *src;
    int gz; /* a gzip archive */
    /* The file's bytes from in_off on. */
    unsigned char in[IN_SIZE];
    long long in_off;
    size_t in_len;
    long long pos; /* the next byte of the file to read or decode */

    /* gzip */
    z_stream z;
    int z_live;       /* z was initialised */
    size_t hold;      /* decoded bytes of one member kept before handing them up */
    int streaming;    /* the member at member is being handed up as decoded */
    long long member; /* where the member being decoded begins */
    struct buf out;   /* the member's decoded bytes (max_len hold) */
    char why[128];    /* why the last bad member was bad */
    int have_next;    /* out holds the next segment, behind damage to be told first */
    long long next_off;

    /* The segment the parser reads: decoded bytes of one member, or file bytes. */
    const char *seg;
    size_t seg_pos, seg_len;
    long long seg_off; /* gzip: the member they come from; plain: where seg[0] is */

    /* Damage the lower layer found, told before reading goes on. */
    int damaged, damage_cut;
    long long damage_off;
    char damage_msg[400];

    int eof;  /* nothing more to read */
    int fail; /* reading cannot go on: err says why */
    long long whole;
    struct err *err;
};

/* Make in[] hold the file's bytes at off; *p points at them.  Returns how
 * many there are (0 at the end), or -1 on a read error. */
static long
src_at(struct reader *r, long long off, const unsigned char **p)
{
    if (off < r->in_off || off >= r->in_off + (long long)r->in_len) {
        r->in_off = off;
        r->in_len = 0;
        while (r->in_len < sizeof r->in) {
            long n = r->rd(r->src, r->in + r->in_len, sizeof r->in - r->in_len,
                           off + (long long)r->in_len);
            if (n < 0) {
                err_set(r->err, "read error at byte %lld", off + (long long)r->in_len);
                r->err->offset = -1;
                return -1;
            }
            if (n == 0)
                break;
            r->in_len +=
                (size_t)n > sizeof r->in - r->in_len ? sizeof r->in - r->in_len : (size_t)n;
        }
        if (r->in_len == 0)
            return 0;
    }
    *p = r->in + (off - r->in_off);
    return (long)(r->in_off + (long long)r->in_len - off);
}

/* n bytes at off into dst; returns how many there were. */
static long
src_copy(struct reader *r, long long off, unsigned char *dst, size_t n)
{
    size_t got = 0;
    while (got < n) {
        const unsigned char *p;
        long k = src_at(r, off + (long long)got, &p);
        if (k <= 0)
            return k < 0 ? -1 : (long)got;
        size_t take = (size_t)k < n - got ? (size_t)k : n - got;
        memcpy(dst + got, p, take);
        got += take;
    }
    return (long)got;
}

/* Does a gzip member header begin at off: the magic, deflate, no reserved
 * flag?  1 yes, 0 no, -1 read error. */
static int
member_at(struct reader *r, long long off)
{
    unsigned char h[4];
    long k = src_copy(r, off, h, sizeof h);
    if (k < 0)
        return -1;
    return k == 4 && h[0] == 0x1f && h[1] == 0x8b && h[2] == 8 && (h[3] & 0xe0) == 0;
}

/* Where the next gzip member header at or after off is: -1 when there is
 * none, -2 on a read error. */
static long long
find_member(struct reader *r, long long off)
{
    for (;;) {
        const unsigned char *p, *hit;
        long k = src_at(r, off, &p);
        if (k <= 0)
            return k < 0 ? -2 : -1;
        if ((hit = memchr(p, 0x1f, (size_t)k)) == NULL) {
            off += k;
            continue;
        }
        off += hit - p;
        int m = member_at(r, off);
        if (m != 0)
            return m > 0 ? off : -2;
        off++;
    }
}

/*
 * Decode the member at r->pos (fresh) or go on with the one being handed up,
 * into r->out from its start, until it ends or r->out holds r->hold bytes.
 * r->pos moves past the bytes decoded.
 */
static enum member
decode_member(struct reader *r, int fresh)
{
    if (fresh) {
        if (inflateReset(&r->z) != Z_OK)
            return MEMBER_BAD;
        r->member = r->pos;
    }
    r->out.len = 0;
    for (;;) {
        const unsigned char *p;
        long k = src_at(r, r->pos, &p);
        if (k < 0)
            return MEMBER_FAIL;
        if (k == 0)
            return MEMBER_CUT;
        if (r->out.len >= r->hold)
            return MEMBER_PART;
        size_t room = r->hold - r->out.len < OUT_STEP ? r->hold - r->out.len : OUT_STEP;
        if (buf_reserve(&r->out, room) != BUF_OK) {
            err_set(r->err, "out of memory");
            return MEMBER_FAIL;
        }
        uInt in = (uInt)((unsigned long)k > UINT_MAX ? UINT_MAX : (unsigned long)k);
        r->z.next_in = (Bytef *)p;
        r->z.avail_in = in;
        r->z.next_out = (Bytef *)r->out.data + r->out.len;
        r->z.avail_out = (uInt)room;
        int rc = inflate(&r->z, Z_NO_FLUSH);
        size_t used = in - r->z.avail_in, made = room - r->z.avail_out;
        r->pos += (long long)used;
        r->out.len += made;
        if (rc == Z_STREAM_END)
            return MEMBER_WHOLE;
        if (rc == Z_MEM_ERROR) {
            err_set(r->err, "out of memory");
            return MEMBER_FAIL;
        }
        if ((rc != Z_OK && rc != Z_BUF_ERROR) || (used == 0 && made == 0)) {
            snprintf(r->why, sizeof r->why, "a damaged gzip member (%s)",
                     r->z.msg ? r->z.msg : "it does not decode");
            return MEMBER_BAD;
        }
    }
}

static void damage_set(struct reader *r, long long off, int cut, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Damage for the parser to tell before it reads on. */
static void
damage_set(struct reader *r, long long off, int cut, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->damage_msg, sizeof r->damage_msg, fmt, ap);
    va_end(ap);
    r->damaged = 1;
    r->damage_cut = cut;
    r->damage_off = off;
}

/* The decoded member in r->out is the segment now. */
static void
take_member(struct reader *r, long long off)
{
    r->seg = r->out.data;
    r->seg_pos = 0;
    r->seg_len = r->out.len;
    r->seg_off = off;
}

/*
 * The member at bad is damaged (r->why says how): find the next member
 * that decodes, and note the damage to be told first.  Returns 0, or -1
 * when reading cannot go on.
 */
static int
resync(struct reader *r, long long bad)
{
    char why[sizeof r->why];
    long long c = bad + 1;

    snprintf(why, sizeof why, "%s", r->why);
    r->streaming = 0;
    for (;;) {
        if ((c = find_member(r, c)) == -2)
            return -1;
        if (c == -1)
            break;
        r->pos = c;
        enum member m = decode_member(r, 1);
        if (m == MEMBER_FAIL)
            return -1;
        if (m == MEMBER_WHOLE || m == MEMBER_PART) {
            damage_set(r, bad, 0, "%s; skipped to the next gzip member, at byte %lld", why, c);
            r->streaming = m == MEMBER_PART;
            if (m == MEMBER_WHOLE)
                r->whole = r->pos;
            r->have_next = 1;
            r->next_off = c;
            return 0;
        }
        if (m == MEMBER_CUT)
            break;
        c++;
    }
    damage_set(r, bad, 0, "%s; no whole gzip member after it", why);
    r->eof = 1;
    return 0;
}

/* The next segment of a gzip archive: 1, or 0 at the end or damage, -1 on failure. */
static int
next_member(struct reader *r)
{
    enum member m;

    if (r->streaming) {
        m = decode_member(r, 0);
    } else {
        const unsigned char *p;
        long k = src_at(r, r->pos, &p);
        if (k <= 0) {
            r->eof = 1;
            return k < 0 ? -1 : 0;
        }
        int is = member_at(r, r->pos);
        if (is < 0)
            return -1;
        if (is) {
            m = decode_member(r, 1);
        } else {
            r->member = r->pos;
            snprintf(r->why, sizeof r->why, "not a gzip member");
            m = MEMBER_BAD;
        }
    }
    switch (m) {
    case MEMBER_WHOLE:
        r->whole = r->pos;
        /* fall through */
    case MEMBER_PART:
        r->streaming = m == MEMBER_PART;
        take_member(r, r->member);
        return 1;
    case MEMBER_CUT:
        damage_set(r, r->member, 1,
                   "the last gzip member is cut short: the file ends %lld bytes into it",
                   r->pos - r->member);
        r->streaming = 0;
        r->eof = 1;
        return 0;
    case MEMBER_BAD:
        return resync(r, r->member) == 0 ? 0 : -1;
    case MEMBER_FAIL:
    default:
        return -1;
    }
}

/* The next segment of a plain archive. */
static int
next_plain(struct reader *r)
{
    const unsigned char *p;
    long k = src_at(r, r->pos, &p);

    if (k <= 0) {
        r->eof = 1;
        return k < 0 ? -1 : 0;
    }
    r->seg = (const char *)p;
    r->seg_pos = 0;
    r->seg_len = (size_t)k;
    r->seg_off = r->pos;
    r->pos += k;
    return 1;
}

/* Bytes to read in the segment: 1, or 0 at the end, at damage and on failure. */
static int
fill(struct reader *r)
{
    while (r->seg_pos >= r->seg_len) {
        if (r->damaged || r->eof || r->fail)
            return 0;
        if (r->have_next) {
            r->have_next = 0;
            take_member(r, r->next_off);
            continue;
        }
        int k = r->gz ? next_member(r) : next_plain(r);
        if (k < 0) {
            r->fail = 1;
            return 0;
        }
        if (k == 0)
            return 0;
    }
    return 1;
}

/* Where the byte about to be read is, counted as warc_response.offset is. */
static long long
here(const struct reader *r)
{
    return r->gz ? r->seg_off : r->seg_off + (long long)r->seg_pos;
}

/*
 * Read a line (without its line end) into b; a line longer than b's ceiling
 * is read to its end and kept in part, with *cut set.  Returns 1, or 0 at
 * the end or at damage (a line the damage cuts is dropped), -1 out of memory.
 */
static int
read_line(struct reader *r, struct buf *b, int *cut)
{
    b->len = 0;
    *cut = 0;
    for (;;) {
        if (!fill(r))
            return r->fail ? -1 : !r->damaged && (b->len > 0 || *cut);
        const char *s = r->seg + r->seg_pos;
        const char *nl = memchr(s, '\n', r->seg_len - r->seg_pos);
        size_t n = nl ? (size_t)(nl - s) : r->seg_len - r->seg_pos;
        size_t take = n < b->max_len - b->len ? n : b->max_len - b->len;
        if (take < n)
            *cut = 1;
        if (buf_append(b, s, take) != BUF_OK) {
            err_set(r->err, "out of memory");
            r->fail = 1;
            return -1;
        }
        r->seg_pos += n;
        if (nl != NULL) {
            r->seg_pos++;
            if (b->len > 0 && b->data[b->len - 1] == '\r')
                b->len--;
            if (b->data != NULL)
                b->data[b->len] = '\0';
            return 1;
        }
    }
}

/* The next line that is not empty, and where it begins: 1, or as read_line. */
static int
next_line(struct reader *r, struct buf *b, long long *start, int *cut)
{
    for (;;) {
        if (!fill(r))
            return r->fail ? -1 : 0;
        *start = here(r);
        int got = read_line(r, b, cut);
        if (got != 1 || b->len > 0 || *cut)
            return got;
    }
}

/* n bytes into b, or passed over when keep is 0; *got counts them.  Returns
 * 1, or 0 at the end or at damage, -1 on failure. */
static int
read_exact(struct reader *r, struct buf *b, unsigned long long n, int keep, unsigned long long *got)
{
    b->len = 0;
    *got = 0;
    while (*got < n) {
        if (!fill(r))
            return r->fail ? -1 : 0;
        size_t take = r->seg_len - r->seg_pos;
        if (take > n - *got)
            take = (size_t)(n - *got);
        if (keep && buf_append(b, r->seg + r->seg_pos, take) != BUF_OK) {
            err_set(r->err, "out of memory");
            r->fail = 1;
            return -1;
        }
        r->seg_pos += take;
        *got += take;
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

static int
sink_buf(void *arg, const void *p, size_t n)
{
    return buf_append(arg, p, n) == BUF_OK ? 0 : -1;
}

/* Undo the content coding into out, as fetch does (decode.c): a stream that
 * does not decode or ends before its end gives -1, as the crawl would have
 * refused the page; over the ceiling -2. */
static int
inflate_body(const char *ce, const char *in, size_t len, struct buf *out)
{
    struct decoder d;
    int deflate = 0;
    if (decode_coding_of(ce, strlen(ce), &deflate) != DECODE_ZLIB)
        return -1;
    decode_init(&d, deflate);
    int rc = decode_feed(&d, in, len, sink_buf, out);
    int bad = d.failed || decode_short(&d);
    decode_free(&d);
    return rc != 0 && !bad ? -2 : bad ? -1 : 0;
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
response(const char *uri, const char *date, const char *id, const char *block, size_t len,
         size_t max, long long offset, warc_fn fn, void *arg)
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
        /* br and the like cannot be read here; a stream cut short is not
         * a page, as it is not for the crawl. */
        if (inflate_body(ce, body, blen, &inflated) != 0)
            goto out;
        body = inflated.data ? inflated.data : "";
        blen = inflated.len;
    }
    memset(&wr, 0, sizeof wr);
    wr.uri = uri;
    wr.date = date;
    wr.record_id = id;
    wr.status = status;
    wr.head = block;
    wr.head_len = hlen;
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

static long
fd_read(void *src, void *buf, size_t n, long long off)
{
    ssize_t k;

    do
        k = pread(*(int *)src, buf, n, (off_t)off);
    while (k < 0 && errno == EINTR);
    return k < 0 ? -1 : (long)k;
}

/* What warc_read() tells as it reads. */
struct teller {
    const char *name;
    warc_damage_fn damage;
    void *arg;
    struct warc_stats *st;
};

static void tell(struct teller *t, long long off, int cut, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Tell one damaged stretch. */
static void
tell(struct teller *t, long long off, int cut, const char *fmt, ...)
{
    struct err e;
    va_list ap;

    err_clear(&e);
    err_file(&e, t->name);
    e.offset = off;
    va_start(ap, fmt);
    err_vset(&e, fmt, ap);
    va_end(ap);
    t->st->damaged++;
    if (cut)
        t->st->cut = 1;
    if (t->damage != NULL)
        t->damage(t->arg, &e, cut);
}

static int
is_version(const struct buf *line)
{
    return line->len >= 5 && memcmp(line->data, "WARC/", 5) == 0;
}

/*
 * What began at bad is not a record, or not one that can be read (what
 * says why): pass over the lines up to the next that begins a record, and
 * tell it with where reading goes on.  Returns 1 when there is such a line
 * (it is in line, *start where it begins), 0 when there is none before the
 * end or before damage of the lower layer, told next.
 */
static int
skip_bad(struct reader *r, struct teller *t, long long bad, const char *what, struct buf *line,
         long long *start)
{
    int got, cut;

    while ((got = next_line(r, line, start, &cut)) == 1 && (cut || !is_version(line)))
        ;
    if (got == 1)
        tell(t, bad, 0, "%s; skipped to the next record, at byte %lld", what, *start);
    else if (r->damaged || r->fail)
        tell(t, bad, 0, "%s", what);
    else
        tell(t, bad, 0, "%s; no record after it", what);
    return got == 1;
}

/* A reader of rd(src), gzip if gz or if its first bytes or its name say so,
 * that keeps hold bytes of a member; NULL with err set. */
static struct reader *
reader_new(warc_read_fn rd, void *src, const char *name, size_t hold, int gz, struct err *err)
{
    struct reader *r = calloc(1, sizeof *r);
    unsigned char magic[2];
    size_t n = strlen(name);

    if (r == NULL) {
        err_set(err, "out of memory");
        return NULL;
    }
    r->rd = rd;
    r->src = src;
    r->err = err;
    r->in_off = -1;
    r->hold = hold;
    buf_init(&r->out, hold);
    long k = src_copy(r, 0, magic, 2);
    r->gz = gz || (k == 2 && magic[0] == 0x1f && magic[1] == 0x8b) ||
            (n > 3 && strcasecmp(name + n - 3, ".gz") == 0) ||
            (n > 8 && strcasecmp(name + n - 8, ".gz.open") == 0);
    if (k < 0) {
        r->fail = 1;
    } else if (r->gz) {
        if (inflateInit2(&r->z, 15 + 16) != Z_OK) {
            err_set(err, "out of memory");
            r->fail = 1;
        }
        r->z_live = !r->fail;
    }
    return r;
}

/* Free r; returns -1 when reading failed (err says why), else 0. */
static int
reader_free(struct reader *r)
{
    int rc = 0;

    if (r->fail) {
        if (r->err->msg[0] == '\0')
            err_set(r->err, "out of memory");
        rc = -1;
    }
    if (r->z_live)
        inflateEnd(&r->z);
    buf_free(&r->out);
    free(r);
    return rc;
}

int
warc_read(warc_read_fn rd, void *src, const char *name, size_t max_record, warc_fn fn,
          warc_damage_fn damage, void *arg, struct warc_stats *st, struct err *err)
{
    struct warc_stats local;
    struct reader *r;
    struct buf line, head, block;
    struct teller t = {name, damage, arg, st != NULL ? st : &local};
    int have = 0, cut, got;
    long long start = 0;

    err_clear(err);
    err_file(err, name);
    memset(t.st, 0, sizeof *t.st);
    /* A member's decoded bytes: one record's block and header, and room. */
    size_t hold = max_record < (size_t)-1 / 2 ? max_record + 2 * MAX_HEADER_BYTES : (size_t)-1 / 2;
    if ((r = reader_new(rd, src, name, hold, 0, err)) == NULL)
        return -1;
    buf_init(&line, MAX_HEADER_BYTES);
    buf_init(&head, MAX_HEADER_BYTES);
    buf_init(&block, max_record);
    while (!r->fail) {
        if (r->damaged) {
            /* The lower layer found damage and went on past it. */
            r->damaged = 0;
            have = 0;
            tell(&t, r->damage_off, r->damage_cut, "%s", r->damage_msg);
            continue;
        }
        if (!have && (got = next_line(r, &line, &start, &cut)) != 1) {
            if (got == 0 && r->damaged)
                continue;
            break;
        }
        if (!have && (cut || !is_version(&line))) {
            have = skip_bad(r, &t, start,
                            cut ? "a line longer than 65536 bytes, not a WARC record"
                                : "not a WARC record (no WARC/ version line)",
                            &line, &start);
            continue;
        }
        have = 0;
        head.len = 0;
        int too_long = 0;
        while ((got = read_line(r, &line, &cut)) == 1 && (line.len > 0 || cut)) {
            if (cut || buf_append(&head, line.data, line.len) != BUF_OK ||
                buf_putc(&head, '\n') != BUF_OK)
                too_long = 1;
        }
        if (got != 1) {
            if (got == 0 && !r->damaged && !r->fail)
                tell(&t, start, 1, "record headers cut short at the end of the file");
            continue; /* damage is told next; a failure ends the loop */
        }
        char type[64] = "", clen[32] = "", uri[2048] = "", date[64] = "", ctype[128] = "",
             id[128] = "";
        const char *h = head.data ? head.data : "";
        char *end = NULL;
        unsigned long long len = (unsigned long long)-1;
        if (!too_long) {
            header(h, head.len, "WARC-Type", type, sizeof type);
            header(h, head.len, "WARC-Target-URI", uri, sizeof uri);
            header(h, head.len, "WARC-Date", date, sizeof date);
            header(h, head.len, "WARC-Record-ID", id, sizeof id);
            header(h, head.len, "Content-Type", ctype, sizeof ctype);
            if (header(h, head.len, "Content-Length", clen, sizeof clen) != NULL &&
                clen[0] >= '0' && clen[0] <= '9') {
                errno = 0;
                len = strtoull(clen, &end, 10);
                if (errno != 0 || *end != '\0')
                    len = (unsigned long long)-1;
            }
        }
        if (too_long || len == (unsigned long long)-1) {
            have = skip_bad(r, &t, start,
                            too_long ? "record headers longer than 65536 bytes"
                                     : "record without a valid Content-Length",
                            &line, &start);
            continue;
        }
        unsigned long long read = 0;
        int keep = len <= max_record;
        if ((got = read_exact(r, &block, len, keep, &read)) != 1) {
            if (got == 0 && !r->damaged && !r->fail)
                tell(&t, start, 1, "record cut short at the end of the file: %llu of %llu bytes",
                     read, len);
            continue;
        }
        if (!r->gz)
            r->whole = r->seg_off + (long long)r->seg_pos;
        if (!keep) {
            tell(&t, start, 0,
                 "record of %llu bytes is larger than the limit of %zu bytes; skipped", len,
                 max_record);
            continue;
        }
        t.st->records++;
        /* WARC 1.0 writers put the URI in angle brackets. */
        char *u = uri;
        size_t ul = strlen(u);
        if (ul >= 2 && u[0] == '<' && u[ul - 1] == '>') {
            u[ul - 1] = '\0';
            u++;
        }
        if (strcasecmp(type, "response") == 0 && strstr(ctype, "application/http") != NULL) {
            int c = response(u, date, id, block.data ? block.data : "", block.len, max_record,
                             start, fn, arg);
            if (c < 0)
                break;
            if (c == 1)
                t.st->skipped++;
        }
    }
    t.st->whole = r->whole;
    buf_free(&line);
    buf_free(&head);
    buf_free(&block);
    return reader_free(r);
}

int
warc_check_members(int fd, const char *name, warc_damage_fn damage, void *arg,
                   struct warc_stats *st, struct err *err)
{
    struct warc_stats local;
    struct teller t = {name, damage, arg, st != NULL ? st : &local};
    struct reader *r;

    err_clear(err);
    err_file(err, name);
    memset(t.st, 0, sizeof *t.st);
    /* Members are decoded and checked in steps, not held: only where whole
     * ones end matters here. */
    if ((r = reader_new(fd_read, &fd, name, OUT_STEP, 1, err)) == NULL)
        return -1;
    while (!r->fail) {
        if (fill(r)) {
            r->seg_pos = r->seg_len;
        } else if (r->damaged) {
            r->damaged = 0;
            tell(&t, r->damage_off, r->damage_cut, "%s", r->damage_msg);
        } else {
            break;
        }
    }
    t.st->whole = r->whole;
    return reader_free(r);
}

int
warc_read_fd(int fd, const char *name, size_t max_record, warc_fn fn, warc_damage_fn damage,
             void *arg, struct warc_stats *st, struct err *err)
{
    return warc_read(fd_read, &fd, name, max_record, fn, damage, arg, st, err);
}

int
warc_read_file(const char *path, size_t max_record, warc_fn fn, warc_damage_fn damage, void *arg,
               struct warc_stats *st, struct err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        err_clear(err);
        err_file(err, path);
        err_set(err, "cannot open: %s", strerror(errno));
        if (st != NULL)
            memset(st, 0, sizeof *st);
        return -1;
    }
    int rc = warc_read_fd(fd, path, max_record, fn, damage, arg, st, err);
    close(fd);
    return rc;
}

int
warc_is_archive(const char *path)
{
    static const char *const ends[] = {".warc", ".warc.gz", ".warc.open", ".warc.gz.open"};
    size_t n = strlen(path);

    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
        size_t k = strlen(ends[i]);
        if (n > k && strcasecmp(path + n - k, ends[i]) == 0)
            return 1;
    }
    return 0;
}
