/*
 * test_page: page_read(), the one pipeline: a page's kind from its name,
 * its Content-Type or its bytes; the charset override; facts with and
 * without a pattern set; the warnings returned as data (and kept when the
 * page fails); the markup kept for a list page's links; binary data
 * refused; page_hash() of the bytes.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "hash.h"
#include "page.h"
#include "patternset.h"

static struct patternset *ps;

static const char report[] = "<html><head><title>工作报告</title></head><body>"
                             "<p>新增绿地面积3000亩。</p></body></html>";

static void
test_kinds(void)
{
    struct page pg = {.uri = "a.txt", .body = report, .len = sizeof report - 1, .html = -1};
    struct page_opts o = {.max_bytes = 1 << 20};
    struct doc d;
    struct err err;

    /* Sniffed: the bytes are markup, so the text has none. */
    CHECK(page_read(&pg, &o, &d, &err) == 0);
    CHECK(d.html == 1);
    CHECK_STR(d.info.title, "工作报告");
    CHECK(strstr(d.text.data, "<p>") == NULL && strstr(d.text.data, "3000亩") != NULL);
    CHECK(d.facts.n == 0); /* no pattern set, no facts */
    CHECK(d.html_utf8.data == NULL);
    doc_free(&d);

    /* Content-Type text/plain wins over the bytes ... */
    pg.content_type = "text/plain; charset=utf-8";
    CHECK(page_read(&pg, &o, &d, &err) == 0);
    CHECK(d.html == 0);
    CHECK(strstr(d.text.data, "<p>") != NULL);
    doc_free(&d);

    /* ... and a name ending as a web page's wins over both. */
    pg.uri = "http://example.gov.cn/a.shtml";
    CHECK(page_read(&pg, &o, &d, &err) == 0);
    CHECK(d.html == 1);
    doc_free(&d);

    /* The caller's html says it outright. */
    pg.uri = "a.txt";
    pg.html = 0;
    pg.content_type = NULL;
    CHECK(page_read(&pg, &o, &d, &err) == 0);
    CHECK(d.html == 0);
    doc_free(&d);
}

static void
test_facts_and_markup(void)
{
    struct page pg = {.uri = "r.html", .body = report, .len = sizeof report - 1, .html = -1};
    struct page_opts o = {.max_bytes = 1 << 20, .ps = ps, .year = 2024, .keep_html = 1};
    struct doc d;
    struct err err;

    CHECK(page_read(&pg, &o, &d, &err) == 0);
    CHECK(d.facts.n >= 1);
    CHECK(d.nwarnings == 0);
    /* The markup as decoded, for links. */
    CHECK(d.html_utf8.data != NULL && strstr(d.html_utf8.data, "<title>") != NULL);
    doc_free(&d);
    doc_free(NULL);
}

static void
test_warnings(void)
{
    /* Two bytes that are not UTF-8 in a page that says it is. */
    static const char bad[] = "新增绿地\xff\xfe面积3000亩。";
    struct page pg = {.uri = "bad.txt",
                      .body = bad,
                      .len = sizeof bad - 1,
                      .content_type = "text/plain; charset=utf-8",
                      .html = -1};
    struct page_opts o = {.max_bytes = 1 << 20};
    struct doc d;
    struct err err;
    char line[512];

    CHECK(page_read(&pg, &o, &d, &err) == 0);
    CHECK(d.nwarnings == 1);
    if (d.nwarnings == 1) {
        CHECK(d.warnings[0].offset == 12);
        page_warning_format(&pg, &d.warnings[0], line, sizeof line);
        CHECK_STR(line, "bad.txt: byte 12: 2 invalid UTF-8 sequences replaced with U+FFFD");
    }
    doc_free(&d);

    /* An unknown label: passed over, and said. */
    pg.body = "新增绿地面积3000亩。";
    pg.len = strlen(pg.body);
    pg.charset = "no-such-charset";
    CHECK(page_read(&pg, &o, &d, &err) == 0);
    CHECK(d.nwarnings == 1 && d.warnings[0].offset == -1);
    if (d.nwarnings == 1) {
        page_warning_format(&pg, &d.warnings[0], line, sizeof line);
        CHECK(strncmp(line, "bad.txt: ", 9) == 0 && strstr(line, "no-such-charset") != NULL);
    }
    doc_free(&d);
}

static void
test_binary(void)
{
    char junk[4096];
    struct page pg = {.uri = "x.bin", .body = junk, .len = sizeof junk, .html = -1};
    struct page_opts o = {.max_bytes = 1 << 20, .ps = ps};
    struct doc d;
    struct err err;

    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)(i * 7 % 32); /* control characters, mostly */
    CHECK(page_read(&pg, &o, &d, &err) == -1);
    CHECK_STR(err.file, "x.bin");
    CHECK(strstr(err.msg, "binary data") != NULL);
    CHECK(d.facts.n == 0 && d.text.data == NULL);
    doc_free(&d); /* always, after a failure too */
}

static void
test_hash(void)
{
    struct page a = {.uri = "a", .body = "abc", .len = 3};
    struct page b = {.uri = "b", .body = "abc", .len = 3};
    struct page empty = {.uri = "e", .body = NULL, .len = 0};
    char ha[33], hb[33], he[33], want[33];

    page_hash(&a, ha);
    page_hash(&b, hb);
    hash_hex128("abc", 3, want);
    CHECK_STR(ha, want); /* of the bytes, */
    CHECK_STR(ha, hb);   /* not of the name */
    page_hash(&empty, he);
    hash_hex128("", 0, want);
    CHECK_STR(he, want);
    CHECK(strlen(he) == 32);
}

int
main(void)
{
    struct err err;

    ps = patternset_load("patterns", &err);
    CHECK(ps != NULL);
    if (ps == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return check_done("test_page");
    }
    test_kinds();
    test_facts_and_markup();
    test_warnings();
    test_binary();
    test_hash();
    patternset_free(ps);
    return check_done("test_page");
}
