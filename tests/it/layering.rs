//! Dependencies point down: a guard over the sources (`src/**/*.rs` read as text, comments
//! and `#[cfg(test)]` items left out). It fails with `file:line` and the rule broken.
//!
//! Layers, from the bottom:
//! - **foundation**: errors, configuration, clock, ids, validation, decimals, bounds, CSV,
//!   canonical JSON, i18n, reference data, the database, the schema, the use cases' context
//!   and the HTTP state, the audit core, the notifications core (outbox, templates, mailer,
//!   its worker's step) and the idempotency store; and every repository (`*/repo.rs`).
//!   They may name domain types (`auth::Locale`, `rfqs::models::RfqStatus`, the round
//!   cache) but never a use case, the HTTP layer or the background jobs.
//! - **use cases**: `*/service.rs`, `*/notify.rs`, `auth::{browser, reset}`,
//!   `users::invitation`, `rounds::reminders`, `awards`, the demo.
//! - **entry points**: the HTTP API (`api`), the portal (`web`), the server (`startup`), the
//!   command line (`cli`) and the background jobs (`background`).

use std::path::{Path, PathBuf};

/// Files of the foundation (a path ending in `/` is a module: its directory, or its file).
const FOUNDATION: &[&str] = &[
    "src/audit/chain.rs",
    "src/audit/mod.rs",
    "src/audit/repo.rs",
    "src/bounds.rs",
    "src/canonical.rs",
    "src/clock.rs",
    "src/config.rs",
    "src/context.rs",
    "src/csv.rs",
    "src/db/",
    "src/decimal.rs",
    "src/error/",
    "src/i18n/",
    "src/idempotency/",
    "src/ids.rs",
    "src/notifications/backoff.rs",
    "src/notifications/mailer.rs",
    "src/notifications/mod.rs",
    "src/notifications/outbox.rs",
    "src/notifications/repo.rs",
    "src/notifications/templates.rs",
    "src/notifications/worker.rs",
    "src/reference/",
    "src/schema.rs",
    "src/state/",
    "src/telemetry.rs",
    "src/validation.rs",
];

/// What the foundation never names: use cases, the HTTP layer, the background jobs and the
/// entry points.
const ABOVE_FOUNDATION: &[Pattern] = &[
    Pattern::segment("::service"),
    Pattern::prefix("service::"),
    Pattern::segment("::notify"),
    Pattern::prefix("notify::"),
    Pattern::segment("crate::auth::browser"),
    Pattern::segment("crate::auth::reset"),
    Pattern::segment("crate::users::invitation"),
    Pattern::segment("crate::rounds::reminders"),
    Pattern::segment("crate::awards"),
    Pattern::segment("crate::demo"),
    Pattern::segment("crate::api"),
    Pattern::segment("crate::web"),
    Pattern::segment("crate::background"),
    Pattern::segment("crate::startup"),
    Pattern::segment("crate::cli"),
];

/// Where the HTTP layer may be named.
const HTTP_CALLERS: &[&str] = &["src/api/", "src/web/", "src/startup.rs", "src/cli.rs"];

/// The HTTP layer.
const HTTP: &[Pattern] = &[
    Pattern::segment("crate::api"),
    Pattern::segment("crate::web"),
];

/// SQL and its crates, which handlers and pages never touch.
const SQL: &[Pattern] = &[Pattern::prefix("diesel"), Pattern::segment("crate::schema")];

/// A text to find in code, with its left edge on a word boundary.
struct Pattern {
    text: &'static str,
    /// Also matches when more identifier characters follow (`diesel` in `diesel_async`).
    open_end: bool,
}

impl Pattern {
    /// A whole path segment: `crate::web` matches `crate::web::x` but not `crate::webhooks`.
    const fn segment(text: &'static str) -> Self {
        Self {
            text,
            open_end: false,
        }
    }

    /// A word start: `diesel` matches `diesel::` and `diesel_async`.
    const fn prefix(text: &'static str) -> Self {
        Self {
            text,
            open_end: true,
        }
    }

    fn found_in(&self, line: &str) -> bool {
        let ident = |c: char| c.is_alphanumeric() || c == '_';
        line.match_indices(self.text).any(|(at, _)| {
            let before = line[..at].chars().next_back();
            let after = line[at + self.text.len()..].chars().next();
            let starts_word = self.text.starts_with("::") || !before.is_some_and(ident);
            let ends_word = self.open_end || !after.is_some_and(ident);
            starts_word && ends_word
        })
    }
}

fn in_any(path: &str, places: &[&str]) -> bool {
    places.iter().any(|p| {
        if let Some(module) = p.strip_suffix('/') {
            path.starts_with(p) || path == format!("{module}.rs")
        } else {
            path == *p
        }
    })
}

fn is_repository(path: &str) -> bool {
    path.ends_with("/repo.rs") || path.contains("/repo/")
}

/// The code of a Rust file, char for char: comments blanked, and in `skeleton` string and
/// character literals blanked too (newlines kept in both).
fn lex(src: &str) -> (Vec<char>, Vec<char>) {
    let s: Vec<char> = src.chars().collect();
    let mut code = s.clone();
    let mut skeleton = s.clone();
    let blank = |v: &mut Vec<char>, from: usize, to: usize| {
        for c in &mut v[from..to] {
            if *c != '\n' {
                *c = ' ';
            }
        }
    };
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut i = 0;
    while i < s.len() {
        let next = s.get(i + 1).copied();
        if s[i] == '/' && next == Some('/') {
            let end = s[i..]
                .iter()
                .position(|&c| c == '\n')
                .map_or(s.len(), |n| i + n);
            blank(&mut code, i, end);
            blank(&mut skeleton, i, end);
            i = end;
        } else if s[i] == '/' && next == Some('*') {
            let (mut depth, mut j) = (1, i + 2);
            while j < s.len() && depth > 0 {
                if s[j] == '/' && s.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 2;
                } else if s[j] == '*' && s.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            blank(&mut code, i, j);
            blank(&mut skeleton, i, j);
            i = j;
        } else if s[i] == 'r'
            && (i == 0 || !ident(s[i - 1]) || s[i - 1] == 'b')
            && matches!(next, Some('"') | Some('#'))
        {
            // A raw string r"…", r#"…"# (or an identifier that starts with r).
            let hashes = s[i + 1..].iter().take_while(|&&c| c == '#').count();
            if s.get(i + 1 + hashes) != Some(&'"') {
                i += 1;
                continue;
            }
            let open = i + 2 + hashes;
            let mut j = open;
            while j < s.len()
                && !(s[j] == '"'
                    && s[j + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|&&c| c == '#')
                        .count()
                        == hashes)
            {
                j += 1;
            }
            blank(&mut skeleton, open, j.min(s.len()));
            i = (j + 1 + hashes).min(s.len());
        } else if s[i] == '"' {
            let mut j = i + 1;
            while j < s.len() && s[j] != '"' {
                j += if s[j] == '\\' { 2 } else { 1 };
            }
            blank(&mut skeleton, i + 1, j.min(s.len()));
            i = j + 1;
        } else if s[i] == '\'' {
            // A character literal ('x', '\n', '\u{1F600}'), or else a lifetime.
            let end = if next == Some('\\') {
                // The escaped character is at i + 2: the closing quote comes after it.
                s[(i + 3).min(s.len())..]
                    .iter()
                    .position(|&c| c == '\'')
                    .map(|n| i + 3 + n)
            } else if s.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    blank(&mut skeleton, i + 1, end);
                    i = end + 1;
                }
                None => i += 1,
            }
        } else {
            i += 1;
        }
    }
    (code, skeleton)
}

/// The lines of a file's code, without comments and without `#[cfg(test)]` items.
fn code_lines(src: &str) -> Vec<String> {
    let (mut code, skeleton) = lex(src);
    let marker: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut from = 0;
    while let Some(at) = find(&skeleton, &marker, from) {
        // The item ends at its first `;` or at the brace closing its first `{`.
        let mut j = at + marker.len();
        let mut depth = 0usize;
        while j < skeleton.len() {
            match skeleton[j] {
                ';' if depth == 0 => break,
                '{' => depth += 1,
                '}' if depth <= 1 => break,
                '}' => depth -= 1,
                _ => {}
            }
            j += 1;
        }
        let end = (j + 1).min(code.len());
        for c in &mut code[at..end] {
            if *c != '\n' {
                *c = ' ';
            }
        }
        from = end;
    }
    code.iter()
        .collect::<String>()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn find(hay: &[char], needle: &[char], from: usize) -> Option<usize> {
    (from..hay.len().saturating_sub(needle.len() - 1)).find(|&i| hay[i..].starts_with(needle))
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The broken rules of one file, as `file:line: rule: code`.
fn violations(path: &str, src: &str) -> Vec<String> {
    let foundation = in_any(path, FOUNDATION) || is_repository(path);
    let http = path.starts_with("src/api/") || path.starts_with("src/web/");
    let mut found = Vec::new();
    for (n, line) in code_lines(src).iter().enumerate() {
        let mut broken = |patterns: &[Pattern], rule: &str| {
            if let Some(p) = patterns.iter().find(|p| p.found_in(line)) {
                found.push(format!(
                    "{path}:{}: {rule} (names `{}`): {}",
                    n + 1,
                    p.text,
                    line.trim()
                ));
            }
        };
        if foundation {
            broken(
                ABOVE_FOUNDATION,
                "a foundation module or repository names a use case, the HTTP layer or the jobs",
            );
        }
        if !in_any(path, HTTP_CALLERS) {
            broken(
                HTTP,
                "only api/, web/, startup.rs and cli.rs name the HTTP layer",
            );
        }
        if http {
            broken(SQL, "handlers and pages hold no SQL: they call a service");
        }
    }
    found
}

#[test]
fn dependencies_point_down() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    files.sort();
    assert!(files.len() > 50, "the sources were not found");
    let mut found = Vec::new();
    for file in &files {
        let path = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        found.extend(violations(&path, &std::fs::read_to_string(file).unwrap()));
    }
    assert!(
        found.is_empty(),
        "{} layering violation(s):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_guard_sees_what_it_must_and_nothing_else() {
    let src = r#"//! Doc that mentions crate::api::x and crate::rounds::service.
use crate::webhooks::address; // crate::web in a comment
/* crate::background::Job */
fn f() -> &'static str { let c = ['{', '\'', '\u{7b}']; "a string" }
pub fn g() { crate::audit::record(); }
#[cfg(test)]
mod tests {
    use crate::api::BODY_LIMIT;
    fn h() { let s = "}"; crate::rounds::service::x(); }
}
fn late() { crate::rounds::service::submit_demand(); }
"#;
    assert_eq!(
        violations("src/audit/mod.rs", src),
        ["src/audit/mod.rs:11: a foundation module or repository names a use case, the HTTP \
          layer or the jobs (names `::service`): fn late() { crate::rounds::service::submit_demand(); }"]
    );
    assert!(violations("src/audit/mod.rs", "use crate::web::session;\n")[0].contains("crate::web"));
    assert!(violations("src/fx/service.rs", "use crate::api::x;\n")[0].contains("only api/"));
    assert!(
        violations("src/web/pages/x.rs", "use diesel_async::RunQueryDsl;\n")[0].contains("no SQL")
    );
    assert!(violations("src/api/v1/x.rs", "crate::schema::users::table\n")[0].contains("no SQL"));
    assert!(violations("src/cli.rs", "use crate::api::x;\n").is_empty());
    assert!(violations("src/rfqs/repo.rs", "use super::service::X;\n")[0].contains("::service"));
    assert!(
        violations("src/notifications/mod.rs", "pub use service::retry;\n")[0]
            .contains("service::")
    );
    assert!(violations("src/notifications/mod.rs", "pub mod service;\n").is_empty());
    assert!(violations("src/db/mod.rs", "po_service::list();\n").is_empty());
}
