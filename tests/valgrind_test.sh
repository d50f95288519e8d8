#!/usr/bin/env bash
# valgrind_test.sh BINARY SOURCE_DIR — the bundled example under valgrind
# memcheck: no memory errors and no definite leaks (exit 9 otherwise).
set -euo pipefail
bin=$1 src=$2
command -v valgrind >/dev/null || { echo "valgrind_test: valgrind not installed (Debian package valgrind)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite \
    --show-leak-kinds=definite -q \
    "$bin" run "$src/examples/zwolle/project.yaml" -o "$tmp/out.gpkg" -q --filter "eigendom <> 'particulier'"
echo "valgrind_test: the example runs clean under memcheck"
