//! Reading a file's bytes, inflating gzip (detected by its magic bytes, not
//! its name) with a cap on the inflated size.

use flate2::{Decompress, FlushDecompress, Status};

/// The default cap on one file's inflated size.
pub const DEFAULT_MAX_INFLATED: u64 = 4 << 30;

/// A file's content, ready to split, and what went wrong on the way.
pub struct Decoded {
    pub bytes: Vec<u8>,
    pub gzip: bool,
    /// Set when the bytes are only a prefix of the file (truncated or
    /// corrupt gzip, or over the cap); the prefix is still split so that no
    /// complete event before the damage is lost.
    pub error: Option<String>,
    /// The gzip stream stops before its end (as a file still being written does).
    pub ends_early: bool,
}

pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// Bytes inflated before the ratio guard applies: small files of many
/// zeros are harmless, and real CloudTrail compresses about 10:1.
pub const RATIO_GUARD_AFTER: u64 = 64 << 20;

/// Inflates `raw` if it is gzip (every member, as `gzip -dc` does), stopping
/// at `max_inflated` bytes, or when more than [`RATIO_GUARD_AFTER`] bytes
/// have come out of the stream at more than `max_ratio` times the
/// compressed bytes read so far — a decompression bomb.
///
/// Inflates straight into the output's spare capacity (flate2's
/// `decompress_vec` over zlib-rs in gzip mode, which checks each member's
/// CRC-32 and length): no bounce buffer, no zero-filling, no window copy
/// per read call.
pub fn decode(raw: Vec<u8>, max_inflated: u64, max_ratio: u64) -> Decoded {
    if !is_gzip(&raw) {
        return Decoded {
            bytes: raw,
            gzip: false,
            error: None,
            ends_early: false,
        };
    }
    // Real CloudTrail inflates about 10:1; the vector grows if it must.
    let mut out: Vec<u8> = Vec::with_capacity(
        (raw.len().saturating_mul(12).min(256 << 20) as u64).min(max_inflated.saturating_add(1))
            as usize,
    );
    let mut dec = Decompress::new_gzip(15);
    let mut input = &raw[..];
    // Compressed bytes of the members before the current one.
    let mut done_in = 0u64;
    let mut ends_early = false;
    const STEP: u64 = 16 << 20;
    let error = loop {
        if out.len() == out.capacity() {
            let room = max_inflated.saturating_sub(out.len() as u64);
            out.reserve(STEP.min(room.saturating_add(1)) as usize);
        }
        let (in_before, out_before) = (dec.total_in(), out.len());
        let status = dec.decompress_vec(input, &mut out, FlushDecompress::None);
        input = &input[(dec.total_in() - in_before) as usize..];
        let inflated = out.len() as u64;
        if inflated > max_inflated {
            out.truncate(max_inflated as usize);
            break Some(format!(
                "gzip inflates past the {max_inflated} byte cap; read stopped there"
            ));
        }
        let consumed = (done_in + dec.total_in()).max(1);
        if inflated > RATIO_GUARD_AFTER && inflated / consumed > max_ratio {
            break Some(format!(
                "gzip inflates more than {max_ratio}:1 ({inflated} bytes from {consumed}): \
                 a decompression bomb? read stopped there"
            ));
        }
        match status {
            Ok(Status::StreamEnd) => {
                // Another member follows, or trailing zeros (which gzip ignores too).
                if input.iter().all(|&b| b == 0) {
                    break None;
                }
                if !is_gzip(input) {
                    break Some(format!(
                        "corrupt gzip after {inflated} inflated bytes: what follows the last member is not gzip"
                    ));
                }
                done_in += dec.total_in();
                dec = Decompress::new_gzip(15);
            }
            Ok(_) if input.is_empty() && out.len() < out.capacity() => {
                ends_early = true;
                break Some(format!(
                    "truncated gzip: the stream ends early after {inflated} inflated bytes"
                ));
            }
            Ok(_) if out.len() == out_before && dec.total_in() == in_before => {
                // No progress with input and room left: cannot happen with a
                // sound inflater; stop rather than spin.
                break Some(format!(
                    "corrupt gzip after {inflated} inflated bytes: no progress"
                ));
            }
            Ok(_) => {}
            Err(e) => {
                break Some(format!("corrupt gzip after {inflated} inflated bytes: {e}"));
            }
        }
    };
    Decoded {
        bytes: out,
        gzip: true,
        error,
        ends_early,
    }
}

/// Makes `bytes` valid UTF-8 by writing each invalid byte as the text
/// `\\xNN` — inside a JSON string that reads back as `\xNN`, so the event
/// is kept and the bad bytes stay visible. Returns the offsets of the
/// invalid bytes in the input; the output is unchanged when there are none.
pub fn repair_utf8(bytes: Vec<u8>) -> (String, Vec<usize>) {
    // Valid text (the usual case) is validated once and not copied.
    let bytes = match String::from_utf8(bytes) {
        Ok(text) => return (text, Vec::new()),
        Err(e) => e.into_bytes(),
    };
    let mut out = Vec::with_capacity(bytes.len() + 64);
    let mut bad = Vec::new();
    let mut rest = &bytes[..];
    let mut pos = 0;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.extend_from_slice(s.as_bytes());
                break;
            }
            Err(e) => {
                let good = e.valid_up_to();
                out.extend_from_slice(&rest[..good]);
                let n = e.error_len().unwrap_or(rest.len() - good);
                for (i, b) in rest[good..good + n].iter().enumerate() {
                    bad.push(pos + good + i);
                    out.extend_from_slice(format!("\\\\x{b:02x}").as_bytes());
                }
                pos += good + n;
                rest = &rest[good + n..];
            }
        }
    }
    // Every invalid byte was replaced by ASCII text.
    (String::from_utf8(out).unwrap_or_default(), bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn invalid_utf8_is_shown_as_escaped_bytes() {
        let (out, bad) = repair_utf8(b"{\"a\":\"x\x9fy\xff\"}".to_vec());
        assert_eq!(bad, [7, 9]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["a"], "x\\x9fy\\xff");
        let (same, none) = repair_utf8(b"ok".to_vec());
        assert_eq!((same.as_str(), none.len()), ("ok", 0));
    }

    #[test]
    fn plain_bytes_pass_through() {
        let d = decode(b"{}".to_vec(), 10, 100);
        assert_eq!(d.bytes, b"{}");
        assert!(!d.gzip && d.error.is_none());
    }

    #[test]
    fn gzip_is_found_by_magic_and_inflated() {
        let d = decode(gz(b"{\"a\":1}"), 100, 100);
        assert!(d.gzip);
        assert_eq!(d.bytes, b"{\"a\":1}");
        assert!(d.error.is_none());
    }

    #[test]
    fn concatenated_members_are_all_read() {
        let mut two = gz(b"ab");
        two.extend(gz(b"cd"));
        assert_eq!(decode(two, 100, 100).bytes, b"abcd");
    }

    #[test]
    fn trailing_zeros_are_ignored_and_trailing_junk_is_reported() {
        let mut z = gz(b"abc");
        z.extend([0u8; 16]);
        let d = decode(z, 100, 100);
        assert_eq!((d.bytes.as_slice(), d.error), (&b"abc"[..], None));
        let mut z = gz(b"abc");
        z.extend(b"junk");
        let d = decode(z, 100, 100);
        assert_eq!(d.bytes, b"abc");
        assert!(d.error.unwrap().contains("not gzip"));
    }

    #[test]
    fn a_damaged_member_is_reported_with_what_came_before() {
        let data: Vec<u8> = (0..20000u32).flat_map(|i| i.to_le_bytes()).collect();
        let mut z = gz(&data);
        let n = z.len();
        z[n - 8] ^= 0xff; // the CRC-32 in the trailer
        let d = decode(z, u64::MAX, 100);
        assert!(d.error.unwrap().contains("corrupt gzip"));
        assert_eq!(d.bytes, data);
    }

    #[test]
    fn truncated_gzip_keeps_the_prefix_and_says_so() {
        let data: Vec<u8> = (0..20000u32).flat_map(|i| i.to_le_bytes()).collect();
        let mut z = gz(&data);
        z.truncate(z.len() / 2);
        let d = decode(z, u64::MAX, 100);
        assert!(
            d.error.as_deref().unwrap().contains("truncated gzip"),
            "{:?}",
            d.error
        );
        assert!(d.ends_early);
        assert!(!d.bytes.is_empty());
        assert_eq!(&d.bytes[..], &data[..d.bytes.len()]);
    }

    #[test]
    fn inflation_past_the_cap_stops() {
        let d = decode(gz(&vec![b' '; 10_000]), 1000, 100);
        assert_eq!(d.bytes.len(), 1000);
        assert!(d.error.unwrap().contains("cap"));
    }

    #[test]
    fn a_bomb_is_stopped_by_the_ratio_guard() {
        // 1 MiB of zeros compresses about 1000:1; 80 members of it make a
        // small bomb without compressing 80 MiB in a debug build.
        let member = gz(&vec![0u8; 1 << 20]);
        let bomb: Vec<u8> = std::iter::repeat_n(&member[..], 80)
            .flatten()
            .copied()
            .collect();
        let d = decode(bomb, u64::MAX, 100);
        assert!(
            d.error.as_deref().unwrap().contains("decompression bomb"),
            "{:?}",
            d.error
        );
        assert!((d.bytes.len() as u64) < 100 << 20);
    }
}
