#!/usr/bin/env bash
# bench_network.sh — walking distances at scale: a synthetic network of about
# 1 million vertices (scripts/make_bench_network.py), 100,000 plots and 8
# categories (scripts/make_bench_data.py).  Prints the time of building the
# network plus all walking distances (phase "network", from CPL_DEBUG), the
# whole run, and peak RSS.  Target: build + distances under 10 s on 2 cores.
#   scripts/bench_network.sh [--size N] [--plots N]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SIZE=1000 PLOTS=100000
while [ $# -gt 0 ]; do
    case "$1" in
        --size) SIZE=$2; shift 2 ;;
        --plots) PLOTS=$2; shift 2 ;;
        *) echo "usage: $0 [--size N] [--plots N]" >&2; exit 2 ;;
    esac
done
BIN=${BODNAARPLOT:-build/bodnaarplot}
DIR=build/bench_network
[ -x "$BIN" ] || { echo "bench_network.sh: $BIN not built (cmake --build build)" >&2; exit 1; }
mkdir -p "$DIR"
if [ "$(cat "$DIR/params" 2>/dev/null)" != "$SIZE $PLOTS" ]; then
    /usr/bin/python3 scripts/make_bench_data.py "$DIR" --plots "$PLOTS" >/dev/null
    /usr/bin/python3 scripts/make_bench_network.py "$DIR" --size "$SIZE"
    echo "$SIZE $PLOTS" > "$DIR/params"
fi
args=(score --candidates "$DIR/plots.gpkg|layername=plots" --id-field plot_id
      --gemeenten "$DIR/gemeenten.gpkg|layername=gemeenten" --targets "$DIR/targets.csv"
      --network "$DIR/network.gpkg" -o "$DIR/out.gpkg" --overwrite -q)
for c in supermarkt huisarts apotheek ov_halte ontmoeting zorg groen fysio; do
    args+=(--facility "$c=$DIR/facilities.gpkg|layername=$c")
done
CPL_DEBUG=BODNAARPLOT /usr/bin/time -v "$BIN" "${args[@]}" 2>"$DIR/log"
net=$(grep -o 'network *[0-9.]* s' "$DIR/log" | grep -o '[0-9.]*')
wall=$(grep 'Elapsed (wall clock)' "$DIR/log" | awk '{print $NF}')
rss=$(grep 'Maximum resident set size' "$DIR/log" | awk '{print $NF}')
echo "network: $SIZE x $SIZE vertices; plots: $PLOTS; categories: 8"
echo "build + walking distances: ${net} s (target < 10 s)"
echo "whole run: ${wall}; peak RSS: $((rss / 1024)) MiB"
