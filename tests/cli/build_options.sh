#!/bin/bash
# The build's options as a packager meets them: warnings are errors only with
# FACTD_WERROR=ON (CI and tests/run.sh turn it on; a newer compiler's new
# warning must not break a distribution's build), and the systemd unit and
# sysusers.d directories come from systemd's pkg-config file with its prefix
# set to ours, or from SYSTEMD_UNIT_DIR and SYSUSERS_DIR when given.
# Configures scratch build trees only; builds nothing.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
no() { echo "FAIL: $*"; fail=$((fail + 1)); }

configure() { # DIR ARGS...: configure the source tree into DIR
    local dir=$1
    shift
    cmake -S . -B "$dir" "$@" >"$dir.log" 2>&1 || { no "cmake $* failed:"; cat "$dir.log"; }
}
cache() { sed -n "s/^$2:[A-Z]*=//p" "$1/CMakeCache.txt"; }
flags() { cat "$1"/CMakeFiles/factd_extract.dir/flags.make; }

configure "$tmp/off"
flags "$tmp/off" | grep -q -- '-Wall' && ok || no "default build: -Wall missing"
flags "$tmp/off" | grep -q -- '-Werror' && no "default build: -Werror on" || ok
configure "$tmp/on" -DFACTD_WERROR=ON
flags "$tmp/on" | grep -q -- '-Werror' && ok || no "FACTD_WERROR=ON: no -Werror"
grep -q 'FACTD_WERROR=ON' tests/run.sh && ok || no "tests/run.sh does not turn FACTD_WERROR on"

configure "$tmp/opt" -DCMAKE_INSTALL_PREFIX=/opt/factd
if pkg-config --exists systemd; then
    want=$(pkg-config --define-variable=prefix=/opt/factd --define-variable=root_prefix=/opt/factd \
        --variable=systemdsystemunitdir systemd)
    [ "$(cache "$tmp/opt" SYSTEMD_UNIT_DIR)" = "$want" ] && ok ||
        no "unit dir $(cache "$tmp/opt" SYSTEMD_UNIT_DIR), pkg-config says $want"
fi
[ "$(cache "$tmp/opt" SYSTEMD_UNIT_DIR)" = /opt/factd/lib/systemd/system ] && ok ||
    no "unit dir under /opt/factd: $(cache "$tmp/opt" SYSTEMD_UNIT_DIR)"
[ "$(cache "$tmp/opt" SYSUSERS_DIR)" = /opt/factd/lib/sysusers.d ] && ok ||
    no "sysusers dir under /opt/factd: $(cache "$tmp/opt" SYSUSERS_DIR)"
configure "$tmp/set" -DSYSTEMD_UNIT_DIR=/x/units -DSYSUSERS_DIR=/x/users
[ "$(cache "$tmp/set" SYSTEMD_UNIT_DIR)" = /x/units ] && ok || no "SYSTEMD_UNIT_DIR not kept"
[ "$(cache "$tmp/set" SYSUSERS_DIR)" = /x/users ] && ok || no "SYSUSERS_DIR not kept"
grep -q 'DESTINATION.*SYSTEMD_UNIT_DIR\|/x/units' "$tmp/set/cmake_install.cmake" && ok ||
    no "the unit is not installed to SYSTEMD_UNIT_DIR"

echo "build_options: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
