/*
 * direction: whether a fact's number is the size of a change, up or down,
 * read from the words right before it (docs/FACTS.md, "direction").  A
 * change word (增长, 下降, 增幅) gives up or down; X到, X至 and 达到 make a
 * level, 新增 an amount, and an activity's name (改造提升) no change: none.
 */
#include "direction.h"

static const struct word ups[] = {W("增产"), W("增收"), W("加快"), W("增长"), W("增加"), W("提高"),
                                  W("提升"), W("扩大"), W("上升"), W("上涨"), W("攀升"), W("增幅"),
                                  W("涨幅"), W("增速"), W("增"),   W("涨"),   W("升"),   {NULL, 0}};
static const struct word downs[] = {W("减产"), W("减收"), W("收窄"), W("放缓"), W("下降"),
                                    W("降低"), W("减少"), W("压减"), W("压缩"), W("削减"),
                                    W("缩减"), W("缩小"), W("回落"), W("下滑"), W("下跌"),
                                    W("降幅"), W("减幅"), W("降"),   W("减"),   {NULL, 0}};
/* An amount, not a change: 新增绿地100亩 (FACTS.md). */
static const struct word amounts[] = {W("新增"), W("净增"), W("新增加"), {NULL, 0}};

/* The change word that ends at p, longest first: its direction, and its
 * length in *len (0 when none). */
enum fact_direction
direction_change_ending(const struct rd *r, size_t p, size_t *len)
{
    size_t u = end_any(r, p, ups), d = end_any(r, p, downs), a = end_any(r, p, amounts);

    *len = u > d ? u : d;
    if (a >= *len) {
        *len = a;
        return DIRECTION_NONE;
    }
    return u > d ? DIRECTION_UP : DIRECTION_DOWN;
}

/* The direction given by the words right before the number (p: where its
 * surface, or the list of numbers it ends, starts). */
enum fact_direction
direction_before(const struct rd *r, size_t p)
{
    static const struct word copulas[] = {W("为"), W("达到"), W("达"), W("是"), {NULL, 0}};
    size_t n, k;

    p = skip_blank_back(r, p);
    if (ends(r, p, "了"))
        p = skip_blank_back(r, p - 3);
    /* 增幅达7%: the size of the change, as 增幅7% is. */
    if ((k = end_any(r, p, copulas)) != 0) {
        size_t q = skip_blank_back(r, p - k);
        if (ends(r, q, "增幅") || ends(r, q, "涨幅") || ends(r, q, "增速"))
            return DIRECTION_UP;
        if (ends(r, q, "降幅") || ends(r, q, "减幅"))
            return DIRECTION_DOWN;
    }
    /* 提高到30%, 降至5%, 达到40%: a level. */
    if (ends(r, p, "到") || ends(r, p, "至"))
        return DIRECTION_NONE;
    enum fact_direction d = direction_change_ending(r, p, &n);
    /* 改造提升15万平方米: an activity's name, not a change. */
    if (n == 6 && (ends(r, p - 6, "改造") || ends(r, p - 6, "整治") || ends(r, p - 6, "提质")))
        return DIRECTION_NONE;
    return d;
}
