/*
 * quantity: a number with its unit, as subject.c and direction.c read them
 * in a clause (40余个, 5至10万平方米, 20%以上, 百分之三十), and the quantities of
 * a clause, which end a subject before a number and stop a noun after it.
 *
 * These read a number's extent, not its value (numeral.c reads values);
 * they agree with the patterns' common.pat on where a number starts.  All
 * offsets are bytes of r->t inside [r->lo, r->hi); nothing is allocated.
 */
#include "quantity.h"

#include <stdint.h>

/* A Chinese numeral starts with a digit word, never with 百 千 万 亿 alone
 * (万亩示范园区 holds no number), as in the patterns' common.pat. */
const char quantity_cn_lead[] = "零〇一二两倆三四五六七八九十壹贰貳叁參肆伍陆陸柒捌玖拾兩廿卅";
const char quantity_cn_more[] = "零〇一二两倆三四五六七八九十百千万亿壹贰貳叁參肆伍陆陸柒捌玖拾佰仟"
                                "萬億兩廿卅余多几幾";
static const char MULT[] = "千万亿萬億";

/* End of the number that starts at p (a sign, Arabic digits with thousands
 * commas, a point and multipliers, or a Chinese numeral), p if none. */
size_t
quantity_number_end(const struct rd *r, size_t p)
{
    size_t e = p;

    if (at(r, e, "负的"))
        e += 6;
    else if (at(r, e, "负"))
        e += 3;
    else if (e < r->hi && r->t[e] == '-')
        e++;
    if (e < r->hi && is_digit(r->t[e])) {
        while (e < r->hi && is_digit(r->t[e]))
            e++;
        for (;;) {
            if (e + 1 < r->hi && r->t[e] == '.' && is_digit(r->t[e + 1])) {
                e++;
                while (e < r->hi && is_digit(r->t[e]))
                    e++;
            } else if (e + 3 < r->hi && r->t[e] == ',' && is_digit(r->t[e + 1]) &&
                       is_digit(r->t[e + 2]) && is_digit(r->t[e + 3]) &&
                       (e + 4 >= r->hi || !is_digit(r->t[e + 4]))) {
                e += 4; /* 1,200 */
            } else if (ch_in(r, e, MULT)) {
                e += ch_len(r, e);
            } else if ((at(r, e, "余") || at(r, e, "多")) && ch_in(r, e + 3, MULT)) {
                e += 3; /* 10余万 */
            } else if (e < r->hi && is_digit(r->t[e])) {
                while (e < r->hi && is_digit(r->t[e]))
                    e++; /* 25万6千 */
            } else {
                break;
            }
        }
        return e;
    }
    if (!ch_in(r, e, quantity_cn_lead))
        return p;
    e += ch_len(r, e);
    for (;;) {
        size_t f = skip_blank(r, e);
        if ((at(r, f, "百") || at(r, f, "佰")) && at(r, skip_blank(r, f + 3), "分"))
            break; /* 个百分点, 百分之 */
        if ((at(r, f, "点") || at(r, f, "點")) && ch_in(r, f + 3, quantity_cn_lead))
            e = f + 3;
        else if (ch_in(r, f, quantity_cn_more))
            e = f + ch_len(r, f);
        else
            break;
    }
    return e;
}

/* Units of the five kinds, measure words (a count of anything: a quantity
 * ends a subject), and amounts of money (总投资69.5亿元的). */
static const struct word units[] = {
    W("个多百分点"), W("个余百分点"), W("个百分点"), W("個百分點"), W("百分点"), W("百分點"),
    W("平方公里"),   W("平方千米"),   W("平方米"),   W("平米"),     W("km2"),    W("m2"),
    W("公顷"),       W("亩"),         W("畝"),       W("%"),        W("万元"),   W("亿元"),
    W("元"),         W("个"),         W("個"),       W("项"),       W("項"),     W("所"),
    W("家"),         W("座"),         W("处"),       W("條"),       W("条"),     W("批"),
    W("宗"),         W("户"),         W("栋"),       W("幢"),       W("名"),     W("位"),
    W("间"),         W("张"),         W("台"),       W("套"),       W("届"),     W("类"),
    W("种"),         W("件"),         W("块"),       W("人"),       W("辆"),     W("吨"),
    W("公里"),       W("千米"),       W("米"),       W("人次"),     {NULL, 0}};

const struct word quantity_quals_after[] = {W("以上"), W("以下"), W("以内"), W("左右"), {NULL, 0}};
const struct word quantity_quals_before[] = {
    W("约"),   W("大约"),   W("将近"),   W("接近"), W("近"),     W("超过了"),
    W("超过"), W("超"),     W("逾"),     W("突破"), W("不低于"), W("不少于"),
    W("至少"), W("不超过"), W("不高于"), W("低于"), {NULL, 0}};
static const struct word range_to[] = {W("至"), W("到"), W("-"), W("~"), {NULL, 0}};

/* Length of the qualifier word before a number that ends at p: 约 not of
 * 签约 or 节约, 近 not of 最近. */
size_t
quantity_qual_before(const struct rd *r, size_t p)
{
    size_t k = end_any(r, p, quantity_quals_before);
    if (k == 3 && ends(r, p, "约") && prev_in(r, p - 3, "签合节制邀预相公条契"))
        return 0;
    if (k == 3 && ends(r, p, "近") && prev_in(r, p - 3, "最附邻靠贴亲"))
        return 0;
    return k;
}

/*
 * The quantity that starts at p: a number, a range's high end, 余 or 多, a
 * unit, and a qualifier after it (40余个, 5至10万平方米, 20%以上, 百分之三十).
 * Returns its end (0 if none starts there); *unit_end gets the end of the
 * unit, before the qualifier.
 */
size_t
quantity_end(const struct rd *r, size_t p, size_t *unit_end)
{
    size_t e, u;

    if (at(r, p, "百分之")) {
        e = quantity_number_end(r, p + 9);
        if (e == p + 9)
            return 0;
    } else {
        e = quantity_number_end(r, p);
        if (e == p)
            return 0;
        e = skip_blank(r, e);
        if ((u = at_any(r, e, range_to)) != 0) {
            size_t s = skip_blank(r, e + u), f = quantity_number_end(r, s);
            if (f > s)
                e = skip_blank(r, f);
        }
        if (at(r, e, "余") || at(r, e, "多"))
            e = skip_blank(r, e + 3);
        if ((u = at_any(r, e, units)) == 0)
            return 0;
        e += u;
    }
    if (unit_end != NULL)
        *unit_end = e;
    size_t f = skip_blank(r, e);
    if ((u = at_any(r, f, quantity_quals_after)) != 0)
        e = f + u;
    return e;
}

/* May a number start at p?  Not inside another, and not after 每 or 第
 * (每百户 is a rate, 第十四个 an ordinal). */
int
quantity_may_start(const struct rd *r, size_t p)
{
    if (!(is_digit(r->t[p]) || ch_in(r, p, quantity_cn_lead) || at(r, p, "百分之") ||
          at(r, p, "负") || (r->t[p] == '-' && p + 1 < r->hi && is_digit(r->t[p + 1]))))
        return 0;
    if (p == r->lo)
        return 1;
    size_t b = ch_prev(r, p);
    char c = r->t[b];
    return !(is_digit(c) || c == '.' || c == '-' || ch_in(r, b, quantity_cn_more) ||
             ch_in(r, b, "每第"));
}

/* Remember the quantities of the window and the other facts of the clause:
 * the ends of subjects before the number, the stops of nouns after it. */
void
quantity_find(struct rd *r, const struct span *others, size_t nothers, struct span own)
{
    for (size_t p = r->lo; p < r->hi && r->nq < MAX_QUANT;) {
        size_t e = quantity_may_start(r, p) ? quantity_end(r, p, NULL) : 0;
        if (e > p) {
            r->q[r->nq].off = p;
            r->q[r->nq++].len = e - p;
            p = e;
        } else {
            p += ch_len(r, p);
        }
    }
    for (size_t i = 0; others != NULL && i < nothers && r->nq < MAX_QUANT; i++) {
        size_t s = others[i].off, e = s + others[i].len;
        /* Only those wholly in the window, and not the fact itself. */
        if (s < r->lo || e > r->hi || others[i].len == 0 || (s < own.off + own.len && e > own.off))
            continue;
        r->q[r->nq++] = others[i];
    }
}

/* Start of a quantity (or other fact) that ends at p, or SIZE_MAX. */
size_t
quantity_ending(const struct rd *r, size_t p)
{
    for (size_t i = 0; i < r->nq; i++)
        if (r->q[i].off + r->q[i].len == p && r->q[i].off < p)
            return r->q[i].off;
    return SIZE_MAX;
}

/* Does a quantity (or other fact) start at p? */
int
quantity_starting(const struct rd *r, size_t p)
{
    for (size_t i = 0; i < r->nq; i++)
        if (r->q[i].off == p)
            return 1;
    return 0;
}

/* Before the number, past a list of numbers that share its unit or noun
 * (分别达到40%和35%, 建设项目71个、216万平方米): where the list starts. */
size_t
quantity_list_start(const struct rd *r, size_t p, int *listed)
{
    static const struct word joiners[] = {W("、"), W("和"), W("及"), W("与"), W("以及"), {NULL, 0}};
    for (;;) {
        size_t b = skip_blank_back(r, p), j = end_any(r, b, joiners), s;
        /* 房屋征收1049户18.08万平方米: two quantities side by side too. */
        if ((s = quantity_ending(r, skip_blank_back(r, b - j))) == SIZE_MAX)
            return p;
        size_t k;
        while ((k = quantity_qual_before(r, skip_blank_back(r, s))) != 0)
            s = skip_blank_back(r, s) - k;
        p = s;
        *listed = 1;
    }
}
