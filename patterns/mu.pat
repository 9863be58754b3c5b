# Land in mu (亩).  亩次 (a count of treatments) and 亩均 (per mu) are not.

pattern mu
kind    mu
unit    亩 1
unit    畝 1
regex   (?<num>{N}) {RANGE} {QMID} {UNIT} (?![次均])
example 统筹利用棚改‘三年清零’释放的3000亩土地资源 => mu 3000 subject=土地资源 direction=none
example 规划教育用地新增384.75亩 => mu 384.75 subject=教育用地 direction=none
example 带动全省养殖小龙虾387万亩 => mu 3870000
example 新增高标准农田1.2万亩 => mu 12000
example 流转土地3000多亩 => mu 3000 more_than
example 亩均税收达到30万元 => none
example 建设万亩现代农业示范园区 => none
example 完成飞防作业5000亩次 => none
