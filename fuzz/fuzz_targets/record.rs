//! The loader's one-pass record reader against serde: whenever the fast
//! path answers, its pivots, extent and depth must be what the general path
//! (structural scan + serde) makes of the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailhunt::event::wire::{Wire, fields};
use trailhunt::loader::{record, scan};

fn summary(w: Wire<'_>) -> String {
    let is_event = w.is_event();
    let mut problems = Vec::new();
    let f = fields(w, &mut problems);
    format!("{is_event} {f:?} {problems:?}")
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if !text.starts_with('{') {
        return;
    }
    let Some((w, x)) = record::read(text, 0) else { return };
    let fast = summary(w);
    let y = scan::container(data, 0).expect("the fast path only answers for a closed object");
    assert_eq!(x, y, "extent differs for {text:?}");
    let w: Wire<'_> = serde_json::from_str(&text[..y.end]).expect("serde accepts what the fast path accepts");
    assert_eq!(fast, summary(w), "pivots differ for {text:?}");
});
