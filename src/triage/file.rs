//! The allowlist file on disk, and the changes the console and the CLI make
//! to it.
//!
//! Each change (add, replace, remove, disable) is applied under the lock to
//! the file as it is on disk at that moment, through `toml_edit`, so hand
//! edits, comments and other instances' changes are kept. A file that does
//! not parse is never written: the change is refused with the parse error.

use super::allowlist::{Allowlist, Entry};
use super::editor::{EditOutcome, Editor, edit_validated};
use super::{TriageError, line_of, persist};
use std::path::{Path, PathBuf};
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table};

/// An allowlist file: the last good content read from it, and what is
/// wrong with it if it no longer parses.
#[derive(Debug)]
pub struct AllowlistFile {
    path: PathBuf,
    list: Allowlist,
    problem: Option<TriageError>,
    exists: bool,
}

fn parse_doc(text: &str, path: &Path) -> Result<DocumentMut, TriageError> {
    text.parse::<DocumentMut>().map_err(|e| TriageError::Parse {
        path: path.to_path_buf(),
        line: e.span().map(|s| line_of(text, s.start)).unwrap_or(1),
        message: e.message().trim().to_string(),
    })
}

/// The `[[entry]]` tables of `doc`, made an array of tables if the file
/// wrote them as an inline array (`entry = [{ … }]`).
fn entry_tables(doc: &mut DocumentMut) -> Result<&mut ArrayOfTables, TriageError> {
    let root = doc.as_table_mut();
    let item = root
        .entry("entry")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()));
    if !item.is_array_of_tables() {
        let taken = std::mem::take(item);
        *item = Item::ArrayOfTables(taken.into_array_of_tables().map_err(|_| {
            TriageError::Invalid(
                "`entry` is neither [[entry]] tables nor an array of tables".into(),
            )
        })?);
    }
    Ok(item
        .as_array_of_tables_mut()
        .expect("made an array of tables"))
}

fn index_of(aot: &ArrayOfTables, id: &str) -> Option<usize> {
    aot.iter().position(|t| {
        t.get("id")
            .and_then(Item::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case(id))
    })
}

/// The `[[entry]]` table for `entry`, formatted as trailhunt writes it.
fn entry_table(entry: &Entry) -> Result<Table, TriageError> {
    let piece = entry.to_toml().parse::<DocumentMut>().map_err(|e| {
        TriageError::Invalid(format!("entry {:?} cannot be written: {e}", entry.id))
    })?;
    let mut table = piece
        .get("entry")
        .and_then(Item::as_array_of_tables)
        .and_then(|a| a.get(0))
        .cloned()
        .ok_or_else(|| TriageError::Invalid(format!("entry {:?} cannot be written", entry.id)))?;
    // Without a position of its own, a table is written after the one before it.
    table.set_position(None);
    table.decor_mut().set_prefix("\n");
    Ok(table)
}

impl AllowlistFile {
    /// Opens `path` for the console: never fails. A missing file is an
    /// empty allowlist; a file that does not parse gives an empty list and
    /// [`AllowlistFile::problem`], and every change is refused until it is fixed.
    pub fn open(path: &Path) -> AllowlistFile {
        let mut f = AllowlistFile {
            path: path.to_path_buf(),
            list: Allowlist::default(),
            problem: None,
            exists: false,
        };
        let _ = f.reload();
        f
    }

    /// Opens `path` for `scan`: a file that does not parse is an error.
    pub fn load(path: &Path) -> Result<AllowlistFile, TriageError> {
        let text = persist::read_optional(path)?;
        let exists = text.is_some();
        let list = Allowlist::parse(text.as_deref().unwrap_or(""), path)?;
        Ok(AllowlistFile {
            path: path.to_path_buf(),
            list,
            problem: None,
            exists,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The entries as last read successfully.
    pub fn list(&self) -> &Allowlist {
        &self.list
    }

    /// Why the file on disk cannot be used, if it cannot (names the line).
    pub fn problem(&self) -> Option<&TriageError> {
        self.problem.as_ref()
    }

    /// Whether the file existed when last read.
    pub fn exists(&self) -> bool {
        self.exists
    }

    /// Reads the file again (after `$EDITOR`, or to see another instance's
    /// changes). If it no longer parses, the last good entries are kept in
    /// memory, the error is returned and kept in [`AllowlistFile::problem`].
    pub fn reload(&mut self) -> Result<(), &TriageError> {
        let read = persist::read_optional(&self.path).and_then(|text| {
            let exists = text.is_some();
            Allowlist::parse(text.as_deref().unwrap_or(""), &self.path).map(|l| (l, exists))
        });
        match read {
            Ok((list, exists)) => {
                self.list = list;
                self.exists = exists;
                self.problem = None;
                Ok(())
            }
            Err(e) => {
                self.problem = Some(e);
                Err(self.problem.as_ref().expect("just set"))
            }
        }
    }

    /// Applies one change to the file as it is on disk now, under the lock;
    /// writes it atomically; refreshes the in-memory list.
    fn change<T>(
        &mut self,
        op: impl FnOnce(&mut DocumentMut, &Allowlist) -> Result<T, TriageError>,
    ) -> Result<T, TriageError> {
        let path = self.path.clone();
        let result = persist::with_lock(&path, || {
            // A file that cannot be used at all (FIFO, too large) says so
            // itself; only one that does not parse is "not changed: …".
            let text = persist::read_optional(&path).map_err(|e| match e {
                TriageError::Parse { .. } => TriageError::Refused {
                    path: path.clone(),
                    reason: e.to_string(),
                },
                e => e,
            })?;
            let text = text.unwrap_or_default();
            let current = Allowlist::parse(&text, &path).map_err(|e| TriageError::Refused {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            let mut doc = if text.trim().is_empty() {
                parse_doc(&Allowlist::default().to_toml(), &path)?
            } else {
                parse_doc(&text, &path).map_err(|e| TriageError::Refused {
                    path: path.clone(),
                    reason: e.to_string(),
                })?
            };
            if !doc.contains_key("schema_version") {
                doc.insert(
                    "schema_version",
                    toml_edit::value(super::allowlist::SCHEMA_VERSION),
                );
            }
            let out = op(&mut doc, &current)?;
            let new_text = doc.to_string();
            // Never write what could not be read back.
            let list = Allowlist::parse(&new_text, &path).map_err(|e| {
                TriageError::Invalid(format!(
                    "change not saved: it would make the file unreadable: {e}"
                ))
            })?;
            persist::write_atomic(&path, new_text.as_bytes())?;
            Ok((out, list))
        });
        match result {
            Ok((out, list)) => {
                self.list = list;
                self.exists = true;
                self.problem = None;
                Ok(out)
            }
            Err(e) => {
                if matches!(e, TriageError::Refused { .. }) {
                    let _ = self.reload();
                }
                Err(e)
            }
        }
    }

    /// Adds `entry` at the end. Refused if its id is taken or it is invalid.
    pub fn add(&mut self, entry: Entry) -> Result<(), TriageError> {
        entry.validate().map_err(TriageError::Invalid)?;
        let path = self.path.clone();
        self.change(|doc, current| {
            if current.get(&entry.id).is_some() {
                return Err(TriageError::Duplicate {
                    path,
                    id: entry.id.clone(),
                });
            }
            let table = entry_table(&entry)?;
            entry_tables(doc)?.push(table);
            Ok(())
        })
    }

    /// Adds `entry` at the end under the first id free in the file as it
    /// is under the lock (`entry.id`, else `entry.id-2`, …), and returns it.
    /// The id is chosen there, not before: two writers that both saw an id
    /// free would otherwise both take it.
    pub fn add_unique(&mut self, mut entry: Entry) -> Result<String, TriageError> {
        entry.validate().map_err(TriageError::Invalid)?;
        self.change(|doc, current| {
            entry.id = current.unique_id(&entry.id);
            entry.validate().map_err(TriageError::Invalid)?;
            entry_tables(doc)?.push(entry_table(&entry)?);
            Ok(entry.id.clone())
        })
    }

    /// Replaces the entry `id` with `entry` (which may change the id), in
    /// place, keeping the comment lines above it.
    pub fn replace(&mut self, id: &str, entry: Entry) -> Result<(), TriageError> {
        entry.validate().map_err(TriageError::Invalid)?;
        let path = self.path.clone();
        self.change(|doc, current| {
            if !entry.id.eq_ignore_ascii_case(id) && current.get(&entry.id).is_some() {
                return Err(TriageError::Duplicate {
                    path,
                    id: entry.id.clone(),
                });
            }
            let mut table = entry_table(&entry)?;
            let aot = entry_tables(doc)?;
            let i = index_of(aot, id).ok_or_else(|| TriageError::NotFound {
                path: path.clone(),
                id: id.to_string(),
            })?;
            let old = aot.get(i).expect("index found");
            if let Some(prefix) = old.decor().prefix().and_then(|p| p.as_str()) {
                table.decor_mut().set_prefix(prefix.to_string());
            }
            table.set_position(old.position());
            aot.replace(i, table);
            Ok(())
        })
    }

    /// Removes the entry `id` and returns it.
    pub fn remove(&mut self, id: &str) -> Result<Entry, TriageError> {
        let path = self.path.clone();
        self.change(|doc, current| {
            let aot = entry_tables(doc)?;
            let i = index_of(aot, id).ok_or_else(|| TriageError::NotFound {
                path: path.clone(),
                id: id.to_string(),
            })?;
            aot.remove(i);
            current.get(id).cloned().ok_or(TriageError::NotFound {
                path,
                id: id.to_string(),
            })
        })
    }

    /// Turns the entry `id` off (`disabled = true`) or back on.
    pub fn set_disabled(&mut self, id: &str, disabled: bool) -> Result<(), TriageError> {
        let path = self.path.clone();
        self.change(|doc, _| {
            let aot = entry_tables(doc)?;
            let i = index_of(aot, id).ok_or_else(|| TriageError::NotFound {
                path,
                id: id.to_string(),
            })?;
            let t = aot.get_mut(i).expect("index found");
            if disabled {
                t.insert("disabled", toml_edit::value(true));
            } else {
                t.remove("disabled");
            }
            Ok(())
        })
    }

    /// Opens the file in `editor` (the console suspends the terminal around
    /// this call) the way `visudo` does: on a copy, checked on return, put in
    /// place atomically only if it parses and nobody changed the file
    /// meanwhile. The list is refreshed when the edit is saved.
    pub fn edit_in_editor(&mut self, editor: &Editor) -> Result<EditOutcome, TriageError> {
        let template = Allowlist::default().to_toml();
        let out = edit_validated(&self.path, editor, &template, |text, path| {
            Allowlist::parse(text, path).map(|_| ())
        })?;
        if matches!(out, EditOutcome::Saved) {
            let _ = self.reload();
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::allowlist::{Condition, MatchKind, RuleScope};
    use crate::triage::field::Field;

    fn entry(id: &str) -> Entry {
        Entry {
            id: id.into(),
            rules: RuleScope::All,
            conditions: vec![
                Condition::new(Field::TargetUser, MatchKind::Exact, "deploy").unwrap(),
            ],
            reason: "rotation".into(),
            author: Some("me".into()),
            created: None,
            expires: None,
            disabled: false,
        }
    }

    #[test]
    fn add_to_a_missing_file_creates_it_with_a_schema_version() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ws/allowlist.toml");
        let mut f = AllowlistFile::open(&p);
        assert!(!f.exists() && f.problem().is_none());
        f.add(entry("a")).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains("schema_version = 1"), "{text}");
        assert_eq!(f.list().entries.len(), 1);
        assert!(matches!(
            f.add(entry("A")),
            Err(TriageError::Duplicate { .. })
        ));
    }

    #[test]
    fn changes_keep_comments_and_hand_formatting() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("allowlist.toml");
        let text = "# team allowlist, reviewed weekly\nschema_version = 1\n\n# the CI user\n[[entry]]\nid = \"ci\"   # keep\nrules = \"all\"\nreason = \"ci\"\nwhen = [{ field = \"src\", exact = \"10.0.0.1\" }]\n";
        std::fs::write(&p, text).unwrap();
        let mut f = AllowlistFile::open(&p);
        f.add(entry("b")).unwrap();
        f.set_disabled("ci", true).unwrap();
        let after = std::fs::read_to_string(&p).unwrap();
        assert!(
            after.starts_with("# team allowlist, reviewed weekly\n"),
            "{after}"
        );
        assert!(
            after.contains("# the CI user\n[[entry]]\nid = \"ci\"   # keep"),
            "{after}"
        );
        assert!(after.contains("disabled = true"), "{after}");
        f.set_disabled("ci", false).unwrap();
        f.remove("b").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), text);
    }

    #[test]
    fn replace_keeps_position_and_comment() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("allowlist.toml");
        let mut f = AllowlistFile::open(&p);
        for id in ["a", "b", "c"] {
            f.add(entry(id)).unwrap();
        }
        let mut e = entry("b2");
        e.reason = "changed".into();
        f.replace("b", e).unwrap();
        let ids: Vec<&str> = f.list().entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["a", "b2", "c"]);
        assert!(matches!(
            f.replace("zzz", entry("q")),
            Err(TriageError::NotFound { .. })
        ));
        assert!(matches!(
            f.replace("a", entry("c")),
            Err(TriageError::Duplicate { .. })
        ));
    }

    #[test]
    fn inline_array_entries_are_handled() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("allowlist.toml");
        std::fs::write(
            &p,
            "schema_version = 1\nentry = [{ id = \"x\", rules = \"all\", reason = \"r\", when = [{ field = \"src\", exact = \"1.2.3.4\" }] }]\n",
        )
        .unwrap();
        let mut f = AllowlistFile::open(&p);
        f.add(entry("y")).unwrap();
        let ids: Vec<&str> = f.list().entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["x", "y"]);
    }
}
