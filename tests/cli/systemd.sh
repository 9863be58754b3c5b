#!/bin/bash
# factd as installed: `cmake --install` of the build tree into a scratch
# DESTDIR puts the binary, unit, sysusers.d file, example configuration,
# patterns, schema, docs and man pages where they belong (and nothing in
# /etc); the unit names the installed binary, passes `systemd-analyze verify`
# with no warning and rates 2.0 or lower in `systemd-analyze security`; the
# sysusers.d file creates the user and group factd; the man pages render
# without a warning, document every command, signal and environment variable,
# and factd.conf(5) has exactly the keys of README.md's factd.conf tables,
# with their defaults.
set -u
factd=$1
build=$(cd "$(dirname "$factd")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
no() { echo "FAIL: $*"; fail=$((fail + 1)); }

# Missing tools fail the test: CI installs them (tools/install-deps).
for tool in systemd-analyze systemd-sysusers man groff python3; do
    command -v "$tool" >/dev/null || {
        echo "FAIL: $tool not found; tools/install-deps installs it (Debian: systemd, man-db)"
        echo "systemd: 0 passed, 1 failed"
        exit 1
    }
done
[ -f "$build/CMakeCache.txt" ] || { echo "FAIL: $build is not a CMake build tree"; exit 1; }
cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
if [ -z "$(cache SCDOC)" ] || [ "$(cache SCDOC)" = SCDOC-NOTFOUND ]; then
    echo "FAIL: scdoc was not found when $build was configured, so the man pages are"
    echo "      neither made nor installed: apt-get install scdoc (tools/install-deps), reconfigure"
    echo "systemd: 0 passed, 1 failed"
    exit 1
fi

# The installation paths, as GNUInstallDirs makes them from the cache.
prefix=$(cache CMAKE_INSTALL_PREFIX)
full() { case $1 in /*) echo "$1" ;; *) echo "$prefix/$1" ;; esac; }
dataroot=$(cache CMAKE_INSTALL_DATAROOTDIR)
bindir=$(full "$(cache CMAKE_INSTALL_BINDIR)")
datadir=$(cache CMAKE_INSTALL_DATADIR)
datadir=$(full "${datadir:-$dataroot}")
mandir=$(cache CMAKE_INSTALL_MANDIR)
mandir=$(full "${mandir:-$dataroot/man}")
docdir=$(cache CMAKE_INSTALL_DOCDIR)
docdir=$(full "${docdir:-$dataroot/doc/factd}")

# Generated files live in the build tree only.
for f in systemd/factd.service docs/man/factd.8 docs/man/factd.conf.5; do
    [ ! -e "$f" ] && ok || no "$f is generated and must not be in the source tree"
done

dest=$tmp/dest
if DESTDIR=$dest cmake --install "$build" >"$tmp/install.log" 2>&1; then
    ok
else
    no "cmake --install failed:"; cat "$tmp/install.log"
fi
unit=$dest$prefix/lib/systemd/system/factd.service
sysusers=$dest$prefix/lib/sysusers.d/factd.conf
man8=$dest$mandir/man8/factd.8
man5=$dest$mandir/man5/factd.conf.5
[ -x "$dest$bindir/factd" ] && ok || no "not installed: $bindir/factd"
for f in "$unit" "$sysusers" "$man8" "$man5" "$dest$datadir/factd/factd.conf.example" \
    "$dest$datadir/factd/schema.sql" "$dest$docdir/analysts.md" "$dest$docdir/patterns.md" \
    "$dest$docdir/FACTS.md"; do
    [ -s "$f" ] && ok || no "not installed: ${f#"$dest"}"
done
for p in patterns/*.pat; do
    cmp -s "$p" "$dest$datadir/factd/$p" && ok || no "not installed: $datadir/factd/$p"
done
cmp -s examples/factd.conf "$dest$datadir/factd/factd.conf.example" && ok ||
    no "factd.conf.example is not examples/factd.conf"
[ ! -e "$dest/etc" ] && ok || no "cmake --install wrote under /etc: $(find "$dest/etc" | head -3)"

# The unit names the installed binary and says what the daemon needs.
want_exec="ExecStart=$bindir/factd run -c /etc/factd/factd.conf"
[ "$(grep '^ExecStart=' "$unit")" = "$want_exec" ] && ok ||
    no "want '$want_exec', got '$(grep '^ExecStart=' "$unit")'"
grep -q '@[A-Z_]*@' "$unit" && no "unsubstituted words in the unit: $(grep '@[A-Z_]*@' "$unit")" || ok
for line in Type=notify 'ExecReload=/bin/kill -HUP $MAINPID' Restart=on-failure WatchdogSec=60 \
    User=factd Group=factd StateDirectory=factd StateDirectoryMode=0750 \
    ConfigurationDirectory=factd UMask=0027 MemoryDenyWriteExecute=yes \
    Environment=FACTD_NO_JIT=1 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
    CapabilityBoundingSet= PrivateUsers=yes; do
    grep -qxF -- "$line" "$unit" && ok || no "the unit lacks $line"
done
grep -q '^DynamicUser=yes' "$unit" && no "the unit must not use DynamicUser=" || ok
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s*$/\1/p' "$unit")
[ -n "$stop" ] && [ "$stop" -gt 10 ] && ok ||
    no "TimeoutStopSec= must exceed the 10 s drain, got '$stop'"

# systemd-analyze verify checks that ExecStart's binary exists and that the
# man pages of Documentation= are found: a copy whose ExecStart is the binary
# in DESTDIR, with MANPATH on the installed pages.  Any output is a failure
# (an unknown key is only a warning to it).
mkdir "$tmp/verify"
sed "s|^ExecStart=$bindir/factd |ExecStart=$dest$bindir/factd |" "$unit" >"$tmp/verify/factd.service"
if LC_ALL=C.UTF-8 MANPATH=$dest$mandir systemd-analyze verify --recursive-errors=no \
    "$tmp/verify/factd.service" >"$tmp/verify.out" 2>&1 && [ ! -s "$tmp/verify.out" ]; then
    ok
else
    no "systemd-analyze verify:"; cat "$tmp/verify.out"
fi

# Exposure 2.0 or lower ("Overall exposure level for factd.service: 1.1 OK").
systemd-analyze security --offline=true "$tmp/verify/factd.service" >"$tmp/security.out" 2>&1
level=$(sed -n 's/.*Overall exposure level for factd.service: \([0-9.]*\).*/\1/p' "$tmp/security.out")
if [ -n "$level" ] && awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }'; then
    ok
else
    no "systemd-analyze security: exposure '${level:-none}', want 2.0 or lower:"
    grep '✗' "$tmp/security.out"
fi

# The sysusers.d file makes the user and group factd.  systemd-sysusers reads
# PREFIX/lib/sysusers.d for /usr and /usr/local, so --root finds it there.
case $prefix in
/usr | /usr/local) sysargs=() ;;
*) sysargs=("$sysusers") ;;
esac
systemd-sysusers --root="$dest" --dry-run "${sysargs[@]}" >"$tmp/sysusers.out" 2>&1
grep -q "Creating group 'factd'" "$tmp/sysusers.out" &&
    grep -q "Creating user 'factd'" "$tmp/sysusers.out" && ok ||
    no "systemd-sysusers does not create factd: $(cat "$tmp/sysusers.out")"

# The man pages: troff that renders with no warning, paths filled in.
for page in "$man8" "$man5"; do
    name=$(basename "$page")
    head -c 2 "$page" | grep -q '^\.[\\T]' && grep -q '^\.TH ' "$page" && ok ||
        no "$name is not a man page: $(head -c 80 "$page")"
    LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" >"$tmp/groff.out" 2>&1 && [ ! -s "$tmp/groff.out" ] && ok ||
        no "groff warns on $name: $(cat "$tmp/groff.out")"
    LC_ALL=C.UTF-8 MANWIDTH=1000 man -l "$page" >"$tmp/$name.txt" 2>"$tmp/man.err" && [ ! -s "$tmp/man.err" ] && ok ||
        no "man -l $name: $(cat "$tmp/man.err")"
    grep -q '@[A-Z_]*@' "$tmp/$name.txt" && no "$name has unsubstituted words" || ok
done
for word in "factd - " "run -c FILE" "status -c FILE" "check -c FILE" "extract [OPTIONS]" \
    "replay --db FILE" "stats --db FILE" "test-patterns [DIR]" "version" SIGHUP SIGTERM SIGINT \
    "EXIT STATUS" JOURNAL_STREAM NOTIFY_SOCKET WATCHDOG_USEC FACTD_NO_JIT /etc/factd/factd.conf \
    /var/lib/factd/facts.db /var/lib/factd/archive "$datadir/factd/patterns" "factd.conf(5)"; do
    grep -qF -- "$word" "$tmp/factd.8.txt" && ok || no "factd(8) does not mention '$word'"
done

# factd.conf(5) and README.md's tables: the same keys, and each README
# default in the key's entry.
cat >"$tmp/keys.py" <<'PY'
import re, sys
readme = open(sys.argv[1], encoding="utf-8").read()
section = readme.split("\n## factd.conf\n", 1)[1].split("\n## ", 1)[0]
rows = re.findall(r"^\| `([a-z_]+)` \| (.*) \| (.*) \|$", section, re.M)
page = open(sys.argv[2], encoding="utf-8").read()
# An entry is its key on a line of its own, then its indented text.
entries = dict(re.findall(r"^ {7}([a-z_]+)\n((?: {11}.*\n)+)", page, re.M))
errors = []
if not rows:
    errors.append("no key rows in README.md's factd.conf section")
for key in sorted(set(entries) - {k for k, _, _ in rows}):
    errors.append(f"{key}: in factd.conf(5), not in README.md")
for key, _, default in rows:
    if key not in entries:
        errors.append(f"{key}: in README.md, not in factd.conf(5)")
        continue
    text = " ".join(entries[key].split())
    want = default.strip("`") if default.startswith("`") or default.isdigit() else None
    if want and f"Default: {want}" not in text and f"Default: {want}" not in text.replace("*", ""):
        errors.append(f"{key}: README's default {default} is not the page's: {text}")
    if default == "required" and "Required." not in text:
        errors.append(f"{key}: README says required, the page does not")
print("\n".join(errors))
sys.exit(1 if errors else 0)
PY
if python3 "$tmp/keys.py" README.md "$tmp/factd.conf.5.txt" >"$tmp/keys.out" 2>&1; then
    ok
else
    no "factd.conf(5) and README.md disagree:"; cat "$tmp/keys.out"
fi

[ "$fail" -eq 0 ] || echo "(installed into $dest; kept only while this test runs)"
echo "systemd: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
