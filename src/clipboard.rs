//! Copying evidence out of the console: the system clipboard where there is
//! one, the terminal's clipboard through OSC 52 over SSH and in tmux or
//! screen, and a file as the last resort.
//!
//! Start at [`SystemClipboard::from_env`], which the console keeps for its
//! lifetime and calls [`Clipboard::copy`] on; the [`Copied`] it returns says
//! which back end was used ([`Copied::message`] is the status line). Which
//! back ends are tried, in which order, is [`plan`], a pure function of an
//! [`Env`] snapshot, so it is tested without a clipboard or a terminal.
//!
//! The text given to [`Clipboard::copy`] is the already-sanitised evidence
//! (see [`crate::report::markdown`]). OSC 52 base64-encodes it, so no byte
//! of it can end the escape sequence early: the payload cannot break out.

use crate::sanitize::escape;
use base64::Engine as _;
use std::ffi::OsString;
use std::io::{IsTerminal, Stdout, Write};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

/// `--clipboard`: how to copy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClipboardChoice {
    /// Pick from the environment: OSC 52 over SSH and in tmux or screen,
    /// else the system clipboard; a file as the last resort.
    #[default]
    Auto,
    /// The system clipboard (X11, macOS, Windows).
    Native,
    /// The terminal's clipboard, through the OSC 52 escape sequence.
    Osc52,
    /// A file in trailhunt's data directory.
    File,
}

/// A way of copying.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Native,
    Osc52,
    File,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Native => "native",
            Backend::Osc52 => "osc52",
            Backend::File => "file",
        }
    }
}

/// How an OSC 52 sequence must be wrapped to reach the outer terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wrap {
    /// Straight to the terminal.
    None,
    /// Inside tmux: a DCS passthrough (`ESC P tmux; … ESC \`), inner
    /// escapes doubled. Needs `set -g allow-passthrough on` (tmux 3.3+).
    Tmux,
    /// Inside GNU screen: DCS strings of at most 76 payload bytes each, as
    /// screen limits the length of one string.
    Screen,
}

/// What [`plan`] looks at: a snapshot of the environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Env {
    /// `SSH_CONNECTION` or `SSH_TTY` is set.
    pub ssh: bool,
    /// `TMUX` is set.
    pub tmux: bool,
    /// `TERM` starts with `screen` or `STY` is set (and not inside tmux).
    pub screen: bool,
    /// `DISPLAY` is set: an X11 server (or XWayland) to talk to.
    pub x11_display: bool,
    /// `WAYLAND_DISPLAY` is set.
    pub wayland_display: bool,
    /// The native clipboard needs a display server (Linux and the BSDs;
    /// not macOS or Windows).
    pub needs_display_server: bool,
    /// Standard output is a terminal (OSC 52 needs one to reach).
    pub stdout_tty: bool,
    /// Inside tmux: whether it passes a DCS `tmux;` string on to the outer
    /// terminal (`allow-passthrough`, off by default since 3.3). `None`:
    /// its options could not be read.
    pub tmux_passthrough: Option<bool>,
    /// Inside tmux: `set-clipboard on`, so tmux itself takes a plain OSC 52
    /// and hands it on (the default, `external`, ignores applications').
    pub tmux_set_clipboard_on: Option<bool>,
}

/// `allow-passthrough` and `set-clipboard` from the output of
/// `tmux display-message -p '#{allow-passthrough} #{set-clipboard}'`.
/// tmux before 3.3 has no `allow-passthrough` (an empty word) and always
/// passed DCS strings through.
pub fn parse_tmux_options(out: &str) -> (Option<bool>, Option<bool>) {
    let line = out.trim_end_matches(['\n', '\r']);
    let Some((pass, clip)) = line.split_once(' ') else {
        return (None, None);
    };
    let pass = match pass {
        "on" | "all" | "" => Some(true),
        "off" => Some(false),
        _ => None,
    };
    let clip = match clip.trim() {
        "on" => Some(true),
        "off" | "external" => Some(false),
        _ => None,
    };
    (pass, clip)
}

/// Asks the tmux server this process runs under for its clipboard options.
/// Only called inside tmux; a tmux that does not answer gives `None`s.
fn tmux_options() -> (Option<bool>, Option<bool>) {
    std::process::Command::new("tmux")
        .args([
            "display-message",
            "-p",
            "#{allow-passthrough} #{set-clipboard}",
        ])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or((None, None), |o| {
            parse_tmux_options(&String::from_utf8_lossy(&o.stdout))
        })
}

impl Env {
    /// The environment of this process.
    pub fn detect() -> Env {
        let mut env = Env::from_vars(|k| std::env::var_os(k), std::io::stdout().is_terminal());
        if env.tmux {
            (env.tmux_passthrough, env.tmux_set_clipboard_on) = tmux_options();
        }
        env
    }

    /// An environment from variables looked up with `var` (empty counts as
    /// unset) and whether stdout is a terminal.
    pub fn from_vars(var: impl Fn(&str) -> Option<OsString>, stdout_tty: bool) -> Env {
        let set = |k: &str| var(k).is_some_and(|v| !v.is_empty());
        let tmux = set("TMUX");
        let term_screen = var("TERM").is_some_and(|t| t.to_string_lossy().starts_with("screen"));
        Env {
            ssh: set("SSH_CONNECTION") || set("SSH_TTY"),
            tmux,
            // tmux sets TERM=screen* too; it is tmux then, not screen.
            screen: !tmux && (term_screen || set("STY")),
            x11_display: set("DISPLAY"),
            wayland_display: set("WAYLAND_DISPLAY"),
            needs_display_server: cfg!(all(
                unix,
                not(any(
                    target_os = "macos",
                    target_os = "ios",
                    target_os = "android"
                ))
            )),
            stdout_tty,
            tmux_passthrough: None,
            tmux_set_clipboard_on: None,
        }
    }

    /// How OSC 52 must be wrapped here.
    pub fn wrap(&self) -> Wrap {
        // With passthrough off but `set-clipboard on`, tmux takes a plain
        // OSC 52 itself (and forwards it); a wrapped one would be dropped.
        if self.tmux
            && self.tmux_set_clipboard_on == Some(true)
            && self.tmux_passthrough != Some(true)
        {
            Wrap::None
        } else if self.tmux {
            Wrap::Tmux
        } else if self.screen {
            Wrap::Screen
        } else {
            Wrap::None
        }
    }

    /// Why an OSC 52 sequence sent here may never reach the terminal, when
    /// it may not: OSC 52 has no reply, so tmux dropping it would otherwise
    /// look like success.
    pub fn osc52_doubt(&self) -> Option<String> {
        if !self.tmux
            || self.tmux_passthrough == Some(true)
            || self.tmux_set_clipboard_on == Some(true)
        {
            return None;
        }
        Some(match (self.tmux_passthrough, self.tmux_set_clipboard_on) {
            (Some(_), Some(_)) => {
                "tmux may drop it: allow-passthrough and set-clipboard are not on".into()
            }
            _ => "tmux may drop it: its allow-passthrough and set-clipboard options could not be read".into(),
        })
    }

    /// Whether the native clipboard can be tried without risk: not where it
    /// needs a display server and none is set (arboard would try to connect
    /// to X11 and fail, or hang on a stale `DISPLAY`). trailhunt builds
    /// arboard without its Wayland back end, so on Wayland it goes through
    /// XWayland's `DISPLAY`.
    pub fn native_possible(&self) -> bool {
        !self.needs_display_server || self.x11_display
    }
}

/// The back ends to try, in order, for `choice` in `env`.
///
/// `auto`: over SSH or inside tmux/screen the native clipboard would be the
/// remote machine's, so OSC 52 (the terminal the user looks at), then a
/// file. Without a display server, OSC 52 when stdout is a terminal, else a
/// file. Otherwise native, then OSC 52 (when stdout is a terminal), then a
/// file. An explicit choice is tried first and a file is still the last
/// resort, so a copy is never lost; `file` is only the file.
pub fn plan(choice: ClipboardChoice, env: &Env) -> Vec<Backend> {
    use Backend::*;
    let osc = |v: &mut Vec<Backend>| {
        if env.stdout_tty {
            v.push(Osc52);
        }
    };
    let mut v = Vec::new();
    match choice {
        ClipboardChoice::Auto => {
            if env.ssh || env.tmux || env.screen || !env.native_possible() {
                osc(&mut v);
            } else {
                v.push(Native);
                osc(&mut v);
            }
        }
        ClipboardChoice::Native => v.push(Native),
        ClipboardChoice::Osc52 => v.push(Osc52),
        ClipboardChoice::File => {}
    }
    v.push(File);
    v
}

/// What a copy did: for the console's status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copied {
    pub backend: Backend,
    /// Bytes of text copied.
    pub bytes: usize,
    /// The file written (the file back end).
    pub path: Option<PathBuf>,
    /// How OSC 52 was wrapped (the OSC 52 back end).
    pub wrap: Wrap,
    /// Why earlier back ends in the plan were not used.
    pub skipped: Vec<String>,
    /// Why OSC 52 may not have arrived ([`Env::osc52_doubt`]); the text was
    /// then also written to `path`.
    pub doubt: Option<String>,
}

impl Copied {
    fn new(backend: Backend, bytes: usize) -> Copied {
        Copied {
            backend,
            bytes,
            path: None,
            wrap: Wrap::None,
            skipped: Vec::new(),
            doubt: None,
        }
    }

    /// One line for the status bar, sanitised: `copied 2.1 KiB to the
    /// system clipboard`, `… via OSC 52 (through tmux)`, or `… written to
    /// PATH (system clipboard: no display)`.
    pub fn message(&self) -> String {
        let size = crate::event::human_bytes(self.bytes as u64);
        let mut s = match self.backend {
            Backend::Native => format!("copied {size} to the system clipboard"),
            Backend::Osc52 => format!(
                "copied {size} to the terminal's clipboard via OSC 52{}",
                match self.wrap {
                    Wrap::None => "",
                    Wrap::Tmux => " (through tmux)",
                    Wrap::Screen => " (through screen)",
                }
            ),
            Backend::File => format!(
                "no clipboard used: {size} written to {}",
                self.path
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            ),
        };
        if let Some(why) = &self.doubt {
            s = format!(
                "sent {size} via OSC 52, but {why}; also written to {}",
                self.path
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            );
        }
        if !self.skipped.is_empty() {
            s.push_str(" (");
            s.push_str(&self.skipped.join("; "));
            s.push(')');
        }
        escape(&s).into_owned()
    }
}

/// Why a copy did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ClipboardError {
    #[error("no display server (DISPLAY is not set)")]
    NoDisplay,
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("{0}")]
    Native(String),
    #[error("standard output is not a terminal")]
    NotATerminal,
    #[error("{len} bytes is over the OSC 52 limit of {max} bytes; not sent")]
    TooLarge { len: usize, max: usize },
    #[error("cannot write to the terminal: {0}")]
    Terminal(#[source] std::io::Error),
    #[error("cannot write {}: {source}", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("nothing could copy: {0}")]
    AllFailed(String),
}

/// Something that can take text.
pub trait Clipboard {
    fn copy(&mut self, text: &str) -> Result<Copied, ClipboardError>;
}

// ---------------------------------------------------------------- OSC 52 --

/// The most text OSC 52 will carry: 74,994 bytes, whose base64 (99,992
/// bytes) with the `ESC ] 52 ; c ;` and BEL framing makes a sequence of
/// exactly 100,000 bytes, the cap hterm's `osc52.sh` and the tmux and screen
/// yank scripts derived from it use, because terminals drop or cut longer
/// sequences. Longer text is refused, never truncated: a cut-off piece of
/// evidence would mislead (the console then falls back to the file).
pub const OSC52_MAX_TEXT: usize = 74_994;

/// GNU screen's per-string chunk of base64, as screen limits one DCS string.
const SCREEN_CHUNK: usize = 76;

/// The escape sequence that puts `text` on the terminal's clipboard,
/// wrapped as `wrap` says. The text is base64-encoded, so the sequence holds
/// only its fixed framing bytes and the base64 alphabet.
pub fn osc52_sequence(text: &str, wrap: Wrap) -> Result<String, ClipboardError> {
    if text.len() > OSC52_MAX_TEXT {
        return Err(ClipboardError::TooLarge {
            len: text.len(),
            max: OSC52_MAX_TEXT,
        });
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    Ok(match wrap {
        // BEL ends the OSC: understood by every terminal that has OSC 52.
        Wrap::None => format!("\x1b]52;c;{b64}\x07"),
        // tmux passes a DCS `tmux;` string through with ESC doubled inside.
        Wrap::Tmux => format!("\x1bPtmux;\x1b\x1b]52;c;{b64}\x07\x1b\\"),
        Wrap::Screen => {
            let mut s = String::with_capacity(b64.len() + b64.len() / SCREEN_CHUNK * 4 + 16);
            s.push_str("\x1bP\x1b]52;c;");
            // base64 is ASCII, so byte chunks are character chunks.
            for (i, chunk) in b64.as_bytes().chunks(SCREEN_CHUNK).enumerate() {
                if i > 0 {
                    s.push_str("\x1b\\\x1bP");
                }
                s.push_str(std::str::from_utf8(chunk).unwrap_or_default());
            }
            s.push_str("\x07\x1b\\");
            s
        }
    })
}

/// Writes the OSC 52 sequence for `text` to `out` and flushes; returns the
/// bytes written.
pub fn write_osc52(out: &mut impl Write, text: &str, wrap: Wrap) -> Result<usize, ClipboardError> {
    let seq = osc52_sequence(text, wrap)?;
    out.write_all(seq.as_bytes())
        .and_then(|_| out.flush())
        .map_err(ClipboardError::Terminal)?;
    Ok(seq.len())
}

/// The OSC 52 back end, writing to a terminal.
pub struct Osc52<W: Write> {
    out: W,
    wrap: Wrap,
}

impl<W: Write> Osc52<W> {
    pub fn new(out: W, wrap: Wrap) -> Osc52<W> {
        Osc52 { out, wrap }
    }
}

impl<W: Write> Clipboard for Osc52<W> {
    fn copy(&mut self, text: &str) -> Result<Copied, ClipboardError> {
        write_osc52(&mut self.out, text, self.wrap)?;
        Ok(Copied {
            wrap: self.wrap,
            ..Copied::new(Backend::Osc52, text.len())
        })
    }
}

// ------------------------------------------------------------------ file --

/// The file back end: replaces one file with the text, atomically, and says
/// where it is.
pub struct FileClipboard {
    path: Option<PathBuf>,
}

impl FileClipboard {
    /// Writes to `path`.
    pub fn new(path: PathBuf) -> FileClipboard {
        FileClipboard { path: Some(path) }
    }

    /// Writes to [`FileClipboard::default_path`], decided at the first copy.
    pub fn default_location() -> FileClipboard {
        FileClipboard { path: None }
    }

    /// `clipboard.txt` in trailhunt's data directory (`$TRAILHUNT_DATA_DIR`,
    /// else the platform's). Without one (no home directory), a private
    /// directory made under the temporary directory; a fixed name there
    /// could be claimed first by another user.
    pub fn default_path() -> std::io::Result<PathBuf> {
        match crate::triage::Workspace::data_root() {
            Ok(root) => Ok(root.join("clipboard.txt")),
            Err(_) => Ok(tempfile::Builder::new()
                .prefix("trailhunt-")
                .tempdir()?
                .keep()
                .join("clipboard.txt")),
        }
    }
}

impl Clipboard for FileClipboard {
    fn copy(&mut self, text: &str) -> Result<Copied, ClipboardError> {
        let path = match &self.path {
            Some(p) => p.clone(),
            None => {
                let p = Self::default_path().map_err(|e| ClipboardError::File {
                    path: std::env::temp_dir(),
                    source: e,
                })?;
                self.path = Some(p.clone());
                p
            }
        };
        let err = |e| ClipboardError::File {
            path: path.clone(),
            source: e,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        crate::atomic::write(&path, text.as_bytes()).map_err(err)?;
        Ok(Copied {
            path: Some(path.clone()),
            ..Copied::new(Backend::File, text.len())
        })
    }
}

// ---------------------------------------------------------------- native --

/// How long a native copy may take before it is given up on. arboard's X11
/// back end can block (a `DISPLAY` naming an unreachable host, a wedged
/// server); the console must not.
pub const NATIVE_TIMEOUT: Duration = Duration::from_secs(2);

/// Sets the clipboard's text; runs on the native worker thread.
pub type Setter = Box<dyn FnMut(&str) -> Result<(), String>>;
/// Makes a [`Setter`] on the worker thread (arboard's clipboard is made and
/// kept there).
pub type SetterFactory = Box<dyn FnOnce() -> Result<Setter, String> + Send>;

/// A worker's answer: `Err((permanent, why))`; permanent when the
/// clipboard could not be opened at all, so retrying is pointless.
type Reply = Result<(), (bool, String)>;

struct Worker {
    tx: mpsc::Sender<(String, mpsc::Sender<Reply>)>,
    done: mpsc::Receiver<()>,
}

/// The system clipboard through arboard, on a worker thread of its own.
///
/// The thread owns the `arboard::Clipboard` for the console's lifetime:
/// on X11 the copied text is served by its owner, so dropping it after each
/// copy would lose the text (unless a clipboard manager took it). Each copy
/// waits at most [`NATIVE_TIMEOUT`]; a copy that times out disables the
/// back end for the session (the thread is left behind, blocked), so later
/// copies go straight to the next back end.
pub struct Native {
    factory: Option<SetterFactory>,
    worker: Option<Worker>,
    timeout: Duration,
    /// Why the back end is unusable, once known.
    broken: Option<String>,
}

impl Native {
    /// The system clipboard, if `env` says it may be tried; otherwise every
    /// copy fails at once saying there is no display, and no connection is
    /// ever attempted.
    pub fn new(env: &Env) -> Native {
        if !env.native_possible() {
            return Native {
                factory: None,
                worker: None,
                timeout: NATIVE_TIMEOUT,
                broken: Some(ClipboardError::NoDisplay.to_string()),
            };
        }
        Native::with_setter(
            Box::new(|| {
                let mut cb = arboard::Clipboard::new().map_err(|e| e.to_string())?;
                Ok(
                    Box::new(move |text: &str| cb.set_text(text).map_err(|e| e.to_string()))
                        as Setter,
                )
            }),
            NATIVE_TIMEOUT,
        )
    }

    /// A native back end whose clipboard is made by `factory`: for tests,
    /// and for platforms with another way of setting it.
    pub fn with_setter(factory: SetterFactory, timeout: Duration) -> Native {
        Native {
            factory: Some(factory),
            worker: None,
            timeout,
            broken: None,
        }
    }

    fn start(&mut self) -> Result<&Worker, ClipboardError> {
        if self.worker.is_none() {
            let factory = self
                .factory
                .take()
                .ok_or_else(|| ClipboardError::Native("no clipboard".into()))?;
            let (tx, rx) = mpsc::channel::<(String, mpsc::Sender<Reply>)>();
            let (done_tx, done) = mpsc::channel();
            std::thread::Builder::new()
                .name("trailhunt-clipboard".into())
                .spawn(move || {
                    let mut setter = factory();
                    for (text, reply) in rx {
                        let r = match &mut setter {
                            Ok(set) => set(&text).map_err(|e| (false, e)),
                            Err(e) => Err((true, e.clone())),
                        };
                        let _ = reply.send(r);
                    }
                    // Dropping the clipboard here (not at process exit) lets
                    // arboard hand the text to a clipboard manager.
                    drop(setter);
                    let _ = done_tx.send(());
                })
                .map_err(|e| ClipboardError::Native(format!("cannot start: {e}")))?;
            self.worker = Some(Worker { tx, done });
        }
        Ok(self.worker.as_ref().expect("worker was just started"))
    }
}

impl Clipboard for Native {
    fn copy(&mut self, text: &str) -> Result<Copied, ClipboardError> {
        if let Some(why) = &self.broken {
            return Err(ClipboardError::Native(why.clone()));
        }
        let timeout = self.timeout;
        let worker = self.start()?;
        let (reply_tx, reply) = mpsc::channel();
        if worker.tx.send((text.to_string(), reply_tx)).is_err() {
            self.broken = Some("the clipboard thread stopped".into());
            return Err(ClipboardError::Native(
                "the clipboard thread stopped".into(),
            ));
        }
        match reply.recv_timeout(timeout) {
            Ok(Ok(())) => Ok(Copied::new(Backend::Native, text.len())),
            Ok(Err((permanent, e))) => {
                if permanent {
                    self.broken = Some(e.clone());
                }
                Err(ClipboardError::Native(e))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                // The worker died (a panic inside the clipboard library).
                let why = "the clipboard thread stopped".to_string();
                self.broken = Some(why.clone());
                self.worker = None;
                Err(ClipboardError::Native(why))
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let e = ClipboardError::Timeout(timeout);
                self.broken = Some(e.to_string());
                // Let go of the blocked worker without waiting for it: if it
                // ever wakes, it finds its channel closed and ends.
                self.worker = None;
                Err(e)
            }
        }
    }
}

impl Drop for Native {
    fn drop(&mut self) {
        if let Some(w) = self.worker.take() {
            // Closing the channel ends the worker; wait briefly so arboard
            // can hand the text over to a clipboard manager before exit.
            drop(w.tx);
            let _ = w.done.recv_timeout(Duration::from_millis(500));
        }
    }
}

// ----------------------------------------------------------------- chain --

/// The console's clipboard: the back ends of [`plan`], tried in order until
/// one takes the text.
pub struct SystemClipboard<W: Write> {
    plan: Vec<Backend>,
    native: Option<Native>,
    osc52: Osc52<W>,
    file: FileClipboard,
    /// [`Env::osc52_doubt`]: when set, an OSC 52 copy is also written to
    /// the file, so the evidence is never only in a sequence tmux dropped.
    osc52_doubt: Option<String>,
}

impl SystemClipboard<Stdout> {
    /// The clipboard for this process: `choice` in the detected
    /// environment, OSC 52 written to stdout, the file in the data directory.
    pub fn from_env(choice: ClipboardChoice) -> SystemClipboard<Stdout> {
        SystemClipboard::new(
            choice,
            &Env::detect(),
            std::io::stdout(),
            FileClipboard::default_location(),
        )
    }
}

impl<W: Write> SystemClipboard<W> {
    /// `choice` in `env`, writing OSC 52 to `terminal`.
    pub fn new(
        choice: ClipboardChoice,
        env: &Env,
        terminal: W,
        file: FileClipboard,
    ) -> SystemClipboard<W> {
        let plan = plan(choice, env);
        SystemClipboard {
            native: plan.contains(&Backend::Native).then(|| Native::new(env)),
            osc52: Osc52::new(terminal, env.wrap()),
            file,
            plan,
            osc52_doubt: env.osc52_doubt(),
        }
    }

    /// Replaces the native back end (tests; another clipboard library).
    pub fn with_native(mut self, native: Native) -> Self {
        self.native = Some(native);
        self
    }

    /// The back ends tried, in order.
    pub fn plan(&self) -> &[Backend] {
        &self.plan
    }
}

impl<W: Write> Clipboard for SystemClipboard<W> {
    fn copy(&mut self, text: &str) -> Result<Copied, ClipboardError> {
        let mut skipped = Vec::new();
        for b in self.plan.clone() {
            let r = match b {
                Backend::Native => match &mut self.native {
                    Some(n) => n.copy(text),
                    None => Err(ClipboardError::NoDisplay),
                },
                Backend::Osc52 => self.osc52.copy(text),
                Backend::File => self.file.copy(text),
            };
            match r {
                Ok(mut c) => {
                    c.skipped = skipped;
                    if let (Backend::Osc52, Some(why)) = (b, &self.osc52_doubt) {
                        match self.file.copy(text) {
                            Ok(f) => {
                                c.path = f.path;
                                c.doubt = Some(why.clone());
                            }
                            Err(e) => c.skipped.push(format!("{why}; file: {e}")),
                        }
                    }
                    return Ok(c);
                }
                Err(e) => skipped.push(format!("{}: {e}", label(b))),
            }
        }
        Err(ClipboardError::AllFailed(
            escape(&skipped.join("; ")).into_owned(),
        ))
    }
}

fn label(b: Backend) -> &'static str {
    match b {
        Backend::Native => "system clipboard",
        Backend::Osc52 => "OSC 52",
        Backend::File => "file",
    }
}
