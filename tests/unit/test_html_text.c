/*
 * test_html_text: what is dropped, where lines break, tables, white space,
 * entities, the title and publication date, broken and truncated pages,
 * ceilings, and html_sniff.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "html_text.h"

static void
text_is(const char *html, const char *want)
{
    struct text t;
    struct err e;

    err_clear(&e);
    CHECK(html_text(html, strlen(html), 1 << 20, &t, NULL, &e) == 0);
    CHECK_STR(t.data, want);
    CHECK(t.data != NULL && t.len == strlen(want));
    text_free(&t);
}

static void
test_dropped(void)
{
    text_is("<p>a<script>var x = '<p>no</p>';</script>b</p>", "ab");
    text_is("<style>p { color: red }</style><p>text</p>", "text");
    text_is("<p>a<!-- comment -->b</p>", "ab");
    text_is("<noscript>enable js</noscript><template><p>t</p></template>x", "x");
    text_is("<div hidden>h</div><div>v</div>", "v");
    text_is("<p>a<span style=\"display:none\">h</span>b</p>", "ab");
    text_is("<p>a<span style=\"color:red; DISPLAY : None !important\">h</span>b</p>", "ab");
    text_is("<p>a<span style='Visibility:Hidden'>h</span>b</p>", "ab");
    text_is("<p>a<span style=\"mso-display:none\">k</span>b</p>", "akb");
    text_is("<p>a<i aria-hidden=\"true\">h</i><i aria-hidden=\"false\">k</i>b</p>", "akb");
    text_is("<div hidden><p>one<div>two</div></p></div>after", "after");
    text_is("<html><head><title>T</title><meta name=x content=y>"
            "<link rel=stylesheet href=a.css></head><body>body</body></html>",
            "body");
}

static void
test_lines(void)
{
    text_is("<p>one</p><p>two</p>", "one\n\ntwo");
    text_is("<div>one</div><div>two</div>", "one\ntwo");
    text_is("<div><div><p>deep</p></div></div><div>next</div>", "deep\n\nnext");
    text_is("a<br>b<br/><br>c<br><br><br><br>d", "a\nb\n\nc\n\nd");
    text_is("<ul><li>one<li>two</ul>tail", "one\ntwo\ntail");
    text_is("<h1>Title</h1>text", "Title\n\ntext");
    text_is("<br><p>\n\n  start</p>", "start");
    text_is("inline <b>bold</b> <i>it</i>alic", "inline bold italic");
}

static void
test_tables(void)
{
    text_is("<table><tr><th>year</th><th>GDP</th></tr>"
            "<tr><td>2019</td><td> 1.2 </td></tr>"
            "<tr><td></td><td>x</td></tr></table>after",
            "year\tGDP\n2019\t1.2\n\tx\nafter");
    /* Blocks inside cells do not break the row. */
    text_is("<table><tr><td><p>a</p></td><td><div>b</div><div>c</div></td></tr>"
            "<tr><td>d</td></tr></table>",
            "a\tb\nc\nd");
    /* A table in a cell: the outer row goes on after it. */
    text_is("<table><tr><td>x<table><tr><td>i1</td><td>i2</td></tr></table></td>"
            "<td>y</td></tr></table>",
            "x\ni1\ti2\ty");
    text_is("<table><tr><td>a<td>b<tr><td>c</table>", "a\tb\nc");
}

static void
test_space_and_entities(void)
{
    text_is("<p>  a \t\n b  </p>", "a b");
    text_is("<p>x&nbsp;y &amp; &lt;z&gt; &#x4E00;&#20108; &quot;q&quot;</p>",
            "x\xC2\xA0y & <z> 一二 \"q\"");
    text_is("<pre>  keep   this\n\n\n\n  and\r\nthis</pre>after",
            "  keep   this\n\n  and\nthis\nafter");
    text_is("<p>中文 文本</p>", "中文 文本");
}

static void
test_info(void)
{
    static const char page[] =
        "<html><head><meta charset=utf-8><title>\n  关于   2020年 &amp; 工作 \n</title>"
        "<meta name=\"keywords\" content=\"x\">"
        "<meta name=\"PubDate\" content=\"2020-01-15 10:00\">"
        "<meta name=\"firstpublishedtime\" content=\"2019-01-01-00:00:00\">"
        "</head><body><p>text</p><svg><title>not this</title></svg></body></html>";
    static const struct {
        const char *meta;
        const char *want;
    } dates[] = {
        {"<meta property=\"article:published_time\" content=\"2020-01-15T10:00:00+08:00\">",
         "2020-01-15"},
        {"<meta name=\"publishdate\" content=\"2020/1/5\">", "2020-01-05"},
        {"<META NAME=\"ArticleDate\" CONTENT=\"2020年1月5日\">", "2020-01-05"},
        {"<meta name=\"dc.date\" content=\"20210301\">", "2021-03-01"},
        {"<meta name=\"date\" content=\"yesterday\"><meta name=og:release_date content=2022.12.31>",
         "2022-12-31"},
        {"<meta name=\"description\" content=\"2020-01-15\">", ""},
        {"<meta name=\"pubdate\" content=\"2020-13-01\">", ""},
    };
    struct html_info info;
    struct text t;
    struct err e;
    size_t i;

    err_clear(&e);
    CHECK(html_text(page, sizeof page - 1, 1 << 20, &t, &info, &e) == 0);
    CHECK_STR(t.data, "text");
    CHECK_STR(info.title, "关于 2020年 & 工作");
    CHECK_STR(info.published, "2020-01-15");
    text_free(&t);

    for (i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        CHECK(html_text(dates[i].meta, strlen(dates[i].meta), 1000, &t, &info, &e) == 0);
        CHECK_STR(info.published, dates[i].want);
        CHECK_STR(info.title, "");
        text_free(&t);
    }
}

static void
test_broken(void)
{
    static const char page[] = "<html><body><p>first para</p><div>second <b>bold</b> text "
                               "<a href=\"http://example.com/x\" title=\"t\">link</a> more</div>";
    size_t cut;

    text_is("<p>a</p></div></span>b</p>c", "a\n\nbc");
    text_is("<p>a<b>b<i>c</b>d</i>e", "abcde");
    text_is("<p>abc<", "abc<"); /* a '<' at the end is text, as in browsers */
    text_is("<p>abc</p", "abc");
    text_is("x<!-- never closed <p>y</p>", "x");
    text_is("<p>a<script>never closed", "a");
    /* Cut anywhere, a page keeps the text before the cut and does not crash. */
    for (cut = 0; cut <= sizeof page - 1; cut++) {
        struct text t;
        struct err e;
        err_clear(&e);
        CHECK(html_text(page, cut, 1000, &t, NULL, &e) == 0);
        if (cut > 40)
            CHECK(t.data != NULL && strncmp(t.data, "first para", 10) == 0);
        text_free(&t);
    }
    /* Invalid UTF-8 does not make libxml2 misread the rest of the page. */
    text_is("<p>a\377b 中文</p>", "a\357\277\275b 中文");
    text_is("", "");
}

static void
test_ceiling(void)
{
    struct text t;
    struct err e;
    static const char unit[] = "<p>段落 text</p>\n   ";
    size_t unit_len = sizeof unit - 1;
    char *big;
    size_t i, k, n = 3 << 20;

    err_clear(&e);
    CHECK(html_text("<p>0123456789</p>", 17, 5, &t, NULL, &e) == -1);
    CHECK(strstr(e.msg, "larger than 5 bytes") != NULL);
    CHECK(t.data == NULL);

    /* A few MB of paragraphs pass through the chunked feed intact. */
    big = malloc(n + 1);
    for (i = 0, k = 0; i + unit_len <= n; i += unit_len, k++)
        memcpy(big + i, unit, unit_len);
    big[i] = '\0';
    err_clear(&e);
    CHECK(html_text(big, i, n, &t, NULL, &e) == 0);
    /* "段落 text" is 11 bytes; paragraphs are apart by one empty line. */
    CHECK(t.len == k * 13 - 2);
    CHECK(t.data != NULL && strncmp(t.data, "段落 text\n\n段落 text\n\n", 26) == 0);
    text_free(&t);
    free(big);
}

static void
test_sniff(void)
{
    CHECK(html_sniff("<!DOCTYPE html><html>", 21));
    CHECK(html_sniff("\xEF\xBB\xBF  \n<!doctype HTML>", 22));
    CHECK(html_sniff("<?xml version=\"1.0\"?>\n<HTML xmlns=\"x\">", 38));
    CHECK(html_sniff("  <meta charset=gbk>", 20));
    CHECK(html_sniff("<p>hello", 8));
    CHECK(html_sniff("<TABLE border=1>", 16));
    CHECK(html_sniff("\xFF\xFE<\0h\0t\0m\0l\0>\0", 14));
    CHECK(!html_sniff("plain text 15.7%", 16));
    CHECK(!html_sniff("a <pre> b <header> c <divx>", 27));
    CHECK(!html_sniff("", 0));
    CHECK(!html_sniff(NULL, 0));
}

int
main(void)
{
    test_dropped();
    test_lines();
    test_tables();
    test_space_and_entities();
    test_info();
    test_broken();
    test_ceiling();
    test_sniff();
    return check_done("html_text");
}
