/*
 * test_heading: section headings of report texts as normalize_text() leaves
 * them: the numbering styles and their levels, a heading's year and kind
 * (review and plan words only as words of their own, 规划 of a city,
 * imperative task headings), lines that stand alone, the title block, what
 * governs an offset (scope, the innermost deciding heading, a heading line
 * itself), and heading_context() against a plain walk over random documents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "heading.h"
#include "normalize.h"

/* The text as the pipeline has it: normalized. */
static struct text
norm(const char *raw)
{
    struct text t = {0};
    struct err e;

    err_clear(&e);
    if (normalize_text(raw, strlen(raw), 1 << 22, &t, &e) != 0) {
        fprintf(stderr, "normalize: %s\n", e.msg);
        exit(1);
    }
    return t;
}

/* Offset of needle (normalized) in t; aborts the test when it is not there. */
static size_t
off_of(const struct text *t, const char *needle)
{
    struct text n = norm(needle);
    const char *p = strstr(t->data, n.data);

    text_free(&n);
    if (p == NULL) {
        fprintf(stderr, "not in the text: %s\n", needle);
        exit(1);
    }
    return (size_t)(p - t->data);
}

/* The heading whose line is exactly line (normalized), or NULL. */
static const struct heading *
find(const struct headings *h, const struct text *t, const char *line)
{
    struct text n = norm(line);
    const struct heading *found = NULL;

    for (size_t i = 0; i < h->n; i++)
        if (h->v[i].line.len == n.len && memcmp(t->data + h->v[i].line.off, n.data, n.len) == 0)
            found = &h->v[i];
    text_free(&n);
    return found;
}

struct doc {
    struct text t;
    struct headings h;
};

static void
doc_open(struct doc *d, const char *raw)
{
    struct err e;

    d->t = norm(raw);
    err_clear(&e);
    if (heading_find(d->t.data, d->t.len, &d->h, &e) != 0) {
        fprintf(stderr, "heading_find: %s\n", e.msg);
        exit(1);
    }
}

static void
doc_close(struct doc *d)
{
    headings_free(&d->h);
    text_free(&d->t);
}

/* The heading line's fields; level -1 asks that it is not a heading. */
static void
heading_is(const struct doc *d, const char *line, int level, int year, enum heading_kind kind)
{
    const struct heading *x = find(&d->h, &d->t, line);

    if (level < 0) {
        CHECK(x == NULL);
        if (x != NULL)
            fprintf(stderr, "  a heading: %s\n", line);
        return;
    }
    CHECK(x != NULL);
    if (x == NULL) {
        fprintf(stderr, "  not a heading: %s\n", line);
        return;
    }
    CHECK_NUM(x->level, level);
    CHECK_NUM(x->year, year);
    CHECK_NUM(x->kind, kind);
}

/* What governs the first byte of at (normalized) in d. */
static void
context_is(const struct doc *d, const char *at, int year, enum heading_kind kind)
{
    int y = -1;
    enum heading_kind k = (enum heading_kind) - 1;

    heading_context(&d->h, off_of(&d->t, at), &y, &k);
    CHECK_NUM(y, year);
    CHECK_NUM(k, kind);
    if (y != year || k != kind)
        fprintf(stderr, "  at: %s\n", at);
}

static const char work_report[] = "2020年红桥区政府工作报告\n"
                                  "——2020年1月8日在区第十七届人民代表大会第五次会议上\n"
                                  "各位代表:\n"
                                  "现在,我代表区人民政府,向大会报告工作,请予审议。\n"
                                  "一、2019年工作回顾\n"
                                  "过去一年,全区地区生产总值增长6.5%。\n"
                                  "（一）经济运行稳中有进\n"
                                  "规上工业增加值增长7.1%。\n"
                                  "1．新建公园3座\n"
                                  "完成绿化面积5万平方米,新增绿地100亩。\n"
                                  "（1）西站公园\n"
                                  "占地12公顷,年底前开园。\n"
                                  "①北片区\n"
                                  "完成拆迁3万平方米。\n"
                                  "（二）2020年重点工作\n"
                                  "这里提前部署了来年的项目,共计20个。\n"
                                  "二、2020年工作安排\n"
                                  "今年,全区要确保垃圾分类小区覆盖率达到100%。\n"
                                  "（一）推进经济高质量发展\n"
                                  "加快40余个重大项目建设。\n"
                                  "（二）提升规划建设管理水平\n"
                                  "规划教育用地新增384.75亩。\n";

static void
test_numbering(void)
{
    struct doc d;

    doc_open(&d, work_report);
    heading_is(&d, "一、2019年工作回顾", HEADING_LEVEL_CN, 2019, HEADING_REVIEW);
    heading_is(&d, "（一）经济运行稳中有进", HEADING_LEVEL_CN_PAREN, 0, HEADING_NEUTRAL);
    heading_is(&d, "1．新建公园3座", HEADING_LEVEL_NUM, 0, HEADING_NEUTRAL);
    heading_is(&d, "（1）西站公园", HEADING_LEVEL_NUM_PAREN, 0, HEADING_NEUTRAL);
    heading_is(&d, "①北片区", HEADING_LEVEL_CIRCLED, 0, HEADING_NEUTRAL);
    heading_is(&d, "（二）2020年重点工作", HEADING_LEVEL_CN_PAREN, 2020, HEADING_PLAN);
    heading_is(&d, "二、2020年工作安排", HEADING_LEVEL_CN, 2020, HEADING_PLAN);
    heading_is(&d, "（一）推进经济高质量发展", HEADING_LEVEL_CN_PAREN, 0, HEADING_NEUTRAL);
    heading_is(&d, "（二）提升规划建设管理水平", HEADING_LEVEL_CN_PAREN, 0, HEADING_NEUTRAL);
    /* The title block: headline, kicker, salutation. */
    heading_is(&d, "2020年红桥区政府工作报告", -1, 0, 0);
    heading_is(&d, "——2020年1月8日在区第十七届人民代表大会第五次会议上", -1, 0, 0);
    heading_is(&d, "各位代表:", -1, 0, 0);
    CHECK(d.h.title_end == off_of(&d.t, "现在,我代表"));
    CHECK_NUM(d.h.n, 9);

    /* Scope: each heading until the next of its level or a higher one. */
    context_is(&d, "过去一年", 2019, HEADING_REVIEW);
    context_is(&d, "规上工业增加值", 2019, HEADING_REVIEW);
    context_is(&d, "完成绿化面积", 2019, HEADING_REVIEW);
    context_is(&d, "占地12公顷", 2019, HEADING_REVIEW);
    context_is(&d, "完成拆迁", 2019, HEADING_REVIEW);
    /* The innermost deciding heading: (二) plans inside a review. */
    context_is(&d, "这里提前部署", 2020, HEADING_PLAN);
    context_is(&d, "今年,全区", 2020, HEADING_PLAN);
    /* Neutral headings pass on what is above them. */
    context_is(&d, "加快40余个", 2020, HEADING_PLAN);
    context_is(&d, "规划教育用地", 2020, HEADING_PLAN);
    /* Nothing governs the title block and the opening. */
    context_is(&d, "现在,我代表", 0, HEADING_NEUTRAL);
    context_is(&d, "2020年红桥区", 0, HEADING_NEUTRAL);

    /* Parents. */
    const struct heading *a = find(&d.h, &d.t, "①北片区");
    const struct heading *b = find(&d.h, &d.t, "（1）西站公园");
    CHECK(a != NULL && b != NULL && a->parent == (size_t)(b - d.h.v));
    const struct heading *c = find(&d.h, &d.t, "二、2020年工作安排");
    CHECK(c != NULL && c->parent == HEADING_NO_PARENT);
    doc_close(&d);

    /* 第…部分 / 章 / 节 over 一、. */
    doc_open(&d, "某某区国民经济和社会发展第十四个五年规划纲要\n"
                 "第一部分 发展基础\n"
                 "“十三五”时期,全区经济总量迈上新台阶,各项事业取得长足进步。\n"
                 "第一章 主要目标\n"
                 "到2025年,地区生产总值年均增长6%。\n"
                 "第一节 经济发展\n"
                 "一、产业结构\n"
                 "服务业增加值比重达到65%。\n"
                 "第二章 空间布局\n"
                 "优化城市空间布局,建设用地控制在50平方公里以内。\n"
                 "第3节 生态空间\n"
                 "生态保护红线面积不减少。\n");
    heading_is(&d, "第一部分 发展基础", HEADING_LEVEL_PART, 0, HEADING_NEUTRAL);
    heading_is(&d, "第一章 主要目标", HEADING_LEVEL_CHAPTER, 0, HEADING_PLAN);
    heading_is(&d, "第一节 经济发展", HEADING_LEVEL_SECTION, 0, HEADING_NEUTRAL);
    heading_is(&d, "一、产业结构", HEADING_LEVEL_CN, 0, HEADING_NEUTRAL);
    heading_is(&d, "第3节 生态空间", HEADING_LEVEL_SECTION, 0, HEADING_NEUTRAL);
    context_is(&d, "服务业增加值", 0, HEADING_PLAN);
    /* 第二章 closes 第一章 and what is under it. */
    context_is(&d, "优化城市空间布局", 0, HEADING_NEUTRAL);
    context_is(&d, "生态保护红线", 0, HEADING_NEUTRAL);
    doc_close(&d);

    /* Lines that look numbered but are not. */
    doc_open(&d, "标题\n"
                 "导语,这是一段足够长的导语文字,用来结束标题块。\n"
                 "1.5亿元用于改造老旧小区\n"
                 "这是一个比上面那行更长的段落,说明资金用途和改造范围。\n"
                 "十四五、十五五规划衔接\n"
                 "这是一个比上面那行更长的段落,说明规划衔接的具体安排。\n"
                 "第十四个五年规划\n"
                 "这是一个比上面那行更长的段落,说明五年规划的主要内容。\n"
                 "(津云新闻记者 吴宏)\n"
                 "这是一个比上面那行更长的段落,说明记者署名后的文字内容。\n"
                 "一、\n"
                 "这是一个比上面那行更长的段落,编号后面没有任何文字。\n");
    heading_is(&d, "1.5亿元用于改造老旧小区", -1, 0, 0);
    /* Not numbered (十四五 is no list number), but a line standing alone. */
    heading_is(&d, "十四五、十五五规划衔接", HEADING_LEVEL_PLAIN, 0, HEADING_NEUTRAL);
    /* Plans, and no numbered heading comes before it: a section title. */
    heading_is(&d, "第十四个五年规划", HEADING_LEVEL_TOP, 0, HEADING_PLAN);
    heading_is(&d, "(津云新闻记者 吴宏)", -1, 0, 0);
    heading_is(&d, "一、", -1, 0, 0);
    doc_close(&d);

    /* Numbered lines with sentence punctuation. */
    doc_open(
        &d, "标题\n"
            "导语,这是一段足够长的导语文字,用来结束标题块。\n"
            "（一）再燃创新主引擎，跑满产业“加速度”。\n"
            "正文内容在这里。\n"
            "（二）经济运行稳中有进。全区地区生产总值增长6.5%。\n"
            "1.目标:到2025年建成区绿化覆盖率达到40%\n"
            "2.城镇调查失业率控制在5.5%以内;居民收入稳步增长\n"
            "3.这是一个超过四十个字的编号行,它更像一个段落而不是一个标题,所以它不能算作一个标题\n");
    heading_is(&d, "（一）再燃创新主引擎，跑满产业“加速度”。", HEADING_LEVEL_CN_PAREN, 0,
               HEADING_NEUTRAL);
    heading_is(&d, "（二）经济运行稳中有进。全区地区生产总值增长6.5%。", -1, 0, 0);
    heading_is(&d, "1.目标:到2025年建成区绿化覆盖率达到40%", -1, 0, 0);
    heading_is(&d, "2.城镇调查失业率控制在5.5%以内;居民收入稳步增长", -1, 0, 0);
    heading_is(&d,
               "3.这是一个超过四十个字的编号行,它更像一个段落而不是一个标题,所以它不能算作一个标题",
               -1, 0, 0);
    doc_close(&d);
}

static void
test_years(void)
{
    struct doc d;

    doc_open(&d, "标题\n"
                 "导语,这是一段足够长的导语文字,用来结束标题块。\n"
                 "一、过去五年和2021年工作回顾\n"
                 "正文。\n"
                 "（一）“十三五”时期(2016-2020年)主要成绩\n"
                 "正文。\n"
                 "（二）2018年以来的发展成就\n"
                 "正文。\n"
                 "（三）2019年和2020年工作总结\n"
                 "正文。\n"
                 "二、二〇二二年工作安排\n"
                 "正文。\n"
                 "三、2023年上半年国民经济和社会发展计划执行情况\n"
                 "正文。\n"
                 "四、到2025年主要目标\n"
                 "正文。\n"
                 "五、２０２４年重点任务\n"
                 "正文。\n"
                 "六、2016年至2020年工作回顾\n"
                 "正文。\n"
                 "七、2020天津两会\n"
                 "正文。\n");
    heading_is(&d, "一、过去五年和2021年工作回顾", HEADING_LEVEL_CN, 2021, HEADING_REVIEW);
    /* A span is no year; its review still counts. */
    heading_is(&d, "（一）“十三五”时期(2016-2020年)主要成绩", HEADING_LEVEL_CN_PAREN, 0,
               HEADING_REVIEW);
    context_is(&d, "正文。\n（二）2018", 2021, HEADING_REVIEW);
    heading_is(&d, "（二）2018年以来的发展成就", HEADING_LEVEL_CN_PAREN, 0, HEADING_REVIEW);
    /* Two years: neither governs all of it. */
    heading_is(&d, "（三）2019年和2020年工作总结", HEADING_LEVEL_CN_PAREN, 0, HEADING_REVIEW);
    heading_is(&d, "二、二〇二二年工作安排", HEADING_LEVEL_CN, 2022, HEADING_PLAN);
    heading_is(&d, "三、2023年上半年国民经济和社会发展计划执行情况", HEADING_LEVEL_CN, 2023,
               HEADING_REVIEW);
    const struct heading *x = find(&d.h, &d.t, "三、2023年上半年国民经济和社会发展计划执行情况");
    CHECK(x != NULL && x->year_part == 1);
    x = find(&d.h, &d.t, "二、二〇二二年工作安排");
    CHECK(x != NULL && x->year_part == 0);
    heading_is(&d, "四、到2025年主要目标", HEADING_LEVEL_CN, 2025, HEADING_PLAN);
    heading_is(&d, "五、２０２４年重点任务", HEADING_LEVEL_CN, 2024, HEADING_PLAN);
    heading_is(&d, "六、2016年至2020年工作回顾", HEADING_LEVEL_CN, 0, HEADING_REVIEW);
    /* A heading's year is written with 年. */
    heading_is(&d, "七、2020天津两会", HEADING_LEVEL_CN, 0, HEADING_NEUTRAL);
    CHECK(d.h.title_kind == HEADING_NEUTRAL);
    doc_close(&d);

    /* Years named against the document's; the base of a comparison is none. */
    doc_open(&d, "2020年大东区国民经济和社会发展统计公报\n"
                 "导语,这是一段足够长的导语文字,用来结束标题块。\n"
                 "一、今年目标\n"
                 "正文。\n"
                 "二、去年重大工程建设成绩单\n"
                 "正文。\n"
                 "三、明年工作安排\n"
                 "正文。\n"
                 "四、比上年增长的行业\n"
                 "正文。\n");
    heading_is(&d, "一、今年目标", HEADING_LEVEL_CN, HEADING_YEAR_REL, HEADING_PLAN);
    heading_is(&d, "二、去年重大工程建设成绩单", HEADING_LEVEL_CN, HEADING_YEAR_REL - 1,
               HEADING_REVIEW);
    heading_is(&d, "三、明年工作安排", HEADING_LEVEL_CN, HEADING_YEAR_REL + 1, HEADING_PLAN);
    heading_is(&d, "四、比上年增长的行业", HEADING_LEVEL_CN, 0, HEADING_NEUTRAL);
    CHECK_NUM(heading_year_resolve(HEADING_YEAR_REL - 1, 2026), 2025);
    CHECK_NUM(heading_year_resolve(HEADING_YEAR_REL, 0), 0);
    CHECK_NUM(heading_year_resolve(2021, 2026), 2021);
    /* A statistical bulletin's title makes the document a review. */
    CHECK(d.h.title_kind == HEADING_REVIEW);
    doc_close(&d);

    /* A status heading without a year speaks of the document's. */
    doc_open(&d, "标题\n"
                 "导语,这是一段足够长的导语文字,用来结束标题块。\n"
                 "二、分行业进展情况\n"
                 "正文。\n");
    heading_is(&d, "二、分行业进展情况", HEADING_LEVEL_CN, 0, HEADING_REVIEW);
    context_is(&d, "正文。", HEADING_YEAR_REL, HEADING_REVIEW);
    doc_close(&d);

    /* Under a heading that names a year, a status heading is of that year. */
    doc_open(&d, "标题\n"
                 "导语,这是一段足够长的导语文字,用来结束标题块。\n"
                 "一、2020年工作回顾\n"
                 "(一)重点项目进展情况\n"
                 "正文。\n");
    context_is(&d, "正文。", 2020, HEADING_REVIEW);
    doc_close(&d);

    /* A title that reports and plans is no review as a whole. */
    doc_open(&d, "关于2020年计划执行情况与2021年计划草案的报告\n"
                 "导语,这是一段足够长的导语文字,用来结束标题块。\n"
                 "正文。\n");
    CHECK(d.h.title_kind == HEADING_NEUTRAL);
    doc_close(&d);
}

static void
years_are(const char *raw, size_t want_n, int year0, unsigned flags0)
{
    struct text t = norm(raw);
    struct heading_year y[8];
    size_t n = heading_years(t.data, t.len, y, 8);

    CHECK_NUM(n, want_n);
    if (n > 0 && want_n > 0) {
        CHECK_NUM(y[0].year, year0);
        CHECK_NUM(y[0].flags, flags0);
    }
    if (n != want_n || (n > 0 && (y[0].year != year0 || y[0].flags != flags0)))
        fprintf(stderr, "  in: %s\n", raw);
    text_free(&t);
}

static void
test_year_flags(void)
{
    years_are("2020年工作安排", 1, 2020, 0);
    years_are("二〇二〇年工作安排", 1, 2020, 0);
    years_are("２０２０年政府工作报告", 1, 2020, 0);
    years_are("2020天津两会", 1, 2020, HEADING_Y_BARE);
    years_are("2022政府工作报告三农重点", 1, 2022, HEADING_Y_BARE);
    years_are("新增2000亩绿地", 0, 0, 0);
    years_are("新建1998套住房", 0, 0, 0);
    years_are("第2020期", 0, 0, 0);
    years_are("20201年", 0, 0, 0);
    years_are("v2020版", 0, 0, 0);
    years_are("1850年", 0, 0, 0);
    years_are("2023年12月27日", 1, 2023, HEADING_Y_DATE);
    years_are("二〇二三年十二月二十七日", 1, 2023, HEADING_Y_DATE);
    years_are("2016-2020年", 1, 2020, HEADING_Y_SPAN);
    years_are("2016年至2020年", 2, 2016, HEADING_Y_SPAN);
    years_are("到2025年", 1, 2025, HEADING_Y_TARGET);
    years_are("二〇三五年远景目标", 1, 2035, HEADING_Y_HORIZON);
    years_are("2018年以来", 1, 2018, HEADING_Y_SINCE);
    years_are("自2012年起", 1, 2012, HEADING_Y_SINCE);
    years_are("2020年至今", 1, 2020, HEADING_Y_SINCE);
    years_are("2023年上半年", 1, 2023, HEADING_Y_PART);
    years_are("2021年1-6月", 1, 2021, HEADING_Y_PART);
    years_are("2021年前三季度", 1, 2021, HEADING_Y_PART);
}

static void
kind_is(const char *raw, enum heading_kind want)
{
    struct text t = norm(raw);
    enum heading_kind k = heading_kind_of(t.data, t.len);

    CHECK_NUM(k, want);
    if (k != want)
        fprintf(stderr, "  kind of: %s\n", raw);
    text_free(&t);
}

static void
test_kinds(void)
{
    /* Review words. */
    kind_is("2019年工作回顾", HEADING_REVIEW);
    kind_is("“十三五”时期的工作回顾", HEADING_REVIEW);
    kind_is("2022年工作总结", HEADING_REVIEW);
    kind_is("主要指标完成情况", HEADING_REVIEW);
    kind_is("过去五年取得的主要成绩", HEADING_REVIEW);
    kind_is("过去一年的工作", HEADING_REVIEW);
    kind_is("过去五年", HEADING_REVIEW);
    kind_is("一年来取得的成绩", HEADING_REVIEW);
    kind_is("去年重大工程建设成绩单", HEADING_REVIEW);
    kind_is("分类型进展情况", HEADING_REVIEW);
    /* Status words win over plan words (主要预期目标完成情况). */
    kind_is("全市经济社会发展主要预期目标完成情况", HEADING_REVIEW);
    kind_is("2018年国民经济和社会发展计划执行情况", HEADING_REVIEW);
    /* Plan words. */
    kind_is("2020年工作安排", HEADING_PLAN);
    kind_is("2020年重点工作", HEADING_PLAN);
    kind_is("主要任务", HEADING_PLAN);
    kind_is("工作目标", HEADING_PLAN);
    kind_is("2022年发展主要预期目标", HEADING_PLAN);
    kind_is("今年目标", HEADING_PLAN);
    kind_is("总体要求", HEADING_PLAN);
    kind_is("指导思想和总体要求", HEADING_PLAN);
    kind_is("展望“十四五”", HEADING_PLAN);
    kind_is("“十四五”规划", HEADING_PLAN);
    kind_is("“十四五”规划目标和2035年远景目标", HEADING_PLAN);
    kind_is("规划和目标", HEADING_PLAN);
    kind_is("2020年计划草案", HEADING_PLAN);
    kind_is("2022年工作任务", HEADING_PLAN);
    /* Plan words that are not words of their own here. */
    kind_is("提升规划建设管理水平", HEADING_NEUTRAL);
    kind_is("以高水平规划引领开发建设", HEADING_NEUTRAL);
    kind_is("合理安排生产生活生态空间", HEADING_NEUTRAL);
    kind_is("坚持目标导向", HEADING_NEUTRAL);
    kind_is("城乡规划", HEADING_NEUTRAL);
    kind_is("国土空间规划", HEADING_NEUTRAL);
    /* Imperative task headings are neutral. */
    kind_is("推进经济高质量发展——", HEADING_NEUTRAL);
    kind_is("加强规划和建设管理", HEADING_NEUTRAL);
    kind_is("“做好2020年重点工作”", HEADING_NEUTRAL);
    kind_is("聚焦协调联动,争当协同发展排头兵", HEADING_NEUTRAL);
    /* Both: the sentences decide. */
    kind_is("过去五年工作回顾和今后五年目标任务", HEADING_NEUTRAL);
    kind_is("回顾与展望", HEADING_NEUTRAL);
    /* Neither. */
    kind_is("经济平稳健康发展", HEADING_NEUTRAL);
    kind_is("经济◢", HEADING_NEUTRAL);
    kind_is("", HEADING_NEUTRAL);
}

static void
test_standing_alone(void)
{
    struct doc d;

    doc_open(&d, "红桥区区长何智能:加快打造绿色城区 推动美丽红桥建设\n"
                 "\n"
                 "今年,红桥区要全面做好‘六稳’‘三保’工作,坚持生态立区。\n"
                 "\n"
                 "推进经济高质量发展——\n"
                 "\n"
                 "谈及京津冀协同发展,何智能区长说:“今年,红桥区将抓牢契机。”\n"
                 "聚焦协调联动,争当协同发展排头兵\n"
                 "2020年,北辰区将围绕“一带两镇四园”功能定位,加大核心区开发建设力度。\n"
                 "全市地区生产总值增长4.1%\n"
                 "这是一个比上面那行更长的段落,全市经济运行总体平稳。\n"
                 "坚持稳中求进,推动高质量发展,建设美丽城区\n"
                 "这是一个比上面那行更长的段落,说明三个逗号的行不是标题。\n"
                 "完成情况如下:\n"
                 "这是一个比上面那行更长的段落,以冒号结尾的行是引出语。\n"
                 "这是一个超过三十个字的单独行它没有任何标点符号所以看起来像标题但太长了\n"
                 "这是一个比上面那行更长的段落,说明超过三十个字的单独行不是标题,即使没有标点。\n"
                 "短行在前\n"
                 "短行\n"
                 "2021年长沙\n"
                 "下战书!\n"
                 "新的一年\n"
                 "这是一个比上面那行更长的段落。\n"
                 "版权声明\n");
    heading_is(&d, "推进经济高质量发展——", HEADING_LEVEL_PLAIN, 0, HEADING_NEUTRAL);
    heading_is(&d, "聚焦协调联动,争当协同发展排头兵", HEADING_LEVEL_PLAIN, 0, HEADING_NEUTRAL);
    heading_is(&d, "全市地区生产总值增长4.1%", -1, 0, 0);
    heading_is(&d, "坚持稳中求进,推动高质量发展,建设美丽城区", -1, 0, 0);
    heading_is(&d, "完成情况如下:", -1, 0, 0);
    heading_is(&d, "这是一个超过三十个字的单独行它没有任何标点符号所以看起来像标题但太长了", -1, 0,
               0);
    /* Before a shorter line: not standing alone... */
    heading_is(&d, "短行在前", -1, 0, 0);
    /* ...unless it names a year or reviews or plans (2020年长沙 / 交答卷!); no
     * numbered heading comes before it, so it is a section title. */
    heading_is(&d, "2021年长沙", HEADING_LEVEL_TOP, 2021, HEADING_NEUTRAL);
    heading_is(&d, "新的一年", HEADING_LEVEL_PLAIN, 0, HEADING_NEUTRAL);
    /* The last line heads nothing. */
    heading_is(&d, "版权声明", -1, 0, 0);
    doc_close(&d);
}

static void
test_top_level(void)
{
    struct doc d;

    /* Unnumbered section titles hold the plain headings under them. */
    doc_open(&d, "极简版政府工作报告来了 只有1000多字\n"
                 "长沙市政府工作报告要点如下,一起来看。\n"
                 "2020年长沙\n"
                 "交答卷!\n"
                 "经济恢复增长\n"
                 "地区生产总值增长4.5%(预计数,下同)。\n"
                 "生态环境\n"
                 "空气质量优良率达84.4%。\n"
                 "2021年长沙\n"
                 "下战书!\n"
                 "先进制造业\n"
                 "数字经济增加值增长15%以上。\n");
    heading_is(&d, "2020年长沙", HEADING_LEVEL_TOP, 2020, HEADING_NEUTRAL);
    heading_is(&d, "经济恢复增长", HEADING_LEVEL_PLAIN, 0, HEADING_NEUTRAL);
    heading_is(&d, "生态环境", HEADING_LEVEL_PLAIN, 0, HEADING_NEUTRAL);
    heading_is(&d, "2021年长沙", HEADING_LEVEL_TOP, 2021, HEADING_NEUTRAL);
    context_is(&d, "地区生产总值增长4.5%", 2020, HEADING_NEUTRAL);
    context_is(&d, "空气质量优良率", 2020, HEADING_NEUTRAL);
    context_is(&d, "数字经济", 2021, HEADING_NEUTRAL);
    doc_close(&d);

    /* Numbered lines under an unnumbered section title; a fact in a heading
     * line is governed by the headings above it. */
    doc_open(&d, "2022政府工作报告三农重点\n"
                 "政府工作报告提出了今年三农工作的主要目标和任务,全文如下。\n"
                 "2021年工作回顾\n"
                 "粮食产量1.37万亿斤,连续7年保持在1.3万亿斤以上。\n"
                 "2022年发展主要预期目标\n"
                 "1.国内生产总值增长5.5%左右\n"
                 "2.城镇新增就业1100万人以上\n"
                 "2022年工作任务\n"
                 "3.新建1亿亩高标准农田\n");
    heading_is(&d, "2021年工作回顾", HEADING_LEVEL_TOP, 2021, HEADING_REVIEW);
    heading_is(&d, "2022年发展主要预期目标", HEADING_LEVEL_TOP, 2022, HEADING_PLAN);
    heading_is(&d, "1.国内生产总值增长5.5%左右", HEADING_LEVEL_NUM, 0, HEADING_NEUTRAL);
    context_is(&d, "粮食产量", 2021, HEADING_REVIEW);
    context_is(&d, "5.5%左右", 2022, HEADING_PLAN);
    context_is(&d, "1100万人", 2022, HEADING_PLAN);
    context_is(&d, "1亿亩", 2022, HEADING_PLAN);
    doc_close(&d);

    /* In a numbered document an unnumbered line stays innermost: it does not
     * close 一、. */
    doc_open(&d, "标题\n"
                 "导语,这是一段足够长的导语文字,用来结束标题块。\n"
                 "一、2019年工作回顾\n"
                 "正文一。\n"
                 "2020年重点项目\n"
                 "这是一个比上面那行更长的段落,列出今年的重点项目。\n"
                 "经济发展\n"
                 "这是一个比上面那行更长的段落,说明经济发展情况。\n"
                 "二、主要任务\n"
                 "正文二。\n");
    heading_is(&d, "2020年重点项目", HEADING_LEVEL_PLAIN, 2020, HEADING_NEUTRAL);
    heading_is(&d, "经济发展", HEADING_LEVEL_PLAIN, 0, HEADING_NEUTRAL);
    context_is(&d, "这是一个比上面那行更长的段落,列出", 2020, HEADING_REVIEW);
    /* 经济发展 closes 2020年重点项目 (same level), not 一、. */
    context_is(&d, "这是一个比上面那行更长的段落,说明经济", 2019, HEADING_REVIEW);
    context_is(&d, "正文二", 0, HEADING_PLAN);
    doc_close(&d);
}

static void
test_title_block(void)
{
    struct doc d;

    /* A digest with one line a sentence: a section title that names a year
     * ends the title block, where a headline naming one would not. */
    doc_open(&d, "极简版政府工作报告来了\n"
                 "2020年长沙\n"
                 "经济恢复增长\n"
                 "地区生产总值增长4.5%(预计数,下同)。\n");
    CHECK(d.h.title_end == off_of(&d.t, "2020年长沙"));
    heading_is(&d, "2020年长沙", HEADING_LEVEL_TOP, 2020, HEADING_NEUTRAL);
    doc_close(&d);
    doc_open(&d, "2021天津两会\n"
                 "2021年政府工作报告\n"
                 "各位代表:现在,我代表区人民政府,向大会报告工作,请予审议。\n");
    CHECK(d.h.title_end == off_of(&d.t, "各位代表"));
    doc_close(&d);

    /* The sample page 000: site name, breadcrumbs, headline, kicker. */
    doc_open(&d, "天津在线\n"
                 "\n"
                 "首页> 资讯中心> 天津> 正文\n"
                 "\n"
                 "红桥区区长何智能:加快打造绿色城区 推动美丽红桥建设\n"
                 "\n"
                 "2020天津两会\n"
                 "\n"
                 "今年,红桥区要全面做好‘六稳’‘三保’工作,坚持生态立区。\n");
    CHECK_NUM(d.h.n, 0);
    CHECK(d.h.title_end == off_of(&d.t, "今年,红桥区"));
    CHECK(heading_title_end(d.t.data, d.t.len) == d.h.title_end);
    doc_close(&d);

    /* A date line in the block. */
    doc_open(&d, "北辰区区长王宝雨:知重负重 砥砺奋进\n"
                 "扫码阅读手机版\n"
                 "来源: 津云 作者:赵颖妍 编辑:李松达 2020-01-18 15:24:00\n"
                 "内容提要:“2020年,北辰区仍处于较劲爬坡、转型发展的关键阶段。”\n"
                 "聚焦协调联动,争当协同发展排头兵\n"
                 "2020年,北辰区将围绕“一带两镇四园”功能定位,加大核心区开发建设力度。\n");
    CHECK_NUM(d.h.n, 1);
    heading_is(&d, "扫码阅读手机版", -1, 0, 0);
    CHECK(d.h.title_end == off_of(&d.t, "内容提要"));
    doc_close(&d);

    /* The last line of the block that reviews is the first heading. */
    doc_open(&d, "政府工作报告\n"
                 "2019年工作回顾\n"
                 "过去一年,全区上下攻坚克难,经济运行总体平稳。\n"
                 "2020年工作安排\n"
                 "今年,全区将新增绿地100亩。\n");
    heading_is(&d, "2019年工作回顾", HEADING_LEVEL_TOP, 2019, HEADING_REVIEW);
    heading_is(&d, "2020年工作安排", HEADING_LEVEL_TOP, 2020, HEADING_PLAN);
    heading_is(&d, "政府工作报告", -1, 0, 0);
    context_is(&d, "过去一年", 2019, HEADING_REVIEW);
    context_is(&d, "今年,全区", 2020, HEADING_PLAN);
    doc_close(&d);

    /* A one-line block that reviews is the title (XX区2019年工作总结). */
    doc_open(&d, "红桥区2019年工作总结\n"
                 "过去一年,全区上下攻坚克难,经济运行总体平稳。\n");
    CHECK_NUM(d.h.n, 0);
    doc_close(&d);

    /* A text that starts with a numbered heading has no title block. */
    doc_open(&d, "一、2013年工作回顾\n"
                 "过去一年,全区上下攻坚克难,经济运行总体平稳。\n");
    CHECK_NUM(d.h.title_end, 0);
    heading_is(&d, "一、2013年工作回顾", HEADING_LEVEL_CN, 2013, HEADING_REVIEW);
    doc_close(&d);

    /* Nor one that starts with a paragraph. */
    doc_open(&d, "过去一年,全区上下攻坚克难,经济运行总体平稳。\n"
                 "二、2014年工作安排\n"
                 "正文。\n");
    CHECK_NUM(d.h.title_end, 0);
    CHECK_NUM(d.h.n, 1);
    doc_close(&d);

    /* No paragraph in the first lines: the block is the first line. */
    doc_open(&d, "附件1\n"
                 "2022年预期目标\n"
                 "序号\n"
                 "指标\n");
    CHECK(d.h.title_end == off_of(&d.t, "2022年预期目标"));
    heading_is(&d, "2022年预期目标", HEADING_LEVEL_TOP, 2022, HEADING_PLAN);
    doc_close(&d);

    /* Empty and blank texts. */
    doc_open(&d, "");
    CHECK_NUM(d.h.n, 0);
    CHECK_NUM(d.h.title_end, 0);
    doc_close(&d);
    doc_open(&d, "\n\n   \n");
    CHECK_NUM(d.h.n, 0);
    doc_close(&d);
}

static void
test_heading_line(void)
{
    struct doc d;
    int y;
    enum heading_kind k;

    doc_open(&d, work_report);
    /* Inside a heading line: the headings above it govern, not itself. */
    size_t at = off_of(&d.t, "2020年工作安排");
    const struct heading *x = heading_at(&d.h, at);
    CHECK(x != NULL && x == find(&d.h, &d.t, "二、2020年工作安排"));
    heading_context(&d.h, at, &y, &k);
    CHECK_NUM(y, 0);
    CHECK_NUM(k, HEADING_NEUTRAL);
    at = off_of(&d.t, "新建公园3座");
    CHECK(heading_at(&d.h, at) == find(&d.h, &d.t, "1．新建公园3座"));
    heading_context(&d.h, at, &y, &k);
    CHECK_NUM(y, 2019);
    CHECK_NUM(k, HEADING_REVIEW);
    at = off_of(&d.t, "2020年重点工作");
    heading_context(&d.h, at, &y, &k);
    CHECK_NUM(y, 2019);
    CHECK_NUM(k, HEADING_REVIEW);
    /* Right after the line: the heading itself. */
    heading_context(&d.h, at + strlen("2020年重点工作"), &y, &k);
    CHECK_NUM(y, 2020);
    CHECK_NUM(k, HEADING_PLAN);
    CHECK(heading_at(&d.h, at + strlen("2020年重点工作")) == NULL);
    CHECK(heading_at(&d.h, off_of(&d.t, "今年,全区")) == NULL);
    CHECK(heading_at(&d.h, 0) == NULL);
    CHECK(heading_at(&d.h, d.t.len + 100) == NULL);
    heading_context(&d.h, d.t.len + 100, &y, &k);
    CHECK_NUM(y, 2020);
    CHECK_NUM(k, HEADING_PLAN);
    doc_close(&d);

    heading_context(NULL, 5, &y, &k);
    CHECK_NUM(y, 0);
    CHECK_NUM(k, HEADING_NEUTRAL);
    CHECK(heading_at(NULL, 5) == NULL);
    headings_free(NULL);
}

/* heading_context() against a walk that keeps the open headings in a list,
 * over documents of random headings. */
static void
test_random_scopes(void)
{
    static const char *const lines[] = {
        "一、2019年工作回顾\n",   "二、2020年工作安排\n",
        "(一)经济运行稳中有进\n", "(二)2021年重点工作\n",
        "1.新建公园\n",           "2、2018年完成情况\n",
        "(1)西站公园\n",          "①北片区\n",
        "第一部分 主要目标\n",    "第二章 2017年回顾\n",
        "正文句子。\n",           "另一段正文,写得比较长一些。\n",
    };
    unsigned seed = 12345;
    size_t mismatches = 0, checked = 0;

    for (int round = 0; round < 200; round++) {
        char raw[8192];
        size_t n = 0;
        raw[0] = '\0';
        n += (size_t)snprintf(raw, sizeof raw, "标题\n导语,这是导语,结束标题块。\n");
        for (int i = 0; i < 40; i++) {
            seed = seed * 1103515245u + 12345u;
            const char *l = lines[(seed >> 16) % (sizeof lines / sizeof lines[0])];
            n += (size_t)snprintf(raw + n, sizeof raw - n, "%s", l);
        }
        struct doc d;
        doc_open(&d, raw);
        for (size_t off = 0; off <= d.t.len; off++) {
            /* The walk: headings that start before off, closing by level. */
            size_t open[16], depth = 0;
            for (size_t i = 0; i < d.h.n && d.h.v[i].line.off <= off; i++) {
                while (depth > 0 && d.h.v[open[depth - 1]].level >= d.h.v[i].level)
                    depth--;
                if (off < d.h.v[i].line.off + d.h.v[i].line.len)
                    break; /* off is in this heading's line: its parents govern */
                open[depth++] = i;
            }
            int wy = 0;
            enum heading_kind wk = HEADING_NEUTRAL;
            for (size_t j = depth; j-- > 0;)
                if (d.h.v[open[j]].year != 0) {
                    wy = d.h.v[open[j]].year;
                    break;
                }
            for (size_t j = depth; j-- > 0;)
                if (d.h.v[open[j]].kind != HEADING_NEUTRAL) {
                    wk = d.h.v[open[j]].kind;
                    break;
                }
            int y;
            enum heading_kind k;
            heading_context(&d.h, off, &y, &k);
            checked++;
            if (y != wy || k != wk) {
                if (mismatches++ == 0)
                    fprintf(stderr, "  at %zu: %d %d, the walk %d %d, in:\n%s\n", off, y, k, wy, wk,
                            d.t.data);
            }
        }
        /* Every numbered line of the pool is a heading. */
        size_t numbered = 0;
        for (size_t i = 0; i < d.h.n; i++)
            numbered += d.h.v[i].level != HEADING_LEVEL_PLAIN;
        CHECK(numbered > 0);
        doc_close(&d);
    }
    CHECK(checked > 10000);
    CHECK_NUM(mismatches, 0);
}

/* Bytes that are not UTF-8 and lines without an end do no harm. */
static void
test_odd_bytes(void)
{
    static const char odd[] = "\xff\xfe标题\n\xe5\xb9\n一、\xe5 2020年工作安排\n\x80\x80\x80\n"
                              "(一)\n(\n第\n1.\n①";
    struct headings h;
    struct err e;

    err_clear(&e);
    CHECK(heading_find(odd, sizeof odd - 1, &h, &e) == 0);
    for (size_t i = 0; i < h.n; i++)
        CHECK(h.v[i].line.off + h.v[i].line.len <= sizeof odd - 1);
    for (size_t off = 0; off < sizeof odd; off++) {
        int y;
        enum heading_kind k;
        heading_context(&h, off, &y, &k);
        CHECK(y == 0 || y == 2020);
    }
    headings_free(&h);
    CHECK(h.v == NULL && h.n == 0);
}

int
main(void)
{
    test_numbering();
    test_years();
    test_year_flags();
    test_kinds();
    test_standing_alone();
    test_top_level();
    test_title_block();
    test_heading_line();
    test_random_scopes();
    test_odd_bytes();
    return check_done("test_heading");
}
