//! The allowlist parser: any text gives an allowlist or an error naming a
//! line, never a panic; and what parses survives save → load unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use trailhunt::triage::allowlist::Allowlist;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(list) = Allowlist::parse(text, Path::new("fuzz.toml")) {
        let saved = list.to_toml();
        let again = Allowlist::parse(&saved, Path::new("fuzz.toml")).expect("a saved allowlist parses");
        assert_eq!(again.to_toml(), saved);
    }
});
