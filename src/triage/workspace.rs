//! Where a set of logs keeps its allowlist and triage state.
//!
//! By default the workspace is a folder in the user's data directory
//! (`~/.local/share/trailhunt/workspaces/NAME-HASH/` on Linux, the platform's
//! equivalent elsewhere, or `$TRAILHUNT_DATA_DIR/workspaces/…`), keyed by a
//! hash of the logs' canonical paths. Not a `.trailhunt/` folder beside the
//! logs, because:
//!
//! * evidence is often on a read-only mount or in a folder that must not be
//!   altered (chain of custody), where nothing can or should be written;
//! * a shared evidence folder, or logs handed over by someone else, could
//!   carry an allowlist that silently hides findings — trailhunt never picks
//!   up suppression rules from the evidence by itself.
//!
//! A team that wants the allowlist beside the logs says so: `--workspace
//! DIR` (any folder, e.g. `logs/.trailhunt`) or `--allowlist FILE` (only the
//! allowlist; statuses and notes stay in the workspace).

use super::TriageError;
use std::path::{Path, PathBuf};

/// Where the allowlist and triage state are, when the user says so.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkspacePaths {
    /// Allowlist file to use instead of the workspace's.
    pub allowlist: Option<PathBuf>,
    /// Keep the allowlist and statuses in this folder (e.g. a `.trailhunt`
    /// folder beside the logs) instead of the data directory.
    pub workspace: Option<PathBuf>,
}

/// The file names inside a workspace.
pub const ALLOWLIST_FILE: &str = "allowlist.toml";
pub const TRIAGE_FILE: &str = "triage.toml";
pub const WORKSPACE_FILE: &str = "workspace.toml";

/// Where the workspace came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `--workspace DIR`.
    Flag,
    /// The data directory, keyed by the logs' canonical paths.
    DataDir,
    /// Neither logs nor `--workspace`: only `--allowlist FILE` is known.
    None,
}

/// The files that hold triage for one set of logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workspace {
    pub origin: Origin,
    /// The workspace folder (`None` with [`Origin::None`]).
    pub dir: Option<PathBuf>,
    pub allowlist: PathBuf,
    /// Whether `allowlist` came from `--allowlist`.
    pub allowlist_from_flag: bool,
    /// The statuses and notes file (`None` with [`Origin::None`]).
    pub triage: Option<PathBuf>,
    /// The logs' canonical paths, sorted (the workspace key).
    pub logs: Vec<PathBuf>,
}

/// FNV-1a, 64 bits: a hash whose value never changes between builds or
/// Rust versions, unlike `DefaultHasher`, so a workspace keeps its folder.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A path made absolute and canonical when it exists.
fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p)
        .unwrap_or_else(|_| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()))
}

impl Workspace {
    /// The root of trailhunt's data: `$TRAILHUNT_DATA_DIR`, else the
    /// platform's data directory for trailhunt.
    pub fn data_root() -> Result<PathBuf, TriageError> {
        if let Some(d) = std::env::var_os("TRAILHUNT_DATA_DIR").filter(|d| !d.is_empty()) {
            return Ok(PathBuf::from(d));
        }
        directories::ProjectDirs::from("", "", "trailhunt")
            .map(|p| p.data_dir().to_path_buf())
            .ok_or_else(|| {
                TriageError::NoWorkspace(
                    "no home directory to keep triage in: set TRAILHUNT_DATA_DIR or pass --workspace DIR".into(),
                )
            })
    }

    /// The logs' canonical paths (sorted, without repeats) and the folder
    /// name they key: `NAME-HASH`, NAME from the first path for people.
    pub fn key(paths: &[PathBuf]) -> (Vec<PathBuf>, String) {
        let mut logs: Vec<PathBuf> = paths.iter().map(|p| canonical(p)).collect();
        logs.sort();
        logs.dedup();
        let joined: Vec<u8> = logs
            .iter()
            .flat_map(|p| {
                let mut b = p.as_os_str().as_encoded_bytes().to_vec();
                b.push(b'\n');
                b
            })
            .collect();
        let first = logs
            .first()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut name: String = first
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .take(40)
            .collect();
        name = name.trim_start_matches('.').to_string();
        if name.is_empty() {
            name = "logs".into();
        }
        (logs, format!("{name}-{:016x}", fnv1a(&joined)))
    }

    /// The workspace for logs `paths` given `args`.
    pub fn locate(paths: &[PathBuf], args: &WorkspacePaths) -> Result<Workspace, TriageError> {
        let (logs, name) = Workspace::key(paths);
        let (origin, dir) = match (&args.workspace, paths.is_empty()) {
            (Some(d), _) => (Origin::Flag, Some(d.clone())),
            (None, false) => (
                Origin::DataDir,
                Some(Workspace::data_root()?.join("workspaces").join(name)),
            ),
            (None, true) => (Origin::None, None),
        };
        let allowlist = match (&args.allowlist, &dir) {
            (Some(f), _) => f.clone(),
            (None, Some(d)) => d.join(ALLOWLIST_FILE),
            (None, None) => {
                return Err(TriageError::NoWorkspace(
                    "name the logs (PATH…), --workspace DIR or --allowlist FILE to say which allowlist"
                        .into(),
                ));
            }
        };
        Ok(Workspace {
            origin,
            triage: dir.as_ref().map(|d| d.join(TRIAGE_FILE)),
            dir,
            allowlist,
            allowlist_from_flag: args.allowlist.is_some(),
            logs,
        })
    }

    /// Creates the folder and notes in `workspace.toml` which logs it is
    /// for, so a person browsing the data directory can tell. Call before
    /// the first save; reading never creates anything.
    pub fn ensure(&self) -> Result<(), TriageError> {
        let Some(dir) = &self.dir else { return Ok(()) };
        std::fs::create_dir_all(dir).map_err(|e| TriageError::io(dir, e))?;
        let info = dir.join(WORKSPACE_FILE);
        if !info.exists() {
            let logs: Vec<String> = self
                .logs
                .iter()
                .map(|p| format!("  {},", super::toml_string(&p.to_string_lossy())))
                .collect();
            let text = format!(
                "# trailhunt workspace: the allowlist and triage state of these logs.\nschema_version = 1\nlogs = [\n{}\n]\n",
                logs.join("\n")
            );
            super::persist::write_atomic(&info, text.as_bytes())?;
        }
        Ok(())
    }

    /// Lines saying where things are, for `scan`'s stderr and `allowlist path`
    /// (not sanitised: pass each through [`crate::sanitize::escape`]).
    pub fn describe(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(d) = &self.dir {
            let how = match self.origin {
                Origin::Flag => "from --workspace",
                _ => "data directory, keyed by the logs' paths",
            };
            v.push(format!("workspace: {} ({how})", d.display()));
        }
        let how = if self.allowlist_from_flag {
            " (from --allowlist)"
        } else {
            ""
        };
        v.push(format!("allowlist: {}{how}", self.allowlist.display()));
        if let Some(t) = &self.triage {
            v.push(format!("triage: {}", t.display()));
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_ignores_order_repeats_and_spelling_of_the_same_path() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a");
        let b = d.path().join("b");
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        let k1 = Workspace::key(&[a.clone(), b.clone()]).1;
        let k2 = Workspace::key(&[b.clone(), a.join("."), a.clone()]).1;
        assert_eq!(k1, k2);
        assert_ne!(k1, Workspace::key(std::slice::from_ref(&a)).1);
        assert!(k1.starts_with("a-"), "{k1}");
    }

    #[test]
    fn the_hash_is_stable_across_builds() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn flags_take_precedence() {
        let args = WorkspacePaths {
            allowlist: Some("team.toml".into()),
            workspace: Some("ws".into()),
        };
        let w = Workspace::locate(&[PathBuf::from("logs")], &args).unwrap();
        assert_eq!(w.allowlist, PathBuf::from("team.toml"));
        assert_eq!(w.triage, Some(PathBuf::from("ws").join(TRIAGE_FILE)));
        assert_eq!(w.origin, Origin::Flag);
        let only = WorkspacePaths {
            allowlist: Some("team.toml".into()),
            workspace: None,
        };
        assert_eq!(Workspace::locate(&[], &only).unwrap().origin, Origin::None);
        assert!(Workspace::locate(&[], &WorkspacePaths::default()).is_err());
    }
}
