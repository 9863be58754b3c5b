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
# A source's year: a whole year from 1900 to 2100, at its line.
for bad in next 2020.5 1800; do
    printf '[source s]\nstart_url = http://a.example/\nlink_pattern = x\nyear = %s\n' "$bad" \
        >"$tmp/year.conf"
    "$factd" check -c "$tmp/year.conf" --patterns patterns >"$tmp/out" 2>&1
    [ $? -eq 1 ] && grep -qF "year.conf:4: year wants a" "$tmp/out" && ok ||
        no "year = $bad: $(cat "$tmp/out")"
done
sed -i 's/^year = .*/year = 2021/' "$tmp/year.conf"
"$factd" check -c "$tmp/year.conf" --patterns patterns >"$tmp/out" 2>&1 && ok ||
    no "year = 2021: $(cat "$tmp/out")"
"$factd" check -c "$tmp/metrics.conf" --patterns patterns >"$tmp/out" 2>&1 && ok ||
    no "metrics_listen = 127.0.0.1:9464: $(cat "$tmp/out")"

# metrics_listen: check refuses every address run refuses, at its line and
# with the same message as run; what one accepts the other does too.  Before
# issue 11, check looked only for a port and passed all of these, and under
# systemd the restart that followed failed for good (exit 2).
mconf() { # ADDRESS: a configuration whose metrics_listen is on line 5
    printf '[factd]\ndb = %s\narchive_dir = %s\npatterns_dir = %s\nmetrics_listen = %s\n[source s]\nstart_url = http://127.0.0.1:1/\nlink_pattern = x\n' \
        "$tmp/facts.db" "$tmp/archive" "$PWD/patterns" "$1" >"$tmp/m.conf"
}
for addr in 0.0.0.0:9464 10.0.0.1:9464 '[::]:9464' 127.1:9464 metrics.example:9464 \
    '[::ffff:127.0.0.1]:9464' 127.0.0.1; do
    mconf "$addr"
    "$factd" check -c "$tmp/m.conf" >"$tmp/out" 2>&1
    rc=$?
    line=$(grep -F "m.conf:5: metrics_listen is ADDRESS:PORT on loopback (127.0.0.1:9464), not '$addr': " "$tmp/out")
    [ $rc -eq 1 ] && [ -n "$line" ] && ok || no "check, metrics_listen = $addr: status $rc: $(cat "$tmp/out")"
    # factd run refuses it with the same line, before touching the store.
    rm -rf "$tmp/facts.db" "$tmp/archive"
    timeout 60 "$factd" run -c "$tmp/m.conf" --once >"$tmp/run.out" 2>&1
    rc=$?
    [ $rc -eq 2 ] && [ -n "$line" ] && grep -qF -- "$line" "$tmp/run.out" && ok ||
        no "run, metrics_listen = $addr: status $rc, not the message of check ($line): $(cat "$tmp/run.out")"
    [ ! -e "$tmp/facts.db" ] && ok || no "run, metrics_listen = $addr: the store was made"
done
# Accepted by both: run gets as far as serving (its start-up line comes after
# the listener is bound), then is stopped.
addrs="127.0.0.1:0 127.0.0.2:0 localhost:0 LOCALHOST:0"
python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null &&
    addrs="$addrs [::1]:0" || echo "check: no IPv6 loopback here, [::1] not tried with run"
for addr in $addrs '[::1]:9464'; do
    mconf "$addr"
    "$factd" check -c "$tmp/m.conf" >"$tmp/out" 2>&1 && ok || no "check, metrics_listen = $addr: $(cat "$tmp/out")"
    [ "$addr" = '[::1]:9464' ] && continue # check only: the port may be taken
    "$factd" run -c "$tmp/m.conf" >"$tmp/run.out" 2>&1 &
    pid=$!
    for _ in $(seq 100); do
        grep -q "URLs known" "$tmp/run.out" || ! kill -0 $pid 2>/dev/null && break
        sleep 0.1
    done
    grep -q "URLs known" "$tmp/run.out" && ok || no "run, metrics_listen = $addr: $(cat "$tmp/run.out")"
    kill -TERM $pid 2>/dev/null
    wait $pid
done

# A UTF-8 byte-order mark (Notepad writes one) is skipped; line numbers are
# unchanged.  A UTF-16 file is refused by name.
printf '\xef\xbb\xbf[factd]\nlog_level = loud\n[source s]\nstart_url = http://a.example/\nlink_pattern = x\n' \
    >"$tmp/bom.conf"
"$factd" check -c "$tmp/bom.conf" --patterns patterns >"$tmp/out" 2>&1
[ $? -eq 1 ] && grep -qF "bom.conf:2: log_level is error, warning, info or debug, not 'loud'" "$tmp/out" &&
    grep -qF "bom.conf: 1 error" "$tmp/out" && ok || no "a BOM and a bad level: $(cat "$tmp/out")"
sed -i 's/= loud/= info/' "$tmp/bom.conf"
"$factd" check -c "$tmp/bom.conf" --patterns patterns >"$tmp/out" 2>&1 && ok ||
    no "a configuration with a UTF-8 BOM: $(cat "$tmp/out")"
printf '[factd]\n' | iconv -f utf-8 -t utf-16 >"$tmp/utf16.conf"
"$factd" check -c "$tmp/utf16.conf" --patterns patterns >"$tmp/out" 2>&1
[ $? -eq 1 ] && grep -qF "utf16.conf:1: the file is UTF-16" "$tmp/out" && ok ||
    no "a UTF-16 configuration: $(cat "$tmp/out")"

"$factd" check -c "$tmp/none.conf" >"$tmp/out" 2>&1
[ $? -eq 1 ] && grep -q "none.conf: cannot read: No such file" "$tmp/out" && ok || no "missing file: $(cat "$tmp/out")"
[ $fail -eq 0 ] || cat "$tmp/out"
echo "check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
