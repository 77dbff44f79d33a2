//! Splitting a file into events across every layout, gzipped or not: any
//! bytes must give events and problems, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailhunt::loader::{LoadOptions, index_file_bytes};

fuzz_target!(|data: &[u8]| {
    let opts = LoadOptions { keep_raw: trailhunt::event::KeepRaw::names(["CreateAccessKey"]), ..LoadOptions::default() };
    let (events, strings, _errors) = index_file_bytes(data.to_vec(), &opts);
    for e in &events {
        let _ = strings.get(e.name);
        let _ = strings.get(e.target_user);
    }
});
