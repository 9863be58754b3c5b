/*
 * normalize: NFKC-fold UTF-8 text (ICU unorm2) so that full-width digits and
 * signs (１５．７％), ㎡ and the full-width punctuation ，；：！？ become their
 * ASCII forms, which the patterns are written for.
 *
 * Two departures from plain NFKC, both so that no digit appears that the
 * author did not write as a number: enclosed list markers (①, ⑴, ❶...) are
 * left as they are rather than folded to a digit glued to the next word;
 * and zero-width characters (U+200B..U+200D, U+2060, U+FEFF) are removed.
 * CR LF and lone CR become LF.  Fact offsets count bytes of this output.
 */
#ifndef FACTD_NORMALIZE_H
#define FACTD_NORMALIZE_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * Normalize in[0..len) (UTF-8; invalid sequences become U+FFFD) into out, which
 * the caller owns afterwards.  out never passes max_out bytes.  Returns 0, or
 * -1 with err set.
 */
int normalize_text(const char *in, size_t len, size_t max_out, struct text *out, struct err *err);

/*
 * Where each byte of the output came from: pairs of offsets (in[k], out[k])
 * where a stretch the normalization changed (，→ , ㎡ → m2, CR LF → LF, a
 * removed zero-width character) begins or ends; between two, bytes are
 * copied as they are.  Arrays from malloc(), owned by the map:
 * norm_map_free().  A zeroed map is empty and may be passed in.
 */
struct norm_map {
    size_t *in, *out;
    size_t n, cap;
};

/* normalize_text(), noting the offsets in map (emptied first). */
int normalize_text_map(const char *in, size_t len, size_t max_out, struct text *out,
                       struct norm_map *map, struct err *err);

/* The input offset of output offset out_off: exact between changed
 * stretches; inside one, an offset within that stretch's input, which may
 * fall inside a character (callers widen a span to whole characters); the
 * output's end maps to the input's end. */
size_t norm_map_original(const struct norm_map *m, size_t out_off);

void norm_map_free(struct norm_map *m);

#endif
