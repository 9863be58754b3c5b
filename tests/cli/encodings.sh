#!/bin/bash
# One report in every encoding and dress factd reads must give the same
# visible facts: UTF-8 text, GBK HTML labelled gb2312 (with 镕, which ICU's
# own gb2312 table lacks), GB18030 HTML with no charset hint, UTF-8 with a
# BOM, UTF-16LE with a BOM, full-width digits, and HTML with facts hidden in
# a comment, a script and a display:none element.  Then labels: UTF-16 and
# UTF-32 ones the bytes bear out (no BOM), and UTF-16 ones given to GBK
# pages, from outside (--charset) or in a <meta>, which the bytes contradict
# and which are passed over (issue 11: junk, or "binary data", before).
set -u
factd=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$tmp" <<'PY'
import os, sys
d = sys.argv[1]
report = open("tests/data/corpus/001_56ca8a8abe51173c.txt", encoding="utf-8").read()
# A sentence with 镕 and a fact, so a lost character changes what is seen.
report += "\n朱镕基同志题词的公园改造5.5万平方米。\n"
paras = [p for p in report.split("\n") if p.strip()]

def html(charset_meta, body_extra=""):
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset_meta}">' if charset_meta else ""
    body = "".join(f"<p>{p}</p>\n" for p in paras)
    return (f"<!DOCTYPE html><html><head>{meta}<title>红桥区</title>"
            f"<script>var x = '隐藏的100亩';</script><style>p{{}}</style></head><body>"
            f"<!-- 注释里的200亩 -->{body}{body_extra}</body></html>")

hidden = ('<div style="display: none">隐藏的300亩</div><p hidden>隐藏的400亩</p>'
          '<script>document.write("500亩")</script>')
open(f"{d}/utf8.txt", "w", encoding="utf-8").write("\n".join(paras) + "\n")
open(f"{d}/bom.txt", "wb").write(b"\xef\xbb\xbf" + ("\n".join(paras) + "\n").encode())
open(f"{d}/utf16le.txt", "wb").write(b"\xff\xfe" + ("\n".join(paras) + "\n").encode("utf-16-le"))
open(f"{d}/gbk.html", "wb").write(html("gb2312", hidden).encode("gbk"))
open(f"{d}/gb18030.html", "wb").write(html(None, hidden).encode("gb18030"))
open(f"{d}/meta16.html", "wb").write(html("utf-16", hidden).encode("gbk"))
open(f"{d}/utf16nobom.txt", "wb").write(("\n".join(paras) + "\n").encode("utf-16-be"))
open(f"{d}/utf32nobom.txt", "wb").write(("\n".join(paras) + "\n").encode("utf-32-le"))
open(f"{d}/utf32bom.txt", "wb").write(b"\xff\xfe\0\0" + ("\n".join(paras) + "\n").encode("utf-32-le"))
full = "\n".join(paras).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789%."})
open(f"{d}/fullwidth.txt", "w", encoding="utf-8").write(full + "\n")
PY

key() {
    # What a reader sees of each fact; offsets differ between text and HTML.
    "$factd" extract "${@:2}" "$1" | python3 -c '
import json, sys
for l in sys.stdin:
    f = json.loads(l)
    print(f["kind"], f["value"], f["qualifier"], f["text"], f["sentence"], sep="\t")'
}

pass=0 fail=0
key "$tmp/utf8.txt" >"$tmp/want"
n=$(wc -l <"$tmp/want")
if [ "$n" -lt 10 ] || ! grep -q '朱镕基' "$tmp/want"; then
    echo "FAIL: the UTF-8 reference gave $n facts"; fail=$((fail + 1))
fi
# FILE[:LABEL]: LABEL is given with --charset, as an HTTP header would be.
for c in bom.txt utf16le.txt gbk.html gb18030.html fullwidth.txt utf16nobom.txt:utf-16 \
    utf32nobom.txt:utf-32 utf32bom.txt gbk.html:utf-16 gb18030.html:utf-16 \
    gb18030.html:utf-16be gb18030.html:utf-32 meta16.html; do
    f=${c%%:*}
    label=${c#"$f"}
    key "$tmp/$f" ${label:+--charset "${label#:}"} >"$tmp/got.$c" 2>"$tmp/err.$c"
    f=$c
    if cmp -s "$tmp/want" "$tmp/got.$f"; then
        pass=$((pass + 1))
    else
        echo "FAIL: $f differs from the UTF-8 text:"; diff "$tmp/want" "$tmp/got.$f" | head -10
        cat "$tmp/err.$f"
        fail=$((fail + 1))
    fi
done
# The charset was found, not guessed wrong: the GBK page says so in no warning.
if grep -q . "$tmp/err.gbk.html"; then
    echo "FAIL: gbk.html gave warnings:"; cat "$tmp/err.gbk.html"; fail=$((fail + 1))
fi
# A label passed over is named in a warning.
for c in "gbk.html:utf-16|declared charset utf-16 passed over: no byte-order mark" \
    "meta16.html|<meta> charset utf-16 passed over: the bytes are not UTF-8"; do
    if grep -qF -- "${c#*|}" "$tmp/err.${c%%|*}"; then
        pass=$((pass + 1))
    else
        echo "FAIL: ${c%%|*}: no warning saying ${c#*|}:"; cat "$tmp/err.${c%%|*}"; fail=$((fail + 1))
    fi
done
# An unsafe encoding is refused by what ICU opens, not only by its name:
# ICU ignores punctuation, so utf~7 is UTF-7, sc~su SCSU; EBCDIC, whatever it
# is called, does not read ASCII as ASCII.  koi8-r still opens.
for l in "utf~7" "u.t.f-7" "sc~su" "bo-cu-1" "ebc.dic-cp-us" "koi8-r"; do
    printf '<html><head><meta charset="%s"></head><body><p>新增绿地100亩。</p></body></html>' \
        "$l" >"$tmp/unsafe.html"
    "$factd" extract "$tmp/unsafe.html" >/dev/null 2>"$tmp/err.unsafe"
    if [ "$l" = koi8-r ]; then
        ! grep -q "unknown charset label" "$tmp/err.unsafe"
    else
        grep -qF "unknown charset label \"$l\"" "$tmp/err.unsafe"
    fi && pass=$((pass + 1)) || {
        echo "FAIL: <meta charset=$l>: $(cat "$tmp/err.unsafe")"
        fail=$((fail + 1))
    }
done
echo "encodings: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
