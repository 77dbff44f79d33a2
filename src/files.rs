//! Opening files that someone else may have swapped: never blocking on a
//! FIFO or a device (opened non-blocking, then checked on the open file, not
//! by path), and naming what a non-regular file is in messages. The loader
//! (log files, the index cache) and triage (state files) both open through
//! here.

use std::fs::{File, FileType, OpenOptions};
use std::io;
use std::path::Path;

/// Opens `path` for reading without waiting: on a FIFO with no writer a
/// plain open would block forever. The file may be of any type: check it.
pub fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NONBLOCK);
    }
    o.open(path)
}

/// Opens `path` for reading if it is a regular file; anything else (FIFO,
/// socket, device, directory) is an error saying what it is.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let f = open_nonblocking(path)?;
    let t = f.metadata()?.file_type();
    if !t.is_file() {
        return Err(io::Error::other(format!(
            "{}, not a regular file",
            kind_of(t)
        )));
    }
    Ok(f)
}

/// What a file that is not a regular file is, for messages: `a FIFO`.
pub fn kind_of(t: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        return "a directory";
    }
    if t.is_symlink() {
        return "a symbolic link";
    }
    if t.is_file() {
        return "a regular file";
    }
    "not a file"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("allowlist.toml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            return; // no mkfifo here: nothing to test
        }
        let e = open_regular(&fifo).unwrap_err();
        assert!(e.to_string().contains("a FIFO"), "{e}");
    }

    #[test]
    fn a_directory_is_named_as_one() {
        let dir = tempfile::tempdir().unwrap();
        let e = open_regular(dir.path()).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
    }
}
