#!/usr/bin/env bash
# bench.sh - end-to-end benchmark of `bodnaarplot score` on synthetic data.
#
# Generates benchmark data with scripts/make_bench_data.py into build/bench/
# (reused when it already holds data for the same parameters), then times
#   1. bodnaarplot score ... -o build/bench/out.gpkg   (the real work)
#   2. ogr2ogr -f GPKG build/bench/copy.gpkg build/bench/out.gpkg candidates
#      (baseline: the cost of merely writing the same result)
# with /usr/bin/time -v, and prints wall time and peak RSS of both plus their
# ratio. Target: bodnaarplot takes at most 2x the time of the copy.
#
# Usage (from anywhere):
#   scripts/bench.sh [--plots N] [--per-category N] [--data-only]
# Environment:
#   BODNAARPLOT   binary to benchmark (default: build/bodnaarplot)
# Needs /usr/bin/time (Debian package `time`), ogr2ogr, and /usr/bin/python3
# with the GDAL bindings.

set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."          # repository root

PLOTS=100000
PER_CATEGORY=2000
DATA_ONLY=0
BIN=${BODNAARPLOT:-build/bodnaarplot}
DIR=build/bench
PY=/usr/bin/python3
TIME=/usr/bin/time
CATEGORIES=(supermarkt huisarts apotheek ov_halte ontmoeting zorg groen fysio)

usage() { sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; }

while [ $# -gt 0 ]; do
    case "$1" in
        --plots) PLOTS=${2:?--plots needs a number}; shift 2 ;;
        --plots=*) PLOTS=${1#*=}; shift ;;
        --per-category) PER_CATEGORY=${2:?--per-category needs a number}; shift 2 ;;
        --per-category=*) PER_CATEGORY=${1#*=}; shift ;;
        --data-only) DATA_ONLY=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
done
for v in "$PLOTS" "$PER_CATEGORY"; do
    case "$v" in ''|*[!0-9]*) echo "bench.sh: not a positive number: '$v'" >&2; exit 2 ;; esac
done

# ---- prerequisites (checked before spending time on data generation)
if [ "$DATA_ONLY" = 0 ]; then
    if [ ! -x "$TIME" ]; then
        echo "bench.sh: $TIME not found; it is needed for peak RSS." >&2
        echo "          install it with: sudo apt-get install time" >&2
        exit 1
    fi
    if ! command -v ogr2ogr >/dev/null; then
        echo "bench.sh: ogr2ogr not found (Debian package gdal-bin)" >&2
        exit 1
    fi
    if [ ! -x "$BIN" ]; then
        echo "bench.sh: bodnaarplot binary '$BIN' not found or not executable." >&2
        echo "          Build it first, or point BODNAARPLOT at it:" >&2
        echo "            BODNAARPLOT=path/to/bodnaarplot scripts/bench.sh" >&2
        echo "          (scripts/bench.sh --data-only only generates the data)" >&2
        exit 1
    fi
fi
if [ ! -x "$PY" ] || ! "$PY" -c 'from osgeo import ogr' 2>/dev/null; then
    echo "bench.sh: $PY with the GDAL bindings is required (Debian: python3-gdal)" >&2
    exit 1
fi

# ---- data (reuse when generated with the same parameters)
WANT="plots=$PLOTS per_category=$PER_CATEGORY seed=1"
if [ -f "$DIR/bench_params.txt" ] && [ "$(cat "$DIR/bench_params.txt")" = "$WANT" ]; then
    echo "bench.sh: reusing data in $DIR ($WANT)"
else
    echo "bench.sh: generating data in $DIR ($WANT)"
    "$PY" scripts/make_bench_data.py "$DIR" --plots "$PLOTS" \
        --per-category "$PER_CATEGORY" --seed 1
fi
[ "$DATA_ONLY" = 1 ] && exit 0

# ---- the command under test (|layername= arguments quoted as single words)
CMD=("$BIN" score
     --candidates "$DIR/plots.gpkg|layername=plots" --id-field plot_id)
for c in "${CATEGORIES[@]}"; do
    CMD+=(--facility "$c=$DIR/facilities.gpkg|layername=$c")
done
CMD+=(--gemeenten "$DIR/gemeenten.gpkg|layername=gemeenten"
      --targets "$DIR/targets.csv"
      -o "$DIR/out.gpkg" --overwrite -q)

# wall seconds from GNU time's "Elapsed (wall clock) time (h:mm:ss or m:ss): X"
wall_s() {
    sed -n 's/.*Elapsed (wall clock) time[^:]*: *//p' "$1" |
        awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }'
}
rss_mib() {
    sed -n 's/.*Maximum resident set size (kbytes): *//p' "$1" |
        awk '{ printf "%.1f", $1 / 1024 }'
}
run_timed() {    # run_timed LOGFILE CMD...; prints the tool's stderr on failure
    local log=$1; shift
    if ! "$TIME" -v -o "$log" "$@"; then
        echo "bench.sh: command failed:" >&2
        printf ' %q' "$@" >&2; echo >&2
        grep -m1 -E 'exited with|terminated by' "$log" >&2 || true
        exit 1
    fi
}

echo "bench.sh: running bodnaarplot:"
printf ' %q' "${CMD[@]}"; echo
rm -f "$DIR/out.gpkg"
run_timed "$DIR/time_bodnaarplot.txt" "${CMD[@]}"
if [ ! -s "$DIR/out.gpkg" ]; then
    echo "bench.sh: bodnaarplot did not write $DIR/out.gpkg" >&2
    exit 1
fi

echo "bench.sh: running baseline copy: ogr2ogr -f GPKG $DIR/copy.gpkg $DIR/out.gpkg candidates"
rm -f "$DIR/copy.gpkg"
run_timed "$DIR/time_copy.txt" ogr2ogr -f GPKG "$DIR/copy.gpkg" "$DIR/out.gpkg" candidates

BW=$(wall_s "$DIR/time_bodnaarplot.txt"); BR=$(rss_mib "$DIR/time_bodnaarplot.txt")
CW=$(wall_s "$DIR/time_copy.txt");        CR=$(rss_mib "$DIR/time_copy.txt")

echo
echo "plots: $PLOTS, facilities per category: $PER_CATEGORY (ov_halte 5x)"
awk -v bw="$BW" -v br="$BR" -v cw="$CW" -v cr="$CR" 'BEGIN {
    printf "%-16s %10s %16s\n", "", "wall [s]", "peak RSS [MiB]"
    printf "%-16s %10.2f %16.1f\n", "bodnaarplot", bw, br
    printf "%-16s %10.2f %16.1f\n", "ogr2ogr copy", cw, cr
    # GNU time has 10 ms resolution; avoid dividing by zero on tiny runs
    rw = bw / (cw > 0.01 ? cw : 0.01); rr = br / (cr > 0 ? cr : 1)
    printf "%-16s %9.2fx %15.2fx\n", "ratio", rw, rr
    printf "\ntarget: bodnaarplot wall time <= 2x the copy: %s\n",
           (rw <= 2.0 ? "MET" : "NOT MET")
}'
