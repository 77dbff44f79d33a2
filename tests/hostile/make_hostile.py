#!/usr/bin/env python3
"""Writes the hostile corpus in this folder (run from here; output is committed).

Each file is one way a log can be broken by accident or crafted on purpose.
Deterministic: gzip headers carry no time and no name.
"""
import gzip, io, json, os

def event(eid, **over):
    e = {
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAALICE", "arn": "arn:aws:iam::111122223333:user/alice",
                         "accountId": "111122223333", "accessKeyId": "AKIAALICE0000000000", "userName": "alice"},
        "eventTime": "2026-11-02T10:00:00Z", "eventSource": "iam.amazonaws.com", "eventName": "CreateAccessKey",
        "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.66", "userAgent": "aws-cli/2.15.30",
        "requestParameters": {"userName": "bob"},
        "responseElements": {"accessKey": {"userName": "bob", "accessKeyId": "AKIANEW" + eid.upper().replace("-", "")[:13].ljust(13, "0"), "status": "Active"}},
        "eventID": eid, "recipientAccountId": "111122223333",
    }
    e.update(over)
    return e

def gz(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as f:
        f.write(data)
    return buf.getvalue()

def write(name, data: bytes):
    os.makedirs(os.path.dirname(name) or ".", exist_ok=True)
    with open(name, "wb") as f:
        f.write(data)

lines = lambda evs: "".join(json.dumps(e) + "\n" for e in evs).encode()

# Good events beside the bad ones: every one must be found.
write("good.jsonl", lines([event("good-1"), event("good-2")]))
# Truncated gzip: a Records file cut in half.
z = gz(lines([event(f"trunc-{i}") for i in range(200)]))
write("truncated.jsonl.gz", z[: len(z) // 2])
# Decompression bomb: a Records header, then 80 gzip members of 1 MiB of
# spaces (~80 MiB from ~80 KiB). It looks like JSON, so the streaming reader
# reads on until the ratio guard stops it (zeros would be "not JSON" at once).
member = gz(b" " * (1 << 20))
write("bomb.json.gz", gz(b'{"Records":[') + member * 80)
# Deep nesting: an event with a field nested 100 deep (over the 64 cap), then a good one.
deep = event("deep-1")
text = json.dumps(deep).replace('"userName": "bob"}', '"userName": "bob", "x": ' + "[" * 100 + "1" + "]" * 100 + "}", 1)
write("deep.jsonl", (text + "\n" + json.dumps(event("deep-ok")) + "\n").encode())
# Binary garbage with a log name.
write("binary.json", bytes(range(256)) * 4)
# A huge line (100 KiB userAgent): over the cap the test sets (64 KiB).
write("huge.jsonl", lines([event("huge-1", userAgent="A" * 100_000), event("huge-ok")]))
# Wrong field types: kept, with the fields ignored and reported.
write("types.jsonl", lines([event("types-1", eventName=42, userIdentity="root", awsRegion=["us-east-1"])]))
# Records that is not a list.
write("records-not-list.json", json.dumps({"Records": {"eventID": "x"}}).encode())
# A digest file: skipped, never read as events.
write("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/02/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20261102T100000Z.json.gz",
      gz(json.dumps({"awsAccountId": "111122223333", "digestStartTime": "2026-11-02T09:00:00Z", "logFiles": []}).encode()))
# Invalid UTF-8 inside a string: kept, bad bytes shown as \xNN.
bad = json.dumps(event("utf8-1", userAgent="PLACEHOLDER")).encode().replace(b"PLACEHOLDER", b"agent\x9f\xff")
write("invalid-utf8.jsonl", bad + b"\n")
# Escape sequences and bidi overrides in the fields a console shows.
evil = "\x1b[2J\x1b]52;c;ZXZpbA==\x07\u009b31m\u202e"
write("escapes.jsonl", lines([event("escape-1", userAgent="evil" + evil,
      requestParameters={"userName": "bob" + evil},
      responseElements={"accessKey": {"userName": "bob" + evil, "accessKeyId": "AKIAESCAPE000000000", "status": "Active"}})]))
# A symbolic link loop back to this folder.
if not os.path.islink("loop"):
    os.symlink(".", "loop")
