/*
 * test_docinfo: a document's title, published date and doc_year.  Dates as
 * pages write them and the invalid ones; the date line in each of its forms
 * and the lines that are not one; dated URLs; <meta> before the date line
 * before the URL; the title from <title> or the title block's headline; the
 * order of doc_year's sources (title, kicker, review and plan headings,
 * published, the fallback); and the three sample pages against
 * tests/data/corpus/gold/docs.jsonl.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "docinfo.h"
#include "normalize.h"

static struct text
norm(const char *raw, size_t len)
{
    struct text t = {0};
    struct err e;

    err_clear(&e);
    if (normalize_text(raw, len, 1 << 22, &t, &e) != 0) {
        fprintf(stderr, "normalize: %s\n", e.msg);
        exit(1);
    }
    return t;
}

/* docinfo_read() on raw text as the pipeline has it: normalized, with its
 * headings.  title and published may be NULL for no <meta>/<title>. */
static void
read_doc(const char *raw, const char *uri, const char *title, const char *published, int fallback,
         int with_headings, struct docinfo *out)
{
    struct text t = norm(raw, strlen(raw));
    struct headings h;
    struct html_info info;
    struct err e;

    memset(&info, 0, sizeof info);
    if (title != NULL)
        snprintf(info.title, sizeof info.title, "%s", title);
    if (published != NULL)
        snprintf(info.published, sizeof info.published, "%s", published);
    err_clear(&e);
    CHECK(heading_find(t.data, t.len, &h, &e) == 0);
    docinfo_read(t.data, t.len, uri, title != NULL || published != NULL ? &info : NULL,
                 with_headings ? &h : NULL, fallback, out);
    headings_free(&h);
    text_free(&t);
}

static void
date_is(const char *raw, const char *want)
{
    struct text t = norm(raw, strlen(raw));
    char got[11] = "";
    int rc = docinfo_date(t.data, t.len, got);

    if (want == NULL) {
        CHECK(rc == -1);
        if (rc != -1)
            fprintf(stderr, "  a date in %s: %s\n", raw, got);
    } else {
        CHECK(rc == 0);
        CHECK_STR(got, want);
    }
    text_free(&t);
}

static void
test_dates(void)
{
    date_is("2020-01-16", "2020-01-16");
    date_is("2020-1-6", "2020-01-06");
    date_is("2020/01/16", "2020-01-16");
    date_is("2020.01.16", "2020-01-16");
    date_is("2019年12月3日", "2019-12-03");
    date_is("2019年12月3号", "2019-12-03");
    date_is("2019 年 12 月 3 日", "2019-12-03");
    date_is("２０１９年１２月３日", "2019-12-03");
    date_is("二〇一九年十二月三日", "2019-12-03");
    date_is("二〇二〇年十月三十一日", "2020-10-31");
    date_is("二零二零年一月十八日", "2020-01-18");
    date_is("发布时间:2020-01-16 10:20:00", "2020-01-16");
    /* Leap years. */
    date_is("2020-02-29", "2020-02-29");
    date_is("2000-02-29", "2000-02-29");
    /* Invalid: month, day for the month, leap day, years out of range. */
    date_is("2020-13-01", NULL);
    date_is("2020-00-10", NULL);
    date_is("2020-02-30", NULL);
    date_is("2020-04-31", NULL);
    date_is("2020-01-00", NULL);
    date_is("2019-02-29", NULL);
    date_is("2100-02-29", NULL);
    date_is("1989-05-01", NULL);
    date_is("2101-01-01", NULL);
    date_is("二〇二〇年十三月一日", NULL);
    /* Not a date: mixed separators, inside longer numbers, no day. */
    date_is("2020-01/16", NULL);
    date_is("12020-01-16", NULL);
    date_is("2020-01-161", NULL);
    date_is("电话:022-2360-2087", NULL);
    date_is("2020年1月", NULL);
    date_is("2020年", NULL);
    date_is("", NULL);
    /* The first valid one. */
    date_is("2020-02-30 2020-03-01", "2020-03-01");
}

static void
url_is(const char *uri, const char *want)
{
    char got[11] = "";
    int rc = docinfo_url_date(uri, got);

    if (want == NULL) {
        CHECK(rc == -1);
        if (rc != -1)
            fprintf(stderr, "  a date in %s: %s\n", uri, got);
    } else {
        CHECK(rc == 0);
        CHECK_STR(got, want);
        if (rc != 0 || strcmp(got, want) != 0)
            fprintf(stderr, "  in %s\n", uri);
    }
}

static void
test_urls(void)
{
    url_is("http://www.tj.gov.cn/xw/202001/t20200116_6526.html", "2020-01-16");
    url_is("http://www.hbqj.gov.cn/xxgk/zc/qtwj/szfbwj/2017/201701/t20170113_2136642.html",
           "2017-01-13");
    url_is("http://xianning.gov.cn/xxgk/zwdc/202201/t20220110_2498525.shtml", "2022-01-10");
    /* A month only: the first of the month. */
    url_is("http://www.tj.gov.cn/xw/202001/", "2020-01-01");
    url_is("http://www.tj.gov.cn/xw/202001/index_1.html", "2020-01-01");
    url_is("http://example.cn/news/2022-01/list.html", "2022-01-01");
    url_is("http://example.cn/art/2020/01/index.html", "2020-01-01");
    /* Year, month and day in the path. */
    url_is("http://news.enorth.com.cn/system/2016/03/31/030897316.shtml", "2016-03-31");
    url_is("http://duchuang.sznews.com/content/2022-01/05/content_24859012.html", "2022-01-05");
    url_is("http://jmdbq.gov.cn/art/2021/7/7/art_7924_578482.html", "2021-07-07");
    url_is("https://hbj.icswb.com/h/104552/20210118/694818.html", "2021-01-18");
    url_is("http://www.kmgd.gov.cn/c/2023-10-25/6719680.shtml", "2023-10-25");
    url_is("http://wp.rexun.cn/shehui/2022/0419/041969496.html", "2022-04-19");
    url_is("http://district.ce.cn/newarea/roll/202102/23/t20210223_36331904.shtml", "2021-02-23");
    url_is("http://www.news.cn/2023-12/22/c_1130041239.htm", "2023-12-22");
    /* No date: none in the path, a year alone, the host, the query, junk. */
    url_is("https://www.jiading.gov.cn/publicity/jcgk/zdgkwj/qzfwj/182298", NULL);
    url_is("https://www.wj.gov.cn/html/czwj/2017/BENMPFPJ_1019/102703.html", NULL);
    url_is("http://20200116.example.cn/a.html", NULL);
    url_is("http://www.sdnaiye.com/news_detail.asp?id=20200116", NULL);
    url_is("http://example.cn/a.html#t20200116_1", NULL);
    url_is("http://example.cn/t20201332_1.html", NULL);
    url_is("http://example.cn/202013/a.html", NULL);
    url_is("http://example.cn/2019/02/29/a.html", NULL);
    url_is("http://example.cn/c_1130041239.htm", NULL);
    url_is("tests/data/corpus/000_684a999cdcedada8.txt", NULL);
    url_is("", NULL);
    url_is(NULL, NULL);
    /* A path of a saved page works as a URL does. */
    url_is("saved/202001/t20200116_6526.html", "2020-01-16");
}

static void
published_is(const char *raw, const char *uri, const char *meta, const char *want,
             const char *want_from)
{
    struct docinfo d;

    read_doc(raw, uri, NULL, meta, 0, 1, &d);
    CHECK_STR(d.published, want);
    if (want_from == NULL) {
        CHECK(d.published_from == NULL);
    } else {
        CHECK_STR(d.published_from, want_from);
    }
    if (strcmp(d.published, want) != 0)
        fprintf(stderr, "  in: %.60s\n", raw);
}

static const char body[] = "今年,全区将新增绿地100亩,确保垃圾分类小区覆盖率达到100%。\n";

static void
test_published(void)
{
    char raw[4096];

    /* Each form of the date line. */
    snprintf(raw, sizeof raw, "标题\n发布日期：2020-01-16\n%s", body);
    published_is(raw, NULL, NULL, "2020-01-16", "date line");
    snprintf(raw, sizeof raw, "标题\n发布时间:2020-01-16 09:30\n%s", body);
    published_is(raw, NULL, NULL, "2020-01-16", "date line");
    snprintf(raw, sizeof raw, "标题\n日期：2020年01月16日\n%s", body);
    published_is(raw, NULL, NULL, "2020-01-16", "date line");
    snprintf(raw, sizeof raw, "标题\n2019年12月3日 星期二\n%s", body);
    published_is(raw, NULL, NULL, "2019-12-03", "date line");
    snprintf(raw, sizeof raw, "标题\n2019年12月3日星期二\n%s", body);
    published_is(raw, NULL, NULL, "2019-12-03", "date line");
    snprintf(raw, sizeof raw, "标题\n来源: 津云 作者:赵颖妍 编辑:李松达 2020-01-18 15:24:00\n%s",
             body);
    published_is(raw, NULL, NULL, "2020-01-18", "date line");
    snprintf(raw, sizeof raw, "标题\n2020/01/16\n%s", body);
    published_is(raw, NULL, NULL, "2020-01-16", "date line");
    snprintf(raw, sizeof raw,
             "政府工作报告\n——二〇二〇年一月八日在区第十七届人民代表大会第五次会议上\n%s", body);
    published_is(raw, NULL, NULL, "2020-01-08", "date line");
    /* A labelled line wins over a bare date above it (a site's header). */
    snprintf(raw, sizeof raw, "2024年5月3日 星期五\n标题\n发布日期:2020-01-16\n%s", body);
    published_is(raw, NULL, NULL, "2020-01-16", "date line");
    /* 今天 is the reader's day, not the page's. */
    snprintf(raw, sizeof raw, "今天是2024年5月3日 星期五\n标题\n%s", body);
    published_is(raw, NULL, NULL, "", NULL);
    /* Not date lines: a sentence, the end of a period, a long line. */
    snprintf(raw, sizeof raw, "标题\n2019年12月3日,区政府召开常务会议,研究部署今年的重点工作。\n%s",
             body);
    published_is(raw, NULL, NULL, "", NULL);
    snprintf(raw, sizeof raw, "标题\n截至2020年12月31日\n%s", body);
    published_is(raw, NULL, NULL, "", NULL);
    snprintf(raw, sizeof raw,
             "标题\n这一行没有标点但是很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长"
             "很长很长很长很长很长很长很长很长很长很长很长很长很长很长2020年1月16日\n%s",
             body);
    published_is(raw, NULL, NULL, "", NULL);
    /* An invalid date is passed over for the URL's. */
    snprintf(raw, sizeof raw, "标题\n发布日期:2020-02-30\n%s", body);
    published_is(raw, "http://x.gov.cn/202001/t20200116_1.html", NULL, "2020-01-16", "url");
    /* Only near the top: past the first 2 KB it is not the page's date. */
    {
        size_t n = (size_t)snprintf(raw, sizeof raw, "标题\n");
        while (n < 2200)
            n += (size_t)snprintf(raw + n, sizeof raw - n, "%s", body);
        snprintf(raw + n, sizeof raw - n, "发布日期:2020-01-16\n");
        published_is(raw, NULL, NULL, "", NULL);
    }
    /* And within the first 30 lines with content. */
    {
        size_t n = 0;
        for (int i = 0; i < 30; i++)
            n += (size_t)snprintf(raw + n, sizeof raw - n, "栏目%d\n", i);
        snprintf(raw + n, sizeof raw - n, "发布日期:2020-01-16\n%s", body);
        published_is(raw, NULL, NULL, "", NULL);
    }

    /* The order: <meta>, the date line, the URL. */
    snprintf(raw, sizeof raw, "标题\n发布日期:2020-01-16\n%s", body);
    published_is(raw, "http://x.gov.cn/202002/t20200220_1.html", "2020-01-10", "2020-01-10",
                 "meta");
    published_is(raw, "http://x.gov.cn/202002/t20200220_1.html", NULL, "2020-01-16", "date line");
    published_is(raw, "http://x.gov.cn/202002/t20200220_1.html", "2020-13-45", "2020-01-16",
                 "date line");
    snprintf(raw, sizeof raw, "标题\n%s", body);
    published_is(raw, "http://x.gov.cn/202002/t20200220_1.html", NULL, "2020-02-20", "url");
    published_is(raw, "http://x.gov.cn/202002/", NULL, "2020-02-01", "url");
    published_is(raw, "http://x.gov.cn/a.html", NULL, "", NULL);
    published_is(raw, NULL, NULL, "", NULL);
}

static void
title_is(const char *raw, const char *html_title, const char *want)
{
    struct docinfo d;

    read_doc(raw, NULL, html_title, NULL, 0, 1, &d);
    CHECK_STR(d.title, want);
}

static void
test_titles(void)
{
    /* <title> wins; white space around it goes. */
    title_is("正文标题\n今年,全区将新增绿地100亩。\n", "  2020年政府工作报告_红桥区人民政府 ",
             "2020年政府工作报告_红桥区人民政府");
    /* An empty <title>: the text's headline. */
    title_is("正文标题\n今年,全区将新增绿地100亩。\n", "", "正文标题");
    /* The headline: the longest line of the block that could be one. */
    title_is("天津在线\n\n首页> 资讯中心> 天津> 正文\n\n"
             "红桥区区长何智能:加快打造绿色城区 推动美丽红桥建设\n\n2020天津两会\n\n"
             "今年,红桥区要全面做好‘六稳’‘三保’工作。\n",
             NULL, "红桥区区长何智能:加快打造绿色城区 推动美丽红桥建设");
    title_is("北辰区区长王宝雨:知重负重\n扫码阅读手机版\n"
             "来源: 津云 作者:赵颖妍 编辑:李松达 责任编辑:张晶晶 2020-01-18 15:24:00\n"
             "内容提要:北辰区仍处于较劲爬坡、转型发展的关键阶段。\n",
             NULL, "北辰区区长王宝雨:知重负重");
    /* A date line is no headline, but a headline may carry a date. */
    title_is("2019年12月3日 星期二\n区长接受专访\n今年,全区将新增绿地100亩。\n", NULL,
             "区长接受专访");
    title_is("寿宁县人民政府工作报告(2023年12月27日)\n各位代表:\n"
             "现在,我代表县人民政府,向大会报告工作,请予审议。\n",
             NULL, "寿宁县人民政府工作报告(2023年12月27日)");
    /* A kicker with a dash is not the headline, though longer. */
    title_is("政府工作报告\n——2020年1月8日在区第十七届人民代表大会第五次会议上\n"
             "现在,我代表区人民政府,向大会报告工作,请予审议。\n",
             NULL, "政府工作报告");
    /* No title block: no title. */
    title_is("今年,全区将新增绿地100亩,确保覆盖率达到100%。\n", NULL, "");
    title_is("一、2013年工作回顾\n过去一年,全区经济运行总体平稳。\n", NULL, "");
    title_is("", NULL, "");
    /* A broken sequence at the end of <title> is cut off. */
    title_is("正文\n今年,全区将新增绿地100亩。\n", "政府工作报告\xE5\xB9", "政府工作报告");
}

static void
year_is(const char *raw, const char *html_title, const char *meta, const char *uri, int fallback,
        int with_headings, int want, enum docinfo_source from)
{
    struct docinfo d;

    read_doc(raw, uri, html_title, meta, fallback, with_headings, &d);
    CHECK_NUM(d.doc_year, want);
    CHECK_STR(docinfo_source_name(d.year_from), docinfo_source_name(from));
    if (d.doc_year != want || d.year_from != from)
        fprintf(stderr, "  in: %.80s\n", raw);
}

static const char review_then_plan[] = "各位代表:\n"
                                       "现在,我代表区人民政府,向大会报告工作,请予审议。\n"
                                       "一、2019年工作回顾\n"
                                       "过去一年,全区经济运行总体平稳。\n"
                                       "二、2020年工作安排\n"
                                       "今年,全区将新增绿地100亩。\n";

static void
test_doc_year(void)
{
    char raw[4096];

    /* The title names the report's year, and wins. */
    snprintf(raw, sizeof raw, "2020年政府工作报告\n%s", review_then_plan);
    year_is(raw, NULL, "2021-03-01", NULL, 2018, 1, 2020, DOCINFO_TITLE);
    year_is(review_then_plan, "2021年区政府工作报告", NULL, NULL, 0, 1, 2021, DOCINFO_TITLE);
    year_is(review_then_plan, "2022政府工作报告三农重点", NULL, NULL, 0, 1, 2022, DOCINFO_TITLE);
    /* (2014年) given 2014-12-17: the title, not its first heading's 2015. */
    snprintf(raw, sizeof raw,
             "武汉市青山区人民政府工作报告(2014年)\n%s一、2014年工作回顾\n正文。\n",
             "现在,我代表区人民政府,向大会报告工作,请予审议。\n");
    year_is(raw, NULL, "2014-12-17", NULL, 0, 1, 2014, DOCINFO_TITLE);
    /* Two years a year apart: the one it plans. */
    year_is(review_then_plan, "关于2019年国民经济和社会发展计划执行情况与2020年计划草案的报告",
            NULL, NULL, 0, 1, 2020, DOCINFO_TITLE);
    year_is(review_then_plan,
            "东城区2018年国民经济和社会发展计划执行情况与2019年国民经济和社会发展计划草案的报告",
            "2019-01-08", NULL, 0, 0, 2019, DOCINFO_TITLE);
    /* Years further apart, a horizon, a span, a target, a period: none. */
    year_is(review_then_plan, "2010年与2020年对比", "2021-02-01", NULL, 0, 0, 2021,
            DOCINFO_PUBLISHED);
    year_is(review_then_plan, "某区国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要",
            "2021-02-01", NULL, 0, 0, 2021, DOCINFO_PUBLISHED);
    year_is(review_then_plan, "“十三五”(2016-2020年)发展成就", "2021-02-01", NULL, 0, 0, 2021,
            DOCINFO_PUBLISHED);
    year_is(review_then_plan, "到2025年建成区绿化覆盖率达到40%", "2021-02-01", NULL, 0, 0, 2021,
            DOCINFO_PUBLISHED);
    year_is(review_then_plan, "2018年以来我区发展回顾", "2021-02-01", NULL, 0, 0, 2021,
            DOCINFO_PUBLISHED);
    year_is(review_then_plan, "郑州明年要新增1000万平方米绿地", "2024-07-01", NULL, 0, 0, 2024,
            DOCINFO_PUBLISHED);
    /* A date in the title is when it was given: the first heading decides. */
    snprintf(raw, sizeof raw, "寿宁县人民政府工作报告(2023年12月27日)\n%s",
             "现在,我代表县人民政府,向大会报告工作,请予审议。\n一、2023年工作回顾\n正文。\n");
    year_is(raw, NULL, NULL, NULL, 0, 1, 2024, DOCINFO_REVIEW_HEADING);
    /* A kicker under the headline (the sample page 000). */
    year_is("天津在线\n首页> 资讯中心> 天津> 正文\n红桥区区长何智能:加快打造绿色城区\n"
            "2020天津两会\n今年,红桥区要全面做好‘六稳’‘三保’工作。\n",
            NULL, NULL, NULL, 0, 1, 2020, DOCINFO_TITLE);
    /* A date line under the headline is no kicker: its year is published's. */
    year_is("区长专访\n来源:北方网 2019-12-30\n今年,全区将新增绿地100亩。\n", NULL, NULL, NULL,
            2017, 1, 2019, DOCINFO_PUBLISHED);

    /* No year in the title: the first heading that reviews names the year
     * before the report's. */
    year_is(review_then_plan, "政府工作报告", "2021-03-01", NULL, 2018, 1, 2020,
            DOCINFO_REVIEW_HEADING);
    /* ...a heading that plans names it. */
    year_is("区长专访\n现在,区长向记者介绍了今年的安排,全文如下。\n二、2023年工作安排\n正文。\n"
            "一、2022年工作回顾\n正文。\n",
            NULL, "2021-03-01", NULL, 0, 1, 2023, DOCINFO_PLAN_HEADING);
    /* A review of part of a year speaks from that year. */
    year_is("报告\n现在,我代表区政府,报告上半年工作,请予审议。\n"
            "一、2023年上半年国民经济和社会发展计划执行情况\n正文。\n",
            NULL, NULL, NULL, 0, 1, 2023, DOCINFO_REVIEW_HEADING);
    /* A year under a review heading that names none. */
    year_is("报告\n现在,我代表区政府,向大会报告工作,请予审议。\n一、过去五年工作回顾\n正文。\n"
            "(一)2021年主要工作\n正文。\n",
            NULL, NULL, NULL, 0, 1, 2022, DOCINFO_REVIEW_HEADING);
    /* A neutral heading's year is passed over for the next that decides. */
    year_is("报告\n现在,我代表区政府,向大会报告工作,请予审议。\n(一)2021年重点项目\n正文。\n"
            "二、2022年工作安排\n正文。\n",
            NULL, NULL, NULL, 0, 1, 2022, DOCINFO_PLAN_HEADING);
    /* Headings that name no year: published. */
    year_is("报告\n现在,我代表区政府,向大会报告工作,请予审议。\n一、过去五年工作回顾\n正文。\n",
            NULL, NULL, "http://x.gov.cn/202101/t20210105_1.html", 2018, 1, 2021,
            DOCINFO_PUBLISHED);
    /* Without the headings (hs NULL) the same text falls to published. */
    year_is(review_then_plan, NULL, "2021-03-01", NULL, 0, 0, 2021, DOCINFO_PUBLISHED);
    /* Nothing in the page: the fallback, else none. */
    year_is(body, NULL, NULL, NULL, 2019, 1, 2019, DOCINFO_FALLBACK);
    year_is(body, NULL, NULL, NULL, 0, 1, 0, DOCINFO_NONE);
    year_is("", NULL, NULL, NULL, 0, 1, 0, DOCINFO_NONE);
}

static void
test_source_names(void)
{
    CHECK_STR(docinfo_source_name(DOCINFO_NONE), "none");
    CHECK_STR(docinfo_source_name(DOCINFO_TITLE), "title");
    CHECK_STR(docinfo_source_name(DOCINFO_REVIEW_HEADING), "review_heading");
    CHECK_STR(docinfo_source_name(DOCINFO_PLAN_HEADING), "plan_heading");
    CHECK_STR(docinfo_source_name(DOCINFO_PUBLISHED), "published");
    CHECK_STR(docinfo_source_name(DOCINFO_FALLBACK), "fallback");
    CHECK_STR(docinfo_source_name((enum docinfo_source)99), "none");
}

/* The value of "key": in a JSON line, as text: a string's contents, a
 * number, or "null". */
static void
json_field(const char *line, const char *key, char *out, size_t size)
{
    char pat[64];
    const char *p;
    size_t n = 0;

    snprintf(pat, sizeof pat, "\"%s\": ", key);
    out[0] = '\0';
    if ((p = strstr(line, pat)) == NULL)
        return;
    p += strlen(pat);
    if (*p == '"') {
        for (p++; *p != '\0' && *p != '"' && n + 1 < size; p++) {
            if (*p == '\\' && p[1] != '\0')
                p++;
            out[n++] = *p;
        }
    } else {
        while (*p != '\0' && *p != ',' && *p != '}' && n + 1 < size)
            out[n++] = *p++;
    }
    out[n] = '\0';
}

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL ||
        fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

/* The sample pages (text files: no <title>, no <meta>, no fallback year)
 * give what docs.jsonl records. */
static void
test_samples(void)
{
    FILE *f = fopen("tests/data/corpus/gold/docs.jsonl", "r");
    char line[4096];
    int docs = 0;

    CHECK(f != NULL);
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f) != NULL) {
        char name[256], path[512], published[64], year[16], title[1024];
        struct headings h;
        struct docinfo d;
        struct err e;
        size_t len;

        json_field(line, "doc", name, sizeof name);
        json_field(line, "published", published, sizeof published);
        json_field(line, "doc_year", year, sizeof year);
        json_field(line, "title", title, sizeof title);
        if (name[0] == '\0')
            continue;
        snprintf(path, sizeof path, "tests/data/corpus/%s", name);
        char *raw = slurp(path, &len);
        struct text t = norm(raw, len);
        err_clear(&e);
        CHECK(heading_find(t.data, t.len, &h, &e) == 0);
        docinfo_read(t.data, t.len, path, NULL, &h, 0, &d);
        CHECK_STR(d.title, title);
        CHECK_STR(d.published, strcmp(published, "null") == 0 ? "" : published);
        CHECK_NUM(d.doc_year, strcmp(year, "null") == 0 ? 0 : strtol(year, NULL, 10));
        if (d.doc_year == 0)
            CHECK(d.year_from == DOCINFO_NONE);
        headings_free(&h);
        text_free(&t);
        free(raw);
        docs++;
    }
    fclose(f);
    CHECK_NUM(docs, 3);
}

int
main(void)
{
    test_dates();
    test_urls();
    test_published();
    test_titles();
    test_doc_year();
    test_source_names();
    test_samples();
    return check_done("test_docinfo");
}
