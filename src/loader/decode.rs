//! Reading a file's bytes, inflating gzip (detected by its magic bytes, not
//! its name) with a cap on the inflated size.

use flate2::read::MultiGzDecoder;
use std::io::Read;

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
}

pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// Inflates `raw` if it is gzip (every member, as `gzip -dc` does), stopping
/// at `max_inflated` bytes.
pub fn decode(raw: Vec<u8>, max_inflated: u64) -> Decoded {
    if !is_gzip(&raw) {
        return Decoded { bytes: raw, gzip: false, error: None };
    }
    let mut out = Vec::with_capacity(raw.len().saturating_mul(8).min(64 << 20));
    let mut dec = MultiGzDecoder::new(&raw[..]).take(max_inflated.saturating_add(1));
    let error = match dec.read_to_end(&mut out) {
        Ok(_) if out.len() as u64 > max_inflated => {
            out.truncate(max_inflated as usize);
            Some(format!(
                "gzip inflates past the {} byte cap; read stopped there",
                max_inflated
            ))
        }
        Ok(_) => None,
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Some(format!(
            "truncated gzip: the stream ends early after {} inflated bytes",
            out.len()
        )),
        Err(e) => Some(format!("corrupt gzip after {} inflated bytes: {e}", out.len())),
    };
    Decoded { bytes: out, gzip: true, error }
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
    fn plain_bytes_pass_through() {
        let d = decode(b"{}".to_vec(), 10);
        assert_eq!(d.bytes, b"{}");
        assert!(!d.gzip && d.error.is_none());
    }

    #[test]
    fn gzip_is_found_by_magic_and_inflated() {
        let d = decode(gz(b"{\"a\":1}"), 100);
        assert!(d.gzip);
        assert_eq!(d.bytes, b"{\"a\":1}");
        assert!(d.error.is_none());
    }

    #[test]
    fn concatenated_members_are_all_read() {
        let mut two = gz(b"ab");
        two.extend(gz(b"cd"));
        assert_eq!(decode(two, 100).bytes, b"abcd");
    }

    #[test]
    fn truncated_gzip_keeps_the_prefix_and_says_so() {
        let data: Vec<u8> = (0..20000u32).flat_map(|i| i.to_le_bytes()).collect();
        let mut z = gz(&data);
        z.truncate(z.len() / 2);
        let d = decode(z, u64::MAX);
        assert!(d.error.as_deref().unwrap().contains("truncated gzip"), "{:?}", d.error);
        assert!(!d.bytes.is_empty());
        assert_eq!(&d.bytes[..], &data[..d.bytes.len()]);
    }

    #[test]
    fn inflation_past_the_cap_stops() {
        let d = decode(gz(&vec![b' '; 10_000]), 1000);
        assert_eq!(d.bytes.len(), 1000);
        assert!(d.error.unwrap().contains("cap"));
    }
}
