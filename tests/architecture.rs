//! The layering in ARCHITECTURE.md, checked on every test run: which
//! top-level modules of `src/` may import which, no import cycle between
//! them, and no source file too big to live in.
//!
//! It reads the sources as text: every `crate::NAME` path (also inside
//! `use crate::{a, b}` groups) in a file under `src/NAME/` or `src/NAME.rs`
//! is an import of `NAME`'s module by the file's own top-level module.
//! Doc comments and `#[cfg(test)]` tails are skipped: tests may reach
//! anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Modules every layer may use.
const BASE: &[&str] = &["sanitize", "atomic", "files"];

/// What each top-level module may import besides itself and [`BASE`].
fn allowed(module: &str) -> Option<&'static [&'static str]> {
    Some(match module {
        "event" => &[],
        "loader" => &["event"],
        "rules" => &["event"],
        "triage" => &["event", "rules"],
        "report" => &["event", "rules", "triage"],
        "clipboard" => &["event", "triage"],
        "hunt" => &["event", "loader", "rules", "triage", "report", "clipboard"],
        "tui" => &["event", "rules", "triage", "report", "clipboard", "hunt"],
        "cli" => &[
            "event",
            "loader",
            "rules",
            "triage",
            "report",
            "clipboard",
            "hunt",
            "tui",
        ],
        "sanitize" | "atomic" | "files" => &[],
        _ => return None,
    })
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without comments and without its unit tests.
fn code(text: &str) -> String {
    let body = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    body.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules `code` names through `crate::`.
fn imports(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::c, d}`: the first name of each item at depth 1.
            let mut depth = 1;
            let mut start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => start = true,
                    c if start && depth == 1 && !c.is_whitespace() => {
                        out.insert(ident(&group[j..]));
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out.retain(|m| !m.is_empty());
    out
}

fn graph() -> BTreeMap<String, BTreeSet<(String, String)>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut g: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if top == "lib" || top == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        for m in imports(&code(&text)) {
            if m != top {
                g.entry(top.clone())
                    .or_default()
                    .insert((m, rel.display().to_string()));
            }
        }
        g.entry(top).or_default();
    }
    g
}

#[test]
fn every_layer_imports_only_what_it_may() {
    let mut wrong = Vec::new();
    for (module, deps) in graph() {
        let Some(ok) = allowed(&module) else {
            wrong.push(format!(
                "src/{module}: a top-level module ARCHITECTURE.md and this test do not know"
            ));
            continue;
        };
        for (dep, file) in deps {
            if !ok.contains(&dep.as_str()) && !BASE.contains(&dep.as_str()) {
                wrong.push(format!("src/{file} ({module}) imports {dep}"));
            }
        }
    }
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
}

#[test]
fn only_main_imports_the_cli() {
    let main =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/main.rs")).unwrap();
    assert!(main.contains("trailhunt::cli::"));
    for (module, deps) in graph() {
        if module != "cli" {
            assert!(
                !deps.iter().any(|(d, _)| d == "cli"),
                "{module} imports cli"
            );
        }
        if module != "cli" && module != "tui" {
            assert!(
                !deps.iter().any(|(d, _)| d == "tui"),
                "{module} imports tui"
            );
        }
    }
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let g: BTreeMap<String, BTreeSet<String>> = graph()
        .into_iter()
        .map(|(m, d)| (m, d.into_iter().map(|(d, _)| d).collect()))
        .collect();
    // Depth-first search; a grey node met again closes a cycle.
    fn visit(
        m: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(m) {
            Some(1) => {
                let i = path.iter().position(|p| p == m).unwrap();
                let mut cycle = path[i..].to_vec();
                cycle.push(m.to_string());
                return Some(cycle);
            }
            Some(_) => return None,
            None => {}
        }
        state.insert(m.to_string(), 1);
        path.push(m.to_string());
        for d in g.get(m).into_iter().flatten() {
            if let Some(c) = visit(d, g, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(m.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in g.keys() {
        if let Some(c) = visit(m, &g, &mut state, &mut Vec::new()) {
            panic!("import cycle: {}", c.join(" → "));
        }
    }
}

#[test]
fn no_source_file_is_over_a_thousand_lines_of_code() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let big: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = code(&std::fs::read_to_string(f).unwrap()).lines().count();
            (n > 1000).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    assert!(big.is_empty(), "too big to live in: {big:?}");
}

#[test]
fn the_import_reader_sees_grouped_and_plain_paths() {
    let m = imports(
        "use crate::{event::Index, rules::{Finding, RuleSet}};\nlet x = crate::hunt::Config::new(v);",
    );
    assert_eq!(
        m.into_iter().collect::<Vec<_>>(),
        vec!["event", "hunt", "rules"]
    );
}
