#!/usr/bin/env bash
# Peak memory of the real (release) binary on a 1 GiB sparse plain file and
# on two 300 MiB-inflated gzips read at once: tests/memory.rs, which is
# #[ignore]d in the normal suite because writing and reading 600 MiB is slow
# in a debug build. It asserts the bounds; this prints them.
#
#   benches/memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release --locked --test memory -- --ignored --nocapture
# The same bounds on another build (expected to fail before streaming reads):
#   TRAILHUNT_BIN=/path/to/old/trailhunt benches/memory.sh
