#!/usr/bin/env bash
# bench_rescore.sh - benchmark of re-ranking without inputs: the in-memory
# re-rank (bp_result_rerank, what the live server and rescore use) and the
# `bodnaarplot rescore` command, against the full run that made the result.
#
# Generates scripts/make_bench_data.py data (N plots, 8 categories) into
# build/bench_rescore/N/ (reused), runs `bodnaarplot score` once (timed:
# the full run), then times bench_rerank (median of 9 re-ranks, load time
# apart) and `bodnaarplot rescore` on a copy (a changed weight), with
# /usr/bin/time for wall and peak RSS.
#
# Usage (from anywhere): scripts/bench_rescore.sh [PLOTS...]   (default 100000 1000000)
# Environment: BODNAARPLOT (default build/bodnaarplot), BENCH_RERANK (default build/bench_rerank)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN=${BODNAARPLOT:-build/bodnaarplot}
RERANK=${BENCH_RERANK:-build/bench_rerank}
PY=/usr/bin/python3
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench_rescore.sh: needs /usr/bin/time (Debian package time)" >&2; exit 1; }
[ -x "$BIN" ] && [ -x "$RERANK" ] || { echo "bench_rescore.sh: build first (cmake --build build)" >&2; exit 1; }
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100000 1000000)
CATS=(supermarkt huisarts apotheek ov_halte ontmoeting zorg groen fysio)

measure() { # label command...: prints wall s and peak RSS MiB
    local label=$1; shift
    local log
    log=$(mktemp)
    "$TIME" -v "$@" >/dev/null 2>"$log" || { cat "$log" >&2; exit 1; }
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$log")
    rm -f "$log"
    printf '  %-28s %8.2f s %8s MiB\n' "$label" "$wall" "$rss"
}

for n in "${SIZES[@]}"; do
    dir=build/bench_rescore/$n
    mkdir -p "$dir"
    [ -s "$dir/plots.gpkg" ] || "$PY" scripts/make_bench_data.py "$dir" --plots "$n" --per-category 3000 >/dev/null
    args=(score --candidates "$dir/plots.gpkg|layername=plots" --id-field plot_id
          --gemeenten "$dir/gemeenten.gpkg|layername=gemeenten" --targets "$dir/targets.csv" -q --overwrite)
    for c in "${CATS[@]}"; do args+=(--facility "$c=$dir/facilities.gpkg|layername=$c"); done
    echo "== $n plots, ${#CATS[@]} categories"
    measure "full run (score)" "$BIN" "${args[@]}" -o "$dir/out.gpkg"
    "$RERANK" "$dir/out.gpkg" 9 | sed 's/^/  in memory: /'
    cp "$dir/out.gpkg" "$dir/rescored.gpkg"
    measure "rescore (a changed weight)" "$BIN" rescore "$dir/rescored.gpkg" -q --weight zorg=5
done
