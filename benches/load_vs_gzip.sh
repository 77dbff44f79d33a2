#!/usr/bin/env bash
# Load-to-findings against `gzip -dc` on the same files, in one run.
#
#   benches/load_vs_gzip.sh [EVENTS] [DAYS]       (default: 1000000 events over 30 days)
#
# Generates the data with the project's generator (crates/trailhunt-demo, gen-demo) into
# $BENCH_DIR (default /tmp/trailhunt-bench-EVENTS), then times with hyperfine:
#   gzip        `gzip -dc` over every log file, one process, one core
#   trailhunt   `trailhunt scan --no-cache` (every core), output discarded
#   trailhunt1  the same with --threads 1
#   reopen      `trailhunt scan` a second time, from the index cache
# and prints medians, the ratio trailhunt / gzip, and peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-1000000}
DAYS=${2:-30}
DIR=${BENCH_DIR:-/tmp/trailhunt-bench-$EVENTS}
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
cargo build --release --locked -p trailhunt --bin trailhunt -p trailhunt-demo --bin gen-demo
if [ ! -d "$DIR/AWSLogs" ]; then
  target/release/gen-demo --out "$DIR" --events "$EVENTS" --days "$DAYS"
fi
LIST="$DIR.files"
find "$DIR" -name '*.json.gz' ! -path '*CloudTrail-Digest*' | sort > "$LIST"
echo "files: $(wc -l < "$LIST"), compressed: $(du -sh "$DIR" | cut -f1), nproc: $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg)"
export TRAILHUNT_CACHE_DIR="$DIR.cache" TRAILHUNT_DATA_DIR="$DIR.data"
rm -rf "$TRAILHUNT_CACHE_DIR"
TH="$PWD/target/release/trailhunt"
# Exit status 1 means "findings", not failure: -i.
hyperfine -i --warmup 1 --runs "${RUNS:-5}" --export-json "$DIR.json" \
  -n gzip "xargs gzip -dc < $LIST > /dev/null" \
  -n trailhunt "$TH scan --no-cache --format ndjson $DIR > /dev/null 2>&1" \
  -n trailhunt1 "$TH scan --no-cache --threads 1 --format ndjson $DIR > /dev/null 2>&1"
"$TH" scan --format ndjson "$DIR" > /dev/null 2>&1 || true   # fill the index cache
hyperfine -i --warmup 1 --runs "${RUNS:-5}" --export-json "$DIR.reopen.json" \
  -n reopen "$TH scan --format ndjson $DIR > /dev/null 2>&1"
python3 - "$DIR.json" "$DIR.reopen.json" <<'PY'
import json, sys
r = {x["command"]: x for f in sys.argv[1:] for x in json.load(open(f))["results"]}
med = {k: v["median"] for k, v in r.items()}
for k, v in med.items():
    print(f"{k:12s} median {v:7.3f} s  (user {r[k]['user']:.2f} s, system {r[k]['system']:.2f} s)")
print(f"ratio trailhunt / gzip -dc: {med['trailhunt'] / med['gzip']:.2f}  (target <= 0.50)")
print(f"ratio 1 thread / gzip -dc:  {med['trailhunt1'] / med['gzip']:.2f}")
print(f"reopen: {med['reopen']:.3f} s  (target <= 0.5 s)")
PY
/usr/bin/time -f "peak memory (no cache): %M KiB" "$TH" scan --no-cache --format ndjson "$DIR" > /dev/null 2> >(tail -1 >&2) || true
