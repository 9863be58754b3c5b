# Percentage points: N个百分点.  In a comparison (高于全国0.28个百分点) the
# number is the size of a gap, so it takes no qualifier from the comparison.

pattern pct_point
kind    pct_point
unit    个百分点 1
unit    個百分點 1
unit    百分点   1
unit    百分點   1
# 5个多百分点: 多 (more than) inside the unit; the qualifier is in common.pat.
unit    个多百分点 1
unit    个余百分点 1
# Every form holds 百, spaced out or not (个 百 分 点); 点 is in every 重点.
near    百
regex   (?<num>{N}) {RANGE} {QMID} {UNIT}
example 下降1.5个百分点 => pct_point 1.5 direction=down
example 城镇化率提高2个百分点 => pct_point 2 subject=城镇化率 direction=up
example 高于全省26.2和17.5个百分点 => pct_point 26.2; pct_point 17.5
example 一百五十    个百分点 => pct_point 150
example 四点 五个百分点 => pct_point 4.5
example 高于全国0.28个百分点 => pct_point 0.28
example 同比升高零点六个百分点 => pct_point 0.6
example 比上年提高5个多百分点 => pct_point 5 more_than
