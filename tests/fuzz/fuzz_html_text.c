/*
 * fuzz_html_text: a page through charset_decode (as HTML, no label) and then
 * html_text, as the daemon does it; html_sniff on the raw bytes as well.
 *
 * The bytes are copied into a buffer of exactly their size so ASan sees an
 * overrun.  The text must stay within its ceiling, be NUL-terminated and
 * neither start nor end with a line break; the title and date must be
 * terminated strings.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "html_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct charset_result res;
    struct html_info info;
    struct text u, t;
    struct err e;
    size_t max_out = size > 0 && (data[0] & 1) ? 32 : 1 << 20;
    char *in = malloc(size ? size : 1);

    if (in == NULL)
        return 0;
    if (size > 0)
        memcpy(in, data, size);
    (void)html_sniff(in, size);

    err_clear(&e);
    if (charset_decode(in, size, NULL, 1, 1 << 22, &u, &res, &e) == 0) {
        if (html_text(u.data, u.len, max_out, &t, &info, &e) == 0) {
            if (t.data == NULL || t.len > max_out || t.data[t.len] != '\0')
                abort();
            if (t.len > 0 && (t.data[0] == '\n' || t.data[t.len - 1] == '\n'))
                abort();
            if (memchr(info.title, '\0', sizeof info.title) == NULL ||
                memchr(info.published, '\0', sizeof info.published) == NULL)
                abort();
            text_free(&t);
        } else if (e.msg[0] == '\0') {
            abort();
        }
        text_free(&u);
    }
    free(in);
    return 0;
}
