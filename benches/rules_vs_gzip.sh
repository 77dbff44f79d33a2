#!/usr/bin/env bash
# Load-to-findings with many rules loaded, against `gzip -dc` on the same
# files, in one hyperfine run (issue 13's speed target: at most 0.5x gzip).
#
#   benches/rules_vs_gzip.sh SIGMA_DIR [EVENTS] [DAYS]
#
# SIGMA_DIR is a folder of Sigma rules the caller supplies (for instance a
# SigmaHQ checkout's rules/cloud/aws/cloudtrail/, copied twice with the ids
# rewritten to reach 100 rules; see BENCHMARKS.md). Nothing is fetched here.
# The data is the benchmark tree of benches/load_vs_gzip.sh (gen-demo into
# $BENCH_DIR, default /tmp/trailhunt-bench-EVENTS). Timed, all with --no-cache:
#   gzip        `gzip -dc` over every log file, one process, one core
#   seed        `trailhunt scan --no-pack`, the built-in seed alone
#   pack        `trailhunt scan`: the seed + the built-in pack (the default)
#   pack+sigma  the seed + the built-in pack + SIGMA_DIR
# and prints medians and each ratio to gzip.
set -euo pipefail
cd "$(dirname "$0")/.."
SIGMA=${1:?usage: benches/rules_vs_gzip.sh SIGMA_DIR [EVENTS] [DAYS]}
SIGMA=$(cd "$SIGMA" && pwd)
EVENTS=${2:-1000000}
DAYS=${3:-30}
DIR=${BENCH_DIR:-/tmp/trailhunt-bench-$EVENTS}
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)" >&2; exit 2; }
cargo build --release --locked -p trailhunt --bin trailhunt -p trailhunt-demo --bin gen-demo
if [ ! -d "$DIR/AWSLogs" ]; then
  target/release/gen-demo --out "$DIR" --events "$EVENTS" --days "$DAYS"
fi
LIST="$DIR.files"
find "$DIR" -name '*.json.gz' ! -path '*CloudTrail-Digest*' | sort > "$LIST"
export TRAILHUNT_CACHE_DIR="$DIR.rules-cache" TRAILHUNT_DATA_DIR="$DIR.rules-data"
TH="$PWD/target/release/trailhunt"
# FORMAT: `table` (default) lists every finding — load to findings; `ndjson`
# writes each finding's whole evidence (raw events, key usage) as well.
FORMAT=${FORMAT:-table}
# How many findings each set gives, what it reports (stderr) and where the
# time goes (--timings), once.
for set in "seed:--no-pack" "pack:" "pack+sigma:--rules $SIGMA"; do
  name=${set%%:*}; args=${set#*:}
  # shellcheck disable=SC2086
  n=$("$TH" scan --no-cache --timings --format ndjson $args "$DIR" 2>"$DIR.$name.err" | wc -l) || true
  echo "$name: $n findings; stderr: $(grep -c . "$DIR.$name.err") line(s), e.g. $(grep -m3 'rule(s)' "$DIR.$name.err" | tr '\n' ' ')"
  grep -h 'timings:' "$DIR.$name.err" || true
done
echo "files: $(wc -l < "$LIST"), compressed: $(du -sh "$DIR" | cut -f1), nproc: $(nproc), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# Exit status 1 means "findings", not failure: -i.
hyperfine -i --warmup 1 --runs "${RUNS:-5}" --export-json "$DIR.rules.json" \
  -n gzip "xargs gzip -dc < $LIST > /dev/null" \
  -n seed "$TH scan --no-cache --format $FORMAT --no-pack $DIR > /dev/null 2>&1" \
  -n pack "$TH scan --no-cache --format $FORMAT $DIR > /dev/null 2>&1" \
  -n pack+sigma "$TH scan --no-cache --format $FORMAT --rules $SIGMA $DIR > /dev/null 2>&1"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$DIR.rules.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
g = r["gzip"]["median"]
for k, v in r.items():
    print(f"{k:12s} median {v['median']:7.3f} s  (user {v['user']:.2f} s, system {v['system']:.2f} s)  ratio to gzip {v['median'] / g:.2f}")
print(f"target: pack+sigma / gzip <= 0.50 -> {'ok' if r['pack+sigma']['median'] / g <= 0.5 else 'MISSED'}")
PY
