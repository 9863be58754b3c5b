/*
 * Pattern loading: the shipped set loads and all its examples hold; broken
 * files give FILE:LINE:COLUMN errors that point at the offending text, also
 * inside a macro defined in another file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "examples.h"
#include "patternset.h"

static char tmpdir[] = "/tmp/factd-test-patternset-XXXXXX";

static void
report(void *arg, const struct pattern *p, const struct pattern_example *ex, const char *msg)
{
    (void)arg;
    fprintf(stderr, "%s:%u: %s: %s\n", p->file, ex->line, ex->text, msg);
}

static void
write_file(const char *name, const char *content)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    fputs(content, f);
    fclose(f);
}

static void
clear_dir(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -f %s/*.pat", tmpdir);
    if (system(cmd) != 0)
        exit(1);
}

/* Load tmpdir and return the formatted error with the directory stripped. */
static const char *
load_error(void)
{
    static char msg[1024];
    struct err err;
    struct patternset *ps = patternset_load(tmpdir, &err);
    if (ps != NULL) {
        patternset_free(ps);
        return "(loaded)";
    }
    err_format(&err, msg, sizeof msg);
    size_t n = strlen(tmpdir);
    if (strncmp(msg, tmpdir, n) == 0)
        memmove(msg, msg + n + 1, strlen(msg + n + 1) + 1);
    return msg;
}

static const char *const minimal = "pattern p\n"
                                   "kind mu\n"
                                   "unit 亩 1\n"
                                   "regex (?<num>\\d+){UNIT}\n";

int
main(void)
{
    struct err err;
    size_t total = 0;

    /* The shipped set: loads, every pattern has examples, all hold. */
    struct patternset *ps = patternset_load("patterns", &err);
    CHECK(ps != NULL);
    if (ps != NULL) {
        for (size_t i = 0; i < patternset_count(ps); i++) {
            const struct pattern *p = patternset_get(ps, i);
            if (p->nexamples == 0)
                fprintf(stderr, "pattern %s has no examples\n", p->id);
            CHECK(p->nexamples > 0);
        }
        CHECK(examples_check(ps, report, NULL, &total) == 0);
        CHECK(total >= 40);
        CHECK(strlen(patternset_hash(ps)) == 16);
        patternset_free(ps);
    }

    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }

    /* A minimal good set. */
    write_file("a.pat", minimal);
    CHECK_STR(load_error(), "(loaded)");

    /* A bad regex: PCRE2's message at the column of the offending text. */
    clear_dir();
    write_file("a.pat", "pattern p\nkind mu\nunit 亩 1\nregex   (?<num>\\d+{UNIT}\n");
    CHECK_STR(load_error(), "a.pat:4:25: missing closing parenthesis (in pattern p)");

    /* An error inside a macro points into the macro, in the file that defines it. */
    clear_dir();
    write_file("a.pat", "pattern p\nkind mu\nunit 亩 1\nregex (?<num>{NUM}){UNIT}\n");
    write_file("b.pat", "# numbers\ndefine NUM  \\d+[\n");
    CHECK_STR(load_error(), "b.pat:2:17: missing terminating ] for character class (in macro NUM)");

    /* Unknown macro, unknown kind, unknown directive, duplicate id, missing group. */
    clear_dir();
    write_file("a.pat", "pattern p\nkind mu\nunit 亩 1\nregex (?<num>{NOPE}){UNIT}\n");
    CHECK_STR(load_error(), "a.pat:4:14: unknown macro {NOPE}");
    clear_dir();
    write_file("a.pat", "pattern p\nkind acre\n");
    CHECK_STR(load_error(), "a.pat:2:6: unknown kind 'acre' (area, mu, percent, pct_point, "
                            "project, or one declared with 'new-kind acre')");
    clear_dir();
    write_file("a.pat", "pattern p\nkind mu\n  frobnicate 1\n");
    CHECK_STR(load_error(), "a.pat:3:3: unknown directive 'frobnicate'");
    clear_dir();
    write_file("a.pat", minimal);
    write_file("b.pat", minimal);
    CHECK(strstr(load_error(), "b.pat:1:1: pattern p already defined at") != NULL);
    clear_dir();
    write_file("a.pat", "pattern p\nkind mu\nunit 亩 1\nregex \\d+{UNIT}\n");
    CHECK_STR(load_error(), "a.pat:4:7: pattern p has no (?<num>...) group");
    clear_dir();
    write_file("a.pat", "define A {B}\ndefine B {A}\npattern p\nkind mu\nunit 亩 1\n"
                        "regex (?<num>{A}){UNIT}\n");
    CHECK(strstr(load_error(), "refers to itself") != NULL);
    clear_dir();
    write_file("a.pat", "kind mu\n");
    CHECK_STR(load_error(), "a.pat:1:1: 'kind' outside a pattern (start one with 'pattern ID')");
    clear_dir();
    write_file("a.pat", "pattern p\nkind mu\nregex (?<num>\\d+)\n");
    CHECK_STR(load_error(), "a.pat:1:1: pattern p has no 'unit'");
    clear_dir();
    write_file("a.pat", "pattern p\nkind mu\nunit 亩 0\n");
    CHECK(strstr(load_error(), "a.pat:3:6: 'unit' needs a surface and a positive scale") != NULL);
    clear_dir();
    write_file("a.pat", "pattern p\nkind mu\nunit 亩 1\nregex (?<num>\\d+){UNIT}\n"
                        "example 3亩\n");
    CHECK_STR(load_error(), "a.pat:5:1: 'example' needs 'TEXT => FACTS' (FACTS may be 'none')");

    /* Pattern files are UTF-8 text: a bad byte is named with its line and column. */
    clear_dir();
    write_file("a.pat", "pattern p\nkind mu\nunit \xe4\xba 1\n");
    CHECK_STR(load_error(), "a.pat:3:6: not UTF-8 text (a NUL or an invalid byte)");

    /* An indented line continues a regex; a comment inside it is allowed. */
    clear_dir();
    write_file("a.pat", "pattern p\nkind mu\nunit 亩 1\nregex (?<num>\\d+)  # the number\n"
                        "      {UNIT}\nexample 种了3亩地 => mu 3\n");
    ps = patternset_load(tmpdir, &err);
    CHECK(ps != NULL);
    if (ps != NULL) {
        CHECK(examples_check(ps, report, NULL, NULL) == 0);
        patternset_free(ps);
    }

    /* A new kind of fact, declared in another file than the one using it. */
    clear_dir();
    write_file("a.pat", "pattern road\nkind length\nunit 公里 1000\nregex (?<num>\\d+){UNIT}\n"
                        "example 新建道路23公里 => length 23000\n");
    write_file("b.pat", "new-kind length\n");
    ps = patternset_load(tmpdir, &err);
    CHECK(ps != NULL);
    if (ps != NULL) {
        CHECK(patternset_kind(ps, "length", 6) == FACT_NKINDS);
        CHECK_STR(patternset_kind_name(ps, FACT_NKINDS), "length");
        CHECK_STR(patternset_kind_name(ps, FACT_AREA), "area");
        CHECK(examples_check(ps, report, NULL, NULL) == 0);
        patternset_free(ps);
    }
    write_file("b.pat", "new-kind length\nnew-kind length\n");
    CHECK_STR(load_error(), "b.pat:2:10: kind length exists already");
    write_file("b.pat", "new-kind Length\n");
    CHECK_STR(load_error(), "b.pat:1:10: a kind is named with a-z, 0-9 and _ (at most 31)");

    /* lists off: numbers before this one do not share its unit. */
    clear_dir();
    write_file("a.pat", "pattern p\nkind mu\nunit 亩 1\nregex (?<num>\\d+){UNIT}\n"
                        "example 10和20亩 => mu 10; mu 20\n");
    ps = patternset_load(tmpdir, &err);
    CHECK(ps != NULL && examples_check(ps, report, NULL, NULL) == 0);
    patternset_free(ps);
    write_file("a.pat", "pattern p\nkind mu\nunit 亩 1\nlists off\nregex (?<num>\\d+){UNIT}\n"
                        "example 10和20亩 => mu 20\n");
    ps = patternset_load(tmpdir, &err);
    CHECK(ps != NULL && examples_check(ps, report, NULL, NULL) == 0);
    patternset_free(ps);

    /* A set from memory knows the kinds of FACTS.md too (the fuzz target loads so). */
    {
        static const char one[] = "pattern p\nkind mu\nunit 亩 1\nregex (?<num>\\d+){UNIT}\n"
                                  "example 3亩 => mu 3\n";
        ps = patternset_load_buffer("mem.pat", one, sizeof one - 1, &err);
        CHECK(ps != NULL);
        if (ps != NULL) {
            CHECK(examples_check(ps, report, NULL, NULL) == 0);
            patternset_free(ps);
        }
    }

    /* No directory, empty directory. */
    clear_dir();
    CHECK(strstr(load_error(), "no *.pat files") != NULL);
    rmdir(tmpdir);
    ps = patternset_load("/nonexistent/patterns", &err);
    CHECK(ps == NULL && strstr(err.msg, "cannot read pattern directory") != NULL);

    return check_done("patternset");
}
