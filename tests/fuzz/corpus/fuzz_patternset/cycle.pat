define A {B}
define B {A}
pattern p
kind mu
unit 亩 1
regex (?<num>{A})
