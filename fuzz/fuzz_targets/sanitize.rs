//! The one sanitiser: whatever the input, no control character, DEL, C1 or
//! bidi override comes out.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailhunt::sanitize::{escape, escape_truncated, is_dangerous};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let e = escape(&s);
    assert!(!e.chars().any(is_dangerous));
    let t = escape_truncated(&s, (data.len() % 40) + 1);
    assert!(!t.chars().any(is_dangerous));
    assert!(t.chars().count() <= (data.len() % 40) + 1);
});
