//! End to end: the real `trailhunt` binary in a real terminal (tmux, on a
//! private socket, 100×30). It waits for the findings of demo-logs, filters,
//! drills into every pane, toggles the time zone, quits, and then checks the
//! terminal was handed back: alternate screen left, cursor shown, the shell
//! prompt back, and the tty out of raw mode.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A tmux server of our own, killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(width: u16, height: u16) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            return None;
        }
        let t = Tmux {
            socket: format!("trailhunt-e2e-{}", std::process::id()),
        };
        let out = t.run(&[
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            "env PS1='E2E$ ' sh -i",
        ]);
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(t)
    }

    fn run(&self, args: &[&str]) -> Output {
        // `-f /dev/null`: no user configuration changes what we see.
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    fn text(&self, text: &str) {
        assert!(
            self.run(&["send-keys", "-t", "e2e", "-l", text])
                .status
                .success()
        );
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    fn display(&self, format: &str) -> String {
        String::from_utf8_lossy(
            &self
                .run(&["display-message", "-p", "-t", "e2e", format])
                .stdout,
        )
        .trim()
        .to_string()
    }

    /// Waits until every one of `needles` is on screen; fails with the screen.
    fn wait_for(&self, needles: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.screen();
            if needles.iter().all(|n| s.contains(n)) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("waited for {needles:?}; the screen shows:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

#[test]
fn console_end_to_end_in_tmux() {
    let Some(t) = Tmux::start(100, 30) else {
        eprintln!("SKIPPED: tmux is not installed, so the console's end-to-end test cannot run");
        return;
    };
    // demo-logs is the README's walkthrough; the fixture stands in where the
    // tree has not been generated.
    let demo = Path::new("demo-logs/AWSLogs").is_dir();
    let (logs, who, target) = if demo {
        ("demo-logs", "jackson", "jack")
    } else {
        ("tests/fixtures/console", "alice", "bob")
    };
    t.wait_for(&["E2E$"]);
    let cmd = format!(
        "{} --tz Europe/Paris {logs}",
        env!("CARGO_BIN_EXE_trailhunt")
    );
    t.text(&cmd);
    t.keys(&["Enter"]);

    let s = t.wait_for(&["findings", "→ TARGET", "STATUS"]);
    assert_eq!(
        t.display("#{alternate_on}"),
        "1",
        "the console uses the alternate screen"
    );
    assert!(s.contains("Europe/Paris (+01:00)"), "{s}");
    assert!(s.contains("+01 "), "rows follow --tz: {s}");

    // Filter to one caller.
    t.keys(&["/"]);
    t.text(who);
    t.wait_for(&[&format!("/{who}"), " of "]);
    t.keys(&["Enter"]);
    t.wait_for(&[&format!("filter: {who}")]);

    // Drill into every pane.
    t.keys(&["Enter"]);
    t.wait_for(&[
        "1 Risk",
        "impact 70 × confidence 90 / 100",
        &format!("user/{who}"),
    ]);
    t.keys(&["Tab"]);
    t.wait_for(&["copy 1/", "\"eventName\": \"CreateAccessKey\""]);
    t.keys(&["/"]);
    t.text(target);
    t.keys(&["Enter"]);
    t.wait_for(&[&format!("/{target} 1/")]);
    t.keys(&["n", "3"]);
    t.wait_for(&["new key"]);
    t.keys(&["4"]);
    t.wait_for(&["around", "WHO", "iam:CreateAccessKey"]);
    t.keys(&["+"]);
    t.wait_for(&["±6h around"]);
    t.keys(&["1"]);
    t.wait_for(&["Why it matched"]);

    // Time zone: --tz first, then UTC.
    t.keys(&["t"]);
    let s = t.wait_for(&["UTC (+00:00)"]);
    assert!(s.contains("+00:00"), "{s}");
    t.keys(&["t"]);
    t.wait_for(&["Europe/Paris (+01:00)"]);

    // Help, back out, quit.
    t.keys(&["?"]);
    t.wait_for(&["Keys (from the key table)"]);
    // One Esc at a time: two in one write read as Alt+Esc.
    t.keys(&["Escape"]);
    t.wait_for(&["Why it matched"]);
    t.keys(&["Escape"]);
    t.wait_for(&["→ TARGET"]);
    t.keys(&["q"]);

    // The terminal is handed back.
    let deadline = Instant::now() + Duration::from_secs(10);
    while t.display("#{alternate_on}") != "0" {
        assert!(
            Instant::now() < deadline,
            "still on the alternate screen:\n{}",
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        t.display("#{cursor_flag}"),
        "1",
        "the cursor is shown again"
    );
    assert_eq!(
        t.display("#{mouse_any_flag}"),
        "0",
        "mouse capture is off again"
    );
    // The marker is computed so the typed command line does not match it.
    t.text(
        "stty -a | tr ' ' '\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' '; echo STTY-$((40+2))",
    );
    t.keys(&["Enter"]);
    let s = t.wait_for(&["STTY-42"]);
    let line = s
        .lines()
        .rev()
        .find(|l| l.contains("icanon"))
        .unwrap_or_default()
        .to_string();
    assert!(
        line.contains("icanon echo") && !line.contains("-icanon") && !line.contains("-echo"),
        "raw mode left on: {s}"
    );
    let before_prompt = s.lines().filter(|l| l.starts_with("E2E$")).count();
    assert!(before_prompt >= 2, "the shell prompt is back: {s}");
}
