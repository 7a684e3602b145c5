//! The design, checked: every top-level module has a place in the layer
//! diagram of src/lib.rs and imports only from below it; no file imports,
//! through any chain, a file that imports it; nothing but `output` and the
//! binary's wiring writes to stdout or knows clap; and IMAP's words
//! (commands, fetch and STATUS items, capabilities, search keys) are
//! written only in `src/imap/`. Cheap, and it stops the design drifting.
//!
//! The checks read the sources as text: comments and test code are left
//! out, string literals are looked at only where the rule is about them.

mod graph;
mod lexer;

use std::collections::{BTreeMap, BTreeSet};

use graph::{cycles, paths, resolve};
use lexer::{sources, split, src};

/// What each top-level module may import from the crate. A module missing
/// here fails the test: a new one must be given its place.
const ALLOWED: &[(&str, &[&str])] = &[
    // Foundations: below every layer.
    ("secrets", &[]),
    ("uidset", &[]),
    ("parts", &[]),
    ("error", &["secrets"]),
    ("sasl", &["error", "secrets"]),
    // Transport.
    ("net", &["error", "secrets"]),
    // Protocol sessions: each owns its vocabulary, none knows another.
    ("imap", &["error", "secrets", "uidset", "parts", "net", "sasl"]),
    ("pop3", &["error", "secrets", "net", "sasl"]),
    ("smtp", &["error", "secrets", "net", "sasl"]),
    // Mail model and local stores.
    ("model", &["error", "secrets", "uidset", "parts"]),
    ("store", &["error", "secrets", "uidset", "parts", "model"]),
    // The query language: evaluated over the model, compiled for IMAP.
    ("search", &["error", "secrets", "uidset", "parts", "model", "imap"]),
    // Accounts: turned into protocol options, never seen below.
    ("config", &["error", "secrets", "net", "sasl"]),
    // Commands.
    (
        "cmd",
        &[
            "error", "secrets", "uidset", "parts", "net", "sasl", "imap", "pop3", "smtp", "model", "store", "search",
            "config",
        ],
    ),
    // Rendering of what commands return.
    ("output", &["error", "secrets", "uidset", "parts", "net", "model", "search", "cmd"]),
    ("logger", &["error", "secrets", "output"]),
    // Wiring.
    ("cli", &["error", "search", "model"]),
    ("app", &["*"]),
    // Beside the layers: entry points for fuzz/, used by nothing in owl.
    ("fuzzing", &["*"]),
];

/// Modules that may write to stdout or know clap.
const AT_THE_TOP: &[&str] = &["output", "cli", "app", "logger"];

/// Upper-case words that are IMAP on the wire: none may appear in a string
/// literal of `src/cmd/` or `src/search/` that is protocol text, one with
/// no lower-case word (messages for people may name `UID`,
/// `UIDVALIDITY`).
const IMAP_WORDS: &[&str] = &[
    // Commands.
    "APPEND",
    "AUTHENTICATE",
    "CAPABILITY",
    "CHECK",
    "CLOSE",
    "COPY",
    "CREATE",
    "DELETE",
    "ENABLE",
    "EXAMINE",
    "EXPUNGE",
    "FETCH",
    "IDLE",
    "LIST",
    "LOGIN",
    "LOGOUT",
    "LSUB",
    "MOVE",
    "NAMESPACE",
    "NOOP",
    "NOTIFY",
    "RENAME",
    "SEARCH",
    "SELECT",
    "STARTTLS",
    "STATUS",
    "STORE",
    "SUBSCRIBE",
    "UID",
    "UNSELECT",
    // Fetch and STATUS items.
    "BODY",
    "BODYSTRUCTURE",
    "ENVELOPE",
    "FLAGS",
    "INTERNALDATE",
    "RFC822",
    "RFC822.SIZE",
    "RFC822.HEADER",
    "BODY.PEEK",
    "HEADER.FIELDS",
    "MODSEQ",
    "MESSAGES",
    "RECENT",
    "UIDNEXT",
    "UIDVALIDITY",
    "UNSEEN",
    "HIGHESTMODSEQ",
    "CHANGEDSINCE",
    // Capabilities.
    "IMAP4REV1",
    "IMAP4rev1",
    "CONDSTORE",
    "QRESYNC",
    "UIDPLUS",
    "LITERAL+",
    "COMPRESS",
    "SPECIAL-USE",
    "LIST-STATUS",
    "LIST-EXTENDED",
    "ESEARCH",
    "SASL-IR",
    "LOGINDISABLED",
    // Search keys.
    "SINCE",
    "BEFORE",
    "SENTSINCE",
    "SENTBEFORE",
    "LARGER",
    "SMALLER",
    "SUBJECT",
    "KEYWORD",
    "UNKEYWORD",
    "FLAGGED",
    "UNFLAGGED",
    "ANSWERED",
    "UNANSWERED",
    "DELETED",
    "UNDELETED",
    "SEEN",
];

#[test]
fn every_top_level_module_has_a_place_and_imports_only_from_below() {
    let sources = sources();
    let modules: BTreeSet<Vec<String>> = sources.iter().map(|s| s.module.clone()).collect();
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut violations = Vec::new();
    for top in modules.iter().filter(|m| m.len() == 1) {
        if !allowed.contains_key(top[0].as_str()) {
            violations.push(format!("src/{}: a top-level module with no place in ALLOWED (and src/lib.rs)", top[0]));
        }
    }
    let diagram = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    for (name, _) in ALLOWED {
        if !diagram
            .lines()
            .filter(|l| l.starts_with("//!"))
            .any(|l| l.split(|c: char| !c.is_alphanumeric()).any(|w| w == *name))
        {
            violations.push(format!("src/lib.rs: the layer diagram does not show `{name}`"));
        }
    }
    for source in &sources {
        let Some(top) = source.module.first() else { continue };
        let Some(may) = allowed.get(top.as_str()) else { continue };
        if may.contains(&"*") {
            continue;
        }
        for (path, _) in paths(&source.code) {
            let Some(target) = resolve(&source.module, &path, &modules) else { continue };
            let Some(other) = target.first() else { continue };
            if other != top && !may.contains(&other.as_str()) {
                violations.push(format!("{}: {top} uses {}", source.path.display(), path.join("::")));
            }
        }
    }
    violations.sort();
    violations.dedup();
    assert!(violations.is_empty(), "layering violations:\n{}", violations.join("\n"));
}

#[test]
fn no_file_imports_a_file_that_imports_it() {
    let sources = sources();
    let modules: BTreeSet<Vec<String>> = sources.iter().map(|s| s.module.clone()).collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for source in &sources {
        let out = edges.entry(source.module.clone()).or_default();
        for (path, public) in paths(&source.code) {
            let Some(target) = resolve(&source.module, &path, &modules) else { continue };
            // A module re-exporting its own children is their facade, not
            // a dependency.
            let re_export_of_child = public && target.len() > source.module.len() && target.starts_with(&source.module);
            if target != source.module && !re_export_of_child {
                out.insert(target);
            }
        }
    }
    let cycles = cycles(&edges);
    let shown: Vec<String> = cycles
        .iter()
        .map(|cycle| cycle.iter().map(|m| format!("src/{}", m.join("/"))).collect::<Vec<_>>().join(" -> "))
        .collect();
    assert!(shown.is_empty(), "files that import each other (through the `use` graph):\n{}", shown.join("\n"));
}

#[test]
fn only_the_top_writes_to_stdout_or_knows_clap() {
    let mut violations = Vec::new();
    for source in sources() {
        let Some(top) = source.module.first() else { continue };
        if AT_THE_TOP.contains(&top.as_str()) {
            continue;
        }
        for (n, line) in source.code.lines().enumerate() {
            for word in ["println!", "print!", "stdout()", "clap::", "use clap"] {
                if line.contains(word) {
                    violations.push(format!("{}:{}: {top} uses {word}", source.path.display(), n + 1));
                }
            }
        }
    }
    assert!(violations.is_empty(), "lower layers reaching the terminal:\n{}", violations.join("\n"));
}

#[test]
fn imap_words_are_written_only_in_the_imap_module() {
    let words: BTreeSet<&str> = IMAP_WORDS.iter().copied().collect();
    let mut violations = Vec::new();
    for source in sources() {
        if source.module.first().is_some_and(|m| m == "imap") {
            continue;
        }
        if !matches!(source.module.first().map(String::as_str), Some("cmd" | "search")) {
            continue;
        }
        for (line, literal) in &source.strings {
            let text = without_placeholders(literal);
            let tokens: Vec<&str> = text
                .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-' | '_' | '=')))
                .map(|t| t.trim_end_matches('.'))
                .filter(|t| !t.is_empty())
                .collect();
            if for_people(&tokens) {
                continue;
            }
            if text.contains(":*") {
                violations.push(format!("{}:{line}: a sequence set in \"{literal}\"", source.path.display()));
            }
            for token in tokens {
                let atom = token.split('=').next().unwrap_or(token);
                if words.contains(token) || words.contains(atom) {
                    violations.push(format!("{}:{line}: IMAP word {token} in \"{literal}\"", source.path.display()));
                }
            }
        }
    }
    assert!(violations.is_empty(), "IMAP protocol text outside src/imap:\n{}", violations.join("\n"));
}

/// Whether a literal is words for a person: it has a word in lower case
/// (protocol text has none; header names in it are capitalized).
fn for_people(tokens: &[&str]) -> bool {
    tokens.iter().any(|t| t.len() > 1 && t.chars().all(|c| c.is_ascii_lowercase()))
}

/// `literal` without its `format!` placeholders (`{uid}`, `{:?}`).
fn without_placeholders(literal: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in literal.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[test]
fn the_checks_see_what_they_look_for() {
    // The lexer must not hide code in strings or strings in code.
    let (code, strings) = split("let a = \"x // y\"; // c\nlet b = r#\"q \"z\" \"#; let c = '\"'; fn f<'a>() {}\n");
    assert_eq!(strings.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>(), ["x // y", "q \"z\" "]);
    assert!(code.contains("fn f<'a>()"), "{code}");
    assert!(!code.contains("// c"));
    let used = paths("use crate::imap::{self, session::Session};\npub use mailbox::Flag;\nfn g() { super::x::y(); }");
    let used: Vec<(String, bool)> = used.into_iter().map(|(p, public)| (p.join("::"), public)).collect();
    assert!(used.contains(&("crate::imap".into(), false)), "{used:?}");
    assert!(used.contains(&("crate::imap::session::Session".into(), false)), "{used:?}");
    assert!(used.contains(&("mailbox::Flag".into(), true)), "{used:?}");
    assert!(used.contains(&("super::x::y".into(), false)), "{used:?}");
    // Protocol text is caught, messages for people are not.
    assert_eq!(without_placeholders("UID FETCH {set} (FLAGS)"), "UID FETCH  (FLAGS)");
    assert!(!for_people(&["BODY.PEEK", "HEADER.FIELDS", "From", "Subject"]));
    assert!(for_people(&["UIDVALIDITY", "changed"]));
    // A two-file cycle is found and shown.
    let a = vec!["cmd".to_string(), "list".to_string()];
    let b = vec!["cmd".to_string(), "pop3_list".to_string()];
    let graph = BTreeMap::from([(a.clone(), BTreeSet::from([b.clone()])), (b.clone(), BTreeSet::from([a.clone()]))]);
    assert_eq!(cycles(&graph).len(), 1);
}
