#!/usr/bin/env bash
# Benchmark of `mosaic watch` (not a test): on a generated project, the latency from a new
# 1,000-event batch file landing (renamed into place) to out/changes.jsonl being updated,
# median and p99 over BATCHES batches; the reload latency of a 50-attribute policy file; and
# the backfill time of one new 30-day attribute.
#
#   scripts/bench-watch.sh                 # 100,000 profiles, 100 batches (targets: 300 ms / 1 s)
#   PROFILES=10000 BATCHES=20 scripts/bench-watch.sh
#
# Needs a release build (built here unless MOSAIC_BIN is set). Uses a temporary folder, removed at the end.
set -euo pipefail

PROFILES=${PROFILES:-100000}
BATCHES=${BATCHES:-100}
EVENTS=${EVENTS:-1000}
here=$(cd "$(dirname "$0")/.." && pwd)
# MOSAIC_BIN=path skips the build (e.g. to try the script with a debug binary).
if [ -z "${MOSAIC_BIN:-}" ]; then
  cargo build --release --manifest-path "$here/Cargo.toml" >&2
fi
bin=${MOSAIC_BIN:-${CARGO_TARGET_DIR:-$here/target}/release/mosaic}
work=$(mktemp -d)
project=$work/shop
watch_pid=
cleanup() {
  [ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null && wait "$watch_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
# Waits until the log has a line containing $1; prints the time then.
wait_log() {
  until grep -qF -- "$1" "$work/watch.log"; do
    kill -0 "$watch_pid" 2>/dev/null || { cat "$work/watch.log" "$work/watch.err" >&2; exit 1; }
    sleep 0.005
  done
  now_ms
}
# Prints the median and the p99 of the numbers on stdin.
stats() {
  sort -n | awk '{ v[NR] = $1 } END {
    m = v[int((NR + 1) / 2)]; p = v[int(NR * 0.99 + 0.999)]; if (p == "") p = v[NR];
    printf "median %d ms, p99 %d ms (n=%d)\n", m, p, NR }'
}

echo "generating $PROFILES profiles ..." >&2
"$bin" gen "$project" --profiles "$PROFILES" --seed 7 >/dev/null
template=$(ls "$project"/data/web/*.jsonl | head -1)

"$bin" watch "$project" >"$work/watch.log" 2>"$work/watch.err" &
watch_pid=$!
t0=$(now_ms)
t1=$(wait_log "watching")
echo "initial run: $((t1 - t0)) ms"

: >"$work/latencies"
for i in $(seq 1 "$BATCHES"); do
  name=bench-$(printf %04d "$i").jsonl
  # New event ids, so every batch really adds events.
  head -n "$EVENTS" "$template" | sed "s/\"_id\": \"/\"_id\": \"bench$i-/" >"$project/data/web/.$name.part"
  start=$(now_ms)
  mv "$project/data/web/.$name.part" "$project/data/web/$name"
  end=$(wait_log "batch web/$name:")
  echo $((end - start)) >>"$work/latencies"
done
echo "batch of $EVENTS events → changes.jsonl: $(stats <"$work/latencies")"

# 50 attributes in one file.
{
  for a in $(seq 1 50); do
    printf -- "---\nkind: ComputedAttribute\nname: bench%02d\nduration: {count: %d, unit: DAYS}\n" "$a" $((a + 10))
    printf "expression: xEvent[eventType = \"commerce.productViews\"].count()\nstatus: NEW\n"
  done
} >"$project/policies/.bench50.yaml.part"
mv "$project/policies/.bench50.yaml.part" "$project/policies/bench50.yaml"
wait_log "reload: +50 attributes" >/dev/null
echo "reload of 50 attributes: $(grep -F 'reload: +50 attributes' "$work/watch.log" | sed 's/.*profiles changed //')"

printf 'kind: ComputedAttribute\nname: backfill30\nduration: {count: 30, unit: DAYS}\nexpression: xEvent.count()\nstatus: NEW\n' \
  >"$project/policies/.backfill.yaml.part"
mv "$project/policies/.backfill.yaml.part" "$project/policies/backfill.yaml"
wait_log "reload: +1 attribute (backfill30)" >/dev/null
echo "backfill of one 30-day attribute: $(grep -F 'reload: +1 attribute (backfill30)' "$work/watch.log" | sed 's/.*profiles changed //')"
