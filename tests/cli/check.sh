#!/bin/bash
# factd check -c FILE: a good configuration passes; a bad one has every error
# reported as FILE:LINE: message, and exits 1.
set -u
factd=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
no() { echo "FAIL: $*"; fail=$((fail + 1)); }

"$factd" check -c examples/factd.conf --patterns patterns >"$tmp/out" 2>&1 && ok ||
    no "the example configuration: $(cat "$tmp/out")"
grep -q "ok: 2 sources" "$tmp/out" && ok || no "summary: $(cat "$tmp/out")"

long=$(for i in $(seq 40); do printf 'https://www.example.gov.cn/list%d.html ' "$i"; done)
cat >"$tmp/bad.conf" <<CONF
# line 1
[factd]
max_connections = many
timeout = 0
frobnicate = yes
log_level = loud
[factd.typo]
[source a]
start_url = $long
    ftp://old.example/list.html
link_pattern = (unclosed
interval = 3 weeks
[source a]
[source b]
link_pattern = x
start_url = https://b.example/
start_url = https://b.example/again
just words here
CONF
"$factd" check -c "$tmp/bad.conf" --patterns patterns >"$tmp/out" 2>&1
[ $? -eq 1 ] && ok || no "a bad configuration must exit 1"
for want in \
    "bad.conf:3: max_connections wants a number from 1 to 1024, not 'many'" \
    "bad.conf:4: timeout wants a number from 1 to 3600, not '0'" \
    "bad.conf:5: unknown key 'frobnicate' in [factd]" \
    "bad.conf:6: log_level is error, warning, info or debug, not 'loud'" \
    "bad.conf:7: unknown section [factd.typo]" \
    "bad.conf:9: start_url ftp://old.example/list.html is not an http or https URL" \
    "bad.conf:11: link_pattern: missing closing parenthesis at character 10" \
    "bad.conf:12: interval wants seconds, or a number with s, m, h or d" \
    "bad.conf:13: source a already defined at line 8" \
    "bad.conf:17: start_url given again (first at line 16)" \
    "bad.conf:18: expected 'key = value'" \
    "bad.conf: 11 errors"; do
    grep -qF -- "$want" "$tmp/out" && ok || no "missing: $want"
done
# A 40-URL start_url line (over 200 bytes) is one value, not split into keys.
grep -q "unknown key" "$tmp/out" && [ "$(grep -c 'unknown key' "$tmp/out")" = 1 ] && ok ||
    no "the long start_url line was split: $(grep 'unknown key' "$tmp/out")"
printf '[factd]\nmetrics_listen = localhost\n[source s]\nstart_url = http://a.example/\nlink_pattern = x\n' \
    >"$tmp/metrics.conf"
"$factd" check -c "$tmp/metrics.conf" --patterns patterns >"$tmp/out" 2>&1
[ $? -eq 1 ] && grep -qF "metrics.conf:2: metrics_listen is ADDRESS:PORT on loopback" "$tmp/out" &&
    ok || no "metrics_listen without a port: $(cat "$tmp/out")"
sed -i 's/= localhost/= 127.0.0.1:9464/' "$tmp/metrics.conf"
"$factd" check -c "$tmp/metrics.conf" --patterns patterns >"$tmp/out" 2>&1 && ok ||
    no "metrics_listen = 127.0.0.1:9464: $(cat "$tmp/out")"
"$factd" check -c "$tmp/none.conf" >"$tmp/out" 2>&1
[ $? -eq 1 ] && grep -q "none.conf: cannot read: No such file" "$tmp/out" && ok || no "missing file: $(cat "$tmp/out")"
[ $fail -eq 0 ] || cat "$tmp/out"
echo "check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
