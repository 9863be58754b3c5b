# Percentages: N%, N％ (NFKC makes it %), 百分之N.  N成, N折, 千分之N, ‰ and
# fractions are not percentages.

pattern percent.sign
kind    percent
unit    % 1
near    %
regex   (?<num>{N}) [ \t]* %?
        (?: {TO} (?<hi>{N}) )? [ \t]* %
example 确保垃圾分类小区覆盖率达到100% => percent 100 subject=垃圾分类小区覆盖率 direction=none
example 到2025年,建成区绿化覆盖率达到40% => percent 40 subject=建成区绿化覆盖率 direction=none
example 同比下降1.3% => percent 1.3 direction=down
example 全区地区生产总值同比增长7.3% => percent 7.3 subject=地区生产总值 direction=up
example 推动河道汛期污染强度下降20%以上 => percent 20 at_least
example 找出酒精量在5-20%之间的产品 => percent 5..20
example 增幅控制在5%-10% => percent 5..10
example 第2天股价下降了-3.8% => percent -3.8
example 负40% => percent -40
example 五十% => percent 50
example 覆盖率100%、达标率100% => percent 100; percent 100
example 占比分别为30、40和50% => percent 30; percent 40; percent 50
example 由15%提高到30% => percent 15; percent 30
example 约10%人 => percent 10 approx
example 含量为7.6‰ => none
example 九成 => none

pattern percent.words
kind    percent
unit    百分之 1
# 百分之, spaced out or not, or 佰分之; 之 alone is in every 之一 and 之间.
near    百 佰
regex   (?<sign>{SIGN})? (?<![零〇一二两三四五六七八九十百千万亿\d]) [百佰][ \t]*分[ \t]*之 [ \t]*
        (?<num>{N} | 百)
        (?: {TO} (?: [百佰][ \t]*分[ \t]*之 [ \t]* )? (?<hi>{N} | 百)
            (?! [ \t]* (?: {CNMORE} | \d | [元%.] ) ) )?
example 百分之三十 => percent 30
example 第二天股价下降了百分之负三点八 => percent -3.8
example 负的百分之二十 => percent -20
example 百分之三十到四十一 => percent 30..41
example 百分之三十一到百分之百 => percent 31..100
example 上升百分之六點七八到七千七百六十九億元 => percent 6.78
example 股票十天收盘价的百分之七十百分位大于1 => percent 70
example 收视率超过了百分之零点九 => percent 0.9 more_than
example 五百分之2.2 => none
example 千分之二 => none
