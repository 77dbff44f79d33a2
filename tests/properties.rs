//! Properties that must hold for any input: the loader never panics, and
//! sanitised text never carries a control character or bidi override.

mod common;

use proptest::prelude::*;
use trailhunt::loader::{LoadOptions, index_file_bytes};
use trailhunt::sanitize::{escape, is_dangerous};

fn opts() -> LoadOptions {
    LoadOptions {
        keep_raw: trailhunt::event::KeepRaw::names(["CreateAccessKey"]),
        ..LoadOptions::default()
    }
}

/// JSON-ish bytes: fragments of CloudTrail records mixed with noise, which
/// reach deeper into the splitter than uniform random bytes do.
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"{\"Records\":[".to_vec()),
        Just(b"{\"eventID\":\"a\",\"eventName\":\"CreateAccessKey\"}".to_vec()),
        Just(b"{\"userIdentity\":{\"type\":\"IAMUser\"},\"requestParameters\":null}".to_vec()),
        Just(b"{\"preview\":false,\"result\":{\"_raw\":\"{\\\"eventID\\\":1}\"}}".to_vec()),
        Just(b"]}".to_vec()),
        Just(b"[".to_vec()),
        Just(b"\n".to_vec()),
        Just(b",".to_vec()),
        Just(b"\"\\u00".to_vec()),
        Just(vec![0x1f, 0x8b]),
        Just(vec![0xef, 0xbb, 0xbf]),
        proptest::collection::vec(any::<u8>(), 0..16),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

fn gzip(b: &[u8]) -> Vec<u8> {
    common::gzip(b)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn loader_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = index_file_bytes(bytes, &opts());
    }

    #[test]
    fn loader_never_panics_on_jsonish_bytes(bytes in jsonish()) {
        let (events, strings, _errors) = index_file_bytes(bytes.clone(), &opts());
        for e in &events {
            // Every interned symbol resolves.
            for s in e.syms() {
                assert!(s.is_none() || strings.get(s).is_some());
            }
        }
        let _ = index_file_bytes(gzip(&bytes), &opts());
    }

    #[test]
    fn loader_never_panics_on_truncated_gzip(bytes in jsonish(), cut in 0usize..4096) {
        let z = gzip(&bytes);
        let cut = cut.min(z.len());
        let _ = index_file_bytes(z[..cut].to_vec(), &opts());
    }

    #[test]
    fn sanitised_text_has_no_control_or_bidi(s in any::<String>()) {
        let e = escape(&s);
        prop_assert!(!e.chars().any(is_dangerous), "{:?}", e);
        prop_assert!(!e.chars().any(|c| c.is_control()));
    }

    #[test]
    fn sanitising_is_injective_on_dangerous_text(a in any::<String>(), b in any::<String>()) {
        // Different inputs never render the same, so an escape cannot be forged.
        if a != b {
            prop_assert_ne!(escape(&a), escape(&b));
        }
    }
}
