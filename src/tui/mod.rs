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
//!   run on `TestBackend` through [`headless`]; both hand every effect to
//!   [`effects::perform`], the one interpreter.
//!
//! The console speaks to the domain only through [`crate::hunt`]: it takes a
//! [`Config`], runs a [`Hunt`] on the loader thread and follows with the
//! hunt layer's [`Follower`].
//!
//! One channel feeds the loop: an input thread, the loader thread (progress,
//! then the finished data) and a tick. Raw events are re-read from disk on
//! short-lived threads, so the UI thread never waits on I/O.

pub mod action;
pub mod app;
pub mod cursor;
pub mod data;
pub mod effects;
pub mod evidence;
pub mod filter;
#[doc(hidden)]
pub mod headless;
pub mod json;
pub mod key;
pub mod keymap;
pub mod layout;
pub mod lines;
pub mod panes;
pub mod style;
#[doc(hidden)]
pub mod synthetic;
pub mod terminal;
pub mod text;
pub mod triage;
pub mod update;
pub mod view;

use crate::clipboard::ClipboardChoice;
use crate::event::zone::Zone;
use crate::hunt::follow::Follower;
use crate::hunt::triage::{Reply, TriageFiles};
use crate::hunt::{Config, Hunt, Stage};
use crate::rules::RuleSet;
use app::App;
use crossbeam_channel::{Receiver, Sender};
use data::Data;
use effects::{INPUT_POLL, Outcome, Services, perform};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::crossterm::event::{self, Event};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use update::{Msg, update};

/// How often the loader reports progress, at most.
const PROGRESS_EVERY: Duration = Duration::from_millis(50);
/// The tick that keeps the loading screen's clock moving.
const TICK: Duration = Duration::from_millis(250);
/// Messages handled before drawing again, so a burst (a held key, a wheel
/// spin) costs one frame.
const BATCH: usize = 256;
/// How long the follow thread waits for file events at a time.
const FOLLOW_POLL: Duration = Duration::from_millis(300);

/// How the console shows and copies, besides what it hunts.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// The zone times are shown in at start (`--tz`); `None` is UTC.
    pub tz: Option<Zone>,
    /// How `y`/`Y`/`c` copy.
    pub clipboard: ClipboardChoice,
}

/// Opens the console on the hunt `config` describes, until the user quits.
pub fn run(config: Config, options: Options) -> anyhow::Result<()> {
    // Said before the terminal is taken: a mistyped path is not "no findings".
    let waiting = config.check_paths()?;
    let rules = config.rules()?;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!("the console needs a terminal; for pipes and scripts use `trailhunt scan`");
    }
    let (tx, rx) = crossbeam_channel::unbounded();
    if !waiting.is_empty() {
        let _ = tx.send(Msg::Status(Ok(waiting.join("; "))));
    }
    spawn_loader(tx.clone(), config.clone(), rules);
    let mut services = Services {
        clipboard: Some(Box::new(crate::clipboard::SystemClipboard::from_env(
            options.clipboard,
        ))),
        background: true,
        input_paused: Arc::new(AtomicBool::new(false)),
        ..Services::default()
    };
    // The files are small; reading them here keeps the loader's job simple.
    match TriageFiles::open(&config) {
        Ok(files) => {
            let snapshot = files.snapshot();
            let outcome = match (&snapshot.allowlist_problem, &snapshot.store_problem) {
                (Some(p), _) | (None, Some(p)) => Err(p.clone()),
                (None, None) => Ok(String::new()),
            };
            let _ = tx.send(Msg::Triage(Box::new(Reply { snapshot, outcome })));
            services.triage = Some(files);
        }
        Err(e) => services.triage_problem = Some(e),
    }
    // Kept alive while the console runs: allowlist changes made by the CLI
    // or another console show without a save of our own.
    let _watch = services
        .triage
        .as_ref()
        .and_then(|f| watch_triage(tx.clone(), f));

    let guard = terminal::Guard::enter()?;
    let mut term = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    let size = term.size()?;
    let mut app = App::new(config.paths.clone(), options.tz, size.width, size.height);
    app.triage.show_suppressed = config.show_suppressed;
    app.following = config.follow;
    let stop = Arc::new(AtomicBool::new(false));
    spawn_input(tx.clone(), stop.clone(), services.input_paused.clone());
    spawn_tick(tx.clone(), stop.clone());
    let result = event_loop_with(&mut term, &mut app, &rx, &tx, &mut services);
    stop.store(true, Ordering::SeqCst);
    drop(term);
    drop(guard);
    result
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
/// and whatever else is queued, draw again. Every effect goes to
/// [`effects::perform`], which answers on `tx`.
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
            let msg = match msg {
                Msg::TriageChanged => match reload_triage(services) {
                    Some(reply) => Msg::Triage(Box::new(reply)),
                    None => continue,
                },
                m => m,
            };
            for fx in update(app, msg) {
                match perform(fx, services, tx)? {
                    Outcome::Continue => {}
                    Outcome::Redraw => term.clear()?,
                    Outcome::Quit => return Ok(()),
                    Outcome::Fail(e) => anyhow::bail!("{e}"),
                }
            }
        }
    }
}

/// Watches the folders of the allowlist and statuses files (a file replaced
/// by an atomic rename would drop a watch on the file itself) and sends
/// [`Msg::TriageChanged`] when either is written. `None` when nothing can be
/// watched; the console then sees changes only on its own saves, as before.
pub fn watch_triage(tx: Sender<Msg>, files: &TriageFiles) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher;
    let targets: Vec<std::path::PathBuf> = std::iter::once(files.allowlist.path())
        .chain(files.store.as_ref().map(|s| s.path()))
        .map(|p| p.to_path_buf())
        .collect();
    let names: Vec<std::ffi::OsString> = targets
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_os_string()))
        .collect();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let Ok(ev) = res else { return };
        if ev.kind.is_access() {
            return;
        }
        let ours = ev
            .paths
            .iter()
            .any(|p| p.file_name().is_some_and(|n| names.iter().any(|m| m == n)));
        if ours {
            let _ = tx.send(Msg::TriageChanged);
        }
    })
    .ok()?;
    let mut watching = false;
    for dir in targets.iter().filter_map(|p| p.parent()) {
        watching |= watcher
            .watch(dir, notify::RecursiveMode::NonRecursive)
            .is_ok();
    }
    watching.then_some(watcher)
}

/// Reads the triage files again after [`Msg::TriageChanged`]; the reply to
/// show, or `None` when they hold what the console already shows (its own
/// saves raise the same events).
pub fn reload_triage(services: &mut Services) -> Option<Reply> {
    let files = services.triage.as_mut()?;
    let before = files.snapshot();
    let _ = files.allowlist.reload();
    if let Some(store) = files.store.as_mut() {
        let _ = store.reload();
    }
    let snapshot = files.snapshot();
    if snapshot == before {
        return None;
    }
    let mut changed = Vec::new();
    if (&snapshot.allowlist, &snapshot.allowlist_problem)
        != (&before.allowlist, &before.allowlist_problem)
    {
        changed.push(files.allowlist.path());
    }
    if (&snapshot.records, &snapshot.store_problem) != (&before.records, &before.store_problem)
        && let Some(s) = &files.store
    {
        changed.push(s.path());
    }
    let what = changed
        .iter()
        .map(|p| crate::event::show_path(p))
        .collect::<Vec<_>>()
        .join(" and ");
    let outcome = match (&snapshot.allowlist_problem, &snapshot.store_problem) {
        (Some(p), _) | (None, Some(p)) => Err(format!("{what} changed on disk: {p}")),
        (None, None) => Ok(format!("{what} changed on disk; reloaded")),
    };
    Some(Reply { snapshot, outcome })
}

/// Runs the hunt on a thread of its own and sends the result on `tx`; with
/// `config.follow`, goes on watching the paths and sends [`Msg::Followed`]
/// each time new files have been read whole (see [`crate::hunt::follow`]).
pub fn spawn_loader(
    tx: Sender<Msg>,
    config: Config,
    rules: RuleSet,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        // Watching starts before the first load so no file written during it
        // is missed; one that is read twice is only deduplicated.
        let mut follower = if config.follow {
            match Follower::start(&config, &rules) {
                Ok(f) => Some(f),
                Err(e) => {
                    let _ = tx.send(Msg::FollowProblem(format!("cannot follow: {e}")));
                    None
                }
            }
        } else {
            None
        };
        let Some(mut hunt) = hunt_once(&tx, &config, rules) else {
            return;
        };
        // Rows are built in UTC; the UI re-zones them if it shows another zone.
        if tx
            .send(Msg::Loaded(Box::new(Data::new(&hunt, &Zone::Utc))))
            .is_err()
        {
            return;
        }
        let Some(follower) = &mut follower else {
            return;
        };
        loop {
            if follower.next(&mut hunt, FOLLOW_POLL).is_empty() {
                // Nothing new: check the console is still there.
                let now_ms = chrono::Utc::now().timestamp_millis();
                if tx.send(Msg::stamp(now_ms)).is_err() {
                    return;
                }
                continue;
            }
            if tx
                .send(Msg::Followed(Box::new(Data::new(&hunt, &Zone::Utc))))
                .is_err()
            {
                return;
            }
        }
    })
}

/// The first load and rule run; `None` after a panic (reported on `tx`).
fn hunt_once(tx: &Sender<Msg>, config: &Config, rules: RuleSet) -> Option<Hunt> {
    let work = std::panic::AssertUnwindSafe(|| {
        let mut last: Option<Instant> = None;
        Hunt::run(config, rules, &mut |stage| match stage {
            Stage::Loading(p) => {
                let due = last.is_none_or(|l| l.elapsed() >= PROGRESS_EVERY);
                if due || p.files_done == p.files_total {
                    last = Some(Instant::now());
                    let _ = tx.send(Msg::Progress(p));
                }
            }
            Stage::RulesRunning => {
                let _ = tx.send(Msg::RulesRunning);
            }
        })
    });
    match std::panic::catch_unwind(work) {
        Ok(hunt) => Some(hunt),
        Err(_) => {
            // The UI may have quit already; then nobody needs to know.
            let _ = tx.send(Msg::Failed(
                "loading failed (the panic message is above)".into(),
            ));
            None
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::{AllowlistFile, TriageStore};

    const ENTRY: &str = r#"schema_version = 1

[[entry]]
id = "from-the-cli"
rules = ["all"]
reason = "added by `trailhunt allowlist add` while the console is open"
when = [{ field = "target_user", exact = "svc-backup" }]
"#;

    fn files(dir: &std::path::Path) -> TriageFiles {
        TriageFiles {
            allowlist: AllowlistFile::open(&dir.join("allowlist.toml")),
            store: Some(TriageStore::open(&dir.join("triage.toml"))),
        }
    }

    #[test]
    fn an_allowlist_changed_on_disk_is_watched_and_reloaded() {
        let t = tempfile::tempdir().unwrap();
        let mut services = Services {
            triage: Some(files(t.path())),
            ..Services::default()
        };
        let (tx, rx) = crossbeam_channel::unbounded();
        let _watch = watch_triage(tx, services.triage.as_ref().unwrap()).expect("watching");
        assert!(
            reload_triage(&mut services).is_none(),
            "nothing changed yet"
        );
        std::fs::write(t.path().join("allowlist.toml"), ENTRY).unwrap();
        let msg = rx.recv_timeout(Duration::from_secs(10)).expect("an event");
        assert!(matches!(msg, Msg::TriageChanged));
        let reply = reload_triage(&mut services).expect("a reply");
        assert_eq!(reply.snapshot.allowlist.entries.len(), 1);
        let said = reply.outcome.unwrap();
        assert!(said.contains("allowlist.toml changed on disk"), "{said}");
        // The same content again (as after a save of our own) says nothing.
        assert!(reload_triage(&mut services).is_none());
        std::fs::write(t.path().join("allowlist.toml"), "[[entry]\n").unwrap();
        let reply = reload_triage(&mut services).expect("a reply");
        assert!(reply.outcome.is_err(), "a broken file is said as a problem");
    }
}
