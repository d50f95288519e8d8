#!/usr/bin/env bash
# bench.sh - end-to-end benchmark of bodnaarplot, at any scale up to the
# whole country.
#
# Generates (or reuses) input data, then times with /usr/bin/time -v:
#   1. bodnaarplot (8 categories) -> DIR/out.gpkg                  (the real work)
#   2. ogr2ogr -f GPKG DIR/copy.gpkg DIR/out.gpkg candidates
#      (baseline: the cost of merely writing the same result)
#   3. the "QGIS route", when qgis_process is installed: native:joinbynearest
#      once per category (NEIGHBORS=1), each step's output the next one's
#      input, timed in total (not with --network: QGIS gives straight lines)
# and prints wall time (min and median over --runs) and peak RSS of each,
# the ratios, the targets of the scale, and the per-phase times of the last
# bodnaarplot run (CPL_DEBUG=BODNAARPLOT).  After the QGIS route it checks
# that QGIS and bodnaarplot found the same distances.
#
# Data:
#   default     synthetic: 16 square gemeenten (scripts/make_bench_data.py),
#               --plots plots, --per-category facilities per category
#               (ov_halte 5x); in build/bench
#   --national  the real gemeenten with plots and facilities spread by
#               population (scripts/make_national_data.py: 75,500 facilities,
#               targets near the national woondeal figures); in
#               build/national/p<PLOTS>[_o<F>]
#   --network   walking distances over a synthetic network of about
#               --vertices vertices: a grid with a canal
#               (scripts/make_bench_network.py, default 1,000,000) or, with
#               --national, the national network of make_national_data.py
#               (default 10,000,000)
#
# Usage (from anywhere; paths are relative to the repository root):
#   scripts/bench.sh [--national] [--plots N] [--network] [--vertices V]
#                    [--runs K] [--no-qgis] [--per-category N]
#                    [--outside-fraction F] [--dir DIR] [--data-only]
#   --plots N             plots (default 100000)
#   --runs K              repeat every timed command K times (default 1)
#   --no-qgis             skip the QGIS route
#   --per-category N      synthetic data: facilities per category (default 2000)
#   --outside-fraction F  national data: share of plots in a box larger than
#                         the country (default 0; bodnaarplot warns once about
#                         plots outside every gemeente and gives them none)
#   --dir DIR             data and outputs here instead of the default
#   --data-only           only generate the data
# Environment:
#   BODNAARPLOT   binary to benchmark (default: build/bodnaarplot)
#   QGIS_PROCESS  qgis_process to use (default: qgis_process.bin, else
#                 qgis_process; Debian 12's wrapper passes --noversioncheck
#                 from /etc/default/qgis, which its qgis_process refuses)
# Needs /usr/bin/time (Debian package `time`), ogr2ogr, /usr/bin/python3 with
# the GDAL bindings (and python3-numpy for --national); the QGIS route needs
# Debian's `qgis` package (headless, QT_QPA_PLATFORM=offscreen).
#
# Examples:
#   scripts/bench.sh                                  # 100k synthetic, as before
#   scripts/bench.sh --national --plots 1000000 --runs 3 --no-qgis
#   scripts/bench.sh --national --plots 1000000 --network --no-qgis

set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."          # repository root

PLOTS=100000
PER_CATEGORY=2000
NATIONAL=0
NETWORK=0
VERTICES=
RUNS=1
QGIS=1
OUTSIDE=0
DIR=
DATA_ONLY=0
SEED=1
BIN=${BODNAARPLOT:-build/bodnaarplot}
PY=/usr/bin/python3
TIME=/usr/bin/time

usage() { sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; }
need() { [ -n "${2:-}" ] || { echo "bench.sh: $1 needs a value" >&2; exit 2; }; }

while [ $# -gt 0 ]; do
    case "$1" in
        --plots) need "$1" "${2:-}"; PLOTS=$2; shift 2 ;;
        --plots=*) PLOTS=${1#*=}; shift ;;
        --per-category) need "$1" "${2:-}"; PER_CATEGORY=$2; shift 2 ;;
        --per-category=*) PER_CATEGORY=${1#*=}; shift ;;
        --national) NATIONAL=1; shift ;;
        --network) NETWORK=1; shift ;;
        --vertices) need "$1" "${2:-}"; VERTICES=$2; shift 2 ;;
        --vertices=*) VERTICES=${1#*=}; shift ;;
        --runs) need "$1" "${2:-}"; RUNS=$2; shift 2 ;;
        --runs=*) RUNS=${1#*=}; shift ;;
        --no-qgis) QGIS=0; shift ;;
        --outside-fraction) need "$1" "${2:-}"; OUTSIDE=$2; shift 2 ;;
        --outside-fraction=*) OUTSIDE=${1#*=}; shift ;;
        --dir) need "$1" "${2:-}"; DIR=$2; shift 2 ;;
        --dir=*) DIR=${1#*=}; shift ;;
        --data-only) DATA_ONLY=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
done
if [ -z "$VERTICES" ]; then
    if [ "$NATIONAL" = 1 ]; then VERTICES=10000000; else VERTICES=1000000; fi
fi
for v in "$PLOTS" "$PER_CATEGORY" "$VERTICES" "$RUNS"; do
    case "$v" in ''|*[!0-9]*|0) echo "bench.sh: not a positive number: '$v'" >&2; exit 2 ;; esac
done
case "$OUTSIDE" in ''|*[!0-9.]*) echo "bench.sh: --outside-fraction: not a number: '$OUTSIDE'" >&2; exit 2 ;; esac
OUTSIDE=$(printf '%g' "$OUTSIDE")
if [ "$NATIONAL" = 0 ] && [ "$OUTSIDE" != 0 ]; then
    echo "bench.sh: --outside-fraction needs --national" >&2; exit 2
fi
if [ -z "$DIR" ]; then
    if [ "$NATIONAL" = 1 ]; then
        DIR=build/national/p$PLOTS
        [ "$OUTSIDE" != 0 ] && DIR=${DIR}_o$OUTSIDE
    else
        DIR=build/bench
    fi
fi

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
if [ "$NATIONAL" = 1 ] && ! "$PY" -c 'import numpy' 2>/dev/null; then
    echo "bench.sh: --national needs numpy for $PY (Debian: python3-numpy)" >&2
    exit 1
fi

QGISP=
QGIS_NOTE=
if [ "$DATA_ONLY" = 0 ] && [ "$QGIS" = 1 ]; then
    if [ "$NETWORK" = 1 ]; then
        QGIS_NOTE="QGIS route skipped: it measures straight lines, not walking distances"
    else
        for q in ${QGIS_PROCESS:-} qgis_process.bin qgis_process; do
            if command -v "$q" >/dev/null &&
               QT_QPA_PLATFORM=offscreen "$q" help native:joinbynearest >/dev/null 2>&1; then
                QGISP=$(command -v "$q"); break
            fi
        done
        [ -z "$QGISP" ] && QGIS_NOTE="QGIS route skipped: no working qgis_process (Debian package qgis)"
    fi
fi

# ---- data (reuse when generated with the same parameters)
mkdir -p "$DIR"
if [ "$NATIONAL" = 1 ]; then
    WANT="plots=$PLOTS seed=$SEED outside=$OUTSIDE"
    NET_WANT="vertices=$VERTICES seed=$SEED rural_every=3"
    if [ "$(cat "$DIR/national_params.txt" 2>/dev/null)" = "$WANT" ]; then
        echo "bench.sh: reusing national data in $DIR ($WANT)"
    else
        echo "bench.sh: generating national data in $DIR ($WANT)"
        "$PY" scripts/make_national_data.py "$DIR" --plots "$PLOTS" --seed "$SEED" \
            --outside-fraction "$OUTSIDE"
    fi
    if [ "$NETWORK" = 1 ]; then
        if [ "$(cat "$DIR/network_params.txt" 2>/dev/null)" = "$NET_WANT" ]; then
            echo "bench.sh: reusing national network in $DIR ($NET_WANT)"
        else
            echo "bench.sh: generating national network in $DIR ($NET_WANT)"
            "$PY" scripts/make_national_data.py "$DIR" --plots "$PLOTS" --seed "$SEED" \
                --outside-fraction "$OUTSIDE" --network-only --vertices "$VERTICES"
        fi
    fi
    PLOTS_SRC="$DIR/kavels.gpkg|layername=kavels"; ID_FIELD=kavel_id
    FAC_FILE="$DIR/voorzieningen.gpkg"
    CATEGORIES=(supermarkt huisarts apotheek ov_halte ontmoeting zorg groen fysiotherapie)
    PROJECT=$DIR/project.yaml
    [ "$NETWORK" = 1 ] && PROJECT=$DIR/project_network.yaml
    DESC="national: $PLOTS plots in the real gemeenten, 75,500 facilities"
    [ "$OUTSIDE" != 0 ] && DESC="$DESC, outside fraction $OUTSIDE"
else
    WANT="plots=$PLOTS per_category=$PER_CATEGORY seed=$SEED"
    SIZE=$(awk -v v="$VERTICES" 'BEGIN { s = int(sqrt(v) + 0.5); print (s < 2 ? 2 : s) }')
    NET_WANT="size=$SIZE"
    if [ "$(cat "$DIR/bench_params.txt" 2>/dev/null)" = "$WANT" ]; then
        echo "bench.sh: reusing data in $DIR ($WANT)"
    else
        echo "bench.sh: generating data in $DIR ($WANT)"
        "$PY" scripts/make_bench_data.py "$DIR" --plots "$PLOTS" \
            --per-category "$PER_CATEGORY" --seed "$SEED"
    fi
    if [ "$NETWORK" = 1 ]; then
        if [ "$(cat "$DIR/network_params.txt" 2>/dev/null)" = "$NET_WANT" ]; then
            echo "bench.sh: reusing network in $DIR ($NET_WANT)"
        else
            rm -f "$DIR/network_params.txt"
            echo "bench.sh: generating network in $DIR ($NET_WANT)"
            "$PY" scripts/make_bench_network.py "$DIR" --size "$SIZE"
            echo "$NET_WANT" > "$DIR/network_params.txt"
        fi
    fi
    PLOTS_SRC="$DIR/plots.gpkg|layername=plots"; ID_FIELD=plot_id
    FAC_FILE="$DIR/facilities.gpkg"
    CATEGORIES=(supermarkt huisarts apotheek ov_halte ontmoeting zorg groen fysio)
    DESC="synthetic: $PLOTS plots in 16 square gemeenten, $PER_CATEGORY facilities per category (ov_halte 5x)"
fi
[ "$NETWORK" = 1 ] && DESC="$DESC; network of about $VERTICES vertices"
[ "$DATA_ONLY" = 1 ] && exit 0

# ---- the command under test (|layername= arguments quoted as single words)
if [ "$NATIONAL" = 1 ]; then
    CMD=("$BIN" run "$PROJECT")
else
    CMD=("$BIN" score --candidates "$PLOTS_SRC" --id-field "$ID_FIELD")
    for c in "${CATEGORIES[@]}"; do
        CMD+=(--facility "$c=$FAC_FILE|layername=$c")
    done
    CMD+=(--gemeenten "$DIR/gemeenten.gpkg|layername=gemeenten" --targets "$DIR/targets.csv")
    [ "$NETWORK" = 1 ] && CMD+=(--network "$DIR/network.gpkg")
fi
CMD+=(-o "$DIR/out.gpkg" --overwrite -q)

# wall seconds from GNU time's "Elapsed (wall clock) time (h:mm:ss or m:ss): X"
wall_s() {
    sed -n 's/.*Elapsed (wall clock) time[^:]*: *//p' "$1" |
        awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }'
}
rss_mib() {
    sed -n 's/.*Maximum resident set size (kbytes): *//p' "$1" |
        awk '{ printf "%.1f", $1 / 1024 }'
}
# run_timed LOGFILE OUTFILE CMD...: stdout and stderr of CMD to OUTFILE; on failure
# prints the command, its exit status and the end of its stderr, and exits
run_timed() {
    local log=$1 err=$2; shift 2
    if ! "$TIME" -v -o "$log" "$@" >"$err" 2>&1; then
        echo "bench.sh: command failed:" >&2
        printf ' %q' "$@" >&2; echo >&2
        grep -m1 -E 'exited with|terminated by' "$log" >&2 || true
        grep -v '^BODNAARPLOT:' "$err" | tail -5 >&2 || true
        exit 1
    fi
}
# stats "v1 v2 ...": "min median"
stats() {
    printf '%s\n' $1 | sort -g | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.2f %.2f", v[1], m }'
}

QDIR=$DIR/qgis
B_W=; B_R=; C_W=; C_R=; Q_W=; Q_R=; Q_STEPS=
echo "bench.sh: bodnaarplot:"
printf ' %q' "${CMD[@]}"; echo
for run in $(seq 1 "$RUNS"); do
    [ "$RUNS" -gt 1 ] && echo "bench.sh: run $run of $RUNS"
    rm -f "$DIR/out.gpkg" "$DIR/copy.gpkg"
    CPL_DEBUG=BODNAARPLOT run_timed "$DIR/time_bodnaarplot.txt" "$DIR/stderr_bodnaarplot.txt" "${CMD[@]}"
    if [ ! -s "$DIR/out.gpkg" ]; then
        echo "bench.sh: bodnaarplot did not write $DIR/out.gpkg" >&2
        exit 1
    fi
    B_W="$B_W $(wall_s "$DIR/time_bodnaarplot.txt")"; B_R="$B_R $(rss_mib "$DIR/time_bodnaarplot.txt")"
    echo "  bodnaarplot   $(wall_s "$DIR/time_bodnaarplot.txt") s, $(rss_mib "$DIR/time_bodnaarplot.txt") MiB"

    run_timed "$DIR/time_copy.txt" "$DIR/stderr_copy.txt" \
        ogr2ogr -f GPKG "$DIR/copy.gpkg" "$DIR/out.gpkg" candidates
    C_W="$C_W $(wall_s "$DIR/time_copy.txt")"; C_R="$C_R $(rss_mib "$DIR/time_copy.txt")"
    echo "  ogr2ogr copy  $(wall_s "$DIR/time_copy.txt") s, $(rss_mib "$DIR/time_copy.txt") MiB"

    if [ -n "$QGISP" ]; then
        rm -rf "$QDIR"; mkdir -p "$QDIR"
        in=$PLOTS_SRC; k=0; tw=0; tr=0; Q_STEPS=
        for c in "${CATEGORIES[@]}"; do
            k=$((k + 1))
            QT_QPA_PLATFORM=offscreen run_timed "$QDIR/time_$k.txt" "$QDIR/log_$k.txt" \
                "$QGISP" run native:joinbynearest --INPUT="$in" \
                --INPUT_2="$FAC_FILE|layername=$c" --FIELDS_TO_COPY=naam \
                --DISCARD_NONMATCHING=false --PREFIX="${c}_" --NEIGHBORS=1 \
                --OUTPUT="$QDIR/step_$k.gpkg"
            w=$(wall_s "$QDIR/time_$k.txt"); r=$(rss_mib "$QDIR/time_$k.txt")
            tw=$(awk -v a="$tw" -v b="$w" 'BEGIN { printf "%.2f", a + b }')
            tr=$(awk -v a="$tr" -v b="$r" 'BEGIN { printf "%.1f", (b > a ? b : a) }')
            Q_STEPS="$Q_STEPS $c $w s,"
            in=$QDIR/step_$k.gpkg
        done
        Q_W="$Q_W $tw"; Q_R="$Q_R $tr"
        echo "  QGIS route    $tw s, $tr MiB (largest step)"
    fi
done

# ---- does QGIS find the same distances? (last run, not timed)
Q_CHECK=
if [ -n "$QGISP" ]; then
    Q_CHECK=$("$PY" - "$DIR/out.gpkg" "$QDIR/step_${#CATEGORIES[@]}.gpkg" "$ID_FIELD" \
              "${CATEGORIES[@]}" <<'EOF'
import sys
from osgeo import ogr
out, chain, idf, cats = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
names = ["distance"] + ["distance_%d" % k for k in range(2, len(cats) + 1)]
q = {}
ds = ogr.Open(chain)
for f in ds.GetLayer(0):
    q[str(f.GetField(idf))] = [f.GetField(n) for n in names]
ds2 = ogr.Open(out)
worst, n, missing = 0.0, 0, 0
for f in ds2.GetLayer("candidates"):
    row = q.get(str(f.GetField(idf)))
    if row is None:
        missing += 1
        continue
    n += 1
    for c, d in zip(cats, row):
        b = f.GetField("dist_%s_m" % c)
        if b is None or d is None:
            missing += 1
        else:
            worst = max(worst, abs(b - d))
print("largest |QGIS - bodnaarplot| distance over %d plots x %d categories: %.4f m%s"
      % (n, len(cats), worst, "; %d values missing" % missing if missing else ""))
EOF
) || Q_CHECK="comparison with QGIS failed"
fi

# ---- report
read -r BW_MIN BW_MED <<<"$(stats "$B_W")"; read -r _ BR_MED <<<"$(stats "$B_R")"
read -r CW_MIN CW_MED <<<"$(stats "$C_W")"; read -r _ CR_MED <<<"$(stats "$C_R")"
BR_MAX=$(printf '%s\n' $B_R | sort -g | tail -1)
echo
echo "$DESC; 8 categories; runs: $RUNS"
echo "binary: $BIN"
{
    echo "bodnaarplot $BW_MIN $BW_MED $BR_MED"
    echo "ogr2ogr_copy $CW_MIN $CW_MED $CR_MED"
    if [ -n "$Q_W" ]; then
        read -r QW_MIN QW_MED <<<"$(stats "$Q_W")"; read -r _ QR_MED <<<"$(stats "$Q_R")"
        echo "QGIS_route_(8_joins) $QW_MIN $QW_MED $QR_MED"
    fi
} | awk -v brmax="$BR_MAX" '
    { name[NR] = $1; gsub(/_/, " ", name[NR]); wmin[NR] = $2; wmed[NR] = $3; rss[NR] = $4 }
    END {
        printf "%-22s %10s %10s %15s\n", "", "wall min", "wall med", "peak RSS med"
        for (i = 1; i <= NR; i++)
            printf "%-22s %9.2fs %9.2fs %11.1f MiB\n", name[i], wmin[i], wmed[i], rss[i]
        # GNU time has 10 ms resolution; avoid dividing by zero on tiny runs
        for (i = 2; i <= NR; i++)
            printf "%-22s %9.2fx %9.2fx %14.2fx\n", "bodnaarplot / " (i == 2 ? "copy" : "QGIS"),
                   wmin[1] / (wmin[i] > 0.01 ? wmin[i] : 0.01),
                   wmed[1] / (wmed[i] > 0.01 ? wmed[i] : 0.01), rss[1] / (rss[i] > 0 ? rss[i] : 1)
    }'
[ -n "$QGIS_NOTE" ] && echo "$QGIS_NOTE"
[ -n "$Q_STEPS" ] && echo "QGIS steps (last run):${Q_STEPS%,}"
[ -n "$Q_CHECK" ] && echo "$Q_CHECK"

# targets of the issue "scale: the whole country on one laptop" (MB = 10^6 bytes)
awk -v p="$PLOTS" -v net="$NETWORK" -v bw="$BW_MED" -v cw="$CW_MED" -v br="$BR_MAX" 'BEGIN {
    mb = br * 1048576 / 1e6; r = bw / (cw > 0.01 ? cw : 0.01)
    if (net) {
        if (p >= 1000000)
            printf "target (network, >= 1M plots): wall < 120 s and peak RSS < 6 GB: %s (%.0f s, %.0f MB)\n",
                   (bw < 120 && mb < 6000 ? "MET" : "NOT MET"), bw, mb
    } else if (p >= 10000000)
        printf "target (10M plots): wall <= 1.5x the copy and peak RSS < 4 GB: %s (%.2fx, %.0f MB)\n",
               (r <= 1.5 && mb < 4000 ? "MET" : "NOT MET"), r, mb
    else if (p >= 1000000)
        printf "target (1M plots): wall <= 1.3x the copy and peak RSS <= 500 MB: %s (%.2fx, %.0f MB)\n",
               (r <= 1.3 && mb <= 500 ? "MET" : "NOT MET"), r, mb
    else
        printf "target: bodnaarplot wall time <= 2x the copy: %s (%.2fx)\n", (r <= 2.0 ? "MET" : "NOT MET"), r
}'

echo
echo "bodnaarplot phases (last run, CPL_DEBUG=BODNAARPLOT):"
grep 'BODNAARPLOT' "$DIR/stderr_bodnaarplot.txt" | sed 's/^BODNAARPLOT: /  /' || echo "  (none printed)"
