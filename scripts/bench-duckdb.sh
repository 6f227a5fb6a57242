#!/usr/bin/env bash
# mosaic vs DuckDB on the same synthetic events: wall time, peak memory, throughput, agreement.
#
#   scripts/bench-duckdb.sh                 # 100,000 profiles, ~2M events, 2 threads, 3 runs each
#   PROFILES=10000 RUNS=1 scripts/bench-duckdb.sh
#   SKIP_MOSAIC=1 scripts/bench-duckdb.sh   # the DuckDB half alone
#
# Environment: PROFILES (100000), EVENTS_PER_PROFILE (20), SEED (1), THREADS (2), RUNS (3),
# SAMPLE (10000 profiles compared; 0 = all), SKIP_MOSAIC (0), CARGO_TARGET_DIR (./target),
# MOSAIC_BIN (a mosaic binary to use instead of building target/release/mosaic).
# See scripts/README.md for what is measured and how the two sides differ.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
PROFILES=${PROFILES:-100000}
EVENTS_PER_PROFILE=${EVENTS_PER_PROFILE:-20}
SEED=${SEED:-1}
THREADS=${THREADS:-2}
RUNS=${RUNS:-3}
SAMPLE=${SAMPLE:-10000}
SKIP_MOSAIC=${SKIP_MOSAIC:-0}
AS_OF=2026-11-01T00:00:00Z
WORK=$TARGET/bench-duckdb
PROJECT=$WORK/project
VENV=$TARGET/bench-venv
MOSAIC=${MOSAIC_BIN:-$TARGET/release/mosaic}

say() { printf '\n== %s\n' "$*" >&2; }

# --- tools ---------------------------------------------------------------------------------
if ! /usr/bin/time -v true >/dev/null 2>&1; then
  say "installing GNU time"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq time >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq time >/dev/null; fi
fi
if [ ! -x "$VENV/bin/python" ]; then
  say "creating the Python venv $VENV"
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
  say "pip install duckdb"
  "$VENV/bin/pip" install -q duckdb
fi
if [ -z "${MOSAIC_BIN:-}" ]; then
  say "building mosaic (release)"
  (cd "$ROOT" && cargo build --release --quiet)
fi

# --- data ----------------------------------------------------------------------------------
mkdir -p "$WORK"
say "generating $PROFILES profiles x ~$EVENTS_PER_PROFILE events (seed $SEED)"
"$MOSAIC" gen "$PROJECT" --profiles "$PROFILES" --events-per-profile "$EVENTS_PER_PROFILE" \
  --seed "$SEED" --bench --force >&2
EVENT_BYTES=$(cat "$PROJECT"/data/web/*.jsonl "$PROJECT"/data/commerce/*.jsonl | wc -c)
EVENT_LINES=$(cat "$PROJECT"/data/web/*.jsonl "$PROJECT"/data/commerce/*.jsonl | wc -l)
ALL_BYTES=$(find "$PROJECT/data" -type f -exec cat {} + | wc -c)

# --- timing --------------------------------------------------------------------------------
# wall seconds and peak RSS (KiB) of one `/usr/bin/time -v` output file
wall_of() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
  for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$1"; }
rss_of() { awk -F': ' '/Maximum resident set size/ { print $2 }' "$1"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# once NAME CMD...: runs CMD once, timed; appends its wall (s) to $WORK/NAME.walls and its peak
# RSS (KiB) to $WORK/NAME.rss (and, for DuckDB, its query time to $WORK/duckdb.queries)
once() {
  local name=$1; shift
  [ "$name" = mosaic ] && rm -rf "$PROJECT/.mosaic" "$WORK/mosaic-out"   # a fresh batch run each time
  /usr/bin/time -v -o "$WORK/$name.time" "$@" >"$WORK/$name.log" 2>&1 || {
    echo "$name failed; see $WORK/$name.log" >&2; tail -20 "$WORK/$name.log" >&2; exit 1; }
  local w r; w=$(wall_of "$WORK/$name.time"); r=$(rss_of "$WORK/$name.time")
  echo "$w" >>"$WORK/$name.walls"; echo "$r" >>"$WORK/$name.rss"
  if [ "$name" = duckdb ]; then
    sed -n 's/.*query \([0-9.]*\)s.*/\1/p' "$WORK/duckdb.log" >>"$WORK/duckdb.queries"
  fi
  echo "  $name: ${w}s, $((r / 1024)) MiB" >&2
}

# The two sides run alternately, one run of each per round, so that a change in the machine's
# load (it is shared) falls on both alike. Reported: the medians of the walls and of DuckDB's
# query times, and the largest peak RSS.
rm -f "$WORK"/*.walls "$WORK"/*.rss "$WORK/duckdb.queries"
say "mosaic run and DuckDB, $THREADS threads, alternately ($RUNS runs each)"
for ((i = 1; i <= RUNS; i++)); do
  if [ "$SKIP_MOSAIC" != 1 ]; then
    once mosaic "$MOSAIC" run "$PROJECT" --threads "$THREADS" --as-of "$AS_OF" --out "$WORK/mosaic-out"
  fi
  once duckdb "$VENV/bin/python" "$ROOT/scripts/bench_duckdb.py" "$PROJECT" "$WORK/duckdb.jsonl" \
    --threads "$THREADS" --as-of "$AS_OF"
done
for name in mosaic duckdb; do
  [ -f "$WORK/$name.walls" ] || continue
  printf -v "WALL_$name" '%s' "$(median <"$WORK/$name.walls")"
  printf -v "RSS_$name" '%s' "$(sort -n "$WORK/$name.rss" | tail -1)"
done
QUERY=$(median <"$WORK/duckdb.queries")

# --- report --------------------------------------------------------------------------------
row() { # name wall rss
  awk -v n="$1" -v w="$2" -v r="$3" -v ev="$EVENT_LINES" -v b="$EVENT_BYTES" 'BEGIN {
    printf "%-8s %9.2f s %9.0f MiB %12.0f events/s %8.1f MB/s\n", n, w, r / 1024, ev / w, b / w / 1e6 }'
}
echo
echo "mosaic vs DuckDB: $PROFILES profiles, $EVENT_LINES event lines ($((EVENT_BYTES / 1000000)) MB of events, $((ALL_BYTES / 1000000)) MB of data), $THREADS threads, median of $RUNS"
row duckdb "$WALL_duckdb" "$RSS_duckdb"
grep -h 'query' "$WORK/duckdb.log" | sed "s/query [0-9.]*s/query ${QUERY}s (median)/; s/^/         /" || true
if [ "$SKIP_MOSAIC" != 1 ]; then
  row mosaic "$WALL_mosaic" "$RSS_mosaic"
  awk -v m="$WALL_mosaic" -v d="$WALL_duckdb" -v mr="$RSS_mosaic" -v dr="$RSS_duckdb" 'BEGIN {
    printf "ratio mosaic/DuckDB: time %.2fx, peak memory %.2fx\n", m / d, mr / dr }'
  # The issue's target compares mosaic's whole run with DuckDB's query time alone.
  [ -n "$QUERY" ] && awk -v m="$WALL_mosaic" -v q="$QUERY" 'BEGIN {
    printf "ratio mosaic run / DuckDB query alone: %.2fx (target <= 0.5)\n", m / q }'
  # Ingest alone (the last run's report: reading, extracting and storing every batch).
  INGEST_MS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["timings"]["ingest"])' \
    "$WORK/mosaic-out/report.json")
  awk -v ms="$INGEST_MS" -v ev="$EVENT_LINES" -v b="$ALL_BYTES" 'BEGIN {
    printf "mosaic ingest stage alone: %.2f s, %.0f events/s, %.1f MB/s of all data\n", ms / 1000, ev / (ms / 1000), b / (ms / 1000) / 1e6 }'
  echo
  python3 "$ROOT/scripts/bench_compare.py" "$WORK/mosaic-out/profiles.jsonl" "$WORK/duckdb.jsonl" --sample "$SAMPLE"
fi
