/*
 * test_links: relative and absolute hrefs, <base>, what is passed over,
 * fragments, repeats, white space, entities, Chinese file names, broken
 * HTML, the bounds, and a page URL that cannot be used.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "links.h"

#define PAGE "http://www.stats.gov.cn/sj/zxfb/index.html?page=2"

/*
 * Extract the links of html as found on page_url and check they are exactly
 * the NULL-terminated list of URLs that follows.
 */
static void
links_are(const char *page_url, const char *html, ...)
{
    struct links l;
    struct err e;
    const char *want;
    size_t i = 0;
    va_list ap;

    err_clear(&e);
    CHECK(links_extract(html, strlen(html), page_url, &l, &e) == 0);
    va_start(ap, html);
    while ((want = va_arg(ap, const char *)) != NULL) {
        CHECK_STR(i < l.n ? l.urls[i] : NULL, want);
        i++;
    }
    va_end(ap);
    CHECK(l.n == i);
    if (l.n != i) {
        fprintf(stderr, "  in: %s\n", html);
        for (size_t k = 0; k < l.n; k++)
            fprintf(stderr, "  got %zu: %s\n", k, l.urls[k]);
    }
    links_free(&l);
}

static void
test_relative(void)
{
    links_are(PAGE,
              "<a href=\"a.html\">a</a><a href=\"../b/c.html\">b</a><a href=\"/abs\">c</a>"
              "<a href=\"//host.gov.cn/x\">d</a><a href=\"?q=1\">e</a>"
              "<a href=\"./202401/t20240115_1946624.html\">f</a><a href=\"../../../../up\">g</a>",
              "http://www.stats.gov.cn/sj/zxfb/a.html", "http://www.stats.gov.cn/sj/b/c.html",
              "http://www.stats.gov.cn/abs", "http://host.gov.cn/x",
              "http://www.stats.gov.cn/sj/zxfb/index.html?q=1",
              "http://www.stats.gov.cn/sj/zxfb/202401/t20240115_1946624.html",
              "http://www.stats.gov.cn/up", NULL);
    /* A scheme-relative link takes the page's scheme. */
    links_are("https://a.gov.cn/x/", "<a href=//b.gov.cn/y>y</a>", "https://b.gov.cn/y", NULL);
    /* A page URL without a path. */
    links_are("http://a.gov.cn", "<a href=x.html>x</a>", "http://a.gov.cn/x.html", NULL);
}

static void
test_absolute(void)
{
    links_are(PAGE,
              "<a href=\"https://www.gov.cn/zhengce/content/2024-01/15/content_1.htm\">a</a>"
              "<a href=\"HTTP://WWW.Example.GOV.CN:80/Path/File.HTML\">b</a>"
              "<a href=\"https://h.cn:443/\">c</a><a href=\"http://h.cn:8080/x?y=Z\">d</a>"
              "<a href=\"http://User:Pw@H.cn/\">e</a><a href=\"//a<b@c@h.cn/\">f</a>",
              "https://www.gov.cn/zhengce/content/2024-01/15/content_1.htm",
              "http://www.example.gov.cn/Path/File.HTML", "https://h.cn/", "http://h.cn:8080/x?y=Z",
              "http://User:Pw@h.cn/", "http://a%3Cb%40c@h.cn/", NULL);
}

static void
test_base(void)
{
    /* Relative <base>, itself resolved against the page; links before it use it too. */
    links_are(PAGE,
              "<html><head><title>t</title></head><body><a href=\"before.html\">b</a>"
              "<base href=\"../fb/\"><a href=\"after.html\">a</a>"
              "<base href=\"http://ignored.cn/\"><a href=\"/root\">r</a></body></html>",
              "http://www.stats.gov.cn/sj/fb/before.html",
              "http://www.stats.gov.cn/sj/fb/after.html", "http://www.stats.gov.cn/root", NULL);
    /* Absolute <base>. */
    links_are(PAGE,
              "<head><base href=\"https://other.gov.cn/dir/page.html\"></head>"
              "<a href=\"x.html\">x</a><a href=\"?p=3\">p</a><a href=\"http://abs.cn/y\">y</a>",
              "https://other.gov.cn/dir/x.html", "https://other.gov.cn/dir/page.html?p=3",
              "http://abs.cn/y", NULL);
    /* A <base> without href does not count; the next one with href does. */
    links_are(PAGE, "<base target=_blank><base href=\"/d/\"><a href=x>x</a>",
              "http://www.stats.gov.cn/d/x", NULL);
    /* A <base> that is empty, not http or unusable leaves the page's URL, and blocks later ones. */
    links_are(PAGE, "<base href=\"javascript:void(0)\"><base href=\"/no/\"><a href=x>x</a>",
              "http://www.stats.gov.cn/sj/zxfb/x", NULL);
    links_are(PAGE, "<base href=\"ftp://f.cn/\"><a href=x>x</a>",
              "http://www.stats.gov.cn/sj/zxfb/x", NULL);
    links_are(PAGE, "<base href=\"http://\"><a href=x>x</a>", "http://www.stats.gov.cn/sj/zxfb/x",
              NULL);
    links_are(PAGE, "<base href=\"  \"><a href=x>x</a>", "http://www.stats.gov.cn/sj/zxfb/x", NULL);
}

static void
test_fragment(void)
{
    links_are(PAGE,
              "<a href=\"d.html#sec2\">d</a><a href=\"#top\">top</a><a href=\"#\">js</a>"
              "<a href=\"http://h.cn/p?q=1#frag\">h</a><a href=\"e.html#a#b\">e</a>",
              "http://www.stats.gov.cn/sj/zxfb/d.html", "http://h.cn/p?q=1",
              "http://www.stats.gov.cn/sj/zxfb/e.html", NULL);
    /* The page URL's own fragment plays no part. */
    links_are("http://h.cn/a/b.html#x", "<a href=\"?y\">y</a>", "http://h.cn/a/b.html?y", NULL);
}

static void
test_repeats(void)
{
    links_are(PAGE,
              "<a href=\"a.html\">1</a><a href=\"b.html\">2</a><a href=\"./a.html\">3</a>"
              "<a href=\"a.html#x\">4</a><a href=\"/sj/zxfb/a.html\">5</a>"
              "<a href=\"http://WWW.STATS.GOV.CN:80/sj/zxfb/b.html\">6</a><a href=\"c.html\">7</a>",
              "http://www.stats.gov.cn/sj/zxfb/a.html", "http://www.stats.gov.cn/sj/zxfb/b.html",
              "http://www.stats.gov.cn/sj/zxfb/c.html", NULL);
    /* The query is part of the URL. */
    links_are(PAGE, "<a href=\"x?a=1\">1</a><a href=\"x?a=2\">2</a><a href=\"x?a=1\">3</a>",
              "http://www.stats.gov.cn/sj/zxfb/x?a=1", "http://www.stats.gov.cn/sj/zxfb/x?a=2",
              NULL);
}

/*
 * Passed over: other schemes, empty hrefs, hrefs curl cannot resolve ("http:a.html",
 * which a browser would take as relative, is one), a host curl decodes to a DEL.
 */
static void
test_passed_over(void)
{
    links_are(
        PAGE,
        "<a href=\"javascript:void(0)\">1</a><a href=\"JavaScript:openWin('x')\">2</a>"
        "<a href=\" javascript:;\">3</a><a href=\"mailto:office@stats.gov.cn\">4</a>"
        "<a href=\"tel:010-68783311\">5</a><a href=\"data:text/html,hi\">6</a>"
        "<a href=\"ftp://ftp.stats.gov.cn/pub/a.xls\">7</a><a href=\"file:///etc/passwd\">8</a>"
        "<a href=\"\">9</a><a href=\"   \">10</a><a href>11</a><a>12</a><a name=x>13</a>"
        "<a href=\"http://\">14</a><a href=\"http://h.cn:99999/\">15</a>"
        "<a href=\"java\nscript:alert(1)\">16</a><a href=\"weixin://dl/x\">17</a>"
        "<link rel=stylesheet href=\"s.css\"><img src=\"i.png\"><script src=\"j.js\"></script>"
        "<script>document.write('<a href=\"script.html\">s</a>');</script>"
        "<a href=\"ok.html\">ok</a>",
        "http://www.stats.gov.cn/sj/zxfb/ok.html", NULL);
    /* After resolution only http and https are kept, whatever the page's scheme. */
    links_are("file:///tmp/page.html",
              "<a href=\"a.html\">a</a><a href=\"http://h.cn/b\">b</a><a href=\"/c\">c</a>",
              "http://h.cn/b", NULL);
}

static void
test_white_space(void)
{
    links_are(PAGE,
              "<a href=\"  a.html\n\">a</a><a href=\"\tb.html \r\n\">b</a>"
              "<a href=\"./2024\n  01/c.html\">c</a><a href=\"d e.html\">d</a>"
              "<a href=\"/q?k=a b\">e</a><a href=\"f\r\n.html\">f</a>",
              "http://www.stats.gov.cn/sj/zxfb/a.html", "http://www.stats.gov.cn/sj/zxfb/b.html",
              "http://www.stats.gov.cn/sj/zxfb/2024%20%2001/c.html",
              "http://www.stats.gov.cn/sj/zxfb/d%20e.html", "http://www.stats.gov.cn/q?k=a%20b",
              "http://www.stats.gov.cn/sj/zxfb/f.html", NULL);
}

static void
test_entities(void)
{
    links_are(PAGE,
              "<a href=\"list.jsp?a=1&amp;b=2\">a</a><a href=\"x.html?c=3&#38;d=4\">b</a>"
              "<a href=\"&#x2F;y&#46;html\">c</a><a href=\"z?e=&lt;5&gt;\">d</a>",
              "http://www.stats.gov.cn/sj/zxfb/list.jsp?a=1&b=2",
              "http://www.stats.gov.cn/sj/zxfb/x.html?c=3&d=4", "http://www.stats.gov.cn/y.html",
              "http://www.stats.gov.cn/sj/zxfb/z?e=%3C5%3E", NULL);
}

static void
test_chinese(void)
{
    /* 统计公报 and 附件 in the path, raw and already encoded: one URL, upper-case hex. */
    links_are(
        PAGE,
        "<a href=\"附件/2023年统计公报.pdf\">a</a>"
        "<a href=\"%E9%99%84%E4%BB%B6/2023%E5%B9%B4%E7%BB%9F%E8%AE%A1%E5%85%AC%E6%8A%A5.pdf\">"
        "b</a>"
        "<a href=\"%e9%99%84%e4%bb%b6/2023%e5%b9%b4%e7%bb%9f%e8%ae%a1%e5%85%ac%e6%8a%a5.pdf\">"
        "c</a>"
        "<a href=\"/search?q=国内生产总值 季度\">d</a>"
        "<a href=\"http://www.stats.gov.cn/统计/x.html\">e</a>",
        "http://www.stats.gov.cn/sj/zxfb/%E9%99%84%E4%BB%B6/"
        "2023%E5%B9%B4%E7%BB%9F%E8%AE%A1%E5%85%AC%E6%8A%A5.pdf",
        "http://www.stats.gov.cn/search?q=%E5%9B%BD%E5%86%85%E7%94%9F%E4%BA%A7%E6%80%BB%E5%80%BC"
        "%20%E5%AD%A3%E5%BA%A6",
        "http://www.stats.gov.cn/%E7%BB%9F%E8%AE%A1/x.html", NULL);
    /* A Chinese <base> and a Chinese page URL. */
    links_are("http://h.cn/公报/index.html", "<a href=\"二.html\">x</a>",
              "http://h.cn/%E5%85%AC%E6%8A%A5/%E4%BA%8C.html", NULL);
    /*
     * Invalid bytes and a NUL before the link must not turn the rest of the
     * page into Latin-1; in the href they become U+FFFD.
     */
    {
        static const char page[] = "<p>\xff\xfe bad \xc3</p>\0<a href=\"公报\xe5\x85.html\">a</a>";
        struct links l;
        struct err e;

        CHECK(links_extract(page, sizeof page - 1, PAGE, &l, &e) == 0);
        CHECK(l.n == 1);
        CHECK_STR(l.n == 1 ? l.urls[0] : NULL,
                  "http://www.stats.gov.cn/sj/zxfb/%E5%85%AC%E6%8A%A5%EF%BF%BD%EF%BF%BD.html");
        links_free(&l);
    }
    /* A host name in Chinese is kept as written: the fetcher converts it. */
    links_are(PAGE, "<a href=\"http://统计.中国/a b\">a</a>", "http://统计.中国/a%20b", NULL);
}

static void
test_markup(void)
{
    /* Upper-case tags and attributes, quotes of all kinds. */
    links_are(PAGE,
              "<A HREF=\"A.html\">a</A><AREA SHAPE=rect HREF='B.html'><a Href=C.html>c</a>"
              "<map name=m><area shape=\"circle\" coords=\"1,2,3\" href=\"/map/d.html\"></map>",
              "http://www.stats.gov.cn/sj/zxfb/A.html", "http://www.stats.gov.cn/sj/zxfb/B.html",
              "http://www.stats.gov.cn/sj/zxfb/C.html", "http://www.stats.gov.cn/map/d.html", NULL);
    /* Unclosed and misnested tags. */
    links_are(PAGE,
              "<html><body><div><table><tr><td><a href=\"1.html\">one<td><a href=2.html>two"
              "</table><p><b><a href='3.html'>three</p></b><ul><li><a href=4.html>four<li>"
              "<a href=\"5.html\"><div><a href=\"6.html\">six</div></div></span></td></body>"
              "<a href=\"7.html\">seven",
              "http://www.stats.gov.cn/sj/zxfb/1.html", "http://www.stats.gov.cn/sj/zxfb/2.html",
              "http://www.stats.gov.cn/sj/zxfb/3.html", "http://www.stats.gov.cn/sj/zxfb/4.html",
              "http://www.stats.gov.cn/sj/zxfb/5.html", "http://www.stats.gov.cn/sj/zxfb/6.html",
              "http://www.stats.gov.cn/sj/zxfb/7.html", NULL);
    /*
     * A comment, and a page cut inside a tag.  A page cut inside an href
     * would give the part before the cut, as libxml2 sees it: one URL that
     * does not exist, which costs one 404.
     */
    links_are(PAGE, "<!-- <a href=\"c.html\">c</a> --><a href=\"x.html\">x</a><a hr",
              "http://www.stats.gov.cn/sj/zxfb/x.html", NULL);
    /* Backslashes in the path are slashes, as in a browser; in the query they stay. */
    links_are(PAGE, "<a href=\"..\\fb\\a.html?p=\\x\">a</a>",
              "http://www.stats.gov.cn/sj/fb/a.html?p=\\x", NULL);
    /* Bytes that may not stand in a URL are encoded; '%' and the reserved ones are not. */
    links_are(PAGE, "<a href=\"a&quot;b<c>{d}`e|f%41.html?g='h'\">x</a>",
              "http://www.stats.gov.cn/sj/zxfb/a%22b%3Cc%3E%7Bd%7D%60e|f%41.html?g=%27h%27", NULL);
}

static void
test_empty(void)
{
    struct links l;
    struct err e;

    err_clear(&e);
    CHECK(links_extract("", 0, PAGE, &l, &e) == 0);
    CHECK(l.n == 0);
    links_free(&l);
    CHECK(links_extract(NULL, 0, PAGE, &l, &e) == 0);
    CHECK(l.n == 0);
    links_free(&l);
    links_are(PAGE, "no markup at all", NULL);
    links_are(PAGE, "<html><head></head><body></body></html>", NULL);

    /* links_free() on an empty struct and on NULL does nothing. */
    memset(&l, 0, sizeof l);
    links_free(&l);
    links_free(NULL);
}

static void
test_bad_page_url(void)
{
    static const char *const bad[] = {"", "not a url", "http://", "   ", "#x", "http://h:99999/"};
    struct links l;
    struct err e;
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_clear(&e);
        l.urls = (char **)&l; /* must be reset */
        l.n = 7;
        CHECK(links_extract("<a href=x>x</a>", 15, bad[i], &l, &e) == -1);
        CHECK(l.urls == NULL && l.n == 0);
        CHECK(e.msg[0] != '\0');
        CHECK_STR(e.file, bad[i]);
        links_free(&l);
    }
    err_clear(&e);
    CHECK(links_extract("<a href=x>x</a>", 15, NULL, &l, &e) == -1);
    CHECK(l.urls == NULL && l.n == 0 && e.msg[0] != '\0');
}

/* A page of n links "<a href=p/i.html>" for i in [0, n), with each repeated. */
static char *
many_links(size_t n, size_t *len)
{
    size_t cap = n * 2 * 40 + 1, k = 0, i;
    char *html = malloc(cap);

    if (html == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        int w =
            snprintf(html + k, cap - k, "<a href=p/%zu.html>x</a><a href=p/%zu.html>y</a>", i, i);
        k += (size_t)w;
    }
    *len = k;
    return html;
}

static void
test_bounds(void)
{
    struct links l;
    struct err e;
    size_t len, i;
    char *html, *p;

    html = malloc(3 * 8192);
    CHECK(html != NULL);
    if (html == NULL)
        return;
    /* An href of 8192 bytes is kept, one of 8193 is not, though its URL would be short. */
    for (size_t n = 8192; n <= 8193; n++) {
        int k = snprintf(html, 64, "<a href=\"a.html#");
        memset(html + k, 'f', n - 7);
        memcpy(html + k + n - 7, "\">x</a>", sizeof "\">x</a>");
        err_clear(&e);
        CHECK(links_extract(html, strlen(html), "http://h.cn/", &l, &e) == 0);
        CHECK(l.n == (n == 8192 ? 1 : 0));
        links_free(&l);
    }
    /* White space around an href does not count against its length. */
    p = html + snprintf(html, 64, "<a href=\" \t https://h.cn/");
    memset(p, 'x', 8192 - 13);
    memcpy(p + 8192 - 13, " \n \">x</a>", sizeof " \n \">x</a>");
    CHECK(links_extract(html, strlen(html), "http://h.cn/", &l, &e) == 0);
    CHECK(l.n == 1 && strlen(l.urls[0]) == 8192);
    links_free(&l);
    /* A resolved URL of 8192 bytes is kept, one of 8193 is not. */
    for (size_t n = 8192; n <= 8193; n++) {
        int k = snprintf(html, 64, "<a href=\"/");
        memset(html + k, 'x', n - 13);
        memcpy(html + k + n - 13, "\">x</a>", sizeof "\">x</a>");
        CHECK(links_extract(html, strlen(html), "https://h.cn/", &l, &e) == 0);
        CHECK(l.n == (n == 8192 ? 1 : 0));
        CHECK(l.n == 0 || strlen(l.urls[0]) == n);
        links_free(&l);
    }
    /* Encoding may make the URL three times as long as the href. */
    p = html + snprintf(html, 64, "<a href=\"/");
    memset(p, ' ', 3000);
    memcpy(p + 3000, "x\">x</a>", sizeof "x\">x</a>");
    CHECK(links_extract(html, strlen(html), "http://h.cn/", &l, &e) == 0);
    CHECK(l.n == 0);
    links_free(&l);

    /* Long URLs: at most 32 MiB of them, however few. */
    free(html);
    html = malloc(8192 + 5000 * 24);
    CHECK(html != NULL);
    if (html == NULL)
        return;
    p = html + snprintf(html, 64, "<base href=\"/");
    memset(p, 'b', 8000);
    p += 8000;
    p += snprintf(p, 64, "/\">");
    for (i = 0; i < 5000; i++)
        p += snprintf(p, 24, "<a href=%zu>x</a>", i);
    CHECK(links_extract(html, (size_t)(p - html), "http://h.cn/", &l, &e) == 0);
    len = 0;
    for (i = 0; i < l.n; i++)
        len += strlen(l.urls[i]) + 1;
    CHECK(l.n > 4000 && l.n < 4200 && len <= 32u << 20);
    if (l.n > 0) {
        char want[32];
        snprintf(want, sizeof want, "%zu", l.n - 1); /* in page order */
        CHECK_STR(l.urls[l.n - 1] + strlen("http://h.cn/") + 8001, want);
    }
    links_free(&l);
    free(html);

    /* No more than 100000 URLs, in page order, repeats not counted. */
    html = many_links(100100, &len);
    CHECK(html != NULL);
    if (html == NULL)
        return;
    err_clear(&e);
    CHECK(links_extract(html, len, "http://h.cn/", &l, &e) == 0);
    CHECK(l.n == 100000);
    for (i = 0; i < l.n; i += 9999) {
        char want[64];
        snprintf(want, sizeof want, "http://h.cn/p/%zu.html", i);
        CHECK_STR(l.urls[i], want);
    }
    CHECK_STR(l.urls[l.n - 1], "http://h.cn/p/99999.html");
    links_free(&l);
    free(html);
}

int
main(void)
{
    test_relative();
    test_absolute();
    test_base();
    test_fragment();
    test_repeats();
    test_passed_over();
    test_white_space();
    test_entities();
    test_chinese();
    test_markup();
    test_empty();
    test_bad_page_url();
    test_bounds();
    return check_done("test_links");
}
