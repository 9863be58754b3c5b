pattern p
kind mu
unit 亩 1
regex (?<num>\d+{UNIT}
