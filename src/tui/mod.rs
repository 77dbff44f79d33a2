//! The hunting console.
//!
//! Start at [`run`]. The shape is model / update / view:
//! - [`app`] holds the state; [`data`] the loaded findings as display rows.
//! - [`action`] names what a user can do and [`keymap`] is the key table
//!   (data) that dispatch, the help overlay and the context bar all read.
//! - [`update`] is pure: (state, message) → state and [`update::Effect`]s.
//! - [`view`] draws and never changes the state; [`layout`] is the geometry
//!   both sides share.
//! - [`terminal`] enters and restores the terminal; [`event_loop`] is the
//!   synchronous loop, generic over the ratatui backend so whole-app tests
//!   run on `TestBackend` through [`headless`].
//!
//! One channel feeds the loop: an input thread, the loader thread (progress,
//! then the finished data) and a tick. Raw events are re-read from disk on
//! short-lived threads, so the UI thread never waits on I/O.

pub mod action;
pub mod app;
pub mod data;
pub mod filter;
pub mod headless;
pub mod json;
pub mod keymap;
pub mod layout;
pub mod panes;
pub mod synthetic;
pub mod terminal;
pub mod text;
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

    let guard = terminal::Guard::enter()?;
    let mut term = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    let size = term.size()?;
    let mut app = App::new(args.paths.clone(), tz, size.width, size.height);
    let stop = Arc::new(AtomicBool::new(false));
    spawn_input(tx.clone(), stop.clone());
    spawn_tick(tx.clone(), stop.clone());
    let result = event_loop(&mut term, &mut app, &rx, &tx);
    stop.store(true, Ordering::SeqCst);
    drop(term);
    drop(guard);
    result.map(|()| crate::cli::EXIT_CLEAN)
}

/// Runs the console until it quits: draw, wait for a message, handle it
/// and whatever else is queued, draw again. Raw events the state asks for
/// are read on short-lived threads that answer on `tx`.
pub fn event_loop<B: Backend>(
    term: &mut Terminal<B>,
    app: &mut App,
    rx: &Receiver<Msg>,
    tx: &Sender<Msg>,
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
                }
            }
        }
    }
}

fn spawn_loader(tx: Sender<Msg>, args: ConsoleArgs, rules: crate::rules::RuleSet) {
    std::thread::spawn(move || {
        let work = std::panic::AssertUnwindSafe(|| {
            let mut last: Option<Instant> = None;
            let ptx = tx.clone();
            let mut progress = move |p: &crate::loader::Progress| {
                let due = last.is_none_or(|l| l.elapsed() >= PROGRESS_EVERY);
                if due || p.files_done == p.files_total {
                    last = Some(Instant::now());
                    let _ = ptx.send(Msg::Progress(*p));
                }
            };
            let rtx = tx.clone();
            let mut rules_running = move || {
                let _ = rtx.send(Msg::RulesRunning);
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
        let msg = match std::panic::catch_unwind(work) {
            Ok(data) => Msg::Loaded(Box::new(data)),
            Err(_) => Msg::Failed("loading failed (the panic message is above)".into()),
        };
        // The UI may have quit already; then nobody needs the data.
        let _ = tx.send(msg);
    });
}

fn spawn_input(tx: Sender<Msg>, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            // Polling with a timeout lets the thread notice `stop`.
            match event::poll(Duration::from_millis(100)) {
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
            if tx.send(Msg::Tick { elapsed_ms }).is_err() {
                break;
            }
        }
    });
}
