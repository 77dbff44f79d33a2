#!/usr/bin/env bash
# The prefilter's equality test: run scaleout/prefilter.py with PySpark in
# local mode on the corpus fixtures and on a generated 100k-event tree, then
# check that trailhunt finds the same findings, key usage and related
# activity in the kept events as in the full trees (tests/prefilter.rs).
# Installs what a fresh machine lacks: a JRE from Debian's packages and
# pyspark (pinned) into a venv under target/.
set -euo pipefail
cd "$(dirname "$0")/.."

PYSPARK_VERSION=3.5.9
WORK=${PREFILTER_WORK:-target/scaleout}
VENV=${PREFILTER_VENV:-target/scaleout-venv}
EVENTS=${PREFILTER_EVENTS:-100000}

if ! command -v java >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq default-jre-headless
fi
if ! "$VENV/bin/python" -c "import pyspark; assert pyspark.__version__ == '$PYSPARK_VERSION'" 2>/dev/null; then
  # Debian's python3 makes venvs only with python3-venv installed.
  if ! python3 -m venv "$VENV"; then
    apt-get update -qq && apt-get install -y -qq python3 python3-venv
    rm -rf "$VENV" && python3 -m venv "$VENV"
  fi
  "$VENV/bin/pip" install -q "pyspark==$PYSPARK_VERSION"
fi
PY="$VENV/bin/python"
export PYSPARK_PYTHON="$PY" PYSPARK_DRIVER_PYTHON="$PY"

"$PY" -m unittest scaleout/test_prefilter.py

cargo build --locked --quiet --bin trailhunt -p trailhunt
cargo build --locked --quiet -p trailhunt-demo --bin gen-demo
BIN=target/debug/trailhunt

rm -rf "$WORK"
mkdir -p "$WORK"
# Every kind of rule the plan handles: the built-in seed (TOML, PCRE), the
# fixtures' TOML and Sigma rules (one pinned to a source only, one to the
# identity type only) and correlations.
RULES=(--rules tests/fixtures/rules --rules tests/fixtures/sigma/rules
  --rules tests/fixtures/sigma/correlation/rules --rules tests/fixtures/sigma/pinned_fields)
"$BIN" prefilter --plan "${RULES[@]}" >"$WORK/plan.json" 2>/dev/null
if [ -n "${PREFILTER_BREAK_PLAN:-}" ]; then
  # Shows the comparison can fail: a plan that forgets the Related window.
  "$PY" - "$WORK/plan.json" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1])); p["context"]["related"]["window_ms"] = 0
json.dump(p, open(sys.argv[1], "w"))
EOF
fi

target/debug/gen-demo --out "$WORK/demo" --events "$EVENTS" >/dev/null

run() { # NAME TREE
  local t0 t1
  t0=$(date +%s.%N)
  "$PY" scaleout/prefilter.py --plan "$WORK/plan.json" --out "$WORK/$1.kept" \
    --stats "$WORK/$1.stats.json" "$2" >"$WORK/$1.log" 2>&1 || {
    cat "$WORK/$1.log" >&2
    exit 1
  }
  t1=$(date +%s.%N)
  echo "prefilter $1: $(tr -d '\n ' <"$WORK/$1.stats.json" | head -c 400) process_wall_s=$("$PY" -c "print(round($t1 - $t0, 1))")"
}
run corpus tests/fixtures/corpus
run demo "$WORK/demo"

# Findings as `scan` prints them, places left out (the files differ).
for name in corpus demo; do
  full=tests/fixtures/corpus
  [ "$name" = demo ] && full="$WORK/demo"
  for side in full kept; do
    tree=$full
    [ "$side" = kept ] && tree="$WORK/$name.kept"
    "$BIN" scan --no-cache --format ndjson "${RULES[@]}" --workspace "$WORK/ws-$name-$side" "$tree" \
      2>/dev/null >"$WORK/$name.$side.ndjson" || [ $? -eq 1 ]
    "$PY" scaleout/strip_places.py <"$WORK/$name.$side.ndjson" >"$WORK/$name.$side.cmp"
  done
  n=$(wc -l <"$WORK/$name.full.cmp")
  [ "$n" -gt 0 ] || { echo "prefilter $name: no findings to compare" >&2; exit 1; }
  diff -q "$WORK/$name.full.cmp" "$WORK/$name.kept.cmp" >/dev/null || {
    echo "prefilter $name: scan findings differ between the full and the kept tree" >&2
    diff "$WORK/$name.full.cmp" "$WORK/$name.kept.cmp" | head -20 >&2
    exit 1
  }
  echo "prefilter $name: $n findings, the same from the kept tree"
done

# Key usage and related activity, per finding, through the library.
PREFILTER_PAIRS="tests/fixtures/corpus=$WORK/corpus.kept:$WORK/demo=$WORK/demo.kept" \
  PREFILTER_RULES="tests/fixtures/rules:tests/fixtures/sigma/rules:tests/fixtures/sigma/correlation/rules:tests/fixtures/sigma/pinned_fields" \
  cargo test --locked --quiet --test prefilter -- --include-ignored
