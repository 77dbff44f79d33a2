"""Reads `trailhunt scan --format ndjson` on stdin and writes it with the
places (file, line, offset) left out, keeping how many deliveries each
finding has, one sorted line per finding: the full and the prefiltered tree
hold the same events in different files."""

import json
import sys

lines = []
for line in sys.stdin:
    v = json.loads(line)
    v.pop("source", None)
    v["deliveries"] = len(v.get("deliveries") or [])
    for r in v.get("raw_events") or []:
        for k in ("file", "line", "offset"):
            r.pop(k, None)
    lines.append(json.dumps(v, sort_keys=True))
for line in sorted(lines):
    print(line)
