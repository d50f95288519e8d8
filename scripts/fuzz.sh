#!/usr/bin/env bash
# fuzz.sh — builds the libFuzzer harnesses with clang (ASan+UBSan) in
# build-fuzz/ and runs each for SECONDS (default 600), one after another.
# New corpus entries are merged into tests/fuzz/corpus/NAME; crashes are
# copied to tests/fuzz/crashes/NAME (replayed by ctest from then on).
#   scripts/fuzz.sh [SECONDS] [HARNESS...]     harnesses: project targets pipeline network_lines osm
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
secs=${1:-600}; shift || true
harnesses=("${@:-project targets pipeline network_lines osm}")
[ $# -gt 0 ] || harnesses=(project targets pipeline network_lines osm)
CC=clang cmake -S . -B build-fuzz -DBP_FUZZ=ON -DBP_TESTS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_project fuzz_targets fuzz_pipeline fuzz_network_lines fuzz_osm >/dev/null
for h in "${harnesses[@]}"; do
    work=build-fuzz/run-$h
    rm -rf "$work"; mkdir -p "$work/corpus" "$work/artifacts"
    cp tests/fuzz/corpus/"$h"/* "$work/corpus/"
    echo "fuzz.sh: $h for ${secs}s"
    set +e
    ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions="$PWD/tests/fuzz/lsan.supp" \
        build-fuzz/tests/fuzz_"$h" "$work/corpus" \
        -max_total_time="$secs" -max_len=65536 -timeout=30 -rss_limit_mb=4096 \
        -artifact_prefix="$work/artifacts/" -print_final_stats=1 2>"$work/log"
    rc=$?
    set -e
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb|cov:" "$work/log" | tail -3
    if ls "$work"/artifacts/* >/dev/null 2>&1; then
        mkdir -p tests/fuzz/crashes/"$h"
        cp "$work"/artifacts/* tests/fuzz/crashes/"$h"/
        echo "fuzz.sh: $h found $(ls "$work"/artifacts | wc -l) crash(es), copied to tests/fuzz/crashes/$h (rc $rc)"
    fi
    # keep the corpus small: merge only inputs that add coverage
    mkdir -p "$work/merged"
    build-fuzz/tests/fuzz_"$h" -merge=1 "$work/merged" tests/fuzz/corpus/"$h" "$work/corpus" 2>/dev/null >/dev/null || true
    cp -n "$work"/merged/* tests/fuzz/corpus/"$h"/ 2>/dev/null || true
done
