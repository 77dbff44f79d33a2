//! `trailhunt --follow PATH`: the console's loader thread keeps watching and
//! sends reloaded findings; new ones are marked ● until viewed, and the
//! selection and filter survive the update.

mod common;

use clap::Parser;
use common::*;
use std::time::{Duration, Instant};
use trailhunt::tui::headless::Headless;

fn write_events(path: &std::path::Path, events: &[serde_json::Value]) {
    let text = serde_json::json!({ "Records": events }).to_string();
    // Written aside and renamed, as CloudTrail's delivery appears whole.
    let tmp = path.with_extension("part");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[test]
fn a_finding_in_a_new_file_appears_marked_new_and_the_selection_stays() {
    let dir = tempfile::tempdir().unwrap();
    write_events(&dir.path().join("a.json"), &[base_event("first")]);
    let mut second = base_event("second");
    set(
        &mut second,
        "requestParameters.userName",
        Some("carol".into()),
    );
    set(
        &mut second,
        "responseElements.accessKey.userName",
        Some("carol".into()),
    );
    set(
        &mut second,
        "eventTime",
        Some("2026-11-02T11:00:00Z".into()),
    );

    let cli = trailhunt::cli::Cli::parse_from([
        "trailhunt",
        "--threads",
        "1",
        "--no-cache",
        "--follow",
        dir.path().to_str().unwrap(),
    ]);
    let rules = cli.console.config().rules().unwrap();
    let (tx, rx) = crossbeam_channel::unbounded();
    let loader = trailhunt::tui::spawn_loader(tx, cli.console.config(), rules);
    let mut c = Headless::loading(cli.console.paths.clone(), None, 120, 30);
    c.app.following = true;

    let deadline = Instant::now() + Duration::from_secs(20);
    let mut wrote = false;
    while Instant::now() < deadline {
        let Ok(msg) = rx.recv_timeout(Duration::from_millis(200)) else {
            continue;
        };
        c.send(msg);
        if c.app.is_ready() && !wrote {
            assert_eq!(c.app.data.as_ref().unwrap().findings.len(), 1);
            c.keys("/alice<Enter>");
            // Give the watcher a moment to be set up on every platform.
            std::thread::sleep(Duration::from_millis(200));
            write_events(&dir.path().join("b.json"), &[second.clone()]);
            wrote = true;
        }
        if c.app.data.as_ref().is_some_and(|d| d.findings.len() == 2) {
            break;
        }
    }
    let d = c.app.data.as_ref().expect("loaded");
    assert_eq!(d.findings.len(), 2, "the new file's finding arrives");
    let new_key = d
        .findings
        .iter()
        .find(|f| f.target_user.as_deref() == Some("carol"))
        .unwrap()
        .key
        .clone();
    assert!(c.app.fresh.contains(&new_key));
    assert_eq!(c.app.filter.text, "alice", "the filter survives");
    let selected = c.app.selected_finding().unwrap();
    assert_eq!(
        d.findings[selected].target_user.as_deref(),
        Some("bob"),
        "the selection stays on the finding it was on"
    );
    let screen = c.render();
    assert!(screen.contains("●"), "{screen}");
    assert!(screen.contains("following (1 new ●)"), "{screen}");
    // Moving onto it counts as viewing it.
    c.keys("j");
    assert!(!c.app.fresh.contains(&new_key));
    drop(rx);
    // The loader notices the console is gone at its next poll.
    loader.join().unwrap();
}
