#!/usr/bin/env bash
# check_unchanged.sh - are the outputs of the working tree identical to those
# of an earlier revision?  For refactors that must not change any result.
#
# Builds BASE_REV in a temporary git worktree under build-base/ (removed at
# the end; the binary is kept as build-base/bodnaarplot-<commit> and reused),
# builds the working tree into build/ (or takes $BODNAARPLOT), runs both
# binaries on the same inputs, from the repository root with the same
# arguments, and compares the candidates, gemeente_gap, facilities (and
# walk_network) tables with scripts/compare_outputs.py:
#   zwolle        examples/zwolle/project.yaml
#   monaco        examples/monaco/project.yaml (walking network, rollator)
#   monaco_osm    examples/monaco/project_osm.yaml (facilities from OSM)
#   bench         scripts/make_bench_data.py data, the flags of scripts/bench.sh
#   bench_variant the same data: zorggeschikt, --radius, --density,
#                 --gap-weight, --filter, --where
#   network       the same data over scripts/make_bench_network.py's grid
#                 (walking distances and the walk_network layer)
# Every case runs with --threads 1: with more threads the straight-line
# distances of e03fb01 are not reproducible (per-thread STRtrees built at
# the same time over the shared facility geometries race on GEOS's lazily
# cached envelopes: facilities go missing, distances come out too large,
# counts too small, at random).  A last, informational step runs the
# benchmark case with all cores against --threads 1, for base and current,
# and says whether they agree; BP_CHECK_THREADS_STRICT=1 makes a
# disagreement of the current binary fail the check.
# The messages (warnings, summary) are compared too, without the
# run time; a difference there is reported as a note, not as a failure.
#
# Usage (from anywhere):
#   scripts/check_unchanged.sh [BASE_REV]
# BASE_REV: any commit-ish (e03fb01, main, v0.1.0); default $BP_BASE_REV, else
# the merge-base of HEAD with its upstream (or origin/main).  One is required.
# Environment:
#   BODNAARPLOT        current binary to use instead of building build/
#   BP_BASE_REV        base revision when none is given as argument
#   BP_CHECK_PLOTS     plots in the benchmark data (default 20000)
#   BP_CHECK_NET_SIZE  network grid side, vertices (default 300: 90,000
#                      vertices, about 180,000 edges)
#   BP_CHECK_THREADS   --threads of every case (default 1; 0 = all cores)
#   BP_CHECK_NO_WALK   cases whose walk_network layer is not compared, e.g.
#                      "monaco monaco_osm" against e03fb01 and older: their
#                      OSM reader lost the first walkable way of a file
#                      (one edge fewer; fixed since), which shifts every
#                      edge id of walk_network while the candidates stay
#                      identical
#   BP_CHECK_THREADS_STRICT=1  fail when the current binary's multi-threaded
#                      benchmark output differs from its --threads 1 output
#   BP_REBUILD_BASE=1  rebuild the base binary even when one is cached
#   KEEP=1             keep the outputs even when everything is identical
# Outputs go to build/check_unchanged/out.XXXXXX (kept when something
# differs), the generated data to build/check_unchanged/data (reused).
# Exit status: 0 all identical; 1 some output differs or a run failed;
# 2 usage or setup error (unknown revision, build failed, missing tools).
# Takes about 40 s on 2 cores, including the first run's build of the base
# and data generation; most of it is compare_outputs.py reading the tables.

set -euo pipefail

usage() { sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
die() { echo "check_unchanged.sh: $*" >&2; exit 2; }

case "${1:-}" in -h|--help) usage; exit 0 ;; esac
[ $# -le 1 ] || die "too many arguments (try --help)"

# a relative BODNAARPLOT is relative to where the script was started
CUR_BIN=${BODNAARPLOT:-}
if [ -n "$CUR_BIN" ] && [ "${CUR_BIN#/}" = "$CUR_BIN" ]; then
    CUR_BIN=$PWD/$CUR_BIN
fi

cd "$(dirname "${BASH_SOURCE[0]}")/.."          # repository root

PY=/usr/bin/python3
COMPARE=scripts/compare_outputs.py
PLOTS=${BP_CHECK_PLOTS:-20000}
NET_SIZE=${BP_CHECK_NET_SIZE:-300}
THREADS=${BP_CHECK_THREADS:-1}
PER_CATEGORY=2000
JOBS=$(nproc 2>/dev/null || echo 2)
CATEGORIES=(supermarkt huisarts apotheek ov_halte ontmoeting zorg groen fysio)

for v in "$PLOTS" "$NET_SIZE" "$THREADS"; do
    case "$v" in ''|*[!0-9]*) die "not a positive number: '$v'" ;; esac
done
if [ ! -x "$PY" ] || ! "$PY" -c 'from osgeo import ogr' 2>/dev/null; then
    die "$PY with the GDAL bindings is required (Debian: python3-gdal)"
fi
command -v cmake >/dev/null || die "cmake not found"
git rev-parse --git-dir >/dev/null 2>&1 || die "not inside a git repository"
if [ -n "$CUR_BIN" ] && [ ! -x "$CUR_BIN" ]; then
    die "BODNAARPLOT=$CUR_BIN is not an executable"
fi

# ---- the base revision
REV=${1:-${BP_BASE_REV:-}}
if [ -z "$REV" ]; then
    for up in '@{upstream}' origin/main origin/HEAD; do
        if git rev-parse --verify -q "$up^{commit}" >/dev/null 2>&1; then
            REV=$(git merge-base HEAD "$up") && break
        fi
    done
    [ -n "$REV" ] || die "no base revision: give one (scripts/check_unchanged.sh e03fb01)
    or set BP_BASE_REV; there is no upstream to take the merge-base with"
    echo "check_unchanged.sh: no BASE_REV given; using the merge-base with upstream"
fi
BASE=$(git rev-parse --verify -q "$REV^{commit}") || die "unknown revision: $REV"
echo "check_unchanged.sh: base $REV = $(git log -1 --format='%h %s' "$BASE")"
if [ -z "$(git status --porcelain --untracked-files=no)" ] &&
   [ "$(git rev-parse HEAD)" = "$BASE" ]; then
    echo "check_unchanged.sh: note: the working tree is the base revision itself"
fi

mkdir -p build-base build/check_unchanged
WT=
cleanup() {
    if [ -n "$WT" ] && [ -d "$WT" ]; then
        git worktree remove --force "$WT" 2>/dev/null || { rm -rf "$WT"; git worktree prune; }
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the base binary, built once per commit
BASE_BIN=build-base/bodnaarplot-$BASE
if [ -x "$BASE_BIN" ] && [ "${BP_REBUILD_BASE:-0}" != 1 ]; then
    echo "check_unchanged.sh: reusing the base binary $BASE_BIN"
else
    WT=build-base/worktree-$BASE-$$
    BDIR=build-base/build-$BASE
    LOG=build-base/build-$BASE.log
    echo "check_unchanged.sh: building the base in $WT (log: $LOG)"
    git worktree add --detach "$WT" "$BASE" >"$LOG" 2>&1 || {
        cat "$LOG" >&2; die "git worktree add --detach $WT $BASE failed"; }
    rm -rf "$BDIR"
    if ! { cmake -S "$WT" -B "$BDIR" -DBP_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
           cmake --build "$BDIR" -j"$JOBS" --target bodnaarplot; } >>"$LOG" 2>&1; then
        tail -n 20 "$LOG" >&2
        die "building the base failed (log: $LOG)"
    fi
    cp "$BDIR/bodnaarplot" "$BASE_BIN.tmp" && mv "$BASE_BIN.tmp" "$BASE_BIN"
    rm -rf "$BDIR"
    cleanup; WT=
fi

# ---- the current binary
if [ -n "$CUR_BIN" ]; then
    echo "check_unchanged.sh: current binary: \$BODNAARPLOT ($CUR_BIN)"
else
    echo "check_unchanged.sh: building the working tree in build/ (log: build/check_unchanged/build.log)"
    if ! { { [ -f build/CMakeCache.txt ] || cmake -S . -B build; } &&
           cmake --build build -j"$JOBS" --target bodnaarplot; } >build/check_unchanged/build.log 2>&1; then
        tail -n 20 build/check_unchanged/build.log >&2
        die "building the working tree failed (log: build/check_unchanged/build.log)"
    fi
    CUR_BIN=build/bodnaarplot
fi

# ---- inputs: benchmark data and network, generated by the working tree's scripts
DATA=build/check_unchanged/data
WANT="plots=$PLOTS per_category=$PER_CATEGORY seed=1 network=$NET_SIZE"
if [ "$(cat "$DATA/check_params.txt" 2>/dev/null)" = "$WANT" ]; then
    echo "check_unchanged.sh: reusing the data in $DATA ($WANT)"
else
    echo "check_unchanged.sh: generating data in $DATA ($WANT)"
    rm -rf "$DATA"; mkdir -p "$DATA"
    "$PY" scripts/make_bench_data.py "$DATA" --plots "$PLOTS" \
        --per-category "$PER_CATEGORY" --seed 1 >/dev/null
    "$PY" scripts/make_bench_network.py "$DATA" --size "$NET_SIZE" >/dev/null
    echo "$WANT" > "$DATA/check_params.txt"
fi

# ---- the cases: NAME ARGS... (each binary adds -o DIR/NAME.gpkg --overwrite)
BENCH=(score --candidates "$DATA/plots.gpkg|layername=plots" --id-field plot_id)
for c in "${CATEGORIES[@]}"; do
    BENCH+=(--facility "$c=$DATA/facilities.gpkg|layername=$c")
done
BENCH+=(--gemeenten "$DATA/gemeenten.gpkg|layername=gemeenten" --targets "$DATA/targets.csv")

CASES=(zwolle monaco monaco_osm bench bench_variant network)
case_args() {
    case "$1" in
        zwolle)        ARGS=(run examples/zwolle/project.yaml) ;;
        monaco)        ARGS=(run examples/monaco/project.yaml) ;;
        monaco_osm)    ARGS=(run examples/monaco/project_osm.yaml) ;;
        bench)         ARGS=("${BENCH[@]}") ;;
        bench_variant) ARGS=("${BENCH[@]}" --profile zorggeschikt --radius 800 --density 45
                             --gap-weight 0.4
                             --where "beschikbaar_vanaf <= 2030"
                             --filter "eigendom IN ('gemeente','corporatie') AND dist_supermarkt_m < 900") ;;
        network)       ARGS=("${BENCH[@]}" --network "$DATA/network.gpkg") ;;
        *) die "internal: unknown case $1" ;;
    esac
    ARGS+=(--threads "$THREADS")
}

OUT=$(mktemp -d build/check_unchanged/out.XXXXXX)
mkdir -p "$OUT/base" "$OUT/current"
echo "check_unchanged.sh: base binary    $BASE_BIN"
echo "check_unchanged.sh: current binary $CUR_BIN"
echo "check_unchanged.sh: outputs in     $OUT"

# what a run printed (stdout, then stderr) without the run time ("...; 0.4 s")
# and with the output directory as OUT/
normalise_log() {    # normalise_log SIDE NAME
    cat "$OUT/$1/$2.stdout" "$OUT/$1/$2.log" |
        sed -e 's/; [0-9.]* s$//' -e "s#$OUT/$1/#OUT/#g"
}

declare -A RESULT
FAILED=0
NOTES=0
for name in "${CASES[@]}"; do
    case_args "$name"
    echo
    echo "== $name:$(printf ' %q' "${ARGS[@]}")"
    ok=1
    for side in base current; do
        if [ "$side" = base ]; then bin=$BASE_BIN; else bin=$CUR_BIN; fi
        t0=$EPOCHREALTIME
        set +e
        "$bin" "${ARGS[@]}" -o "$OUT/$side/$name.gpkg" --overwrite \
            >"$OUT/$side/$name.stdout" 2>"$OUT/$side/$name.log"
        rc=$?
        set -e
        t1=$EPOCHREALTIME
        printf '   %-8s exit %d, %s s\n' "$side" "$rc" \
            "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
        if [ "$rc" != 0 ] || [ ! -s "$OUT/$side/$name.gpkg" ]; then
            echo "   the $side run failed (exit $rc):" >&2
            tail -n 5 "$OUT/$side/$name.log" | sed 's/^/     /' >&2
            ok=0
        fi
    done
    if [ "$ok" = 0 ]; then
        RESULT[$name]="FAILED (a run failed)"; FAILED=1; continue
    fi
    set +e
    cmp_opts=()
    case " ${BP_CHECK_NO_WALK:-} " in *" $name "*) cmp_opts=(--no-walk-network) ;; esac
    "$PY" "$COMPARE" "${cmp_opts[@]}" "$OUT/base/$name.gpkg" "$OUT/current/$name.gpkg" | sed 's/^/   /'
    rc=${PIPESTATUS[0]}
    set -e
    case "$rc" in
        0) RESULT[$name]="identical" ;;
        1) RESULT[$name]="DIFFERENT"; FAILED=1 ;;
        *) RESULT[$name]="ERROR (compare_outputs.py exit $rc)"; FAILED=1 ;;
    esac
    if ! diff -q <(normalise_log base "$name") <(normalise_log current "$name") >/dev/null; then
        echo "   note: the messages differ (base < > current):"
        diff <(normalise_log base "$name") <(normalise_log current "$name") |
            head -n 20 | sed 's/^/     /' || true   # diff exits 1 here: not the script's end
        RESULT[$name]="${RESULT[$name]}, messages differ"
        NOTES=1
    fi
done

# ---- informational: is each binary's output the same on all cores?
MT=$JOBS; [ "$MT" -ge 2 ] || MT=2
THREAD_NOTE=
if [ "$THREADS" = 1 ] && [ "${RESULT[bench]}" != "FAILED (a run failed)" ]; then
    echo
    echo "== threads (informational): bench with --threads $MT against --threads 1, per binary"
    case_args bench
    ARGS=("${ARGS[@]:0:${#ARGS[@]}-2}" --threads "$MT")
    for side in base current; do
        if [ "$side" = base ]; then bin=$BASE_BIN; else bin=$CUR_BIN; fi
        if ! "$bin" "${ARGS[@]}" -o "$OUT/$side/bench_mt.gpkg" --overwrite -q \
                2>"$OUT/$side/bench_mt.log"; then
            echo "   $side: the run with --threads $MT failed"
            [ "$side" = base ] || THREAD_NOTE="current: the run with --threads $MT failed"
            continue
        fi
        set +e
        "$PY" "$COMPARE" "$OUT/$side/bench.gpkg" "$OUT/$side/bench_mt.gpkg" \
            --sort-by auto --max-diffs 0 >"$OUT/$side/bench_mt.compare"
        rc=$?
        set -e
        if [ "$rc" = 0 ]; then
            echo "   $side: --threads $MT gives the same output as --threads 1"
            [ "$side" = base ] || THREAD_NOTE="current: same on $MT threads"
        else
            echo "   $side: --threads $MT DIFFERS from --threads 1 ($(grep -m1 -o '[0-9]* of [0-9]* compared rows differ' "$OUT/$side/bench_mt.compare" || echo "see $OUT/$side/bench_mt.compare"))"
            grep -E '^      (dist|n)_' "$OUT/$side/bench_mt.compare" | head -n 4 | sed 's/^/     /'
            [ "$side" = base ] || THREAD_NOTE="current: DIFFERS on $MT threads"
        fi
    done
    if [ "${BP_CHECK_THREADS_STRICT:-0}" = 1 ] && [ "${THREAD_NOTE#current: same}" = "$THREAD_NOTE" ]; then
        FAILED=1
    fi
fi

echo
echo "== summary: base $(git rev-parse --short "$BASE") vs the working tree (--threads $THREADS)"
for name in "${CASES[@]}"; do
    printf '   %-14s %s\n' "$name" "${RESULT[$name]}"
done
if [ -n "$THREAD_NOTE" ]; then
    printf '   %-14s %s%s\n' "(threads)" "$THREAD_NOTE" \
        "$([ "${BP_CHECK_THREADS_STRICT:-0}" = 1 ] || echo ' (informational)')"
fi
if [ "$FAILED" = 0 ]; then
    if [ "${KEEP:-0}" = 1 ] || [ "$NOTES" = 1 ]; then
        echo "outputs kept in $OUT"
    else
        rm -rf "$OUT"
    fi
    echo "check_unchanged.sh: all outputs identical"
    exit 0
fi
echo "outputs kept in $OUT (base/ and current/)"
echo "check_unchanged.sh: OUTPUTS DIFFER"
exit 1
