# Counts of projects: the counted noun ends in 项目 or 工程.  Only 个 and 项
# start a count; the noun may stand later in the clause as long as no other
# count (a number with a measure word) comes between.  An amount that
# describes the projects may (75个千万元以上重点项目).

pattern project.count_first
kind    project
unit    个 1
unit    個 1
unit    项 1
unit    項 1
near    项目 工程 項目
lists   off
regex   (?<num>{N}) {RANGE} {QMID} {UNIT}
        (?! [ \t]* (?: {CNLEAD} | \d | 百分 ) )         # 七个一, 3个百分点
        (?: (?! {N} [ \t]* [余多]? [ \t]* {MEASURE} ) [^,;:!?。\n] ){0,24}?
        (?: 项目 | 工程 | 項目 )
example 推动捷强动力、贝思达医疗器械等40余个重大项目加快建设 => project 40 more_than subject=重大项目 direction=none
example 精心组织实施20项民心工程 => project 20 subject=民心工程 direction=none
example 完成27个规划保留村饮水提质增效工程和3000家企事业单位水源转换 => project 27
example 实施11个“揭榜挂帅”项目 => project 11
example 推进75个千万元以上重点项目 => project 75
example 每年实施1-3个示范项目 => project 1..3
example 建设27个总投资69.5亿元的重点项目 => project 27
example 打造30个示范片区 => none
example 实施四大工程 => none
example 推进一批项目 => none
example 落实“七个一”工程 => none
example 新建2所养老院和105个社区老年日间照料中心 => none

pattern project.noun_first
kind    project
unit    个 1
unit    個 1
unit    项 1
unit    項 1
near    项目 工程 項目
lists   off
regex   (?: 项目 | 工程 | 項目 )
        [^\d,;:!?。\n零〇一二两三四五六七八九十壹贰叁肆伍陆柒捌玖拾兩]{0,4}?
        (?<num>{N}) {QMID} {UNIT}
        (?! [ \t]* (?: 百分 | 月 | 季度 | 小时 | 工作日 | 年 | 标段 | 批次 ) )
example 全年实施建设项目71个、216万平方米 => project 71; area 2160000
example 重点项目共5个 => project 5
example 新开工项目达到1000个以上 => project 1000 at_least
example 项目开工1116个 => project 1116
example 民生工程3项 => project 3
example 项目建设周期3个月 => none
