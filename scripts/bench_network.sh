#!/usr/bin/env bash
# bench_network.sh — walking distances at scale: a synthetic network of about
# 1 million vertices (scripts/make_bench_network.py), 100,000 plots and 8
# categories (scripts/make_bench_data.py).  Prints, per run and as medians,
# the time of building the network plus all walking distances (the phases
# "network read", "network graph" and "network" of CPL_DEBUG), the whole run,
# and peak RSS.  Target: build + distances under 10 s on 2 cores.
#   scripts/bench_network.sh [--size N] [--plots N] [--runs N] [--walk-network none|around|all]
# The machine may be shared: quote the medians of several runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SIZE=1000 PLOTS=100000 RUNS=1 WALK=around
while [ $# -gt 0 ]; do
    case "$1" in
        --size) SIZE=$2; shift 2 ;;
        --plots) PLOTS=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --walk-network) WALK=$2; shift 2 ;;
        *) echo "usage: $0 [--size N] [--plots N] [--runs N] [--walk-network none|around|all]" >&2; exit 2 ;;
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
"$BIN" score --help 2>/dev/null | grep -q -- --walk-network && args+=(--walk-network "$WALK")
for c in supermarkt huisarts apotheek ov_halte ontmoeting zorg groen fysio; do
    args+=(--facility "$c=$DIR/facilities.gpkg|layername=$c")
done
echo "network: $SIZE x $SIZE vertices; plots: $PLOTS; categories: 8; walk_network: $WALK"
nets=() walls=() rsss=()
for r in $(seq "$RUNS"); do
    CPL_DEBUG=BODNAARPLOT /usr/bin/time -v "$BIN" "${args[@]}" 2>"$DIR/log"
    # "network read" and "network graph" are sub-phases: of "inputs" when the
    # network is read with the inputs (then "network" is the distances only),
    # of "network" in builds that read it there
    # (a phase line: "name  1.234 s  (peak so far 512 MiB)")
    net=$(awk 'function secs(  i) { for (i = 2; i <= NF; i++) if ($i == "s") return $(i - 1); return 0 }
               /BODNAARPLOT: inputs / {inputs = 1}
               /BODNAARPLOT: +network (read|graph) / {if (!inputs) early += secs()}
               /BODNAARPLOT: network / {n = secs()}
               END {printf "%.3f", early + n}' "$DIR/log")
    wall=$(grep 'Elapsed (wall clock)' "$DIR/log" | awk '{print $NF}' | awk -F: '{print ($1 * 60) + $2}')
    rss=$(( $(grep 'Maximum resident set size' "$DIR/log" | awk '{print $NF}') / 1024 ))
    phases=$(grep -o 'network \(read\|graph\|attach\|dijkstra\) *[0-9.]* s' "$DIR/log" | tr -s ' ' | paste -sd, -)
    echo "run $r: build + walking distances ${net} s ($phases); whole run ${wall} s; peak RSS ${rss} MiB"
    nets+=("$net") walls+=("$wall") rsss+=("$rss")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
echo "median of $RUNS: build + walking distances $(median "${nets[@]}") s (target < 10 s); whole run $(median "${walls[@]}") s; peak RSS $(median "${rsss[@]}") MiB"
