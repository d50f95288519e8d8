#!/usr/bin/env bash
# cli_test.sh — end-to-end tests of the bodnaarplot command line.
#
#   tests/cli_test.sh BINARY SOURCE_DIR
#
# Runs the bundled Zwolle example (a copy in a temporary folder) and checks
# the GeoPackage it writes: layers and fields, ranks, gaps, run_info,
# determinism, `score` with flags equal to `run` with the project file.
# Then every kind of bad input, each with its exit code and its one-line
# message naming the file, layer, field, key or line at fault.  For each
# failing case the output must not be created, and an existing output given
# with --overwrite must stay byte-identical, with no temporary files left
# beside it.
#
# Prints "ok - NAME" or "not ok - NAME: WHY" per case and ends with
# "N passed, M failed"; exits non-zero when any case failed.
# Needs bash, coreutils, GDAL's ogrinfo/ogr2ogr and the sqlite3 CLI.
set -uo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 BINARY SOURCE_DIR" >&2
    exit 2
fi
BIN=$(realpath "$1")
SRC=$(realpath "$2")
for tool in ogrinfo ogr2ogr sqlite3 cmp; do
    command -v "$tool" >/dev/null || { echo "$0: $tool is not installed" >&2; exit 2; }
done
[ -x "$BIN" ] || { echo "$0: $BIN is not an executable" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/bodnaarplot_cli.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
# $work as a regular expression (TMPDIR may hold . + and the like)
W=$(printf '%s' "$work" | sed 's/[][\/.^$*+?(){}|]/\\&/g')

# Guard against a hanging binary; not a timing check.
TIMEOUT=300

passed=0 failed=0
pass() { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "not ok - $1: $2"; failed=$((failed + 1)); }

# assert NAME WHY CMD... — passes when CMD succeeds, else reports WHY.
assert() {
    local name=$1 why=$2
    shift 2
    if "$@"; then pass "$name"; else fail "$name" "$why"; fi
}

# bp ARGS... — runs the binary, stdout to $work/last.out, stderr to
# $work/last.err; returns its exit code.
bp() {
    timeout "$TIMEOUT" "$BIN" "$@" >"$work/last.out" 2>"$work/last.err"
}

# sql GPKG QUERY — one query on a GeoPackage, read-only; values |-separated.
sql() { sqlite3 -readonly "$1" ".mode list" "$2" 2>/dev/null; }

# candidates_dump GPKG — every row and column of candidates (geometry as
# hex), in the order written.
candidates_dump() { sqlite3 -readonly "$1" ".mode quote" "SELECT * FROM candidates ORDER BY fid" 2>/dev/null; }

# ranking GPKG — plot_id, rank, score of every plot, by plot id.
ranking() { ogrinfo -ro -q -sql 'SELECT plot_id, "rank", score FROM candidates ORDER BY plot_id' "$1"; }

differ() { ! cmp -s "$1" "$2"; }

first_err() { head -c 300 "$work/last.err" | head -n 3 | tr '\n' ' '; }

# ---------------------------------------------------------------------------
# check NAME EXPECTED_CODE REGEX [OPTIONS] -- ARGS...
#
# Runs the binary with ARGS, where the word @OUT@ stands for the output
# path (a file OUT_NAME in a folder of its own).  Checks the exit code and:
#   code 0:  REGEX (when not empty) matches a line of stderr; the output
#            exists and nothing else is left in its folder.
#   code >0: stderr is exactly one line and matches REGEX; the output was
#            not created and the folder is empty.  Then runs ARGS again with
#            an existing output (a copy of a real result) and --overwrite
#            (right after @OUT@): same code and message, the output
#            byte-identical, nothing else left in the folder.
# OPTIONS:
#   --out-name NAME   file name for @OUT@ (default out.gpkg)
#   --existing-only   only run on an existing output, without adding
#                     --overwrite (for the "output exists" case)
#   --fsize-limit KB  run under `ulimit -f KB` (writes beyond it fail)
# After the call, $CHECK_OUT is the output path of the last run.
# ---------------------------------------------------------------------------
ncase=0
CHECK_OUT=
check() {
    local name=$1 code=$2 regex=$3
    shift 3
    local out_name=out.gpkg mode=both fsize=
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        case $1 in
        --out-name) out_name=$2; shift ;;
        --existing-only) mode=existing ;;
        --fsize-limit) fsize=$2; shift ;;
        *) echo "check: unknown option $1" >&2; exit 2 ;;
        esac
        shift
    done
    [ "${1-}" = -- ] || { echo "check $name: missing --" >&2; exit 2; }
    shift
    ncase=$((ncase + 1))
    local dir=$work/case$ncase uses_out=0 a
    for a in "$@"; do [[ $a == *@OUT@* ]] && uses_out=1; done
    local -a problems=()

    # run_variant VARIANT: VARIANT is fresh or existing
    run_variant() {
        local variant=$1 folder=$dir/$1 extra=()
        shift
        mkdir -p "$folder"
        local out=$folder/$out_name
        CHECK_OUT=$out
        if [ "$variant" != fresh ]; then
            cp "$REFERENCE" "$out"
            cp "$REFERENCE" "$dir/before"
            [ "$mode" = both ] && extra=(--overwrite)
        fi
        # --overwrite goes right after the output path, or at the end
        local -a args=()
        for a in "$@"; do
            if [ "$a" = @OUT@ ]; then
                args+=("$out" "${extra[@]}")
                extra=()
            else
                args+=("${a//@OUT@/$out}")
            fi
        done
        if [ -n "$fsize" ]; then
            (ulimit -f "$fsize" && bp "${args[@]}" "${extra[@]}")
        else
            bp "${args[@]}" "${extra[@]}"
        fi
        local rc=$? tag="" left
        [ "$variant" != fresh ] && tag=" (existing output$([ "$mode" = both ] && echo ' with --overwrite'))"
        if [ "$rc" -ne "$code" ]; then
            problems+=("exit $rc, expected $code$tag; stderr: $(first_err)")
        fi
        if [ "$code" -ne 0 ]; then
            local lines
            lines=$(grep -c . "$work/last.err")
            [ "$lines" -eq 1 ] || problems+=("stderr has $lines lines, expected 1$tag: $(first_err)")
            grep -Eq -- "$regex" "$work/last.err" ||
                problems+=("message does not match /$regex/$tag: $(first_err)")
        elif [ -n "$regex" ]; then
            grep -Eq -- "$regex" "$work/last.err" || problems+=("no stderr line matches /$regex/: $(first_err)")
        fi
        [ "$uses_out" = 1 ] || return 0
        left=$(ls -A "$folder" | tr '\n' ' ')
        if [ "$code" -eq 0 ]; then
            [ -s "$out" ] || problems+=("output $out_name was not written$tag")
            [ "$left" = "$out_name " ] || problems+=("output folder holds: $left")
        elif [ "$variant" = fresh ]; then
            [ ! -e "$out" ] || problems+=("output $out_name was created")
            [ -z "$left" ] || problems+=("files left in the output folder: $left")
        else
            cmp -s "$dir/before" "$out" || problems+=("the existing output was changed$tag")
            [ "$left" = "$out_name " ] || problems+=("files left beside the existing output$tag: $left")
        fi
    }

    case $mode in
    both)
        run_variant fresh "$@"
        [ "$code" -ne 0 ] && [ "$uses_out" = 1 ] && run_variant existing "$@"
        ;;
    existing) run_variant existing "$@" ;;
    esac
    if [ ${#problems[@]} -eq 0 ]; then
        pass "$name"
    else
        local msg
        printf -v msg '%s; ' "${problems[@]}"
        fail "$name" "${msg%; }"
    fi
}

# ===========================================================================
# The example, in a copy
# ===========================================================================
EX=$work/zwolle
cp -r "$SRC/examples/zwolle" "$EX" || exit 2
# the example writes into build/; keep everything inside the copy
sed -i 's|^output:.*|output: result.gpkg|' "$EX/project.yaml"
PROJECT=$EX/project.yaml
CATS=(supermarkt huisarts apotheek ov_halte ontmoeting zorg groen)
CSV=$EX/woondeal_opgave.csv

# The same inputs as the project file, as flags of `score`.
loud=(score --candidates "$EX/kavels.gpkg|layername=kavels" --id-field kavel_id
      --gemeenten "$EX/gemeenten.gpkg|layername=gemeenten" --targets "$CSV"
      --filter "eigendom <> 'particulier'" --profile geclusterd)
for c in "${CATS[@]}"; do loud+=(--facility "$c=$EX/voorzieningen.gpkg|layername=$c"); done
base=("${loud[@]}" -q)

echo "# happy path: bodnaarplot run project.yaml"
OUT=$work/example.gpkg
check run_example 0 'warning: .*woondeal_opgave\.csv line 16, column gerealiseerd: CBS marks the value as secret or missing; the zorggeschikt gap of GM0244 is unknown' \
    -- run "$PROJECT" -o @OUT@
cp "$CHECK_OUT" "$OUT"
cp "$work/last.out" "$work/example.stdout"
if [ ! -s "$OUT" ]; then
    fail example_output "the example wrote no output; the remaining checks cannot run"
    echo "$passed passed, $((failed + 1)) failed"
    exit 1
fi
REFERENCE=$OUT # the existing output that failing runs must leave alone

assert summary_line "stdout: $(head -c 300 "$work/example.stdout")" \
    grep -Eq 'wrote .*: 400 candidate plots \([0-9]+ knocked out\), 5 gemeenten' "$work/example.stdout"

layers=$(ogrinfo -ro -so "$OUT" 2>/dev/null)
for l in candidates gemeente_gap facilities run_info; do
    assert "layer_$l" "ogrinfo -so lists: $(echo "$layers" | grep -E '^[0-9]+:' | tr '\n' ' ')" \
        grep -Eq "^[0-9]+: $l( |\$)" <<<"$layers"
done

cand_info=$(ogrinfo -ro -so "$OUT" candidates 2>/dev/null)
want=(plot_id rank score suitability score_nultreden score_geclusterd score_zorggeschikt
      gemeente_code gemeente_naam gap_nultreden gap_geclusterd gap_zorggeschikt
      area_m2 capacity_homes knocked_out reason
      kavel_id naam eigendom huidig_gebruik beschikbaar_vanaf)
for c in "${CATS[@]}"; do want+=("dist_${c}_m" "n_${c}_500m" "score_${c}"); done
missing=()
for f in "${want[@]}"; do grep -Eq "^$f: " <<<"$cand_info" || missing+=("$f"); done
assert candidate_fields "missing fields: ${missing[*]-}" test ${#missing[@]} -eq 0
n_in=$(ogrinfo -ro -so "$EX/kavels.gpkg" kavels | sed -n 's/^Feature Count: //p')
n_out=$(sed -n 's/^Feature Count: //p' <<<"$cand_info")
assert feature_count_equals_input "$n_out candidates written, $n_in plots in the input (expected 400)" \
    test "$n_out" = "$n_in" -a "$n_in" = 400

n_ranked=$(sql "$OUT" "SELECT count(*) FROM candidates WHERE NOT knocked_out")
rank_stats=$(sql "$OUT" "SELECT count(DISTINCT \"rank\") || ' ' || min(\"rank\") || ' ' || max(\"rank\")
                         FROM candidates WHERE NOT knocked_out")
assert ranks_1_to_n "ranked $n_ranked; distinct/min/max rank: $rank_stats" \
    test "$rank_stats" = "$n_ranked 1 $n_ranked" -a "$n_ranked" -gt 0 \
    -a "$(sql "$OUT" "SELECT count(*) FROM candidates WHERE NOT knocked_out AND \"rank\" IS NULL")" = 0

# rank order: non-increasing score, ties by plot id
misordered_sql="SELECT count(*) FROM candidates a JOIN candidates b ON b.\"rank\" = a.\"rank\" + 1
                WHERE NOT (a.score > b.score OR (a.score = b.score AND a.plot_id < b.plot_id))"
bad=$(sql "$OUT" "$misordered_sql")
assert ranks_in_score_order "$bad pairs of consecutive ranks out of score/plot-id order" test "$bad" = 0

bad=$(sql "$OUT" "SELECT count(*) FROM candidates WHERE knocked_out
                  AND (\"rank\" IS NOT NULL OR reason IS NULL OR reason = '')")
n_ko=$(sql "$OUT" "SELECT count(*) FROM candidates WHERE knocked_out")
assert knocked_out_no_rank_with_reason "$bad of $n_ko knocked-out plots have a rank or no reason" \
    test "$bad" = 0 -a "$n_ko" -gt 0
bad=$(sql "$OUT" "SELECT count(*) FROM candidates WHERE eigendom = 'particulier'
                  AND NOT (knocked_out AND reason LIKE '%filter%')")
assert project_filter_knocks_out "$bad particulier plots not knocked out by the project's filter" test "$bad" = 0
bad=$(sql "$OUT" "SELECT count(*) FROM candidates WHERE gemeente_code IS NULL OR gemeente_code = ''")
assert every_plot_has_gemeente "$bad plots without gemeente_code" test "$bad" = 0

# the gap per gemeente and type against the CSV: max(0, opgave - plannen -
# gerealiseerd), NULL where CBS's sentinel stands in for a figure
expected_gap=$(awk -F';' 'NR > 1 && NF >= 5 {
        if ($3 <= -99999990 || $4 <= -99999990 || $5 <= -99999990) g = "NULL";
        else { g = $3 - $4 - $5; if (g < 0) g = 0; g = sprintf("%g", g) }
        print $1, $2, g }' "$CSV" | sort)
actual_gap=$(for t in nultreden geclusterd zorggeschikt; do
    sql "$OUT" "SELECT gemeente_code || ' $t ' || CASE WHEN gap_$t IS NULL THEN 'NULL' ELSE printf('%g', gap_$t) END FROM gemeente_gap"
done | sort)
assert gap_rows_per_gemeente "gemeente_gap codes: $(sql "$OUT" "SELECT group_concat(gemeente_code) FROM gemeente_gap")" \
    test "$(sql "$OUT" "SELECT count(*) FROM gemeente_gap")" = 5 \
    -a "$(sql "$OUT" "SELECT count(DISTINCT gemeente_code) FROM gemeente_gap")" = 5
assert gap_arithmetic "expected [$(tr '\n' ' ' <<<"$expected_gap")], got [$(tr '\n' ' ' <<<"$actual_gap")]" \
    test "$expected_gap" = "$actual_gap"
hattem=$(sql "$OUT" "SELECT coalesce(gap_zorggeschikt, 'NULL') FROM gemeente_gap WHERE gemeente_code = 'GM0244'")
assert hattem_zorggeschikt_gap_null "GM0244 gap_zorggeschikt is '$hattem'" test "$hattem" = NULL
bad=$(sql "$OUT" "SELECT count(*) FROM candidates WHERE gemeente_code = 'GM0244' AND gap_zorggeschikt IS NOT NULL")
assert hattem_plots_zorggeschikt_gap_null "$bad Hattem plots have a zorggeschikt gap" test "$bad" = 0

info() { sql "$OUT" "SELECT value FROM run_info WHERE key = '$1'"; }
for key in config.profile version.GDAL version.GEOS version.PROJ input.candidates.features_read; do
    assert "run_info_$key" "no run_info row $key" test -n "$(info "$key")"
done
assert run_info_values "config.profile='$(info config.profile)' features_read='$(info input.candidates.features_read)'" \
    test "$(info config.profile)" = geclusterd -a "$(info input.candidates.features_read)" = 400

echo "# happy path: determinism and equivalences"
check run_again 0 '' -- run "$PROJECT" -o @OUT@ -q
assert run_twice_identical "the candidates of two runs differ" \
    cmp -s <(candidates_dump "$OUT") <(candidates_dump "$CHECK_OUT")

check threads_1 0 '' -- run "$PROJECT" -o @OUT@ -q --threads 1
T1=$CHECK_OUT
check threads_2 0 '' -- run "$PROJECT" -o @OUT@ -q --threads 2
assert threads_1_equals_2 "the candidates with --threads 1 and --threads 2 differ" \
    cmp -s <(candidates_dump "$T1") <(candidates_dump "$CHECK_OUT")

# knockout_m has no flag: compare `score` with a project without it
grep -v 'knockout_m' "$PROJECT" >"$EX/noko.yaml"
check run_without_knockout 0 '' -- run "$EX/noko.yaml" -o @OUT@ -q
NOKO=$CHECK_OUT
check score_with_flags 0 '' -- "${base[@]}" -o @OUT@
FLAGS=$CHECK_OUT
assert score_flags_equal_run_project "ranking differs: $(diff <(ranking "$NOKO") <(ranking "$FLAGS") | head -4 | tr '\n' ' ')" \
    cmp -s <(ranking "$NOKO") <(ranking "$FLAGS")
assert score_flags_equal_run_project_all_columns "the candidates tables differ" \
    cmp -s <(candidates_dump "$NOKO") <(candidates_dump "$FLAGS")

check profile_zorggeschikt 0 '' -- "${base[@]}" --profile zorggeschikt -o @OUT@
ZORG=$CHECK_OUT
ranking "$FLAGS" >"$work/ranking_geclusterd.txt"
ranking "$ZORG" >"$work/ranking_zorggeschikt.txt"
assert profile_changes_ranking "zorggeschikt ranks like geclusterd" \
    differ "$work/ranking_geclusterd.txt" "$work/ranking_zorggeschikt.txt"
assert profile_in_run_info "config.profile is '$(sql "$ZORG" "SELECT value FROM run_info WHERE key='config.profile'")'" \
    test "$(sql "$ZORG" "SELECT value FROM run_info WHERE key='config.profile'")" = zorggeschikt

check print_config 0 '' -- run "$PROJECT" --print-config --profile zorggeschikt
assert print_config_content "stdout: $(head -c 200 "$work/last.out")" \
    grep -q '^profile: zorggeschikt$' "$work/last.out"
assert print_config_knockout "no criteria.supermarkt.knockout_m: 2000 in --print-config" \
    grep -q '^criteria.supermarkt.knockout_m: 2000$' "$work/last.out"
assert print_config_resolves_paths "candidates.source not resolved against the project folder" \
    grep -qF "candidates.source: $EX/kavels.gpkg|layername=kavels" "$work/last.out"
assert print_config_writes_nothing "result.gpkg written by --print-config" test ! -e "$EX/result.gpkg"

check version 0 '' -- --version
for lib in bodnaarplot GDAL GEOS PROJ SpatiaLite; do
    assert "version_$lib" "no '$lib VERSION' line in: $(tr '\n' ' ' <"$work/last.out")" \
        grep -Eq "^$lib [0-9]" "$work/last.out"
done
# the plots streamed in chunks (read again from the source when writing) give
# the same candidates as all plots in memory: chunks of 7 plots, a where
# filter, ids from a field; and from a Shapefile (random access by .shx)
same_candidates() { test -s "$1" && test -s "$2" && cmp -s <(candidates_dump "$1") <(candidates_dump "$2"); }
stream=(score --candidates "$EX/kavels.gpkg|layername=kavels" --id-field kavel_id --where "eigendom <> 'particulier'"
        --gemeenten "$EX/gemeenten.gpkg|layername=gemeenten" --targets "$CSV" --profile geclusterd -q)
for c in "${CATS[@]}"; do stream+=(--facility "$c=$EX/voorzieningen.gpkg|layername=$c"); done
bp "${stream[@]}" --chunk 0 -o "$work/memory.gpkg"
bp "${stream[@]}" --chunk 7 -o "$work/streamed.gpkg"
n=$(sql "$work/streamed.gpkg" "SELECT count(*) FROM candidates")
assert streamed_equals_memory "streamed ($n plots) and in-memory candidates differ" \
    same_candidates "$work/memory.gpkg" "$work/streamed.gpkg"
assert streamed_plots_written "$n plots" test "$n" -gt 0
used=$(sql "$work/streamed.gpkg" "SELECT value FROM run_info WHERE key = 'input.candidates.features_used'")
assert streamed_run_info_counts "features_used $used, $n written" test "$used" = "$n"
mkdir -p "$work/shp"
ogr2ogr -f "ESRI Shapefile" "$work/shp/kavels.shp" "$EX/kavels.gpkg" kavels 2>/dev/null
shp=("${stream[@]}")
shp[2]="$work/shp/kavels.shp"
bp "${shp[@]}" --chunk 0 -o "$work/shp_memory.gpkg"
bp "${shp[@]}" --chunk 5 -o "$work/shp_streamed.gpkg"
assert streamed_equals_memory_shapefile "Shapefile: streamed and in-memory candidates differ, or are missing" \
    same_candidates "$work/shp_memory.gpkg" "$work/shp_streamed.gpkg"
# a geometry repaired on the first read is repaired again (GEOS); valid ones,
# a polygon with a hole among them, are written as read (no GEOS round trip)
cat >"$work/extra.geojson" <<'JSON'
{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:28992"}}, "features": [
{"type": "Feature", "properties": {"kavel_id": "X-bowtie", "eigendom": "gemeente"}, "geometry": {"type": "MultiPolygon",
 "coordinates": [[[[200000, 505000], [200100, 505100], [200100, 505000], [200000, 505100], [200000, 505000]]]]}},
{"type": "Feature", "properties": {"kavel_id": "X-hole", "eigendom": "corporatie"}, "geometry": {"type": "MultiPolygon",
 "coordinates": [[[[201000, 505000], [201100, 505000], [201100, 505100], [201000, 505100], [201000, 505000]],
                  [[201040, 505040], [201060, 505040], [201060, 505060], [201040, 505060], [201040, 505040]]]]}}]}
JSON
ogr2ogr -f GPKG -nlt PROMOTE_TO_MULTI "$work/mixed.gpkg" "$EX/kavels.gpkg" kavels 2>/dev/null
ogr2ogr -append -nln kavels "$work/mixed.gpkg" "$work/extra.geojson" 2>/dev/null
mixed=("${stream[@]}")
mixed[2]="$work/mixed.gpkg|layername=kavels"
bp "${mixed[@]}" --chunk 0 -o "$work/mixed_memory.gpkg"
bp "${mixed[@]}" --chunk 6 -o "$work/mixed_streamed.gpkg"
assert streamed_equals_memory_repaired "with a repaired plot: streamed and in-memory candidates differ, or are missing" \
    same_candidates "$work/mixed_memory.gpkg" "$work/mixed_streamed.gpkg"
assert streamed_repaired_plot_written "the bow-tie plot is not in the output as a repaired (valid) geometry" \
    test "$(ogrinfo -ro -q -sql "SELECT count(*) AS n FROM candidates WHERE plot_id = 'X-bowtie' AND ST_IsValid(geom)" \
            -dialect SQLite "$work/mixed_streamed.gpkg" | grep -o '= 1')" = "= 1"

# progress: nothing on a pipe; on a terminal the phase, percent and time left
bp "${loud[@]}" -o "$work/progress.gpkg"
assert progress_quiet_on_a_pipe "stdout: $(head -c 300 "$work/last.out")" \
    test "$(grep -vc '^bodnaarplot: wrote ' "$work/last.out")" = 0 -a "$(grep -c '%' "$work/last.err")" = 0
if command -v script >/dev/null; then
    cmd=$(printf ' %q' "$BIN" "${loud[@]}" -o "$work/progress.gpkg" --overwrite)
    TERM=dumb timeout "$TIMEOUT" script -qec "$cmd" /dev/null >"$work/tty.out" 2>&1
    assert progress_on_a_terminal "$(tr '\r' '\n' <"$work/tty.out" | head -c 300)" \
        grep -q 'distances .*%.*writing .* 100%' <(tr '\r\n' '  ' <"$work/tty.out")
fi

check help 0 '' -- --help
check score_help 0 '' -- score --help
assert score_help_lists_flags "score --help: $(head -c 200 "$work/last.out")" \
    grep -q -- '--candidates SRC' "$work/last.out"
check run_help 0 '' -- run --help

echo "# filters"
check filter_gemeente_only 0 '' -- "${base[@]}" --filter "eigendom = 'gemeente'" -o @OUT@
bad=$(sql "$CHECK_OUT" "SELECT count(*) FROM candidates WHERE eigendom <> 'gemeente'
                        AND NOT (knocked_out AND \"rank\" IS NULL AND reason LIKE '%filter%eigendom = ''gemeente''%')")
assert filter_knocks_out_other_owners "$bad plots of other owners not knocked out with a reason naming the filter" \
    test "$bad" = 0
n=$(sql "$CHECK_OUT" "SELECT count(*) FROM candidates WHERE eigendom = 'gemeente' AND NOT knocked_out")
assert filter_keeps_gemeente_plots "no gemeente plot is ranked" test "$n" -gt 0

check filter_syntax_error 2 "candidates\.filter 'eigendom = ': .*(syntax|incomplete)" \
    -- "${base[@]}" --filter "eigendom = " -o @OUT@
check filter_second_statement 2 "candidates\.filter '1\); DROP TABLE candidates; --': only one expression" \
    -- "${base[@]}" --filter "1); DROP TABLE candidates; --" -o @OUT@
check filter_load_extension 2 "candidates\.filter .*function load_extension is not allowed" \
    -- "${base[@]}" --filter "(SELECT load_extension('x'))" -o @OUT@
check filter_writes_file 2 "candidates\.filter .*(is not allowed|only reading|no such function)" \
    -- "${base[@]}" --filter "BlobToFile(X'41', '$work/pwned.txt') = 1" -o @OUT@
assert filter_wrote_no_file "$work/pwned.txt exists" test ! -e "$work/pwned.txt"
# SpatiaLite functions that alter the table or create another one
check filter_alters_table 2 "candidates\.filter .*(is not allowed|only reading)" \
    -- "${base[@]}" --filter "AddGeometryColumn('candidates', 'g2', 28992, 'POINT', 'XY') >= 0" -o @OUT@
check filter_creates_table 2 "candidates\.filter .*(is not allowed|only reading)" \
    -- "${base[@]}" --filter "ElementaryGeometries('candidates', 'geom', 'out_t', 'pk', 'multi') >= 0" -o @OUT@
check filter_cutter_creates_table 2 "candidates\.filter .*(is not allowed|only reading)" \
    -- "${base[@]}" --filter "ST_Cutter(NULL, 'candidates', 'geom', NULL, 'candidates', 'geom', 'cut_out', 1, 1) >= 0" -o @OUT@

echo "# bad inputs"
# --- candidate plots ---
check missing_candidates_file 2 "$W/nope\.gpkg: No such file" \
    -- "${base[@]}" --candidates "$work/nope.gpkg" -o @OUT@
check missing_layer 2 "kavels\.gpkg: no layer 'percelen' \(layers: kavels\)" \
    -- "${base[@]}" --candidates "$EX/kavels.gpkg|layername=percelen" -o @OUT@
check multi_layer_without_layername 2 "voorzieningen\.gpkg: has 7 layers \(supermarkt, .*groen\).*layername=NAME" \
    -- "${base[@]}" --candidates "$EX/voorzieningen.gpkg" -o @OUT@
check missing_id_field 2 "kavels\.gpkg, layer kavels: no field 'perceel_nr' for --id-field \(fields: kavel_id, naam, eigendom" \
    -- "${base[@]}" --id-field perceel_nr -o @OUT@

ogr2ogr -f GPKG "$work/empty.gpkg" "$EX/kavels.gpkg" kavels -where "1=0" 2>/dev/null
check empty_layer 1 "empty\.gpkg, layer kavels: no features with geometry" \
    -- "${base[@]}" --candidates "$work/empty.gpkg" -o @OUT@

mkdir -p "$work/nocrs"
ogr2ogr -f "ESRI Shapefile" "$work/nocrs/kavels.shp" "$EX/kavels.gpkg" kavels 2>/dev/null
rm -f "$work/nocrs/kavels.prj"
check layer_without_crs 2 "nocrs/kavels\.shp, layer kavels: the layer has no CRS.*--assume-crs" \
    -- "${base[@]}" --candidates "$work/nocrs/kavels.shp" -o @OUT@
check layer_without_crs_assumed 0 '' \
    -- "${base[@]}" --candidates "$work/nocrs/kavels.shp" --assume-crs EPSG:28992 -o @OUT@
n=$(sql "$CHECK_OUT" "SELECT count(*) FROM candidates")
assert layer_without_crs_assumed_all_plots "$n plots written" test "$n" = 400

# one plot moved 100 km north, out of every gemeente
ogr2ogr -f GPKG "$work/shifted.gpkg" "$EX/kavels.gpkg" -nln kavels -dialect sqlite -sql \
    "SELECT kavel_id, naam, eigendom, huidig_gebruik, beschikbaar_vanaf,
            CASE WHEN kavel_id = 'ZWO-0002' THEN ST_Translate(geom, 0, 100000, 0) ELSE geom END AS geom
     FROM kavels" 2>/dev/null
check plot_outside_gemeenten_warns 0 \
    "shifted\.gpkg, layer kavels: 1 of 400 candidate plots lie outside every gemeente polygon \(ZWO-0002\): no gemeente, gap unknown" \
    -- "${loud[@]}" --candidates "$work/shifted.gpkg" -o @OUT@
row=$(sql "$CHECK_OUT" "SELECT coalesce(gemeente_code, 'NULL') || '|' || reason FROM candidates WHERE plot_id = 'ZWO-0002'")
assert plot_outside_gemeenten_no_gemeente "ZWO-0002: $row" \
    test "$row" != "${row#NULL|}" -a "$row" != "${row%lies outside every gemeente: gap unknown*}"
n=$(grep -c "outside every gemeente" "$work/last.err")
assert plot_outside_gemeenten_warned_once "$n warnings" test "$n" = 1
check plot_outside_gemeenten_error 1 "candidate plot ZWO-0002 lies outside every gemeente polygon" \
    -- "${base[@]}" --candidates "$work/shifted.gpkg" --outside-gemeenten error -o @OUT@

cp "$EX/kavels.gpkg" "$work/null_id.gpkg"
ogrinfo -q "$work/null_id.gpkg" -sql "UPDATE kavels SET kavel_id = NULL WHERE kavel_id = 'ZWO-0007'" >/dev/null 2>&1
fid=$(sql "$work/null_id.gpkg" "SELECT fid FROM kavels WHERE kavel_id IS NULL")
check plot_without_id 1 "null_id\.gpkg, layer kavels: feature $fid has no kavel_id" \
    -- "${base[@]}" --candidates "$work/null_id.gpkg" -o @OUT@

check bad_where 2 "kavels\.gpkg, layer kavels: bad where filter 'eigendom = '" \
    -- "${base[@]}" --where "eigendom = " -o @OUT@
check where_matches_nothing 1 "kavels\.gpkg, layer kavels: no features with geometry match the where filter" \
    -- "${base[@]}" --where "eigendom = 'niemand'" -o @OUT@

# the best plot twice under one id: a copy appended (a higher fid)
best=$(sql "$FLAGS" "SELECT plot_id FROM candidates WHERE \"rank\" = 1")
cp "$EX/kavels.gpkg" "$work/dup.gpkg"
ogr2ogr -append -update "$work/dup.gpkg" "$EX/kavels.gpkg" -nln kavels -dialect sqlite -sql \
    "SELECT kavel_id, naam, eigendom, huidig_gebruik, beschikbaar_vanaf, geom FROM kavels
     WHERE kavel_id = '$best'" 2>/dev/null
check duplicate_plot_ids 1 "dup\.gpkg, layer kavels: duplicate kavel_id '$best' \(features [0-9]+ and [0-9]+\)" \
    -- "${base[@]}" --candidates "$work/dup.gpkg" -o @OUT@

# ties: the best plot again as 'AAA-0000' (same geometry and score, a later
# fid) must rank before it, by plot id
cp "$EX/kavels.gpkg" "$work/tie.gpkg"
ogr2ogr -append -update "$work/tie.gpkg" "$EX/kavels.gpkg" -nln kavels -dialect sqlite -sql \
    "SELECT 'AAA-0000' AS kavel_id, naam, eigendom, huidig_gebruik, beschikbaar_vanaf, geom FROM kavels
     WHERE kavel_id = '$best'" 2>/dev/null
check tie_plots 0 '' -- "${base[@]}" --candidates "$work/tie.gpkg" -o @OUT@
tie=$(sql "$CHECK_OUT" "SELECT group_concat(plot_id || '=' || \"rank\" || '/' || score, ' ')
                        FROM (SELECT * FROM candidates WHERE plot_id IN ('AAA-0000', '$best') ORDER BY \"rank\")")
assert ties_ordered_by_plot_id "got $tie" test "${tie%% *}" = "AAA-0000=1/${tie##*/}" -a "${tie#* }" = "$best=2/${tie##*/}"
bad=$(sql "$CHECK_OUT" "$misordered_sql")
assert ties_ranks_in_score_order "$bad pairs out of order" test "$bad" = 0

# --- facilities ---
check facility_without_source 2 "--facility takes CATEGORY=SOURCE, not 'foo'" \
    -- "${base[@]}" --facility foo -o @OUT@
check facility_bad_category_name 2 "category 'Bakker!' must be lower-case" \
    -- "${base[@]}" --facility "Bakker!=$work/x.gpkg" -o @OUT@
check facility_missing_file 2 "facility category bakker: $W/bakkers\.gpkg: No such file" \
    -- "${base[@]}" --facility "bakker=$work/bakkers.gpkg" -o @OUT@
check facility_missing_layer 2 "facility category supermarkt: .*voorzieningen\.gpkg: no layer 'winkels' \(layers: supermarkt, " \
    -- "${base[@]}" --facility "supermarkt=$EX/voorzieningen.gpkg|layername=winkels" -o @OUT@

# --- gemeenten ---
check missing_gemeente_code_field 2 "gemeenten\.gpkg, layer gemeenten: no field 'gm_code'" \
    -- "${base[@]}" --gemeente-code-field gm_code -o @OUT@

# --- the targets CSV ---
mkdir -p "$work/csv"
# csv_variant NAME CMD... — $work/csv/NAME.csv: the example's CSV through
# CMD; reports a failed set-up when that changed nothing
csv_variant() {
    local name=$1
    shift
    "$@" <"$CSV" >"$work/csv/$name.csv"
    cmp -s "$CSV" "$work/csv/$name.csv" && fail "setup_$name" "$* did not change $CSV"
    return 0
}
csv_variant missing_column cut -d';' -f1,2,3,5,6
check csv_missing_column 1 "missing_column\.csv: missing column\(s\) plannen" \
    -- "${base[@]}" --targets "$work/csv/missing_column.csv" -o @OUT@

csv_variant non_numeric sed '4s/^GM0193;zorggeschikt;240;/GM0193;zorggeschikt;veel;/'
check csv_non_numeric 1 "non_numeric\.csv line 4, column opgave: 'veel' is not a count" \
    -- "${base[@]}" --targets "$work/csv/non_numeric.csv" -o @OUT@

csv_variant negative sed '6s/^GM0166;geclusterd;240;75;/GM0166;geclusterd;240;-75;/'
check csv_negative 1 "negative\.csv line 6, column plannen: '-75' is not a count" \
    -- "${base[@]}" --targets "$work/csv/negative.csv" -o @OUT@

csv_variant sentinel sed '3s/^GM0193;geclusterd;520;299;45;/GM0193;geclusterd;520;299;-99999999;/'
check csv_sentinel_warns 0 "warning: .*sentinel\.csv line 3, column gerealiseerd: CBS marks the value as secret or missing; the geclusterd gap of GM0193 is unknown" \
    -- "${loud[@]}" --targets "$work/csv/sentinel.csv" -o @OUT@
g=$(sql "$CHECK_OUT" "SELECT coalesce(gap_geclusterd, 'NULL') FROM gemeente_gap WHERE gemeente_code = 'GM0193'")
assert csv_sentinel_gap_null "GM0193 gap_geclusterd is '$g'" test "$g" = NULL

csv_variant unknown_code sed '8s/^GM0148;/GM9999;/'
check csv_code_without_polygon 1 "unknown_code\.csv line 8: gemeente_code GM9999 has no polygon" \
    -- "${base[@]}" --targets "$work/csv/unknown_code.csv" -o @OUT@

csv_variant unknown_type sed '11s/;nultreden;/;seniorenflat;/'
check csv_unknown_woningtype 1 "unknown_type\.csv line 11: woningtype 'seniorenflat' is not nultreden, geclusterd or zorggeschikt" \
    -- "${base[@]}" --targets "$work/csv/unknown_type.csv" -o @OUT@

csv_variant duplicate sed '5h; $G' # line 5 again at the end
check csv_duplicate_row 1 "duplicate\.csv line 17: GM0166 nultreden appears twice \(also on line 5\)" \
    -- "${base[@]}" --targets "$work/csv/duplicate.csv" -o @OUT@

# the line named is the line in the file, also after an empty line or a
# quoted value spanning two lines (a note typed with Alt+Enter in Excel)
csv_variant blank_line sed -e '5s/^/\n/' -e 's/^GM0148;geclusterd;155;/GM0148;geclusterd;x;/'
check csv_line_number_after_empty_line 1 "blank_line\.csv line 10, column opgave: 'x' is not a count" \
    -- "${base[@]}" --targets "$work/csv/blank_line.csv" -o @OUT@
csv_variant multiline sed -e '3s/illustratief$/"twee\nregels"/' -e 's/^GM0148;geclusterd;155;/GM0148;geclusterd;x;/'
check csv_line_number_after_multiline_value 1 "multiline\.csv line 10, column opgave: 'x' is not a count" \
    -- "${base[@]}" --targets "$work/csv/multiline.csv" -o @OUT@
# a line of blanks is an empty line too: skipped, and not counted wrong
csv_variant blanks_line sed -e '5s/^/   \n/' -e 's/^GM0148;geclusterd;155;/GM0148;geclusterd;x;/'
check csv_line_of_blanks_is_empty 1 "blanks_line\.csv line 10, column opgave: 'x' is not a count" \
    -- "${base[@]}" --targets "$work/csv/blanks_line.csv" -o @OUT@

# comma-separated, and with the byte order mark Excel writes: the same result
tr ';' ',' <"$CSV" >"$work/csv/comma.csv"
check csv_comma_separated 0 '' -- "${base[@]}" --targets "$work/csv/comma.csv" -o @OUT@
assert csv_comma_same_ranking "the ranking differs from the semicolon CSV" \
    cmp -s <(candidates_dump "$FLAGS") <(candidates_dump "$CHECK_OUT")
{ printf '\357\273\277'; cat "$CSV"; } >"$work/csv/bom.csv"
check csv_with_bom 0 '' -- "${base[@]}" --targets "$work/csv/bom.csv" -o @OUT@
assert csv_bom_same_ranking "the ranking differs from the CSV without BOM" \
    cmp -s <(candidates_dump "$FLAGS") <(candidates_dump "$CHECK_OUT")

check missing_targets_file 2 "$W/nope\.csv: No such file" \
    -- "${base[@]}" --targets "$work/nope.csv" -o @OUT@

# --- output ---
check output_exists 2 "out\.gpkg: exists; pass --overwrite to replace it" --existing-only \
    -- "${base[@]}" -o @OUT@
check output_folder_missing 2 "$W/no/such/folder/out\.gpkg: folder .*does not exist" \
    -- "${base[@]}" -o "$work/no/such/folder/out.gpkg"
assert output_folder_not_created "$work/no exists" test ! -e "$work/no"
mkdir -p "$work/isdir.gpkg"
check output_is_folder 2 "isdir\.gpkg: is a directory" -- "${base[@]}" -o "$work/isdir.gpkg" --overwrite
assert output_folder_untouched "isdir.gpkg holds: $(ls -A "$work/isdir.gpkg")" test -z "$(ls -A "$work/isdir.gpkg")"
# a write that fails (file size limit): exit 3, nothing left behind
check output_write_fails 3 "out\.gpkg: .*(failed|error)" --fsize-limit 64 -- "${base[@]}" -o @OUT@
check output_not_gpkg 2 "out\.txt: the output must be a GeoPackage ending in \.gpkg" --out-name out.txt \
    -- "${base[@]}" -o @OUT@

# --overwrite replaces an existing output (here: the zorggeschikt result)
mkdir -p "$work/overwrite"
cp "$ZORG" "$work/overwrite/out.gpkg"
bp "${base[@]}" -o "$work/overwrite/out.gpkg" --overwrite
rc=$?
p=$(sql "$work/overwrite/out.gpkg" "SELECT value FROM run_info WHERE key = 'config.profile'")
assert overwrite_replaces "exit $rc, config.profile '$p', folder holds: $(ls -A "$work/overwrite" | tr '\n' ' ')" \
    test "$rc" = 0 -a "$p" = geclusterd -a "$(ls -A "$work/overwrite")" = out.gpkg
assert overwrite_result_equals_fresh "the overwritten candidates differ from a fresh run" \
    cmp -s <(candidates_dump "$FLAGS") <(candidates_dump "$work/overwrite/out.gpkg")

# a temporary file left by a killed run (a pid that cannot exist) is removed
mkdir -p "$work/stale"
echo junk >"$work/stale/.out.gpkg.bodnaarplot-tmp-2147483646.gpkg"
bp "${base[@]}" -o "$work/stale/out.gpkg"
rc=$?
assert stale_temporary_file_removed "exit $rc; folder holds: $(ls -A "$work/stale" | tr '\n' ' ')" \
    test "$rc" = 0 -a "$(ls -A "$work/stale")" = out.gpkg

# the project's own output is relative to the project file, not to the cwd
bp run "$PROJECT" -q
rc=$?
assert run_output_relative_to_project "exit $rc; $EX/result.gpkg missing; $(first_err)" \
    test "$rc" = 0 -a -s "$EX/result.gpkg" -a ! -e "$work/result.gpkg"

# a data error with --overwrite on an existing output: explicitly, once more
check overwrite_bad_csv_keeps_existing 1 "non_numeric\.csv line 4" --existing-only \
    -- "${base[@]}" --targets "$work/csv/non_numeric.csv" -o @OUT@ --overwrite

# --- flags ---
check unknown_flag 2 "unknown flag '--bogus' \(see bodnaarplot score --help\)" \
    -- "${base[@]}" --bogus -o @OUT@
check flag_without_value 2 "--radius needs a value" \
    -- "${base[@]}" -o @OUT@ --radius
check bad_profile 2 "--profile: profile must be nultreden, geclusterd or zorggeschikt, not 'senioren'" \
    -- "${base[@]}" --profile senioren -o @OUT@
check bad_radius 2 "--radius: radius_m must be a number, not 'ver'" \
    -- "${base[@]}" --radius ver -o @OUT@
check unknown_command 2 "unknown command 'rank'" -- rank -o @OUT@

# --- the project file ---
check run_missing_project 2 "$W/nope\.yaml: cannot open: No such file" \
    -- run "$work/nope.yaml" -q -o @OUT@
check run_without_project 2 "run needs a project file" -- run -q -o @OUT@

# Faulty copies of the project file beside it (so its relative paths
# hold); yaml_line is the number of a line appended to it.
yaml_line() { echo $(($(wc -l <"$PROJECT") + 1)); }
P=$EX/unknown_key.yaml
{ cat "$PROJECT"; echo "radius: 400"; } >"$P"
check yaml_unknown_key 2 "unknown_key\.yaml line $(yaml_line): unknown key 'radius'" \
    -- run "$P" -q -o @OUT@

P=$EX/wrong_type.yaml
sed 's/^radius_m: 500/radius_m: abc/' "$PROJECT" >"$P"
line=$(grep -n '^radius_m:' "$P" | cut -d: -f1)
check yaml_wrong_type 2 "wrong_type\.yaml line $line: radius_m must be a number, not 'abc'" \
    -- run "$P" -q -o @OUT@

P=$EX/anchor.yaml
{ cat "$PROJECT"; printf 'profiles:\n  nultreden:\n    weights: &w\n      zorg: 2\n  geclusterd:\n    weights: *w\n'; } >"$P"
check yaml_anchor_alias 2 "anchor\.yaml line $(($(yaml_line) + 2)): YAML anchors and aliases are not supported" \
    -- run "$P" -q -o @OUT@

P=$EX/alias.yaml
{ cat "$PROJECT"; printf 'threads: *d\n'; } >"$P"
check yaml_alias_only 2 "alias\.yaml line $(yaml_line): YAML anchors and aliases are not supported" \
    -- run "$P" -q -o @OUT@

P=$EX/syntax.yaml
{ cat "$PROJECT"; printf 'radius_m2: [400, 500\n'; } >"$P"
check yaml_syntax_error 2 "syntax\.yaml line [0-9]+: YAML syntax error" \
    -- run "$P" -q -o @OUT@

P=$EX/duplicate_key.yaml
{ cat "$PROJECT"; echo "radius_m: 400"; } >"$P"
check yaml_duplicate_key 2 "duplicate_key\.yaml line $(yaml_line): key 'radius_m' appears twice \(first on line $(grep -n '^radius_m:' "$PROJECT" | cut -d: -f1)\)" \
    -- run "$P" -q -o @OUT@

P=$EX/full_ge_zero.yaml
awk '/^  supermarkt:/ {s = 1} s && /full_m:/ {sub(/500/, "1000"); s = 0} {print}' "$PROJECT" >"$P"
check criteria_full_not_below_zero 2 "criteria\.supermarkt: full_m \(1000\) must be smaller than zero_m \(1000\)" \
    -- run "$P" -q -o @OUT@

# README's "All options" block is the --help the key table makes
readme_flags=$(awk '/^`bodnaarplot score --help`/ {f = 1; next} f && /^```$/ {if (in_block) exit; in_block = 1; next} in_block {print}' "$SRC/README.md")
if [ "$readme_flags" = "$("$BIN" score --help | sed -n '/^Inputs:/,$p')" ]; then
    passed=$((passed + 1))
else
    fail readme_options "README's All options block differs from bodnaarplot score --help"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
