# Areas, in square metres.  ㎡, m² and ㎢ reach us as m2 and km2 (NFKC).
# 平方 alone (a wire's cross-section), 平 and lengths (23公里) are not areas.

pattern area
kind    area
unit    平方米   1
unit    平米     1
unit    m2       1
unit    平方公里 1e6
unit    平方千米 1e6
unit    km2      1e6
unit    公顷     1e4
# 平 and 公 alone are in half the sentences of a report (水平, 公共): ask for
# the unit's first two characters.
near    平方 平米 m2 公顷
regex   (?<num>{N}) {RANGE} {QMID} {UNIT} (?![A-Za-z0-9])
example 全面启动宝能现代科技广场、泰盈科技大厦等15.7万平方米优质载体招商工作 => area 157000 subject=优质载体招商工作 direction=none
example 加大5.9平方公里核心区开发建设力度 => area 5900000
example 新增绿地3公顷 => area 30000 subject=绿地 direction=none
example 2023年,完成老旧小区改造35万平方米 => area 350000 subject=老旧小区改造 direction=none
example 实际面积120m² => area 120
example 面积是10km² => area 10000000
example 面积是十平方千米 => area 10000000
example 实际面积一百二十平方米 => area 120
example 建成约52万平方米载体 => area 520000 approx
example 改造5至10万平方米老旧小区 => area 50000..100000
example 人均6.89平方米 => area 6.89
example 推动人民医院三期等12个、55万平方米项目完工 => project 12; area 550000
example 二点五平方电线 => none
example 三平方 => none
example 道路23公里 => none
