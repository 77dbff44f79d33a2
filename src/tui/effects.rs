//! The one interpreter of [`Effect`]s: the real event loop and the headless
//! test harness both hand every effect `update` returns to [`perform`], so
//! what the tests drive is what the user runs.
//!
//! Answers go back as messages on a channel. Slow work (re-reading a raw
//! event, writing an export) runs on a short-lived thread when
//! [`Services::background`] is set, inline otherwise (the harness, where
//! every run must be deterministic).

use super::evidence;
use super::update::{Effect, Msg};
use crate::hunt::triage::{Reply, Snapshot, TriageFiles};
use crossbeam_channel::Sender;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What the runtime holds besides the terminal.
#[derive(Default)]
pub struct Services {
    /// Where `y`, `Y` and `c` copy to.
    pub clipboard: Option<Box<dyn crate::clipboard::Clipboard>>,
    /// The allowlist and statuses files that triage effects change.
    pub triage: Option<TriageFiles>,
    /// Why there are no triage files, said when a triage key is used.
    pub triage_problem: Option<String>,
    /// Set in the real console: slow effects run on threads of their own,
    /// and the editor is handed the terminal.
    pub background: bool,
    /// Set while an editor owns the terminal, so the input thread does not
    /// take its keys.
    pub input_paused: Arc<AtomicBool>,
}

/// What the loop does after an effect.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Continue,
    /// The terminal was handed to another program: draw everything again.
    Redraw,
    Quit,
    Fail(String),
}

/// How long the input thread waits for a key before checking its flags.
pub const INPUT_POLL: Duration = Duration::from_millis(100);

/// Carries out `fx`; answers arrive on `tx`.
pub fn perform(fx: Effect, services: &mut Services, tx: &Sender<Msg>) -> anyhow::Result<Outcome> {
    match fx {
        Effect::Quit => return Ok(Outcome::Quit),
        Effect::Fail(e) => return Ok(Outcome::Fail(e)),
        Effect::FetchRaw { key, loc, index } => {
            let job = move || {
                let text = index.raw_at(&loc).map(Arc::from).map_err(|e| e.to_string());
                Msg::Raw { key, text }
            };
            run(services.background, tx, job);
        }
        Effect::Triage(op) => {
            let reply = match &mut services.triage {
                Some(files) => files.perform(op),
                None => no_triage(services),
            };
            let _ = tx.send(Msg::Triage(Box::new(reply)));
        }
        Effect::Evidence(job) => match *job {
            // An export can be large: build and write it off the UI thread.
            job @ evidence::Job::Export { .. } => {
                run(services.background, tx, move || {
                    Msg::Status(evidence::perform(job, None))
                });
            }
            // Copies stay here: OSC 52 writes to the terminal, which only
            // this thread may do.
            job => {
                let r = evidence::perform(job, services.clipboard.as_deref_mut());
                let _ = tx.send(Msg::Status(r));
            }
        },
        Effect::EditAllowlist => {
            let editor = crate::triage::editor::Editor::from_env();
            let reply = match &mut services.triage {
                Some(files) if services.background => {
                    services.input_paused.store(true, Ordering::SeqCst);
                    // Let the input thread's current poll run out, so it
                    // does not read the editor's first keys.
                    std::thread::sleep(INPUT_POLL + Duration::from_millis(20));
                    super::terminal::restore();
                    let reply = files.edit(&editor);
                    let resumed = super::terminal::resume();
                    services.input_paused.store(false, Ordering::SeqCst);
                    resumed?;
                    let _ = tx.send(Msg::Triage(Box::new(reply)));
                    return Ok(Outcome::Redraw);
                }
                // No terminal to hand over (the harness): the editor, a
                // script in tests, runs directly.
                Some(files) => files.edit(&editor),
                None => no_triage(services),
            };
            let _ = tx.send(Msg::Triage(Box::new(reply)));
        }
    }
    Ok(Outcome::Continue)
}

/// Runs `job` on a thread of its own or here, and sends its answer.
fn run(background: bool, tx: &Sender<Msg>, job: impl FnOnce() -> Msg + Send + 'static) {
    if background {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let _ = tx.send(job());
        });
    } else {
        let _ = tx.send(job());
    }
}

fn no_triage(services: &Services) -> Reply {
    Reply {
        snapshot: Snapshot::default(),
        outcome: Err(services
            .triage_problem
            .clone()
            .unwrap_or_else(|| "no triage workspace in this console".into())),
    }
}
