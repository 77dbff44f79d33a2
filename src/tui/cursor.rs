//! A scrolled list with a selection: the one piece of list state that the
//! findings list, the groups, the pane lists and the allowlist screen share.
//! It sits below every other state type (it imports none), so each of them
//! can hold one.

/// A scrolled list with a selection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub selected: usize,
    /// First row shown.
    pub offset: usize,
}

impl Cursor {
    /// Moves by `delta` rows within `len`, keeping the selection in a
    /// viewport of `height` rows.
    pub fn step(&mut self, delta: isize, len: usize, height: usize) {
        let target = (self.selected as isize + delta).clamp(0, len.saturating_sub(1) as isize);
        self.select(target as usize, len, height);
    }

    /// Selects row `i` (clamped) and scrolls it into view.
    pub fn select(&mut self, i: usize, len: usize, height: usize) {
        self.selected = i.min(len.saturating_sub(1));
        self.clamp(len, height);
    }

    /// Keeps the selection inside the viewport after a resize or a new list.
    pub fn clamp(&mut self, len: usize, height: usize) {
        let height = height.max(1);
        self.selected = self.selected.min(len.saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_selection_stays_in_the_viewport_and_the_list() {
        let mut c = Cursor::default();
        c.step(12, 20, 5);
        assert_eq!((c.selected, c.offset), (12, 8));
        c.step(100, 20, 5);
        assert_eq!((c.selected, c.offset), (19, 15));
        c.clamp(3, 5);
        assert_eq!((c.selected, c.offset), (2, 0));
    }
}
