/*
 * test_numeral: numeral_parse against every row of the peers' numeral data
 * (tests/data/peers/numerals.jsonl), with pass rates per tag, and explicit
 * checks of what must be refused, of numeral_multiplier and of signs.
 *
 * The untagged rows must all pass and all rows together at least 97%.  Rows
 * we deliberately read differently are listed in known_exceptions with the
 * reason; the test checks that they still behave as listed, so a change in
 * either direction is noticed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "numeral.h"

#define DATA "tests/data/peers/numerals.jsonl"

/* Rows whose expected value we do not want: refused == 1 means we refuse the text. */
struct known_exception {
    const char *text;
    int refused;
    double value; /* what we read instead, when not refused */
    const char *reason;
};

static const struct known_exception known_exceptions[] = {
    {"萬九", 1, 0,
     "a leading 万 is not read as 一万: 万一 (\"in case\") and 万万 are words, not numbers"},
};

#define MAX_TAGS 64

struct tag_count {
    char name[48];
    int passed, total;
};

static struct tag_count tags[MAX_TAGS];
static int ntags;

static void
count_tag(const char *name, int ok)
{
    int i;

    for (i = 0; i < ntags; i++)
        if (strcmp(tags[i].name, name) == 0)
            break;
    if (i == ntags) {
        if (ntags == MAX_TAGS)
            return;
        snprintf(tags[i].name, sizeof tags[i].name, "%s", name);
        ntags++;
    }
    tags[i].total++;
    tags[i].passed += ok;
}

/*
 * Copy the JSON string that starts right after `"key": "` in line into out
 * (at most size bytes with the NUL).  Returns 0, or -1 if the key is missing
 * or the string uses an escape this data does not need.
 */
static int
json_string(const char *line, const char *key, char *out, size_t size)
{
    char pat[64];
    const char *p;
    size_t n = 0;

    snprintf(pat, sizeof pat, "\"%s\": \"", key);
    if ((p = strstr(line, pat)) == NULL)
        return -1;
    for (p += strlen(pat); *p != '"'; p++) {
        if (*p == '\0' || n + 1 >= size)
            return -1;
        if (*p == '\\') {
            p++;
            if (*p != '"' && *p != '\\' && *p != '/')
                return -1;
        }
        out[n++] = *p;
    }
    out[n] = '\0';
    return 0;
}

/* The "value" number: an integer or a float such as 1e-07 or -0.1. */
static int
json_number(const char *line, const char *key, double *v)
{
    char pat[64];
    const char *p;
    char *e;

    snprintf(pat, sizeof pat, "\"%s\": ", key);
    if ((p = strstr(line, pat)) == NULL)
        return -1;
    p += strlen(pat);
    *v = strtod(p, &e);
    return e == p ? -1 : 0;
}

/*
 * The extractor sees text after NFKC; do the part of NFKC these rows need by
 * hand (full-width digits, ．，－ to ASCII), so the test depends on no other
 * module.  U+FF0C..U+FF19 are EF BC 8C..99 in UTF-8.
 */
static void
fold_fullwidth(char *s)
{
    char *w = s;

    for (const char *r = s; *r != '\0';) {
        unsigned char b2 = (unsigned char)r[2];
        if ((unsigned char)r[0] == 0xef && (unsigned char)r[1] == 0xbc && b2 >= 0x8c &&
            b2 <= 0x99) {
            *w++ = (char)(b2 - 0x8c + ',');
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

static int
same(double got, double want)
{
    return fabs(got - want) <= 1e-9 * (fabs(want) > 1 ? fabs(want) : 1);
}

static const struct known_exception *
find_exception(const char *text)
{
    for (size_t i = 0; i < sizeof known_exceptions / sizeof known_exceptions[0]; i++)
        if (strcmp(known_exceptions[i].text, text) == 0)
            return &known_exceptions[i];
    return NULL;
}

static void
test_peer_data(void)
{
    FILE *f = fopen(DATA, "r");
    char line[4096], text[1024];
    int lineno = 0, passed = 0, total = 0, excepted = 0;
    int untagged_passed = 0, untagged_total = 0;

    CHECK(f != NULL);
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f) != NULL) {
        const struct known_exception *ex;
        const char *tp;
        double want, got = 0;
        int ok, tagged = 0;

        lineno++;
        if (json_string(line, "text", text, sizeof text) != 0 ||
            json_number(line, "value", &want) != 0) {
            fprintf(stderr, "numerals.jsonl:%d: cannot read the row\n", lineno);
            check_failed++;
            continue;
        }
        if (strstr(line, "\"fullwidth\"") != NULL)
            fold_fullwidth(text);
        ok = numeral_parse(text, strlen(text), &got) == 0;

        if ((ex = find_exception(text)) != NULL) {
            excepted++;
            if (ex->refused ? ok : !(ok && same(got, ex->value))) {
                fprintf(stderr, "numerals.jsonl:%d: \"%s\": known exception changed (%s)\n", lineno,
                        text, ex->reason);
                check_failed++;
            } else {
                check_passed++;
            }
            continue;
        }
        if (ok && !same(got, want))
            ok = 0;
        if (!ok) {
            char gotbuf[64];
            if (numeral_parse(text, strlen(text), &got) == 0)
                snprintf(gotbuf, sizeof gotbuf, "%.17g", got);
            else
                snprintf(gotbuf, sizeof gotbuf, "refused");
            fprintf(stderr, "numerals.jsonl:%d: \"%s\": got %s, want %.17g\n", lineno, text, gotbuf,
                    want);
        }
        total++;
        passed += ok;

        /* Tags: "tags": ["a", "b"]. */
        if ((tp = strstr(line, "\"tags\": [")) != NULL) {
            for (tp += strlen("\"tags\": ["); *tp != ']' && *tp != '\0';) {
                const char *q;
                char name[48];
                if (*tp != '"') {
                    tp++;
                    continue;
                }
                if ((q = strchr(tp + 1, '"')) == NULL)
                    break;
                snprintf(name, sizeof name, "%.*s", (int)(q - tp - 1), tp + 1);
                count_tag(name, ok);
                tagged = 1;
                tp = q + 1;
            }
        }
        if (!tagged) {
            count_tag("(untagged)", ok);
            untagged_total++;
            untagged_passed += ok;
        }
    }
    fclose(f);

    printf("numerals.jsonl: %d/%d rows pass (%.1f%%), %d known exceptions\n", passed, total,
           total ? 100.0 * passed / total : 0, excepted);
    for (int i = 0; i < ntags; i++)
        printf("  %-24s %3d/%3d  %5.1f%%\n", tags[i].name, tags[i].passed, tags[i].total,
               100.0 * tags[i].passed / tags[i].total);
    for (size_t i = 0; i < sizeof known_exceptions / sizeof known_exceptions[0]; i++)
        printf("  known exception \"%s\": %s\n", known_exceptions[i].text,
               known_exceptions[i].reason);

    CHECK(total > 700);
    CHECK(untagged_total > 0 && untagged_passed == untagged_total);
    CHECK(total > 0 && passed * 100 >= total * 97);
}

static int
parses(const char *s, double want)
{
    double v = 0;

    if (numeral_parse(s, strlen(s), &v) != 0) {
        fprintf(stderr, "\"%s\": refused, want %.17g\n", s, want);
        return 0;
    }
    if (!same(v, want)) {
        fprintf(stderr, "\"%s\": got %.17g, want %.17g\n", s, v, want);
        return 0;
    }
    return 1;
}

static int
refused(const char *s)
{
    double v = 12345;

    if (numeral_parse(s, strlen(s), &v) == 0) {
        fprintf(stderr, "\"%s\": got %.17g, want refused\n", s, v);
        return 0;
    }
    return v == 12345; /* and *value is left alone */
}

static void
test_refusals(void)
{
    double v;

    CHECK(refused(""));
    CHECK(numeral_parse(NULL, 0, &v) == -1);
    CHECK(refused("   "));
    CHECK(refused("十四五"));
    CHECK(refused("十三五"));
    CHECK(refused("三四五六七八九十"));
    CHECK(refused("万"));
    CHECK(refused("亿"));
    CHECK(refused("萬"));
    CHECK(refused("千万")); /* "by all means" */
    CHECK(refused("万万"));
    CHECK(refused("万一"));
    CHECK(refused("百"));
    CHECK(refused("3个"));
    CHECK(refused("1.2.3"));
    CHECK(refused("abc"));
    CHECK(refused("-"));
    CHECK(refused("负"));
    CHECK(refused("负的"));
    CHECK(refused("--3"));
    CHECK(refused("负-3"));
    CHECK(refused("3-"));
    CHECK(refused("点五"));
    CHECK(refused("三点"));
    CHECK(refused("1."));
    CHECK(refused(".5"));
    CHECK(refused("1,2345"));
    CHECK(refused("1234,567"));
    CHECK(refused("1,23"));
    CHECK(refused("1.234,567"));
    CHECK(refused("1 2"));
    CHECK(refused("三3"));
    CHECK(refused("3三"));
    CHECK(refused("十十"));
    CHECK(refused("一千零"));
    CHECK(refused("一零零零万")); /* a digit sequence is not multiplied */
    CHECK(refused("三万五万"));
    CHECK(refused("一亿零万"));
    CHECK(refused("几万"));
    CHECK(refused("十几几"));
    CHECK(refused("五多"));
    CHECK(refused("二十三多"));
    CHECK(refused("十两")); /* a weight */
    CHECK(refused("两两"));
    CHECK(refused("二十35"));
    CHECK(refused("3万40000"));
    CHECK(refused("12千"));
    CHECK(refused("1.5万3千"));
    CHECK(refused("一二万")); /* "ten or twenty thousand" */
    CHECK(refused("0万"));
    CHECK(refused("零百"));
    CHECK(refused("1万万万"));
    CHECK(refused("4亿亿亿"));
    CHECK(refused("1.6万多万余"));
    CHECK(refused("2多亿多"));
    CHECK(refused("十余万多"));
    CHECK(refused("1.5多"));
    CHECK(refused("二〇二五年"));
    CHECK(refused("5%"));
    CHECK(refused("三分之一"));
    /* Not finite. */
    CHECK(refused("1e400"));
    {
        char big[700];
        memset(big, '9', sizeof big - 1);
        big[sizeof big - 1] = '\0';
        CHECK(refused(big));
    }
    /* Invalid UTF-8 and a NUL inside the length. */
    CHECK(refused("\xe4\xb8"));
    CHECK(refused("\xff"));
    CHECK(numeral_parse("3\0004", 3, &v) == -1);
    /* Only the given length is read. */
    CHECK(numeral_parse("123abc", 3, &v) == 0 && v == 123);
}

static void
test_values(void)
{
    CHECK(parses("15.7", 15.7));
    CHECK(parses("1,200", 1200));
    CHECK(parses("1,100万", 11000000));
    CHECK(parses("25万6千", 256000));
    CHECK(parses("500万余亿", 5e14));
    CHECK(parses("三点五", 3.5));
    CHECK(parses("零点零零零零零零一", 1e-7));
    CHECK(parses("一万三", 13000));
    CHECK(parses("两千四百五", 2450));
    CHECK(parses("一百二十万三", 1203000));
    CHECK(parses("廿", 20));
    CHECK(parses("卅", 30));
    CHECK(parses("倆", 2));
    CHECK(parses("二零二五", 2025));
    CHECK(parses("一七二零点一", 1720.1));
    CHECK(parses("十余万", 100000));
    CHECK(parses("二十几万", 200000));
    CHECK(parses("五百多", 500));
    CHECK(parses("一 百 五 十", 150));
    CHECK(parses(" 12 ", 12));
    CHECK(parses("1万余", 10000));
    CHECK(parses("3.2亿多", 3.2e8));
    CHECK(parses("三千几百万", 30000000));
    CHECK(parses("一万三千五", 13500));
    CHECK(parses("十万五", 105000));
    CHECK(parses("一千零五", 1005));
    CHECK(parses("3.1千万", 31000000));
    CHECK(parses("4.78万亿", 4.78e12));
    CHECK(parses("零", 0));
    CHECK(parses("十", 10));
    CHECK(parses("四万万", 4e8));
    CHECK(parses("3千万亿", 3e15));
    CHECK(parses("5亿1万4千6百", 500014600));
    CHECK(parses("一千三万", 13000000));
    CHECK(parses("1,234.5万", 12345000));
    {
        /* One rounding, not two: the same double as the compiler's literal. */
        double v = 0;
        CHECK(numeral_parse("三千五百七十八点零五", strlen("三千五百七十八点零五"), &v) == 0 &&
              v == 3578.05);
        CHECK(numeral_parse("15.7", 4, &v) == 0 && v == 15.7);
    }
}

static void
test_signs(void)
{
    CHECK(parses("-3.9", -3.9));
    CHECK(parses("- 3.9", -3.9));
    CHECK(parses("负3.9", -3.9));
    CHECK(parses("负的3.9", -3.9));
    CHECK(parses("负的三点八", -3.8));
    CHECK(parses("負十點五", -10.5));
    CHECK(parses("负 1,200,000", -1200000));
    CHECK(parses("-10.1万", -101000));
    CHECK(parses("负一万三", -13000));
    CHECK(refused("的3"));
    CHECK(refused("-负3"));
    CHECK(refused("3负"));
}

static void
test_multiplier(void)
{
#define MULT(s) numeral_multiplier((s), strlen(s))
    CHECK(MULT("15.7") == 1);
    CHECK(MULT("") == 1);
    CHECK(numeral_multiplier(NULL, 0) == 1);
    CHECK(MULT("15.7万") == 1e4);
    CHECK(MULT("15.7萬") == 1e4);
    CHECK(MULT("3亿") == 1e8);
    CHECK(MULT("3億") == 1e8);
    CHECK(MULT("三千") == 1e3);
    CHECK(MULT("4.78万亿") == 1e12);
    CHECK(MULT("3.1千万") == 1e7);
    CHECK(MULT("1万余") == 1e4);
    CHECK(MULT("十多万") == 1e4);
    CHECK(MULT("二十几万") == 1e4);
    CHECK(MULT("500万余亿") == 1e12);
    CHECK(MULT("1000  万 ") == 1e4);
    CHECK(MULT("一千三百") == 1);
    CHECK(MULT("五百多") == 1);
    CHECK(MULT("一万三") == 1);
    CHECK(MULT("\x87") == 1);
#undef MULT
}

int
main(void)
{
    test_peer_data();
    test_refusals();
    test_values();
    test_signs();
    test_multiplier();
    return check_done("numeral");
}
