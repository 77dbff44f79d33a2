"""trailhunt's prefilter, on Apache Spark.

Reads a CloudTrail tree where it lives (a local path or s3a://bucket/AWSLogs/…),
keeps the events trailhunt's rules and its Key usage and Related panes need,
and writes them as gzipped JSON Lines partitioned account=/region=/day=, a
tree `trailhunt PREFILTERED_DIR` reads as it reads the full one.

    trailhunt prefilter --plan [--rules DIR] > plan.json
    spark-submit scaleout/prefilter.py --plan plan.json --out OUT TREE...
    # or: python scaleout/prefilter.py … (pyspark from PyPI, local[*])

What is kept (see README, "Beyond one machine"):

* candidates: every event some rule can match, by the plan's event-name and
  event-source tests (the same ones trailhunt picks candidates by before it
  evaluates a rule); a rule that pins neither makes the job keep everything;
* key usage: every event signed (userIdentity.accessKeyId) with an access
  key a candidate created (responseElements.accessKey.accessKeyId);
* related: every event by a candidate's caller (userIdentity.arn) or from
  its source address (sourceIPAddress) within the plan's window (30 days, the
  console's widest) and a second of the earliest and latest such candidate,
  and every such event whose time this job cannot read (all time when a
  candidate's own time cannot be read).

That is a superset of what trailhunt shows (candidates, not findings, pick
the context); trailhunt decides the rest. Every delivered copy is kept, byte
for byte apart from line breaks between tokens (an event is one line):
trailhunt counts duplicate deliveries and its triage keys hash the content.

Input files: CloudTrail's `{"Records": [...]}` files, JSON arrays of events,
and JSON Lines (one object a line), each optionally gzipped. Digest files
(`CloudTrail-Digest`), names starting with `.` and names the loader would
not read (`_SUCCESS`) are skipped. A file
or line that does not parse is reported with its path and offset (stderr and
the stats file) and skipped, as trailhunt's loader does; the job goes on.
"""

import argparse
import json
import os
import re
import sys
import time
import zlib
from datetime import datetime

PLAN_SCHEMA = 2
LOG_EXTS = (".json", ".jsonl", ".ndjson", ".log", ".txt")
WS = " \t\r\n"


# --- reading one file (pure Python, unit-tested in scaleout/test_prefilter.py)


def is_log_file(path):
    """Whether the loader would read `path` found in a directory walk."""
    if "CloudTrail-Digest" in path:
        return False
    name = path.rstrip("/").rsplit("/", 1)[-1].lower()
    if name.startswith("."):
        return False
    stem = name[:-3] if name.endswith(".gz") else None
    base = stem if stem is not None else name
    return (stem is not None and "." not in base) or base.endswith(LOG_EXTS)


def _skip_ws(text, i):
    while i < len(text) and text[i] in WS:
        i += 1
    return i


def _value_end(text, i):
    """Where the value starting at text[i] ends, found by its brackets and
    strings only (it need not be valid JSON); None when it never ends."""
    depth, in_str, j = 0, False, i
    while j < len(text):
        c = text[j]
        if in_str:
            if c == "\\":
                j += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c in "{[":
            depth += 1
        elif c in "}]":
            if depth == 0:
                return j
            depth -= 1
            if depth == 0:
                return j + 1
        elif c == "," and depth == 0:
            return j
        j += 1
    return None


def _array(dec, text, i, out, errors):
    """Spans of the elements of the array opening at text[i]. An element
    that does not parse is reported and skipped, as the loader skips it."""
    i = _skip_ws(text, i + 1)
    if i < len(text) and text[i] == "]":
        return i + 1
    while True:
        try:
            obj, end = dec.raw_decode(text, i)
            out.append((i, end, obj))
        except ValueError as e:
            end = _value_end(text, i)
            if end is None:
                raise
            errors.append((i, getattr(e, "msg", str(e))))
        i = _skip_ws(text, end)
        if i < len(text) and text[i] == ",":
            i = _skip_ws(text, i + 1)
            continue
        if i < len(text) and text[i] == "]":
            return i + 1
        raise ValueError(f"offset {i}: expected , or ] in the array")


def _records(dec, text, i, out, errors):
    """The Records of the object opening at text[i], or None when it has
    none (then the object is one event)."""
    found = False
    i = _skip_ws(text, i + 1)
    if i < len(text) and text[i] == "}":
        return None, i + 1
    while True:
        key, end = dec.raw_decode(text, i)
        if not isinstance(key, str):
            raise ValueError(f"offset {i}: expected a key")
        i = _skip_ws(text, end)
        if i >= len(text) or text[i] != ":":
            raise ValueError(f"offset {i}: expected :")
        i = _skip_ws(text, i + 1)
        if key == "Records" and i < len(text) and text[i] == "[":
            i = _array(dec, text, i, out, errors)
            found = True
        else:
            _, i = dec.raw_decode(text, i)
        i = _skip_ws(text, i)
        if i < len(text) and text[i] == ",":
            i = _skip_ws(text, i + 1)
            continue
        if i < len(text) and text[i] == "}":
            return found, i + 1
        raise ValueError(f"offset {i}: expected , or }} in the object")


def split_events(text):
    """(events, errors): each event as (offset, raw text, parsed object),
    each error as (offset, message). The raw text is the event's own bytes
    with line breaks between tokens made spaces (JSON strings hold none)."""
    events, errors = [], []
    # Made here, not at import: Spark ships this module's functions to its
    # workers by value, and a decoder cannot be pickled.
    dec = json.JSONDecoder()
    if text.startswith("\ufeff"):
        text = text[1:]
    i = _skip_ws(text, 0)
    spans = []
    if i < len(text) and text[i] == "[":
        try:
            end = _array(dec, text, i, spans, errors)
            if _skip_ws(text, end) != len(text):
                errors.append((end, "text after the array"))
        except ValueError as e:
            errors.append((i, str(e)))
    else:
        # One object a line (or a Records file, which is one object).
        while i < len(text):
            start = i
            probe = []
            try:
                if text[i] == "{":
                    found, end = _records(dec, text, i, probe, errors)
                    if found:
                        spans.extend(probe)
                    else:
                        obj = json.loads(text[i:end])
                        spans.append((i, end, obj))
                    i = _skip_ws(text, end)
                    continue
                raise ValueError("expected an object")
            except ValueError as e:
                # The records read before a Records array ends early count.
                spans.extend(probe)
                errors.append((start, str(e).split(": line")[0]))
                nl = text.find("\n", start)
                i = len(text) if nl < 0 else _skip_ws(text, nl + 1)
    for start, end, obj in spans:
        if not isinstance(obj, dict):
            errors.append((start, "an event that is not an object"))
            continue
        raw = text[start:end].replace("\r", " ").replace("\n", " ")
        events.append((start, raw, obj))
    return events, errors


def _str(v):
    return v if isinstance(v, str) else None


def _dig(obj, *path):
    for p in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(p)
    return _str(obj)


def event_time_ms(s):
    """eventTime in ms since the epoch, or None when it does not parse."""
    if not isinstance(s, str):
        return None
    try:
        return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None


_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def _part(v):
    """A partition value: log text, so only safe characters reach a path."""
    return _SAFE.sub("_", v)[:64] if v else "unknown"


# --- the plan


def _glob(pattern):
    return re.compile(".*".join(re.escape(p) for p in pattern.split("*")), re.S)


def compile_plan(plan):
    """The plan's candidate tests as (names or None, globs, sources or None,
    [(field path, values)], [(field path, texts)])."""
    if plan.get("schema_version") != PLAN_SCHEMA:
        raise SystemExit(
            f"prefilter: plan schema_version {plan.get('schema_version')!r} is not {PLAN_SCHEMA}"
        )
    tests = []
    for r in plan["rules"]:
        c = r.get("candidates")
        if c is None:
            continue
        names = c.get("event_names")
        globs = None
        if names is not None and c.get("name_match") == "glob":
            globs = [_glob(n) for n in names]
            names = None
        elif names is not None:
            names = frozenset(names)
        sources = c.get("event_sources")
        fields = [(tuple(f["field"].split(".")), frozenset(f["values"])) for f in c.get("fields", [])]
        contains = [
            (tuple(f["field"].split(".")), tuple(v.lower() for v in f["values"]))
            for f in c.get("contains", [])
        ]
        tests.append((names, globs, None if sources is None else frozenset(sources), fields, contains))
    return tests


def _pinned(fields, ev):
    """Each pinned field of `ev` is a string with one of its values (as
    trailhunt's index, a field that is not a string is absent)."""
    for path, values in fields:
        v = _dig(ev, *path) if ev is not None else None
        if v is None or v.lower() not in values:
            return False
    return True


def _holds_text(contains, ev):
    """Each field of `ev` is a string holding one of its texts, compared
    lower-cased."""
    for path, texts in contains:
        v = _dig(ev, *path) if ev is not None else None
        if v is None:
            return False
        v = v.lower()
        if not any(t in v for t in texts):
            return False
    return True


def is_candidate(tests, name, source, ev=None):
    n = name.lower() if name is not None else None
    s = source.lower() if source is not None else None
    for names, globs, sources, fields, contains in tests:
        if names is not None and n not in names:
            continue
        if globs is not None and (n is None or not any(g.fullmatch(n) for g in globs)):
            continue
        if sources is not None and s not in sources:
            continue
        if fields and not _pinned(fields, ev):
            continue
        if contains and not _holds_text(contains, ev):
            continue
        return True
    return False


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe(text):
    """Log text (a file name, a parser's words about it) made safe for a
    terminal: control characters become \\xNN."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def inflate(data, cap):
    """Every gzip member of `data`, refusing to inflate past `cap` bytes (a
    small file can inflate to gigabytes and take an executor down)."""
    out, total = [], 0
    while data:
        d = zlib.decompressobj(zlib.MAX_WBITS | 16)
        chunk = d.decompress(data, cap - total + 1)
        total += len(chunk)
        if total > cap:
            raise ValueError(f"inflates past {cap >> 20} MiB (--max-inflated-mib)")
        out.append(chunk)
        if not d.eof:
            raise ValueError("the gzip stream ends early")
        data = d.unused_data
    return b"".join(out)


def rows_of_file(path, content, tests, cap=4096 << 20):
    """The rows of one file: events, then its problems."""
    data = bytes(content)
    try:
        if data[:2] == b"\x1f\x8b":
            data = inflate(data, cap)
        text = data.decode("utf-8")
    except (ValueError, zlib.error) as e:
        # UnicodeDecodeError is a ValueError.
        yield ("error", safe(f"{path}: cannot decode: {e}"), len(content), 0, None)
        return
    events, errors = split_events(text)
    yield ("file", path, len(content), len(data), None)
    for off, msg in errors:
        line = text.count("\n", 0, off) + 1
        yield ("error", safe(f"{path}: line {line} (character {off}): {msg}"), 0, 0, None)
    for _, raw, ev in events:
        name, source = _str(ev.get("eventName")), _str(ev.get("eventSource"))
        et = _str(ev.get("eventTime"))
        t = event_time_ms(et)
        account = _str(ev.get("recipientAccountId")) or _dig(ev, "userIdentity", "accountId")
        yield (
            "event",
            raw,
            0,
            0,
            (
                is_candidate(tests, name, source, ev),
                _dig(ev, "userIdentity", "arn"),
                _str(ev.get("sourceIPAddress")),
                _dig(ev, "userIdentity", "accessKeyId"),
                _dig(ev, "responseElements", "accessKey", "accessKeyId"),
                t,
                _part(account),
                _part(_str(ev.get("awsRegion"))),
                _part(et[:10] if t is not None else None),
            ),
        )


def read_plan(path):
    """(plan, candidate tests, related window in ms); a plan that cannot be
    used stops the job with its path and why."""
    try:
        with open(path, encoding="utf-8") as f:
            plan = json.load(f)
        return plan, compile_plan(plan), int(plan["context"]["related"]["window_ms"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise SystemExit(f"prefilter: {path}: not a usable plan: {e!r}") from None


# --- the job


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--plan", required=True, help="from `trailhunt prefilter --plan`")
    ap.add_argument("--out", required=True, help="output folder (local or s3a://)")
    ap.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    ap.add_argument("--stats", help="write the run's counts here (local JSON file)")
    ap.add_argument("--max-inflated-mib", type=int, default=4096, help="per gzip file, as trailhunt's loader")
    ap.add_argument("trees", nargs="+", help="CloudTrail trees: paths or s3a://…/AWSLogs/")
    a = ap.parse_args(argv)
    plan, tests, window = read_plan(a.plan)
    cap = a.max_inflated_mib << 20

    from pyspark import StorageLevel
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    t0 = time.monotonic()
    spark = (
        SparkSession.builder.appName("trailhunt-prefilter")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    files = (
        spark.read.format("binaryFile")
        .option("recursiveFileLookup", "true")
        .load(a.trees)
        .select("path", "content")
    )
    keep_all = bool(plan.get("keep_all"))
    parsed = files.rdd.filter(lambda r: is_log_file(r.path)).flatMap(
        lambda r: rows_of_file(r.path, r.content, tests, cap)
    )
    parsed = parsed.persist(StorageLevel.MEMORY_AND_DISK)
    # Files and problems are few: counted and named on the driver.
    meta = parsed.filter(lambda r: r[0] != "event").map(lambda r: r[:4]).collect()
    errors = [m[1] for m in meta if m[0] == "error"]
    for e in errors:
        print(f"prefilter: {e}", file=sys.stderr)
    schema = T.StructType(
        [
            T.StructField("raw", T.StringType()),
            T.StructField("cand", T.BooleanType()),
            T.StructField("arn", T.StringType()),
            T.StructField("ip", T.StringType()),
            T.StructField("akey", T.StringType()),
            T.StructField("newkey", T.StringType()),
            T.StructField("t", T.LongType()),
            T.StructField("account", T.StringType()),
            T.StructField("region", T.StringType()),
            T.StructField("day", T.StringType()),
        ]
    )
    rows = spark.createDataFrame(
        parsed.filter(lambda r: r[0] == "event").map(lambda r: (r[1],) + r[4]), schema
    )
    if keep_all:
        kept = rows
    else:
        cand = rows.where("cand")
        keys = cand.where("newkey IS NOT NULL").select(F.col("newkey").alias("k")).distinct()

        # A second either side absorbs rounding between Python's and
        # trailhunt's time parsing; a candidate whose time this job cannot
        # read (trailhunt may) opens its caller's window to all time.
        slack = window + 1000

        def spans(col):
            timeless = F.max(F.col("t").isNull().cast("int")) == 1
            return (
                cand.where(f"{col} IS NOT NULL")
                .groupBy(col)
                .agg(
                    F.when(timeless, F.lit(-(2**62))).otherwise(F.min("t") - slack).alias(f"{col}_lo"),
                    F.when(timeless, F.lit(2**62)).otherwise(F.max("t") + slack).alias(f"{col}_hi"),
                )
                .withColumnRenamed(col, f"{col}_c")
            )

        j = (
            rows.join(keys, rows.akey == keys.k, "left")
            .join(spans("arn"), F.col("arn") == F.col("arn_c"), "left")
            .join(spans("ip"), F.col("ip") == F.col("ip_c"), "left")
        )

        def near(col):
            lo, hi = F.col(f"{col}_lo"), F.col(f"{col}_hi")
            return lo.isNotNull() & (F.col("t").isNull() | F.col("t").between(lo, hi))

        kept = j.where(F.col("cand") | F.col("k").isNotNull() | near("arn") | near("ip"))
    out = kept.select("raw", "account", "region", "day")
    (
        out.write.mode("overwrite" if a.overwrite else "errorifexists")
        .partitionBy("account", "region", "day")
        .option("compression", "gzip")
        .text(a.out)
    )
    totals = rows.agg(F.count("*").alias("n"), F.sum(F.col("cand").cast("long")).alias("c")).first()
    n_kept = spark.read.text(a.out).count()
    jvm = spark.sparkContext._jvm
    jpath = jvm.org.apache.hadoop.fs.Path(a.out)
    fs = jpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    stats = {
        "files": sum(1 for m in meta if m[0] == "file"),
        "events_read": totals["n"],
        "candidates": totals["c"] or 0,
        "events_kept": n_kept,
        "bytes_read": sum(m[2] for m in meta),
        "bytes_inflated": sum(m[3] for m in meta),
        "bytes_written": fs.getContentSummary(jpath).getLength(),
        "keep_all": keep_all,
        "errors": errors,
        "wall_seconds": round(time.monotonic() - t0, 3),
    }
    print(json.dumps({k: v for k, v in stats.items() if k != "errors"} | {"errors": len(errors)}))
    if a.stats:
        tmp = a.stats + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(stats, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, a.stats)
    spark.stop()


if __name__ == "__main__":
    main()
