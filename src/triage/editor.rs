//! Editing a triage file in `$EDITOR`, checked before it replaces the file.
//!
//! The console leaves its alternate screen, calls [`edit_validated`] (via
//! [`super::AllowlistFile::edit_in_editor`]), and restores the screen. The
//! file is edited as a copy beside it, like `visudo`: a copy that does not
//! parse never replaces the file, and an edit is not put in place if the
//! file changed on disk while the editor was open (another instance saved
//! meanwhile); in both cases the copy is kept and its path reported.

use super::{TriageError, persist};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The command that edits a file: `$VISUAL`, else `$EDITOR`, else `vi`.
/// The variable is split on whitespace, so `code --wait` works; quoting is
/// not interpreted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Editor {
    pub program: String,
    pub args: Vec<String>,
}

impl Editor {
    pub fn from_env() -> Editor {
        let var = ["VISUAL", "EDITOR"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|v| !v.trim().is_empty())
            .unwrap_or_else(|| "vi".to_string());
        Editor::parse(&var).unwrap_or_else(|| Editor {
            program: "vi".into(),
            args: Vec::new(),
        })
    }

    /// Splits a command line on whitespace; `None` if it is blank.
    pub fn parse(command: &str) -> Option<Editor> {
        let mut words = command.split_whitespace().map(str::to_string);
        let program = words.next()?;
        Some(Editor {
            program,
            args: words.collect(),
        })
    }

    /// The command to run on `file`.
    pub fn command(&self, file: &Path) -> Command {
        let mut c = Command::new(&self.program);
        c.args(&self.args).arg(file);
        c
    }
}

/// What came of an edit.
#[derive(Debug)]
pub enum EditOutcome {
    /// Saved in place (atomically); the caller should reload.
    Saved,
    /// Nothing changed.
    Unchanged,
    /// The editor exited with a failure status (`:cq` in vim): nothing saved.
    Cancelled,
    /// The edited copy does not parse (the error names the copy and the
    /// line). The file is untouched; the copy is kept at `kept`.
    Invalid { error: TriageError, kept: PathBuf },
    /// The file changed on disk while the editor was open; not overwritten.
    /// The edited copy is kept at `kept`.
    Conflict { kept: PathBuf },
}

/// Edits `path` in `editor` through a checked copy. `template` is the
/// starting text when the file does not exist yet; `validate` reads the
/// edited text (its path argument is the copy's, for messages).
pub fn edit_validated(
    path: &Path,
    editor: &Editor,
    template: &str,
    validate: impl Fn(&str, &Path) -> Result<(), TriageError>,
) -> Result<EditOutcome, TriageError> {
    // Refused before the editor runs: an edit that could not be saved
    // (read-only, a FIFO, a device) would be work lost.
    let target = persist::writable_target(path)?;
    let dir = target
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir).map_err(|e| TriageError::io(&dir, e))?;
    // A file that is not UTF-8 text is refused here (the error says so).
    let before = persist::read_optional(&target)?;
    let start = before.clone().unwrap_or_else(|| template.to_string());
    let stem = target
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "triage".into());
    let ext = target
        .extension()
        .map(|s| format!(".{}", s.to_string_lossy()))
        .unwrap_or_default();
    let copy = tempfile::Builder::new()
        .prefix(&format!("{stem}.edit-"))
        .suffix(&ext)
        .tempfile_in(&dir)
        .map_err(|e| TriageError::io(&dir, e))?;
    std::fs::write(copy.path(), &start).map_err(|e| TriageError::io(copy.path(), e))?;
    // From here the copy must outlive this call when the edit is not saved.
    let (_, copy) = copy.keep().map_err(|e| TriageError::io(&dir, e.error))?;
    let status = editor
        .command(&copy)
        .status()
        .map_err(|e| TriageError::Io {
            path: PathBuf::from(&editor.program),
            error: std::io::Error::new(
                e.kind(),
                format!("cannot run the editor {:?}: {e}", editor.program),
            ),
        })?;
    let remove_copy = || {
        let _ = std::fs::remove_file(&copy);
    };
    if !status.success() {
        remove_copy();
        return Ok(EditOutcome::Cancelled);
    }
    let edited = std::fs::read_to_string(&copy).map_err(|e| TriageError::io(&copy, e))?;
    if edited == start {
        remove_copy();
        return Ok(EditOutcome::Unchanged);
    }
    if let Err(error) = validate(&edited, &copy) {
        return Ok(EditOutcome::Invalid { error, kept: copy });
    }
    persist::with_lock(&target, || {
        let now = persist::read_optional(&target)?;
        if now != before {
            return Ok(EditOutcome::Conflict { kept: copy.clone() });
        }
        persist::write_atomic(&target, edited.as_bytes())?;
        remove_copy();
        Ok(EditOutcome::Saved)
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// An "editor" that is a shell script doing `body` to the file `$1`.
    fn script(dir: &Path, body: &str) -> Editor {
        let p = dir.join("ed.sh");
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        Editor {
            program: p.display().to_string(),
            args: Vec::new(),
        }
    }

    fn ok(text: &str, _: &Path) -> Result<(), TriageError> {
        if text.contains("bad") {
            Err(TriageError::Parse {
                path: PathBuf::from("copy"),
                line: 2,
                message: "bad".into(),
            })
        } else {
            Ok(())
        }
    }

    #[test]
    fn a_valid_edit_replaces_the_file() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a.toml");
        std::fs::write(&f, "one\n").unwrap();
        let ed = script(d.path(), "echo two >> \"$1\"");
        assert!(matches!(
            edit_validated(&f, &ed, "", ok).unwrap(),
            EditOutcome::Saved
        ));
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "one\ntwo\n");
        let names: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(
            !names.iter().any(|n| n.to_string_lossy().contains(".edit-")),
            "{names:?}"
        );
    }

    #[test]
    fn an_invalid_edit_leaves_the_file_and_keeps_the_copy() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a.toml");
        std::fs::write(&f, "one\n").unwrap();
        let ed = script(d.path(), "echo bad >> \"$1\"");
        match edit_validated(&f, &ed, "", ok).unwrap() {
            EditOutcome::Invalid { error, kept } => {
                assert!(error.to_string().contains(":2:"));
                assert_eq!(std::fs::read_to_string(&kept).unwrap(), "one\nbad\n");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "one\n");
    }

    #[test]
    fn a_read_only_file_is_refused_before_the_editor_runs() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a.toml");
        std::fs::write(&f, "one\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o444)).unwrap();
        let ran = d.path().join("ran");
        let ed = script(
            d.path(),
            &format!("touch '{}'; echo two >> \"$1\"", ran.display()),
        );
        let e = edit_validated(&f, &ed, "", ok).unwrap_err();
        assert!(e.to_string().contains("read-only"), "{e}");
        assert!(!ran.exists(), "the edit would have been lost");
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "one\n");
    }

    #[test]
    fn a_change_made_meanwhile_is_not_overwritten() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a.toml");
        std::fs::write(&f, "one\n").unwrap();
        // The "editor" edits its copy while someone else saves the file.
        let ed = script(
            d.path(),
            &format!("echo mine >> \"$1\"; echo theirs > '{}'", f.display()),
        );
        assert!(matches!(
            edit_validated(&f, &ed, "", ok).unwrap(),
            EditOutcome::Conflict { .. }
        ));
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "theirs\n");
    }

    #[test]
    fn unchanged_and_cancelled_edits_write_nothing() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a.toml");
        assert!(matches!(
            edit_validated(&f, &script(d.path(), "true"), "tmpl\n", ok).unwrap(),
            EditOutcome::Unchanged
        ));
        assert!(!f.exists());
        let ed = script(d.path(), "echo x >> \"$1\"; exit 1");
        assert!(matches!(
            edit_validated(&f, &ed, "tmpl\n", ok).unwrap(),
            EditOutcome::Cancelled
        ));
        assert!(!f.exists());
    }

    #[test]
    fn editor_variable_is_split_on_whitespace() {
        assert_eq!(
            Editor::parse("code --wait"),
            Some(Editor {
                program: "code".into(),
                args: vec!["--wait".into()]
            })
        );
        assert_eq!(Editor::parse("  "), None);
    }
}
