//! Every JSON output the tests see is checked against its schema in
//! `schema/` (Python's jsonschema, draft 2020-12): a field renamed, added
//! or retyped without its schema fails the test that printed it.
//!
//! The schema is chosen by the subcommand: `owl list ... --json` is
//! checked against `schema/list.json`, an error object on stderr against
//! `schema/error.json`.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::Run;

/// Validates each document of stdin (one JSON text, else one per line)
/// against the schema file in argv[1]; prints the errors and exits 1.
const VALIDATOR: &str = r#"
import json, sys
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[1], encoding="utf-8"))
Draft202012Validator.check_schema(schema)
validator = Draft202012Validator(schema)
text = sys.stdin.read()
try:
    docs = [json.loads(text)]
except ValueError:
    docs = [json.loads(line) for line in text.splitlines() if line.strip()]
bad = 0
for n, doc in enumerate(docs):
    for error in validator.iter_errors(doc):
        bad += 1
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        print(f"document {n + 1}, at {where}: {error.message}")
        for sub in sorted(error.context or [], key=lambda e: len(list(e.absolute_path)), reverse=True)[:6]:
            print(f"    {'/'.join(str(p) for p in sub.absolute_path) or '(top)'}: {sub.message}")
sys.exit(1 if bad else 0)
"#;

/// The checked-in schema of `name`.
pub fn path(name: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema").join(format!("{name}.json"))
}

/// What is wrong with `text` (one JSON document, or one per line) by the
/// schema of `name`; `Ok` when nothing is.
pub fn errors(name: &str, text: &str) -> Result<(), String> {
    let schema = path(name);
    if !schema.exists() {
        return Err(format!(
            "owl {name} printed JSON but has no schema: add schema/{name}.json and its line in SCHEMAS in \
             src/output/schema.rs"
        ));
    }
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(VALIDATOR)
        .arg(&schema)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 with jsonschema (Debian: python3-jsonschema)");
    child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write to the validator");
    let out = child.wait_with_output().expect("wait for the validator");
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("ModuleNotFoundError"), "the tests need Python's jsonschema (python3-jsonschema)");
    Err(format!("{}{stderr}", String::from_utf8_lossy(&out.stdout)))
}

/// Panics unless `text` is valid by the schema of `name`.
pub fn check(name: &str, text: &str) {
    if let Err(why) = errors(name, text) {
        panic!("owl {name} --json output does not match schema/{name}.json:\n{why}\noutput:\n{text}");
    }
}

/// The subcommand in owl's arguments: the first word that is neither an
/// option nor the value of a global option that takes one.
pub fn subcommand(args: &[String]) -> Option<&str> {
    let mut words = args.iter();
    while let Some(word) = words.next() {
        match word.as_str() {
            "-c" | "--config" | "-a" | "--account" | "--color" => {
                words.next();
            }
            w if w.starts_with('-') => {}
            w => return Some(w),
        }
    }
    None
}

/// Checks what a `--json` run printed: stdout by its subcommand's schema
/// (when it is JSON at all: `--raw` prints a message), and each JSON line
/// on stderr as an error object.
pub fn check_run(run: &Run) {
    if !run.args.iter().any(|a| a == "--json") {
        return;
    }
    let Some(name) = subcommand(&run.args) else { return };
    if name == "schema" || name == "completions" {
        return;
    }
    if is_json(&run.stdout) {
        check(name, &run.stdout);
    }
    for line in run.stderr.lines().filter(|l| l.starts_with('{')) {
        if serde_json::from_str::<serde_json::Value>(line).is_ok() {
            check("error", line);
        }
    }
}

/// Whether `text` is one JSON document or, line by line, several.
fn is_json(text: &str) -> bool {
    if text.trim().is_empty() {
        return false;
    }
    serde_json::from_str::<serde_json::Value>(text).is_ok()
        || text.lines().filter(|l| !l.trim().is_empty()).all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
}
