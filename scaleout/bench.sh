#!/usr/bin/env bash
# Local-mode measurements of the prefilter for BENCHMARKS.md: events and
# bytes read vs kept and wall time, RUNS times per tree and window, with
# `gzip -dc` over the same tree in the same run as the baseline.
# Usage: scaleout/bench.sh TREE [RUNS]   (after scaleout/ci.sh has made the venv)
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=$1
RUNS=${2:-3}
VENV=${PREFILTER_VENV:-target/scaleout-venv}
WORK=${PREFILTER_WORK:-target/scaleout-bench}
PY="$VENV/bin/python"
export PYSPARK_PYTHON="$PY" PYSPARK_DRIVER_PYTHON="$PY"
BIN=target/debug/trailhunt
RULES=(--rules tests/fixtures/rules --rules tests/fixtures/sigma/rules
  --rules tests/fixtures/sigma/correlation/rules)
mkdir -p "$WORK"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
for window in 30d 1h; do
  "$BIN" prefilter --plan "${RULES[@]}" --related-window "$window" >"$WORK/plan-$window.json" 2>/dev/null
  for i in $(seq "$RUNS"); do
    g0=$(date +%s.%N)
    # Plain files are read as they are (gzip -dcf passes them through).
    find "$TREE" -type f ! -path '*CloudTrail-Digest*' -exec cat {} + | gzip -dcf >/dev/null
    g1=$(date +%s.%N)
    rm -rf "$WORK/out"
    t0=$(date +%s.%N)
    "$PY" scaleout/prefilter.py --plan "$WORK/plan-$window.json" --out "$WORK/out" \
      --stats "$WORK/stats.json" "$TREE" >/dev/null 2>"$WORK/log"
    t1=$(date +%s.%N)
    "$PY" - "$WORK/stats.json" "$window" "$t0" "$t1" "$g0" "$g1" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"window={sys.argv[2]} read={s['events_read']} candidates={s['candidates']} kept={s['events_kept']} "
      f"({s['events_kept'] / s['events_read']:.1%}) bytes_read={s['bytes_read']} inflated={s['bytes_inflated']} "
      f"written={s['bytes_written']} ({s['bytes_written'] / s['bytes_read']:.1%} of read) "
      f"job_wall={s['wall_seconds']}s process_wall={float(sys.argv[4]) - float(sys.argv[3]):.1f}s "
      f"gzip_dc={float(sys.argv[6]) - float(sys.argv[5]):.2f}s")
PYEOF
  done
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
