# Shared macros and context words of the factd pattern set.
#
# Macros are upper case and used as {NAME} in any regex of the set.  Regexes
# are PCRE2 in extended mode: white space is for the reader, [ \t] matches a
# real space.  The extractor reads the number from the group (?<num>...), a
# range's high end from (?<hi>...), the unit from {UNIT} (a pattern's own unit
# list), and a sign written before a prefix unit from (?<sign>...).
# See docs/patterns.md.

# -- numbers ----------------------------------------------------------------

# 千 万 亿 after Arabic digits: 15.7万, 1.2万亩, 25万6千.
define MULT    [千万亿萬億]

# Arabic numbers with thousands separators and decimals, and a multiplier.
define AR      (?: \d{1,3}(?:,\d{3})+ | \d+ ) (?:\.\d+)?
               (?: [余多]? {MULT}+ (?: \d+ {MULT}? )? )?

# A Chinese numeral starts with a digit word, never with a bare multiplier
# (so 万亩示范区 is no number), and may be spaced out (一 百 五 十).  百 does
# not continue a numeral when 分 follows: 百分之七十百分位 is 70.
define CNLEAD  [零〇一二两倆三四五六七八九十壹贰貳叁參肆伍陆陸柒捌玖拾兩廿卅]
define CNMORE  (?: 百(?![ \t]*分) | [零〇一二两倆三四五六七八九十千万亿壹贰貳叁參肆伍陆陸柒捌玖拾佰仟萬億兩廿卅点點几幾余多] )
define CN      {CNLEAD} (?: [ \t]* {CNMORE} )*

# A sign written with the number: -3.9%, 负3.9%.  A verb (下降) is no sign.
define SIGN    (?: - | 负的? )
define N       {SIGN}? (?: {AR} | {CN} )

# A range: 5-10, 5至10, 5~10; the unit after the high end serves both.
define TO      [ \t]* (?: - | ~ | 至 | 到 ) [ \t]*
define RANGE   (?: {TO} (?<hi>{N}) )?

# 余 or 多 between the number and its unit: 40余个, 3000多亩.
define QMID    [ \t]* [余多]? [ \t]*

# Measure words: a count of something other than projects stands between.
define MEASURE [个個项項所家座处條条批宗户栋幢名位间张台套届类种件块]

# -- qualifiers (FACTS.md) ----------------------------------------------------
# A qualifier word counts only right next to the number: before it, right
# after the number (mid), or right after the unit.

qualifier approx    before 约 大约 将近 接近 近
qualifier approx    after  左右
qualifier more_than before 超过 超过了 超 逾 突破
qualifier more_than mid    余 多 个多 个余
qualifier at_least  before 不低于 不少于 至少
qualifier at_least  after  以上
qualifier at_most   before 不超过 不高于 低于
qualifier at_most   after  以下 以内

# -- stance --------------------------------------------------------------------
# The nearest cue before a fact decides; target cues win within a clause.
# A cue counts only as a word of its own (FACTS.md, Context):
# 要 is a cue, but not inside 主要 重要 需要 只要 必要 要求 要素 要点;
# 建成区 (built-up area), 完成率 and 累计达标率 are nouns; 规划 and 计划
# inside a name (规划教育用地, 计划单列市) are not cues; 预计 is an estimate.
# 完成 and 实现 report a result only in a passage that reports results: the
# extractor counts them only under a heading that reviews.
# Rulings on real text (docs/FACTS.md, "Rulings on context"): 计划 is a cue
# only as a verb, right before what is planned (计划新建; not 年度计划的73.4%,
# 计划总投资); 目标 not where it is what was reached or the base of a gap
# (完成目标任务的168%, 塌目标, 高于目标); 谋划 plans; a past time (去年,
# 过去五年, 以来, 目前) reports and a future one (明年, 未来五年) plans, as
# long as it is not the base of a comparison (比去年, 去年同期); a share of a
# task or plan (占年度目标任务的115.15%, 完成年度计划的73.4%) is progress.

stance target   将(?!近) | (?<![主重需只必纪摘])要(?![求素点闻])
stance target   力争 | 确保 | 预期 | 争取 | 力求 | 拟 | 谋划(?![^,;。]{0,8}了)
stance target   (?<!规)计划(?=再|新建|新增|建设|建成|实施|开工|完成|改造|种植|栽植|在|于|到) | (?:根据|按照|按)计划
stance target   (?<!完成|实现|高于|低于|超过|超出|塌)目标(?!任务的|任务数)
stance target   (?:到|至)\d{4}年
stance target   (?<![比较于与])明年 | 未来[一二三四五]年 | 今后[一二三四五]年
stance reported 完成(?![率度]) | 累计(?!达标|完成率) | 截至 | 截止 | 已经 | 已 | 实现 | 建成(?!区)
stance reported 先后 | 以来 | 目前
stance reported (?:任务|计划)(?:数|总数|投资)?的?(?=\d[\d.]*%)
stance reported (?<![比较于与])去年(?!同期) | 过去的?[一五]年 | [一五]年来
stance reported 同比(?:增长|下降|提高|减少|上升) | 比上年 | 较上年
