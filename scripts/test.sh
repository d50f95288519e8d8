#!/usr/bin/env bash
# test.sh — installs what the tests need, builds, and runs every test twice:
# in a normal build (build/) and in an AddressSanitizer+UBSan build
# (build-asan/); then the concurrency test (three pipelines and a re-rank in
# one process) and the live server's test (concurrent mixed requests) once
# more under ThreadSanitizer (build-tsan/).  This is what
# CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh --test

jobs=$(nproc 2>/dev/null || echo 2)
run_suite() {
    local dir=$1; shift
    cmake -S . -B "$dir" -DBP_TESTS=ON "$@" >/dev/null
    cmake --build "$dir" -j"$jobs" >/dev/null
    (cd "$dir" && ctest --output-on-failure -j"$jobs")
}

echo "== tests (build/)"
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== tests under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-asan -DBP_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
echo "== three pipelines at once under ThreadSanitizer (build-tsan/)"
cmake -S . -B build-tsan -DBP_TESTS=ON -DBP_TSAN=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-tsan -j"$jobs" --target concurrency_test bodnaarplot serve_rank_helper >/dev/null
tsan_work=$(mktemp -d)
TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" \
    build-tsan/tests/concurrency_test "$PWD" "$tsan_work"
rm -rf "$tsan_work"
echo "== bodnaarplot serve under ThreadSanitizer (build-tsan/)"
TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" \
    /usr/bin/python3 tests/serve_test.py build-tsan/bodnaarplot "$PWD" build-tsan/tests/serve_rank_helper
