/*
 * test_log: log lines as they reach stderr (a file here, so the plain
 * "factd: " style), and under journald's "<N>" style: the level filter, and
 * long lines.  A line longer than the old 2 KiB buffer keeps its end (the
 * status word after a long URL); one over LOG_MAX_LINE loses its middle,
 * marked, cut between UTF-8 characters, and still ends as it should.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "log.h"

/* What log_msg() calls wrote to fd 2, which points at a temporary file while
 * they run; the harness's own messages go to the real stderr. */
struct capture {
    FILE *file;
    int saved;
};

static void
capture_start(struct capture *c)
{
    fflush(stderr);
    c->file = tmpfile();
    c->saved = dup(2);
    CHECK(c->file != NULL && c->saved >= 0);
    if (c->file != NULL)
        dup2(fileno(c->file), 2);
}

/* The captured text, NUL-terminated, from malloc(); fd 2 is restored. */
static char *
capture_end(struct capture *c, size_t *len)
{
    char *p;
    long n;

    fflush(stderr);
    dup2(c->saved, 2);
    close(c->saved);
    fseek(c->file, 0, SEEK_END);
    n = ftell(c->file);
    rewind(c->file);
    p = malloc((size_t)n + 1);
    *len = fread(p, 1, (size_t)n, c->file);
    p[*len] = '\0';
    fclose(c->file);
    return p;
}

static int
ends_with(const char *s, const char *end)
{
    size_t n = strlen(s), k = strlen(end);
    return n >= k && strcmp(s + n - k, end) == 0;
}

/* Valid UTF-8, strictly enough for a cut in the middle of a character. */
static int
valid_utf8(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t need = p[i] < 0x80 ? 0 : p[i] >= 0xF0 ? 3 : p[i] >= 0xE0 ? 2 : p[i] >= 0xC2 ? 1 : 9;
        if (need == 9 || (need > 0 && i + need >= n))
            return 0;
        for (size_t k = 1; k <= need; k++)
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
        i += need + 1;
    }
    return 1;
}

static void
test_plain(void)
{
    struct capture c;
    size_t len, ulen = 3000;
    char *out, *url = malloc(ulen + 1), *want = malloc(2 * ulen + 200);

    /* A 3000-character URL, as a crawler meets on a list page. */
    memcpy(url, "http://www.example.gov.cn/zwgk/", 31);
    memset(url + 31, 'a', ulen - 31);
    url[ulen] = '\0';
    unsetenv("JOURNAL_STREAM");

    capture_start(&c);
    log_init(LOG_INFO);
    log_msg(LOG_INFO, "short line %d", 1);
    log_msg(LOG_DEBUG, "not shown at info");
    log_msg(LOG_WARNING, "%s: http 404: not found", url);
    log_msg(LOG_ERR, "%s: 200 new, 3 facts", url);
    log_set_level(LOG_ERR);
    log_msg(LOG_WARNING, "not shown at error");
    out = capture_end(&c, &len);

    snprintf(want, 2 * ulen + 200,
             "factd: short line 1\nfactd: warning: %s: http 404: not found\n"
             "factd: error: %s: 200 new, 3 facts\n",
             url, url);
    CHECK(strlen(out) == len);
    CHECK(strcmp(out, want) == 0);
    if (strcmp(out, want) != 0)
        fprintf(stderr, "  got %zu bytes, want %zu; ends \"%s\"\n", len, strlen(want),
                len > 40 ? out + len - 40 : out);
    free(out);
    free(want);
    free(url);
}

static void
test_very_long(void)
{
    struct capture c;
    size_t len, n = 200000;
    char *out, *msg = malloc(n + 1), *line;

    /* Three-byte characters throughout, so the cut points fall inside them. */
    memcpy(msg, "BEGIN ", 6);
    for (size_t i = 6; i + 3 <= n; i += 3)
        memcpy(msg + i, "\xe5\x9b\xbd", 3); /* 国 */
    n = 6 + (n - 6) / 3 * 3;
    msg[n] = '\0';

    capture_start(&c);
    log_init(LOG_INFO);
    log_msg(LOG_WARNING, "%s END: gave up after 4 attempts", msg);
    log_msg(LOG_INFO, "next line");
    out = capture_end(&c, &len);

    line = out;
    char *nl = strchr(line, '\n');
    CHECK(nl != NULL);
    if (nl != NULL) {
        *nl = '\0';
        CHECK(strncmp(line, "factd: warning: BEGIN \xe5\x9b\xbd", 25) == 0);
        CHECK(ends_with(line, "\xe5\x9b\xbd END: gave up after 4 attempts"));
        CHECK(strstr(line, " bytes cut ...] ") != NULL);
        CHECK(strlen(line) <= LOG_MAX_LINE + 64);
        CHECK(strlen(line) >= LOG_MAX_LINE - 8);
        CHECK(valid_utf8((const unsigned char *)line, strlen(line)));
        /* The count in the marker is what went missing. */
        const char *mk = strstr(line, " [... ");
        size_t cut = mk ? strtoul(mk + 6, NULL, 10) : 0;
        size_t whole = strlen("factd: warning: ") + n + strlen(" END: gave up after 4 attempts");
        const char *after = mk ? strstr(mk, " ...] ") : NULL;
        CHECK(mk != NULL && after != NULL &&
              strlen(line) - (size_t)(after + 6 - mk) + cut == whole);
        CHECK(strcmp(nl + 1, "factd: next line\n") == 0);
    }
    free(out);
    free(msg);
}

/* Under journald the priority prefix comes first and the end still shows. */
static void
test_journal(void)
{
    struct capture c;
    struct stat st;
    char js[64], *out, url[5000];
    size_t len;

    memset(url, 'u', sizeof url - 1);
    url[sizeof url - 1] = '\0';
    capture_start(&c);
    CHECK(fstat(2, &st) == 0);
    snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    setenv("JOURNAL_STREAM", js, 1);
    log_init(LOG_INFO);
    log_msg(LOG_WARNING, "%s: timeout", url);
    out = capture_end(&c, &len);
    unsetenv("JOURNAL_STREAM");
    CHECK(strncmp(out, "<4>warning: uuu", 15) == 0);
    CHECK(ends_with(out, "uuu: timeout\n"));
    CHECK(len == strlen("<4>warning: ") + sizeof url - 1 + strlen(": timeout\n"));
    free(out);
}

int
main(void)
{
    test_plain();
    test_very_long();
    test_journal();
    return check_done("log");
}
