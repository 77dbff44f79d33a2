"""Tests of the job's pure parts (no Spark): `python -m unittest scaleout/test_prefilter.py`."""

import gzip
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import prefilter as p  # noqa: E402


class SplitEvents(unittest.TestCase):
    def test_records_file_keeps_each_events_own_text(self):
        text = '{"Records": [\n {"eventName": "A",\n  "n": 1.0e3},\n {"eventName":"B"}\n]}'
        events, errors = p.split_events(text)
        self.assertEqual(errors, [])
        # The number's spelling and the key order survive: no re-serialising.
        self.assertEqual([e[1] for e in events], ['{"eventName": "A",   "n": 1.0e3}', '{"eventName":"B"}'])

    def test_records_key_after_other_keys(self):
        events, errors = p.split_events('{"x": [1, {"Records": []}], "Records": [{"a": "\\u00e9"}]}')
        self.assertEqual(errors, [])
        self.assertEqual([e[1] for e in events], ['{"a": "\\u00e9"}'])

    def test_a_bad_record_is_skipped_and_the_rest_kept_as_the_loader_does(self):
        text = '{"Records":[{"n":"A"},{"n":"C", "x": tru},{"n":"B","s":"}],"}]}'
        events, errors = p.split_events(text)
        self.assertEqual([e[2]["n"] for e in events], ["A", "B"])
        self.assertEqual(errors, [(22, "Expecting value")])

    def test_records_before_a_cut_are_kept(self):
        events, errors = p.split_events('{"Records":[{"n":"A"},{"n":"B"},{"n":')
        self.assertEqual([e[2]["n"] for e in events], ["A", "B"])
        self.assertEqual(len(errors), 1)

    def test_json_array_and_json_lines(self):
        self.assertEqual(len(p.split_events('[{"a":1}, {"a":2}]')[0]), 2)
        self.assertEqual(len(p.split_events('{"a":1}\n{"a":2}\n')[0]), 2)

    def test_bad_line_is_reported_with_its_place_and_the_rest_kept(self):
        events, errors = p.split_events('{"a":1}\n{"a":\n{"a":3}\n')
        self.assertEqual([e[2]["a"] for e in events], [1, 3])
        self.assertEqual(errors[0][0], 8)

    def test_rows_name_the_file_of_a_problem(self):
        rows = list(p.rows_of_file("s3a://b/x.json.gz", gzip.compress(b'{"a":\n'), []))
        self.assertTrue(any(r[0] == "error" and r[1].startswith("s3a://b/x.json.gz: line 1") for r in rows))


class Decoding(unittest.TestCase):
    def test_gzip_members_are_all_read(self):
        data = gzip.compress(b'{"a":1}\n') + gzip.compress(b'{"a":2}\n')
        self.assertEqual(p.inflate(data, 1 << 20), b'{"a":1}\n{"a":2}\n')

    def test_a_gzip_bomb_stops_at_the_cap(self):
        rows = list(p.rows_of_file("/t/bomb.json.gz", gzip.compress(b" " * (2 << 20)), [], cap=1 << 20))
        self.assertEqual(rows[0][0], "error")
        self.assertIn("/t/bomb.json.gz: cannot decode: inflates past 1 MiB", rows[0][1])

    def test_a_truncated_gzip_is_named(self):
        rows = list(p.rows_of_file("/t/cut.json.gz", gzip.compress(b'{"a":1}')[:-12], []))
        self.assertIn("/t/cut.json.gz: cannot decode: the gzip stream ends early", rows[0][1])

    def test_control_characters_in_names_are_escaped(self):
        rows = list(p.rows_of_file("/t/\x1b]52;c;x\x07.json", b"{", []))
        msg = [r[1] for r in rows if r[0] == "error"][0]
        self.assertNotIn("\x1b", msg)
        self.assertIn("\\x1b]52", msg)

    def test_a_plan_that_is_not_json_names_its_file(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            f.write("{nope")
        with self.assertRaises(SystemExit) as e:
            p.read_plan(f.name)
        self.assertIn(f.name, str(e.exception))
        os.unlink(f.name)


class Candidates(unittest.TestCase):
    def plan(self, **c):
        return p.compile_plan({"schema_version": 2, "rules": [{"candidates": c}]})

    def test_glob_names_match_like_splunk_terms(self):
        t = self.plan(event_names=["create*key"], name_match="glob", event_sources=None)
        self.assertTrue(p.is_candidate(t, "CreateAccessKey", None))
        self.assertFalse(p.is_candidate(t, "CreateAccessKeys", None))
        self.assertFalse(p.is_candidate(t, None, None))

    def test_exact_names_and_sources_both_hold(self):
        t = self.plan(event_names=["stoplogging"], name_match="exact", event_sources=["cloudtrail.amazonaws.com"])
        self.assertTrue(p.is_candidate(t, "StopLogging", "CloudTrail.amazonaws.com"))
        self.assertFalse(p.is_candidate(t, "StopLogging", "iam.amazonaws.com"))

    def test_other_pinned_fields_hold_as_strings_case_insensitively(self):
        t = self.plan(
            event_names=None,
            name_match="exact",
            event_sources=None,
            fields=[{"field": "userIdentity.type", "values": ["root"]}],
        )
        self.assertTrue(p.is_candidate(t, "ConsoleLogin", None, {"userIdentity": {"type": "Root"}}))
        self.assertFalse(p.is_candidate(t, "ConsoleLogin", None, {"userIdentity": {"type": "IAMUser"}}))
        # Absent, null or not a string: absent, as in trailhunt's index.
        for ev in [{}, {"userIdentity": None}, {"userIdentity": {"type": None}}, {"userIdentity": {"type": 1}}]:
            self.assertFalse(p.is_candidate(t, "ConsoleLogin", None, ev), ev)

    def test_text_a_field_must_contain_is_found_case_insensitively(self):
        t = self.plan(
            event_names=None,
            name_match="exact",
            event_sources=None,
            contains=[{"field": "userIdentity.arn", "values": [":assumed-role/aws:"]}],
        )
        arn = lambda a: {"userIdentity": {"arn": a}}
        self.assertTrue(p.is_candidate(t, "GetObject", None, arn("arn:aws:sts::1:assumed-role/aws:ec2-instance/i-1")))
        self.assertTrue(p.is_candidate(t, "GetObject", None, arn("ARN:AWS:STS::1:ASSUMED-ROLE/AWS:X/Y")))
        self.assertFalse(p.is_candidate(t, "GetObject", None, arn("arn:aws:sts::1:assumed-role/admin/s")))
        self.assertFalse(p.is_candidate(t, "GetObject", None, {"userIdentity": {"arn": 7}}))
        self.assertFalse(p.is_candidate(t, "GetObject", None, {}))

    def test_unknown_plan_version_is_refused(self):
        with self.assertRaises(SystemExit):
            p.compile_plan({"schema_version": 99, "rules": []})


class Names(unittest.TestCase):
    def test_log_names_as_the_loader_reads_them(self):
        self.assertTrue(p.is_log_file("s3a://b/AWSLogs/1/CloudTrail/x.json.gz"))
        self.assertTrue(p.is_log_file("/o/account=1/part-0.c000.txt.gz"))
        self.assertFalse(p.is_log_file("/t/AWSLogs/1/CloudTrail-Digest/x.json.gz"))
        self.assertFalse(p.is_log_file("/o/_SUCCESS"))
        self.assertFalse(p.is_log_file("/o/.part-0.crc"))

    def test_partition_values_cannot_leave_the_folder(self):
        self.assertEqual(p._part("../../etc"), ".._.._etc")
        self.assertEqual(p._part(None), "unknown")


if __name__ == "__main__":
    unittest.main()
