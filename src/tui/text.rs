//! Width-aware fitting and wrapping of already-escaped text.
//!
//! Nothing here escapes: text reaches these helpers after
//! [`crate::sanitize::escape`]. They only make it fit.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Display width of one character (0 for combining marks, 2 for wide ones).
pub fn char_width(c: char) -> usize {
    if c.is_ascii() {
        return 1;
    }
    let mut buf = [0u8; 4];
    Span::raw(&*c.encode_utf8(&mut buf)).width()
}

/// Display width of a string.
pub fn width(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().map(char_width).sum()
    }
}

/// Shortens `s` to at most `max` columns, marking a cut with `…`.
pub fn fit(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = char_width(c);
        if w + cw > max - 1 {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// Pads `s` with spaces to `w` columns (no cut).
pub fn pad(s: &str, w: usize) -> String {
    let n = width(s);
    if n >= w {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(w - n))
    }
}

/// Wraps a styled line to `width` columns: at the last space that fits
/// when there is one, else anywhere (a long ARN has no spaces).
pub fn wrap(line: &Line<'_>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let cells: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|s| {
            let st = line.style.patch(s.style);
            s.content.chars().map(move |c| (c, st))
        })
        .collect();
    let mut rows: Vec<Vec<(char, Style)>> = Vec::new();
    let mut cur: Vec<(char, Style)> = Vec::new();
    let mut w = 0;
    for cell in cells {
        let cw = char_width(cell.0);
        if cell.0 == ' ' && w + cw > width {
            // A space at the edge ends the row; it is kept (the text stays
            // whole for search) but clipped, so no row starts with a space.
            cur.push(cell);
            rows.push(std::mem::take(&mut cur));
            w = 0;
            continue;
        }
        if w + cw > width && !cur.is_empty() {
            let brk = cur
                .iter()
                .rposition(|(c, _)| *c == ' ')
                .filter(|&p| p + 1 < cur.len());
            match brk {
                Some(p) => {
                    let rest = cur.split_off(p + 1);
                    rows.push(std::mem::replace(&mut cur, rest));
                }
                _ => rows.push(std::mem::take(&mut cur)),
            }
            w = cur.iter().map(|(c, _)| char_width(*c)).sum();
        }
        cur.push(cell);
        w += cw;
    }
    if !cur.is_empty() || rows.is_empty() {
        rows.push(cur);
    }
    rows.into_iter().map(join).collect()
}

/// Rows `line` takes when wrapped to `width`.
pub fn height(line: &Line<'_>, width: usize) -> usize {
    if line.width() <= width.max(1) {
        1
    } else {
        wrap(line, width).len()
    }
}

fn join(cells: Vec<(char, Style)>) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = None;
    for (c, st) in cells {
        if style.is_some_and(|s| s != st) {
            spans.push(Span::styled(
                std::mem::take(&mut text),
                style.unwrap_or_default(),
            ));
        }
        style = Some(st);
        text.push(c);
    }
    if !text.is_empty() {
        spans.push(Span::styled(text, style.unwrap_or_default()));
    }
    Line::from(spans)
}

/// Thousands separators: `12345` → `12,345`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn fit_counts_columns_and_marks_the_cut() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
        assert_eq!(fit("日本語", 4), "日…");
        assert_eq!(fit("abc", 0), "");
    }

    #[test]
    fn wrap_breaks_at_spaces_then_anywhere() {
        let l = Line::from("the quick brown fox");
        assert_eq!(plain(&wrap(&l, 10)), vec!["the quick ", "brown fox"]);
        assert_eq!(plain(&wrap(&l, 9)), vec!["the quick ", "brown fox"]);
        let l = Line::from("arn:aws:iam::123456789012:user/x");
        assert_eq!(
            plain(&wrap(&l, 12)),
            vec!["arn:aws:iam:", ":12345678901", "2:user/x"]
        );
        assert_eq!(height(&l, 12), 3);
        assert_eq!(plain(&wrap(&Line::from(""), 5)), vec![""]);
    }

    #[test]
    fn wrap_keeps_styles() {
        let st = Style::default().fg(ratatui::style::Color::Red);
        let l = Line::from(vec![Span::raw("ab"), Span::styled("cdef", st)]);
        let w = wrap(&l, 3);
        assert_eq!(w[0].spans[1].style, st);
        assert_eq!(plain(&w), vec!["abc", "def"]);
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
