/*
 * Extraction rules of FACTS.md, one group per rule: kinds and scaling,
 * numerals, qualifiers, ranges, lists, never-a-fact, text and unit, sentence
 * and clause, year, stance, offsets, and the match limit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "extract.h"
#include "normalize.h"
#include "patternset.h"

static struct patternset *ps;
static struct text text;
static struct fact_list facts;

/* Normalize and extract s; the facts stay in `facts` until the next call. */
static size_t
run_year(const char *s, int doc_year)
{
    struct err err;
    text_free(&text);
    fact_list_free(&facts);
    err_clear(&err);
    if (normalize_text(s, strlen(s), 1 << 24, &text, &err) != 0 ||
        extract_run(ps, text.data, text.len, doc_year, &facts, NULL, &err) != 0) {
        fprintf(stderr, "extract failed on %s: %s\n", s, err.msg);
        return 0;
    }
    return facts.n;
}

static size_t
run(const char *s)
{
    return run_year(s, 0);
}

static const char *
span(struct span sp)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%.*s", (int)sp.len, text.data + sp.off);
    return buf[k];
}

/* One fact expected: kind, value, qualifier (or NULL). */
#define ONE(s_, k_, v_, q_)                                                                        \
    do {                                                                                           \
        CHECK(run(s_) == 1);                                                                       \
        if (facts.n == 1) {                                                                        \
            CHECK(facts.v[0].kind == (k_));                                                        \
            CHECK_NUM(facts.v[0].value, (v_));                                                     \
            CHECK(facts.v[0].qualifier == (q_));                                                   \
        } else {                                                                                   \
            fprintf(stderr, "  in: %s (%zu facts)\n", s_, facts.n);                                \
        }                                                                                          \
    } while (0)

#define NONE(s)                                                                                    \
    do {                                                                                           \
        size_t n_ = run(s);                                                                        \
        CHECK(n_ == 0);                                                                            \
        if (n_ != 0)                                                                               \
            fprintf(stderr, "  in: %s: %s %g\n", s, span(facts.v[0].text), facts.v[0].value);      \
    } while (0)

static void
test_kinds(void)
{
    ONE("15.7万平方米优质载体", FACT_AREA, 157000, QUAL_NONE);
    ONE("5.9平方公里核心区", FACT_AREA, 5900000, QUAL_NONE);
    ONE("3公顷", FACT_AREA, 30000, QUAL_NONE);
    ONE("120㎡的住房", FACT_AREA, 120, QUAL_NONE);
    ONE("12平米", FACT_AREA, 12, QUAL_NONE);
    ONE("3000亩土地", FACT_MU, 3000, QUAL_NONE);
    ONE("1.2万亩", FACT_MU, 12000, QUAL_NONE);
    ONE("覆盖率达到100%", FACT_PERCENT, 100, QUAL_NONE);
    ONE("增长７．３％", FACT_PERCENT, 7.3, QUAL_NONE);
    ONE("百分之三十", FACT_PERCENT, 30, QUAL_NONE);
    ONE("下降1.5个百分点", FACT_PCT_POINT, 1.5, QUAL_NONE);
    ONE("40余个重大项目", FACT_PROJECT, 40, QUAL_MORE_THAN);
    ONE("20项民心工程", FACT_PROJECT, 20, QUAL_NONE);
    ONE("建设项目71个", FACT_PROJECT, 71, QUAL_NONE);
    ONE("项目共5个", FACT_PROJECT, 5, QUAL_NONE);
    ONE("工程3项", FACT_PROJECT, 3, QUAL_NONE);
    ONE("项目有6个", FACT_PROJECT, 6, QUAL_NONE);
}

static void
test_numbers(void)
{
    ONE("新增三千亩", FACT_MU, 3000, QUAL_NONE);
    ONE("一百二十平方米", FACT_AREA, 120, QUAL_NONE);
    ONE("两万亩", FACT_MU, 20000, QUAL_NONE);
    ONE("十二个重点项目", FACT_PROJECT, 12, QUAL_NONE);
    ONE("百分之十二点五", FACT_PERCENT, 12.5, QUAL_NONE);
    ONE("三点五平方公里", FACT_AREA, 3500000, QUAL_NONE);
    ONE("1,200平方米", FACT_AREA, 1200, QUAL_NONE);
    /* Exactly the written number times the scale, not 352700.00000000006. */
    CHECK(run("35.27万平方米") == 1 && facts.v[0].value == 352700);
    CHECK(run("5.9平方公里") == 1 && facts.v[0].value == 5900000);
    ONE("一万三千亩", FACT_MU, 13000, QUAL_NONE);
    ONE("下降-3.9%", FACT_PERCENT, -3.9, QUAL_NONE);
    ONE("负3.9%", FACT_PERCENT, -3.9, QUAL_NONE);
    ONE("百分之负三点八", FACT_PERCENT, -3.8, QUAL_NONE);
    ONE("下降3.9%", FACT_PERCENT, 3.9, QUAL_NONE); /* a verb is no sign */
}

static void
test_qualifiers(void)
{
    ONE("约52万平方米", FACT_AREA, 520000, QUAL_APPROX);
    ONE("近50%", FACT_PERCENT, 50, QUAL_APPROX);
    ONE("3000亩左右", FACT_MU, 3000, QUAL_APPROX);
    ONE("3000多亩", FACT_MU, 3000, QUAL_MORE_THAN);
    ONE("超过80%", FACT_PERCENT, 80, QUAL_MORE_THAN);
    ONE("突破1000亩", FACT_MU, 1000, QUAL_MORE_THAN);
    ONE("20%以上", FACT_PERCENT, 20, QUAL_AT_LEAST);
    ONE("不低于95%", FACT_PERCENT, 95, QUAL_AT_LEAST);
    ONE("项目达到1000个以上", FACT_PROJECT, 1000, QUAL_AT_LEAST);
    ONE("控制在5%以内", FACT_PERCENT, 5, QUAL_AT_MOST);
    ONE("不超过3%", FACT_PERCENT, 3, QUAL_AT_MOST);
    ONE("提高5个多百分点", FACT_PCT_POINT, 5, QUAL_MORE_THAN);
    /* Only right next to the number. */
    ONE("超过全国平均水平0.3个百分点", FACT_PCT_POINT, 0.3, QUAL_NONE);
    ONE("比上年低15个百分点", FACT_PCT_POINT, 15, QUAL_NONE);
    ONE("较往年多了5%", FACT_PERCENT, 5, QUAL_NONE);
    run("约52万平方米");
    CHECK_STR(span(facts.v[0].text), "约52万平方米");
    run("20%以上");
    CHECK_STR(span(facts.v[0].text), "20%以上");
}

static void
test_ranges_and_lists(void)
{
    CHECK(run("5至10万平方米") == 1);
    CHECK_NUM(facts.v[0].value, 50000);
    CHECK(facts.v[0].has_max);
    CHECK_NUM(facts.v[0].value_max, 100000);
    CHECK(run("5%-10%") == 1);
    CHECK_NUM(facts.v[0].value, 5);
    CHECK_NUM(facts.v[0].value_max, 10);
    CHECK(run("高于全省26.2和17.5个百分点") == 2);
    CHECK_NUM(facts.v[0].value, 26.2);
    CHECK_NUM(facts.v[1].value, 17.5);
    CHECK(facts.v[0].kind == FACT_PCT_POINT && facts.v[1].kind == FACT_PCT_POINT);
    CHECK(run("推动人民医院三期等12个、55万平方米项目完工") == 2);
    CHECK(facts.v[0].kind == FACT_PROJECT && facts.v[0].value == 12);
    CHECK(facts.v[1].kind == FACT_AREA && facts.v[1].value == 550000);
    CHECK(run("建设项目71个、216万平方米") == 2);
    CHECK(facts.v[0].kind == FACT_PROJECT && facts.v[0].value == 71);
    CHECK(facts.v[1].kind == FACT_AREA && facts.v[1].value == 2160000);
    /* A multiplier after the high end only where the low end lacks it. */
    CHECK(run("5000至1万亩") == 1 && facts.v[0].value == 5000 && facts.v[0].value_max == 10000);
    CHECK(run("8000-1.2万平方米") == 1 && facts.v[0].value == 8000 &&
          facts.v[0].value_max == 12000);
    /* A range runs upwards: a document number and a percent are no range. */
    CHECK(run("文号2023-15%") == 1 && facts.v[0].value == 15 && !facts.v[0].has_max);
    CHECK(run("实施1-3个项目") == 1 && facts.v[0].value == 1 && facts.v[0].value_max == 3);
    CHECK(run("由15%提高到30%") == 2);
    CHECK(!facts.v[0].has_max && facts.v[0].value == 15 && facts.v[1].value == 30);
    CHECK(run("覆盖率100%、达标率100%") == 2);
    CHECK(facts.v[0].position == 0 && facts.v[1].position == 1);
}

static void
test_never(void)
{
    NONE("三成");
    NONE("打八折");
    NONE("1/3的土地");
    NONE("三分之一");
    NONE("7.6‰");
    NONE("道路23公里");
    NONE("亩均税收20万元");
    NONE("飞防5000亩次");
    NONE("万亩现代农业示范园区");
    NONE("①推进改造"); /* a list marker */
    NONE("①5项任务");
    NONE("30个示范片区");
    NONE("2所养老院");
    NONE("5宗土地");
    NONE("3.33万户");
    NONE("四大工程");
    NONE("一批项目");
    NONE("二期工程");
    NONE("4号线");
    NONE("落实“七个一”工程");
    NONE("2025年");
    NONE("第十四个五年规划");
    NONE("十四五规划");
    NONE("电话022-12345678");
    NONE("https://www.example.gov.cn/a?b=30%25&c=15%");
    NONE("千分之五");
    NONE("三平方");
    NONE("项目建设周期3个月");
}

static void
test_context(void)
{
    const char *s = "今年，红桥区将全面启动15.7万平方米载体招商工作，加快建设。完成了3000亩。";
    CHECK(run_year(s, 2020) == 2);
    CHECK_STR(span(facts.v[0].sentence),
              "今年,红桥区将全面启动15.7万平方米载体招商工作,加快建设。");
    CHECK_STR(span(facts.v[0].clause), "红桥区将全面启动15.7万平方米载体招商工作");
    CHECK_STR(span(facts.v[0].unit), "平方米");
    CHECK_STR(span(facts.v[0].mult), "万");
    CHECK(facts.v[0].year == 2020);
    CHECK(facts.v[0].stance == STANCE_TARGET);
    CHECK_STR(span(facts.v[1].clause), "完成了3000亩");
    CHECK(facts.v[1].stance == STANCE_REPORTED); /* 完成了: a result in any passage */
    /* 今年 in the sentence before, in the same paragraph (FACTS.md, year, rule 3). */
    CHECK(facts.v[1].year == 2020);
    /* The offset counts bytes of the normalized text. */
    CHECK(memcmp(text.data + facts.v[0].text.off, "15.7", 4) == 0);
    /* Not across a paragraph; 完成 alone, outside a review, is a plan's task. */
    CHECK(run_year("今年,将新建绿地10亩。\n完成造林3000亩。", 2020) == 2);
    CHECK(facts.v[1].year == 0);
    CHECK(facts.v[1].stance == STANCE_TARGET);
    /* 全年 is the paragraph's year; 2018年以来 starts a span, naming no year. */
    CHECK(run_year("2019年,全区新增绿地100亩。全年造林3000亩。", 2020) == 2);
    CHECK(facts.v[1].year == 2019);
    CHECK(run_year("2018年以来,累计造林3000亩。", 2020) == 1 && facts.v[0].year == 0);
    /* Under a heading that reviews, a sentence with no cue is a result; under
     * one that plans, a target; the heading's year governs. */
    CHECK(run_year("工作报告\n\n一、2019年工作回顾\n\n全区新增绿地100亩。\n\n"
                   "二、2020年工作安排\n\n全区新增绿地200亩。\n",
                   2020) == 2);
    CHECK(facts.v[0].stance == STANCE_REPORTED && facts.v[0].year == 2019);
    CHECK(facts.v[1].stance == STANCE_TARGET && facts.v[1].year == 2020);
    /* Cues only as words: 建成区 is a place, not a result. */
    CHECK(run_year("到2025年,建成区绿化覆盖率达到40%。", 2020) == 1);
    CHECK(facts.v[0].stance == STANCE_TARGET && facts.v[0].year == 2025);
    CHECK(run_year("建成区绿化覆盖率为40%。", 2020) == 1 && facts.v[0].stance == STANCE_NONE);

    /* 由2020年的32.7%提高至33.3%: the first takes 2020, the second the target year. */
    CHECK(run("到2025年,城镇化率由2020年的32.7%提高至33.3%。") == 2);
    CHECK(facts.v[0].year == 2020);
    CHECK(facts.v[1].year == 2025);
    CHECK(facts.v[1].stance == STANCE_TARGET);
    CHECK(run("2020年,全区生产总值增长7.3%,社零增长5.2%。") == 2);
    CHECK(facts.v[0].year == 2020 && facts.v[1].year == 2020);
    CHECK(run("同比增长7.3%") == 1 && facts.v[0].stance == STANCE_REPORTED);
    /* The base of a comparison is not the fact's year. */
    CHECK(run("到2035年,比2020年增长30%") == 1 && facts.v[0].year == 2035);
    CHECK(run("比2015年增长30%") == 1 && facts.v[0].year == 0);
    CHECK(run("确保覆盖率达到100%") == 1 && facts.v[0].stance == STANCE_TARGET);
    CHECK(run("主要指标覆盖率100%") == 1 && facts.v[0].stance == STANCE_NONE);
    /* A commitment is written with the verb of its result: the target cue wins. */
    CHECK(run("力争完成30个项目") == 1 && facts.v[0].stance == STANCE_TARGET);
    CHECK(run("确保完成造林3000亩") == 1 && facts.v[0].stance == STANCE_TARGET);
    CHECK(run("计划实现增长5%") == 1 && facts.v[0].stance == STANCE_TARGET);
    CHECK(run("今年已完成30个项目,明年将完成50个项目") == 2);
    CHECK(facts.v[0].stance == STANCE_REPORTED && facts.v[1].stance == STANCE_TARGET);
    CHECK(run("去年新增300亩") == 1 && facts.v[0].year == 0);
    CHECK(run_year("去年新增300亩", 2021) == 1 && facts.v[0].year == 2020);

    /* Sentences end at line breaks too; clauses at ; and :. */
    CHECK(run("第一行30%\n第二行:建成40%;另外") == 2);
    CHECK_STR(span(facts.v[0].sentence), "第一行30%");
    CHECK_STR(span(facts.v[1].clause), "建成40%");
    /* A thousands separator does not end a clause. */
    CHECK(run("新增1,200亩,其余") == 1);
    CHECK_STR(span(facts.v[0].clause), "新增1,200亩");
}

/* The rulings on context that real text asked for (docs/FACTS.md, "Rulings
 * on context"; tests/data/context has the sentences they came from). */
static void
test_rulings(void)
{
    /* 比上年, 去年同期: the base of a comparison names no year. */
    CHECK(run_year("全区生产总值比上年增长7.1%。", 2021) == 1 && facts.v[0].year == 0);
    CHECK(facts.v[0].stance == STANCE_REPORTED);
    CHECK(run_year("完成投资,高于去年同期1.6个百分点。", 2017) == 1 && facts.v[0].year == 0);
    /* A plan period's end is a year; the period is none, and stops a carried year. */
    CHECK(run_year("截至“十三五”末,全省绿地面积达1.78万公顷。", 2021) == 1);
    CHECK(facts.v[0].year == 2020 && facts.v[0].stance == STANCE_REPORTED);
    CHECK(run_year("2020年,新增绿地30亩。“十四五”期间,人均绿地面积不低于12平方米。", 2021) == 2);
    CHECK(facts.v[0].year == 2020 && facts.v[1].year == 0);
    /* ...in the same sentence too, and the years after it stay its own. */
    CHECK(run_year("2020年全区新增绿地100亩,“十四五”期间新增绿地300亩。新增公园5个项目。", 2021) ==
          3);
    CHECK(facts.v[0].year == 2020 && facts.v[1].year == 0 && facts.v[2].year == 0);
    /* 于 is "in" (计划于2025年); only 高于, 低于... make a base. */
    CHECK(run_year("计划于2025年新增绿地300亩。", 2021) == 1 && facts.v[0].year == 2025);
    CHECK(run_year("力争于2025年建成公园5个项目。", 2021) == 1 && facts.v[0].year == 2025);
    CHECK(run_year("增速高于去年同期1.6个百分点。", 2017) == 1 && facts.v[0].year == 0);
    /* A date without a year is of the passage's year; 目前 of the document's. */
    CHECK(run_year("一、2022年工作回顾\n\n9月28日,新增土地签约面积44.33亩。", 2023) == 1);
    CHECK(facts.v[0].year == 2022);
    CHECK(run_year("目前我省的人均绿地面积仅为8.4平方米。", 2021) == 1);
    CHECK(facts.v[0].year == 2021 && facts.v[0].stance == STANCE_REPORTED);
    /* 年末 without a year in its passage is no year; in one, that year. */
    CHECK(run_year("年末,区内园林绿地面积799.65公顷。", 2009) == 1 && facts.v[0].year == 0);
    CHECK(run_year("2020年,年末城镇登记失业率为3.72%。", 2021) == 1 && facts.v[0].year == 2020);
    /* 全年 after a year in its own sentence takes that year. */
    CHECK(run_year("2022年1月4日开会。报告对2021年作出总结,全年地区生产总值增长8%。", 2022) == 1);
    CHECK(facts.v[0].year == 2021);
    /* A year after the fact in its ；-part governs it. */
    CHECK(run_year("上城老旧小区占比77%,今年以来已开工57个小区。", 2020) == 1);
    CHECK(facts.v[0].year == 2020);
    /* A cue after the fact governs its ；-part. */
    CHECK(run_year("工业用地提质增效一万亩,确保“十四五”末亩均税收实现翻番。", 2024) == 1);
    CHECK(facts.v[0].stance == STANCE_TARGET && facts.v[0].year == 2025);
    /* 计划 and 目标 as nouns are no cues; a share of a plan is progress. */
    CHECK(run_year("至9月底,累计完成投资367.1亿元,完成年度计划的73.4%。", 2017) == 1);
    CHECK(facts.v[0].stance == STANCE_REPORTED);
    CHECK(run_year("实施子项目154个,完成目标任务的168%。", 2017) == 2);
    CHECK(facts.v[1].stance == STANCE_REPORTED);
    CHECK(run_year("根据计划,2021年度新建绿地面积1000万平方米以上。", 2021) == 1);
    CHECK(facts.v[0].stance == STANCE_TARGET && facts.v[0].year == 2021);
    /* A past time reports, a future one plans; 了 keeps 谋划 from planning. */
    CHECK(run_year("去年,全国实施了6.6万个城市更新项目。", 2024) == 1);
    CHECK(facts.v[0].stance == STANCE_REPORTED && facts.v[0].year == 2023);
    CHECK(run_year("今年以来,二七区谋划新建了30个微公园,面积约23万平方米。", 2020) == 1);
    CHECK(facts.v[0].stance == STANCE_REPORTED);
    /* No cue: a year before the document's is reported. */
    CHECK(run_year("2022年,大豆玉米带状复合种植收获面积约11.6万亩。", 2023) == 1);
    CHECK(facts.v[0].stance == STANCE_REPORTED);
    /* A title that reports a past period makes the document a review, and
     * its figures without a year the document's. */
    CHECK(run_year("2020年大东区国民经济和社会发展统计公报\n\n一、经济发展\n\n"
                   "全区第一产业增加值占比为5.1%。",
                   2020) == 1);
    CHECK(facts.v[0].stance == STANCE_REPORTED && facts.v[0].year == 2020);
    /* A heading may name its year against the document's. */
    CHECK(run_year("新闻\n\n今年目标\n\n继续实施改善城乡人民生活20项民心工程。", 2015) == 1);
    CHECK(facts.v[0].year == 2015 && facts.v[0].stance == STANCE_TARGET);
    CHECK(run_year("新闻\n\n去年重大工程建设成绩单\n\n全年完成投资,同比增长5.3%。", 2026) == 1);
    CHECK(facts.v[0].year == 2025 && facts.v[0].stance == STANCE_REPORTED);
}

static void
test_limits(void)
{
    /* A pattern that backtracks catastrophically gives up; the others run. */
    char dir[] = "/tmp/factd-test-extract-XXXXXX";
    char path[256];
    struct err err;
    if (mkdtemp(dir) == NULL)
        return;
    snprintf(path, sizeof path, "%s/a.pat", dir);
    FILE *f = fopen(path, "w");
    fputs("pattern slow\nkind mu\nunit 亩 1\nregex (?<num>(?:a|aa)+)+b{UNIT}\n"
          "pattern mu\nkind mu\nunit 亩 1\nregex (?<num>\\d+){UNIT}\n",
          f);
    fclose(f);
    struct patternset *slow = patternset_load(dir, &err);
    CHECK(slow != NULL);
    if (slow != NULL) {
        const char *s = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa亩 和 30亩";
        struct fact_list l;
        struct extract_stats st;
        fact_list_init(&l);
        CHECK(extract_run(slow, s, strlen(s), 0, &l, &st, &err) == 0);
        CHECK(st.limit_hits == 1);
        CHECK_STR(st.limit_pattern, "slow");
        CHECK(l.n == 1 && l.v[0].value == 30);
        fact_list_free(&l);
        patternset_free(slow);
    }
    unlink(path);
    rmdir(dir);

    /* Invalid UTF-8 is refused with its offset, not matched. */
    struct fact_list l;
    fact_list_init(&l);
    CHECK(extract_run(ps, "30%\xff", 4, 0, &l, NULL, &err) == -1);
    CHECK(err.offset == 3);
    fact_list_free(&l);
}

int
main(void)
{
    struct err err;
    ps = patternset_load("patterns", &err);
    if (ps == NULL) {
        fprintf(stderr, "patterns: %s\n", err.msg);
        return 1;
    }
    fact_list_init(&facts);
    test_kinds();
    test_numbers();
    test_qualifiers();
    test_ranges_and_lists();
    test_never();
    test_context();
    test_rulings();
    test_limits();
    text_free(&text);
    fact_list_free(&facts);
    patternset_free(ps);
    return check_done("extract");
}
