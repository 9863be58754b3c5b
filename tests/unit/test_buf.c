/*
 * Unit tests of buf: the ceiling, handing the bytes over as text, and the
 * array growth the other modules use.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"

static void
test_ceiling(void)
{
    struct buf b;
    struct text t;

    buf_init(&b, 8);
    CHECK(buf_append(&b, "12345", 5) == BUF_OK);
    CHECK(buf_append(&b, "6789", 4) == BUF_TOOBIG);
    CHECK(b.len == 5 && strcmp(b.data, "12345") == 0); /* refused whole */
    CHECK(buf_append(&b, "678", 3) == BUF_OK);
    CHECK(buf_putc(&b, 'x') == BUF_TOOBIG);
    CHECK(buf_to_text(&b, &t) == BUF_OK);
    CHECK_STR(t.data, "12345678");
    CHECK(t.len == 8 && b.data == NULL && b.len == 0);
    text_free(&t);

    /* Never appended to: still a string. */
    buf_init(&b, 8);
    CHECK(buf_to_text(&b, &t) == BUF_OK);
    CHECK_STR(t.data, "");
    text_free(&t);
    text_free(NULL);
}

static void
test_grow_array(void)
{
    int *v = NULL;
    size_t cap = 0;

    int *g = buf_grow_array(v, &cap, sizeof *v, 4);
    CHECK(g != NULL && cap == 4);
    v = g;
    for (int i = 0; i < 4; i++)
        v[i] = i;
    g = buf_grow_array(v, &cap, sizeof *v, 4);
    CHECK(g != NULL && cap == 8);
    v = g;
    CHECK(v[0] == 0 && v[3] == 3); /* kept */

    /* A size that would overflow is refused; the array stays the caller's. */
    size_t huge = SIZE_MAX / 2;
    g = buf_grow_array(v, &huge, sizeof *v, 4);
    CHECK(g == NULL && huge == SIZE_MAX / 2);
    CHECK(v[3] == 3);
    free(v);
}

int
main(void)
{
    test_ceiling();
    test_grow_array();
    return check_done("test_buf");
}
