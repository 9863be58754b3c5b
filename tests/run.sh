#!/bin/bash
# Run every test of factd, as CI does:
#   1. an ASan+UBSan build (-fno-sanitize-recover=all) and all of ctest;
#      every build here treats warnings as errors (FACTD_WERROR);
#   2. a plain build and the unit tests under valgrind (ctest -T memcheck,
#      PCRE2 JIT off: valgrind cannot follow JIT code);
#   3. the libFuzzer targets built with clang, each run for FUZZ_SECONDS
#      (default 30) on a copy of its checked-in corpus, with its dictionary
#      tests/fuzz/dict/<target>.dict if there is one (bench/fuzz runs them
#      for longer).
# Build trees go to build-asan/, build-plain/ and build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
fuzz_seconds=${FUZZ_SECONDS:-30}

echo "== ASan+UBSan build, all tests"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=address,undefined -DFACTD_WERROR=ON >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ctest --output-on-failure -j"$jobs")

echo "== plain build, unit tests under valgrind"
cmake -S . -B build-plain -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFACTD_WERROR=ON >/dev/null
cmake --build build-plain -j"$jobs"
# valgrind cannot follow PCRE2's JIT code: the patterns run interpreted here.
(cd build-plain && FACTD_NO_JIT=1 ctest -T memcheck -R '^unit\.' -j"$jobs" --output-on-failure \
    >memcheck.log) ||
    { cat build-plain/memcheck.log; exit 1; }
tail -n 3 build-plain/memcheck.log
if sed -n '/Memory checking results:/,$p' build-plain/memcheck.log | grep -Eq ' - [1-9]'; then
    echo "valgrind found defects:"; sed -n '/Memory checking results:/,$p' build-plain/memcheck.log
    exit 1
fi

echo "== libFuzzer targets, ${fuzz_seconds}s each"
CC=clang cmake -S . -B build-fuzz -DFUZZ=ON -DSANITIZE=address,undefined -DFACTD_WERROR=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$jobs"
for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    work=$(mktemp -d)
    cp -r "tests/fuzz/corpus/$name/." "$work/"
    echo "-- $name"
    dict=()
    [ ! -f "tests/fuzz/dict/$name.dict" ] || dict=(-dict="tests/fuzz/dict/$name.dict")
    if ! build-fuzz/tests/"$name" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="tests/fuzz/" "${dict[@]}" "$work" >"$work.log" 2>&1; then
        tail -n 40 "$work.log"
        echo "$name found a problem; its input is in tests/fuzz/ (add it to the corpus with the fix)"
        exit 1
    fi
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$work.log" | tr '\n' ' '
    echo
    rm -rf "$work" "$work.log"
done
echo "all tests passed"
