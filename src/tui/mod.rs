//! The hunting console.
//!
//! Start at [`run`]. The shape is model / update / view:
//! - The state, lowest first, each importing only those before it:
//!   [`cursor`] (a scrolled selection), [`triage`]'s `TriageState` (beside
//!   the runtime's triage files), [`data`] (the loaded findings as display
//!   rows), [`filter`], and [`app`], which holds them all.
//! - [`action`] names what a user can do; [`key`] normalises a key press
//!   and [`keymap`] is the key table (data) that dispatch, the help overlay
//!   and the context bar all read.
//! - [`update`](mod@update) is pure: (state, message) → state and
//!   [`update::Effect`]s, one file per concern. It never reads the clock:
//!   the time comes in [`update::Msg::Tick`]. Clicks become actions too.
//! - [`view`] draws and never changes the state. [`lines`] (the text of the
//!   scrolling panes and overlays) and [`layout`] (the geometry) are shared
//!   by both sides, so what is drawn and what is scrolled or clicked agree;
//!   [`style`] is the palette and [`text`] fits and wraps.
//! - Beside them: [`panes`] (key usage, related activity), [`json`] (the
//!   raw event pretty-printed), [`zone`] (times), [`evidence`] (copy and
//!   export jobs), [`synthetic`] (made-up findings for tests and benches).
//! - [`terminal`] enters and restores the terminal; [`event_loop`] is the
//!   synchronous loop, generic over the ratatui backend so whole-app tests
//!   run on `TestBackend` through [`headless`].
//!
//! One channel feeds the loop: an input thread, the loader thread (progress,
//! then the finished data) and a tick. Raw events are re-read from disk on
//! short-lived threads, so the UI thread never waits on I/O.

pub mod action;
pub mod app;
pub mod cursor;
pub mod data;
pub mod evidence;
pub mod filter;
pub mod headless;
pub mod json;
pub mod key;
pub mod keymap;
pub mod layout;
pub mod lines;
pub mod panes;
pub mod style;
pub mod synthetic;
pub mod terminal;
pub mod text;
pub mod triage;
pub mod update;
pub mod view;
pub mod zone;

use crate::cli::ConsoleArgs;
use app::App;
use crossbeam_channel::{Receiver, Sender};
use data::Data;
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::crossterm::event::{self, Event};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use update::{Effect, Msg, update};
use zone::Zone;

/// How often the loader reports progress, at most.
const PROGRESS_EVERY: Duration = Duration::from_millis(50);
/// The tick that keeps the loading screen's clock moving.
const TICK: Duration = Duration::from_millis(250);
/// Messages handled before drawing again, so a burst (a held key, a wheel
/// spin) costs one frame.
const BATCH: usize = 256;

/// Opens the console on `args.paths`; returns 0 on a normal quit.
pub fn run(args: &ConsoleArgs) -> anyhow::Result<u8> {
    let tz = args
        .tz
        .as_deref()
        .map(Zone::parse)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let rules = crate::cli::rule_set(&args.load)?;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!("the console needs a terminal; for pipes and scripts use `trailhunt scan`");
    }
    let (tx, rx) = crossbeam_channel::unbounded();
    spawn_loader(tx.clone(), args.clone(), rules);
    let mut services = Services {
        clipboard: Some(Box::new(crate::clipboard::SystemClipboard::from_env(
            args.clipboard,
        ))),
        real_terminal: true,
        input_paused: Arc::new(AtomicBool::new(false)),
        ..Services::default()
    };
    // The files are small; reading them here keeps the loader's job simple.
    match triage::TriageFiles::open(&args.paths, &args.load.workspace) {
        Ok(files) => {
            let snapshot = files.snapshot();
            let outcome = match (&snapshot.allowlist_problem, &snapshot.store_problem) {
                (Some(p), _) | (None, Some(p)) => Err(p.clone()),
                (None, None) => Ok(String::new()),
            };
            let _ = tx.send(Msg::Triage(Box::new(triage::Reply { snapshot, outcome })));
            services.triage = Some(files);
        }
        Err(e) => services.triage_problem = Some(e),
    }

    let guard = terminal::Guard::enter()?;
    let mut term = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    let size = term.size()?;
    let mut app = App::new(args.paths.clone(), tz, size.width, size.height);
    app.triage.show_suppressed = args.load.show_suppressed;
    app.following = args.load.follow;
    let stop = Arc::new(AtomicBool::new(false));
    spawn_input(tx.clone(), stop.clone(), services.input_paused.clone());
    spawn_tick(tx.clone(), stop.clone());
    let result = event_loop_with(&mut term, &mut app, &rx, &tx, &mut services);
    stop.store(true, Ordering::SeqCst);
    drop(term);
    drop(guard);
    result.map(|()| crate::cli::EXIT_CLEAN)
}

/// What the runtime holds besides the terminal.
#[derive(Default)]
pub struct Services {
    /// Where `y`, `Y` and `c` copy to.
    pub clipboard: Option<Box<dyn crate::clipboard::Clipboard>>,
    /// The allowlist and statuses files that triage effects change.
    pub triage: Option<triage::TriageFiles>,
    /// Why there are no triage files, said when a triage key is used.
    pub triage_problem: Option<String>,
    /// Whether the terminal is a real one that an editor must be handed.
    pub real_terminal: bool,
    /// Set while an editor owns the terminal, so the input thread does not
    /// take its keys.
    pub input_paused: Arc<AtomicBool>,
}

/// Runs the console until it quits, without triage files: see
/// [`event_loop_with`].
pub fn event_loop<B: Backend>(
    term: &mut Terminal<B>,
    app: &mut App,
    rx: &Receiver<Msg>,
    tx: &Sender<Msg>,
) -> anyhow::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    event_loop_with(term, app, rx, tx, &mut Services::default())
}

/// Runs the console until it quits: draw, wait for a message, handle it
/// and whatever else is queued, draw again. Raw events the state asks for
/// are read on short-lived threads that answer on `tx`; triage changes are
/// made here (small files, one locked write each) and answered on `tx`.
pub fn event_loop_with<B: Backend>(
    term: &mut Terminal<B>,
    app: &mut App,
    rx: &Receiver<Msg>,
    tx: &Sender<Msg>,
    services: &mut Services,
) -> anyhow::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    loop {
        let size = term.size()?;
        if (size.width, size.height) != (app.width, app.height) {
            update(app, Msg::Resize(size.width, size.height));
        }
        term.draw(|f| view::draw(f, app))?;
        // Every sender gone means nothing more can happen.
        let Ok(first) = rx.recv() else { return Ok(()) };
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        // The time, stamped before the batch, is what its triage actions are
        // dated by (the tick alone would leave the first ones at 0).
        let now_ms = chrono::Utc::now().timestamp_millis();
        update(app, Msg::stamp(now_ms));
        for msg in batch {
            for fx in update(app, msg) {
                match fx {
                    Effect::Quit => return Ok(()),
                    Effect::Fail(e) => anyhow::bail!("{e}"),
                    Effect::FetchRaw { key, loc, index } => {
                        let tx = tx.clone();
                        std::thread::spawn(move || {
                            let text = index.raw_at(&loc).map(Arc::from).map_err(|e| e.to_string());
                            let _ = tx.send(Msg::Raw { key, text });
                        });
                    }
                    Effect::Triage(op) => {
                        let reply = match &mut services.triage {
                            Some(files) => files.perform(op),
                            None => no_triage(services),
                        };
                        let _ = tx.send(Msg::Triage(Box::new(reply)));
                    }
                    Effect::Evidence(job) => match *job {
                        // An export can be large: build and write it off the
                        // UI thread.
                        job @ evidence::Job::Export { .. } => {
                            let tx = tx.clone();
                            std::thread::spawn(move || {
                                let _ = tx.send(Msg::Status(evidence::perform(job, None)));
                            });
                        }
                        // Copies stay here: OSC 52 writes to the terminal,
                        // which only this thread may do.
                        job => {
                            let r = evidence::perform(job, services.clipboard.as_deref_mut());
                            let _ = tx.send(Msg::Status(r));
                        }
                    },
                    Effect::EditAllowlist => {
                        let reply = match &mut services.triage {
                            Some(files) if services.real_terminal => {
                                let editor = crate::triage::editor::Editor::from_env();
                                services.input_paused.store(true, Ordering::SeqCst);
                                // Let the input thread's current poll run out,
                                // so it does not read the editor's first keys.
                                std::thread::sleep(INPUT_POLL + Duration::from_millis(20));
                                terminal::restore();
                                let reply = files.edit(&editor);
                                let resumed = terminal::resume();
                                services.input_paused.store(false, Ordering::SeqCst);
                                resumed?;
                                term.clear()?;
                                reply
                            }
                            Some(files) => files.edit(&crate::triage::editor::Editor::from_env()),
                            None => no_triage(services),
                        };
                        let _ = tx.send(Msg::Triage(Box::new(reply)));
                    }
                }
            }
        }
    }
}

fn no_triage(services: &Services) -> triage::Reply {
    triage::Reply {
        snapshot: triage::Snapshot::default(),
        outcome: Err(services
            .triage_problem
            .clone()
            .unwrap_or_else(|| "no triage workspace in this console".into())),
    }
}

/// Loads on a thread of its own and sends the result on `tx`; with
/// `--follow`, goes on watching the paths and sends [`Msg::Followed`] with
/// everything reloaded each time new files have been read whole.
pub fn spawn_loader(
    tx: Sender<Msg>,
    args: ConsoleArgs,
    rules: crate::rules::RuleSet,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        // Watching starts before the first load so no file written during it
        // is missed; one that is read twice is only deduplicated.
        let mut follow = if args.load.follow {
            match crate::follow::Follow::new(&args.paths) {
                Ok(f) => Some(f),
                Err(e) => {
                    let _ = tx.send(Msg::FollowProblem(format!("cannot follow: {e}")));
                    None
                }
            }
        } else {
            None
        };
        let first = load_once(&tx, &args, rules.clone(), true);
        let Some(data) = first else { return };
        if tx.send(Msg::Loaded(Box::new(data))).is_err() {
            return;
        }
        let Some(follow) = &mut follow else { return };
        let opts = crate::cli::load_options(&args.load, &rules);
        loop {
            let ready = follow.poll(FOLLOW_POLL);
            // `apply` on a scratch index decides which files are whole (a
            // partly written one stays pending); the console's index is
            // then rebuilt by the loader, which takes unchanged files from
            // its cache, so only new ones are read again.
            let mut scratch = crate::event::Index::default();
            if follow.apply(&mut scratch, &ready, &opts).is_empty() {
                // Nothing new: check the console is still there.
                let now_ms = chrono::Utc::now().timestamp_millis();
                if tx.send(Msg::stamp(now_ms)).is_err() {
                    return;
                }
                continue;
            }
            let Some(data) = load_once(&tx, &args, rules.clone(), false) else {
                return;
            };
            if tx.send(Msg::Followed(Box::new(data))).is_err() {
                return;
            }
        }
    })
}

/// How long the follow thread waits for file events at a time.
const FOLLOW_POLL: Duration = Duration::from_millis(300);

/// One load and rule run; `None` after a panic (reported on `tx`).
fn load_once(
    tx: &Sender<Msg>,
    args: &ConsoleArgs,
    rules: crate::rules::RuleSet,
    report: bool,
) -> Option<Data> {
    let work = std::panic::AssertUnwindSafe(|| {
        let mut last: Option<Instant> = None;
        let ptx = tx.clone();
        let mut progress = move |p: &crate::event::Progress| {
            let due = last.is_none_or(|l| l.elapsed() >= PROGRESS_EVERY);
            if report && (due || p.files_done == p.files_total) {
                last = Some(Instant::now());
                let _ = ptx.send(Msg::Progress(*p));
            }
        };
        let rtx = tx.clone();
        let mut rules_running = move || {
            if report {
                let _ = rtx.send(Msg::RulesRunning);
            }
        };
        // Rows are built in UTC; the UI re-zones them if it shows another zone.
        Data::load(
            &args.paths,
            &args.load,
            rules,
            &Zone::Utc,
            &mut progress,
            &mut rules_running,
        )
    });
    match std::panic::catch_unwind(work) {
        Ok(data) => Some(data),
        Err(_) => {
            // The UI may have quit already; then nobody needs to know.
            let _ = tx.send(Msg::Failed(
                "loading failed (the panic message is above)".into(),
            ));
            None
        }
    }
}

/// How long the input thread waits for a key before checking its flags.
const INPUT_POLL: Duration = Duration::from_millis(100);

fn spawn_input(tx: Sender<Msg>, stop: Arc<AtomicBool>, paused: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            if paused.load(Ordering::SeqCst) {
                std::thread::sleep(INPUT_POLL);
                continue;
            }
            // Polling with a timeout lets the thread notice `stop`.
            match event::poll(INPUT_POLL) {
                Ok(true) => {
                    let msg = match event::read() {
                        Ok(Event::Key(k)) => Msg::Key(k),
                        Ok(Event::Mouse(m)) => Msg::Mouse(m),
                        Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                        Ok(_) => continue,
                        Err(_) => break,
                    };
                    if tx.send(msg).is_err() {
                        break;
                    }
                }
                Ok(false) => {}
                Err(_) => break,
            }
        }
    });
}

fn spawn_tick(tx: Sender<Msg>, stop: Arc<AtomicBool>) {
    let started = Instant::now();
    std::thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            std::thread::sleep(TICK);
            let elapsed_ms = started.elapsed().as_millis() as u64;
            let now_ms = chrono::Utc::now().timestamp_millis();
            if tx.send(Msg::Tick { elapsed_ms, now_ms }).is_err() {
                break;
            }
        }
    });
}
