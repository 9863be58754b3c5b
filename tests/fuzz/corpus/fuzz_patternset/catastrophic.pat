pattern p
kind mu
unit 亩 1
regex (?<num>(?:a|aa)+)+b{UNIT}
example aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac亩 => none
