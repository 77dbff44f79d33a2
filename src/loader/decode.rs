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
/// compressed bytes read so far — a decompression bomb. Plain bytes are
/// returned as they are. For a whole file in memory (re-reading one event);
/// the loader reads through [`Inflow`] instead.
pub fn decode(raw: Vec<u8>, max_inflated: u64, max_ratio: u64) -> Decoded {
    if !is_gzip(&raw) {
        return Decoded {
            bytes: raw,
            gzip: false,
            error: None,
            ends_early: false,
        };
    }
    let mut inflow = Inflow::new(&raw[..], max_inflated, max_ratio);
    let mut out = Vec::with_capacity(raw.len().saturating_mul(12).min(256 << 20));
    while inflow.fill(&mut out, 16 << 20) > 0 {}
    Decoded {
        bytes: out,
        gzip: true,
        error: inflow.error,
        ends_early: inflow.ends_early,
    }
}

/// Compressed bytes read from the file at a time.
const IN_CHUNK: usize = 256 << 10;

/// A file's content as a stream: gzip (found by its magic bytes) inflated
/// member after member, plain bytes passed through, with the size cap (on
/// both) and the ratio guard (on gzip). Memory is one input chunk, the
/// inflater's window and what the caller asks for at a time.
pub struct Inflow<R> {
    src: R,
    input: Vec<u8>,
    pos: usize,
    src_done: bool,
    /// Bytes read from the source.
    src_bytes: u64,
    /// `None` for a plain file.
    dec: Option<Decompress>,
    /// Compressed bytes of the members before the current one.
    done_in: u64,
    inflated: u64,
    max_inflated: u64,
    max_ratio: u64,
    /// Set when the stream stopped before its end (truncated or corrupt
    /// gzip, over the cap); what came before was delivered.
    pub error: Option<String>,
    /// The gzip stream stops before its end (as a file still being written does).
    pub ends_early: bool,
    finished: bool,
}

impl<R: std::io::Read> Inflow<R> {
    pub fn new(src: R, max_inflated: u64, max_ratio: u64) -> Self {
        let mut s = Inflow {
            src,
            input: Vec::with_capacity(IN_CHUNK),
            pos: 0,
            src_done: false,
            src_bytes: 0,
            dec: None,
            done_in: 0,
            inflated: 0,
            max_inflated,
            max_ratio,
            error: None,
            ends_early: false,
            finished: false,
        };
        s.want_input(2);
        if is_gzip(&s.input[s.pos..]) {
            s.dec = Some(Decompress::new_gzip(15));
        }
        s
    }

    pub fn gzip(&self) -> bool {
        self.dec.is_some()
    }

    /// Bytes delivered so far (inflated, for gzip).
    pub fn inflated(&self) -> u64 {
        self.inflated
    }

    /// Bytes read from the file so far (compressed, for gzip).
    pub fn read_bytes(&self) -> u64 {
        self.src_bytes
    }

    /// Reads until at least `n` unread input bytes are buffered or the file ends.
    fn want_input(&mut self, n: usize) {
        if self.input.len() - self.pos >= n || self.src_done {
            return;
        }
        self.input.drain(..self.pos);
        self.pos = 0;
        // Zero-filled once per refill, not per read call.
        let mut len = self.input.len();
        self.input.resize(len.max(IN_CHUNK).max(n), 0);
        while len < n.max(IN_CHUNK) && !self.src_done {
            match self.src.read(&mut self.input[len..]) {
                Ok(0) => self.src_done = true,
                Ok(k) => {
                    len += k;
                    self.src_bytes += k as u64;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.src_done = true;
                    if self.error.is_none() {
                        self.error = Some(format!("read error after {} bytes: {e}", self.inflated));
                    }
                }
            }
        }
        self.input.truncate(len);
    }

    fn stop(&mut self, message: String) -> usize {
        self.finished = true;
        if self.error.is_none() {
            self.error = Some(message);
        }
        0
    }

    /// Appends about `want` more bytes to `out` (a little more for gzip);
    /// 0 only when the stream has ended, normally or not ([`Self::error`]).
    pub fn fill(&mut self, out: &mut Vec<u8>, want: usize) -> usize {
        let want = want.max(1);
        loop {
            if self.finished {
                return 0;
            }
            let room = self.max_inflated.saturating_sub(self.inflated);
            let n = match self.dec.is_some() {
                false => self.fill_plain(out, want, room),
                true => self.fill_gzip(out, want),
            };
            if n == 0 && !self.finished {
                continue;
            }
            if self.inflated > self.max_inflated {
                let over = (self.inflated - self.max_inflated) as usize;
                out.truncate(out.len() - over);
                self.inflated = self.max_inflated;
                let what = if self.gzip() {
                    "gzip inflates"
                } else {
                    "the file is"
                };
                let max = self.max_inflated;
                self.stop(format!(
                    "{what} past the {max} byte cap (--max-inflated-mib); read stopped there"
                ));
                return n - over;
            }
            return n;
        }
    }

    fn fill_plain(&mut self, out: &mut Vec<u8>, want: usize, room: u64) -> usize {
        if self.pos == self.input.len() {
            if self.src_done {
                self.finished = true;
                return 0;
            }
            self.want_input(1);
            if self.pos == self.input.len() {
                self.finished = true;
                return 0;
            }
        }
        // One byte past the cap is read, so that the cap is reported.
        let n = (self.input.len() - self.pos)
            .min(want)
            .min(room.saturating_add(1).min(usize::MAX as u64) as usize);
        out.extend_from_slice(&self.input[self.pos..self.pos + n]);
        self.pos += n;
        self.inflated += n as u64;
        n
    }

    /// Inflates straight into the output's spare capacity (flate2's
    /// `decompress_vec` over zlib-rs in gzip mode, which checks each
    /// member's CRC-32 and length): no bounce buffer, no zero-filling.
    fn fill_gzip(&mut self, out: &mut Vec<u8>, want: usize) -> usize {
        let start = out.len();
        if out.capacity() - out.len() < want {
            out.reserve(want);
        }
        while out.len() == start {
            self.want_input(1);
            let Some(dec) = self.dec.as_mut() else {
                return 0;
            };
            let (in_before, out_before) = (dec.total_in(), out.len());
            let status = dec.decompress_vec(&self.input[self.pos..], out, FlushDecompress::None);
            self.pos += (dec.total_in() - in_before) as usize;
            let consumed = (self.done_in + dec.total_in()).max(1);
            let progressed = out.len() > out_before || dec.total_in() > in_before;
            self.inflated += (out.len() - out_before) as u64;
            let inflated = self.inflated;
            if inflated > self.max_inflated {
                return out.len() - start;
            }
            if inflated > RATIO_GUARD_AFTER && inflated / consumed > self.max_ratio {
                let r = self.max_ratio;
                self.stop(format!(
                    "gzip inflates more than {r}:1 ({inflated} bytes from {consumed}): \
                     a decompression bomb? read stopped there"
                ));
                return out.len() - start;
            }
            match status {
                Ok(Status::StreamEnd) => {
                    self.done_in += dec.total_in();
                    // Another member follows, or trailing zeros (which gzip ignores too).
                    self.want_input(2);
                    if self.trailing_zeros() {
                        self.finished = true;
                        return out.len() - start;
                    }
                    if !is_gzip(&self.input[self.pos..]) {
                        self.stop(format!(
                            "corrupt gzip after {inflated} inflated bytes: what follows the last member is not gzip"
                        ));
                        return out.len() - start;
                    }
                    self.dec = Some(Decompress::new_gzip(15));
                }
                Ok(_) if self.pos == self.input.len() && out.len() < out.capacity() => {
                    self.want_input(1);
                    if self.pos == self.input.len() {
                        self.ends_early = true;
                        self.stop(format!(
                            "truncated gzip: the stream ends early after {inflated} inflated bytes"
                        ));
                        return out.len() - start;
                    }
                }
                Ok(_) if !progressed && out.len() < out.capacity() => {
                    // No progress with input and room left: cannot happen
                    // with a sound inflater; stop rather than spin.
                    self.stop(format!(
                        "corrupt gzip after {inflated} inflated bytes: no progress"
                    ));
                    return out.len() - start;
                }
                Ok(_) => {
                    if out.len() == out.capacity() {
                        return out.len() - start;
                    }
                }
                Err(e) => {
                    self.stop(format!("corrupt gzip after {inflated} inflated bytes: {e}"));
                    return out.len() - start;
                }
            }
        }
        out.len() - start
    }

    /// Whether everything left in the file is zero bytes (read to find out).
    fn trailing_zeros(&mut self) -> bool {
        loop {
            if self.input[self.pos..].iter().any(|&b| b != 0) {
                return false;
            }
            self.pos = self.input.len();
            if self.src_done {
                return true;
            }
            self.want_input(2);
        }
    }
}

/// A file's content as valid UTF-8 text, a piece at a time: each invalid
/// byte becomes the text `\\xNN`, exactly as [`repair_utf8`] writes it for
/// the whole file, so offsets agree with a re-read. A character cut by a
/// piece's end waits for the next piece.
pub struct TextStream<R> {
    pub inflow: Inflow<R>,
    carry: Vec<u8>,
    /// Input bytes (before repair) delivered so far.
    raw_pos: u64,
    /// Invalid bytes met, and the input offset of the first.
    pub bad: u64,
    pub first_bad: Option<u64>,
}

impl<R: std::io::Read> TextStream<R> {
    pub fn new(inflow: Inflow<R>) -> Self {
        TextStream {
            inflow,
            carry: Vec::new(),
            raw_pos: 0,
            bad: 0,
            first_bad: None,
        }
    }

    /// Appends about `want` bytes of text to `out` (valid UTF-8 before and
    /// after); false when the stream has ended and nothing was added.
    pub fn fill(&mut self, out: &mut Vec<u8>, want: usize) -> bool {
        let from = out.len();
        loop {
            let at = out.len();
            out.append(&mut self.carry);
            let eof = self.inflow.fill(out, want) == 0;
            self.repair(out, at, eof);
            if out.len() > from || eof {
                return out.len() > from;
            }
        }
    }

    fn repair(&mut self, out: &mut Vec<u8>, from: usize, eof: bool) {
        let e = match std::str::from_utf8(&out[from..]) {
            Ok(_) => {
                self.raw_pos += (out.len() - from) as u64;
                return;
            }
            Err(e) => e,
        };
        let good = from + e.valid_up_to();
        if e.error_len().is_none() && !eof {
            // Only a character cut at the end: it waits for the next piece.
            self.carry.extend_from_slice(&out[good..]);
            out.truncate(good);
            self.raw_pos += (good - from) as u64;
            return;
        }
        let tail = out.split_off(good);
        self.raw_pos += (good - from) as u64;
        let mut rest = &tail[..];
        while !rest.is_empty() {
            match std::str::from_utf8(rest) {
                Ok(_) => {
                    out.extend_from_slice(rest);
                    self.raw_pos += rest.len() as u64;
                    break;
                }
                Err(e) => {
                    let good = e.valid_up_to();
                    out.extend_from_slice(&rest[..good]);
                    self.raw_pos += good as u64;
                    if e.error_len().is_none() && !eof {
                        self.carry.extend_from_slice(&rest[good..]);
                        break;
                    }
                    let n = e.error_len().unwrap_or(rest.len() - good);
                    for &b in &rest[good..good + n] {
                        self.first_bad.get_or_insert(self.raw_pos);
                        self.bad += 1;
                        self.raw_pos += 1;
                        out.extend_from_slice(format!("\\\\x{b:02x}").as_bytes());
                    }
                    rest = &rest[good + n..];
                }
            }
        }
    }
}

/// The text at `offset..offset + len` of a file's content as the loader
/// reads it (inflated, made text by [`TextStream`]), read as a stream so
/// that only a chunk and the event are held; `None` when the file is
/// shorter or the range does not fall on characters.
pub fn read_text_at(src: impl std::io::Read, offset: u64, len: usize) -> Option<String> {
    read_texts_at(src, &[(offset, len)]).pop().flatten()
}

/// A file's whole content as the loader reads it (inflated, made text by
/// [`TextStream`]: an invalid byte is `\xNN`, so the text can be longer
/// than the inflated bytes).
pub fn read_text(src: impl std::io::Read) -> Option<String> {
    let mut text = TextStream::new(Inflow::new(src, u64::MAX, u64::MAX));
    let mut out = Vec::new();
    while text.fill(&mut out, 1 << 20) {}
    String::from_utf8(out).ok()
}

/// [`read_text_at`] for many ranges of one file in one pass over it (the
/// answers in the order asked): each file is inflated once however many
/// of its events are wanted, and only a chunk and the longest event held.
pub fn read_texts_at(src: impl std::io::Read, ranges: &[(u64, usize)]) -> Vec<Option<String>> {
    const STEP: usize = 1 << 20;
    let mut out = vec![None; ranges.len()];
    let mut order: Vec<usize> = (0..ranges.len()).collect();
    order.sort_by_key(|&i| ranges[i]);
    let mut text = TextStream::new(Inflow::new(src, u64::MAX, u64::MAX));
    let (mut window, mut base) = (Vec::new(), 0u64);
    let mut more = true;
    for i in order {
        let (offset, len) = ranges[i];
        let Some(end) = offset.checked_add(len as u64) else {
            continue;
        };
        if offset > base {
            // Text before this range is no longer needed (ranges come in
            // offset order).
            let drop = ((offset - base) as usize).min(window.len());
            window.drain(..drop);
            base += drop as u64;
        }
        while base + (window.len() as u64) < end && more {
            more = text.fill(&mut window, STEP.max(len));
            if base + (window.len() as u64) <= offset {
                base += window.len() as u64;
                window.clear();
            }
        }
        let Some(start) = offset.checked_sub(base) else {
            continue;
        };
        out[i] = window
            .get(start as usize..start as usize + len)
            .and_then(|b| std::str::from_utf8(b).ok())
            .map(str::to_string);
    }
    out
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

    /// A reader that hands out at most `n` bytes per call, as a pipe might.
    struct Trickle<'a>(&'a [u8], usize);

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// Everything an [`Inflow`] delivers, asked for `want` bytes at a time.
    fn stream(raw: &[u8], read: usize, want: usize, max: u64) -> (Vec<u8>, Inflow<Trickle<'_>>) {
        let mut f = Inflow::new(Trickle(raw, read), max, 100);
        let mut out = Vec::new();
        while f.fill(&mut out, want) > 0 {}
        (out, f)
    }

    #[test]
    fn a_stream_read_in_small_pieces_inflates_as_the_whole_does() {
        let data: Vec<u8> = (0..50000u32).flat_map(|i| i.to_le_bytes()).collect();
        let mut two = gz(&data);
        two.extend(gz(b"second member"));
        two.extend([0u8; 100]);
        let mut want = data.clone();
        want.extend(b"second member");
        for (read, ask) in [(1, 7), (3, 1000), (4096, 1), (1 << 20, 1 << 20)] {
            let (out, f) = stream(&two, read, ask, u64::MAX);
            assert_eq!(out, want, "{read} {ask}");
            assert!(f.error.is_none() && f.gzip(), "{:?}", f.error);
            assert_eq!(f.read_bytes(), two.len() as u64);
        }
        let mut cut = gz(&data);
        cut.truncate(cut.len() / 2);
        let (out, f) = stream(&cut, 5, 100, u64::MAX);
        assert!(f.ends_early && f.error.unwrap().contains("truncated gzip"));
        assert_eq!(&out[..], &data[..out.len()]);
    }

    #[test]
    fn the_cap_applies_to_plain_files_too() {
        let (out, f) = stream(&[b' '; 5000], 7, 100, 1000);
        assert_eq!(out.len(), 1000);
        let e = f.error.unwrap();
        assert!(e.contains("the file is past the 1000 byte cap"), "{e}");
        assert!(!f.ends_early);
        let (out, f) = stream(&[b' '; 1000], 7, 100, 1000);
        assert_eq!((out.len(), f.error), (1000, None));
    }

    #[test]
    fn text_made_a_piece_at_a_time_matches_the_whole_file_repair() {
        let raw = "a\u{e9}b\u{1f600}c"
            .as_bytes()
            .iter()
            .copied()
            .chain([0x9f, b'x', 0xf0, 0x9f])
            .chain("\u{e9}".bytes())
            .chain([0xe2, 0x82])
            .collect::<Vec<u8>>();
        let (whole, bad) = repair_utf8(raw.clone());
        for read in [1, 2, 3, 5, 64] {
            let mut t = TextStream::new(Inflow::new(Trickle(&raw, read), u64::MAX, 100));
            let mut out = Vec::new();
            while t.fill(&mut out, 1) {
                assert!(std::str::from_utf8(&out).is_ok(), "{read}: {out:?}");
            }
            assert_eq!(String::from_utf8(out).unwrap(), whole, "{read}");
            assert_eq!(
                (t.bad, t.first_bad),
                (bad.len() as u64, Some(bad[0] as u64))
            );
        }
    }

    #[test]
    fn one_event_is_read_back_from_the_middle_of_a_stream() {
        let text: Vec<u8> = (0..300_000u32)
            .flat_map(|i| format!("{i},").into_bytes())
            .collect();
        let at = text.len() - 1000;
        let z = gz(&text);
        let got = read_text_at(Trickle(&z, 4096), at as u64, 12).unwrap();
        assert_eq!(got.as_bytes(), &text[at..at + 12]);
        assert_eq!(
            read_text_at(&text[..], 3, 4).unwrap().as_bytes(),
            &text[3..7]
        );
        assert_eq!(read_text_at(&text[..], text.len() as u64 - 2, 4), None);
    }

    #[test]
    fn many_ranges_come_back_in_the_order_asked_from_one_pass() {
        let text: Vec<u8> = (0..600_000u32)
            .flat_map(|i| format!("{i},").into_bytes())
            .collect();
        let n = text.len() as u64;
        let z = gz(&text);
        // Out of order, far apart (several chunks), overlapping, repeated,
        // one past the end and one straddling it.
        let ranges = [
            (n - 1000, 12),
            (5, 3),
            (2_000_000, 50),
            (2_000_010, 10),
            (5, 3),
            (n + 10, 4),
            (n - 2, 4),
            (0, 0),
        ];
        let got = read_texts_at(Trickle(&z, 4096), &ranges);
        for (r, g) in ranges.iter().zip(&got) {
            let want = text
                .get(r.0 as usize..r.0 as usize + r.1)
                .map(|b| String::from_utf8(b.to_vec()).unwrap());
            assert_eq!(g, &want, "{r:?}");
        }
    }
}
