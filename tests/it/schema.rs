//! The JSON Schemas in `schema/`: `owl schema` prints them, every command
//! with `--json` has one, they catch a field that is not in them, and the
//! README documents what they say. (Every JSON output of the other tests
//! is validated by the harness: see `harness/schema.rs`.)

use clap::CommandFactory;
use serde_json::{Value, json};

use crate::harness::{Env, schema};

/// Subcommands that print no `--json` output of their own.
const NO_JSON: &[&str] = &["completions", "schema"];

fn root() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn owl_schema_lists_and_prints_the_checked_in_schemas() {
    let env = Env::new("");
    let list = env.owl(&["schema"]);
    list.expect_code(0);
    let names: Vec<&str> = list.stdout.lines().collect();
    assert!(names.contains(&"list") && names.contains(&"error"), "{}", list.stdout);
    for name in &names {
        let run = env.owl(&["schema", name]);
        run.expect_code(0);
        assert_eq!(run.stdout, std::fs::read_to_string(schema::path(name)).unwrap(), "owl schema {name}");
    }
    let unknown = env.owl(&["schema", "nope"]);
    unknown.expect_code(64);
    assert!(unknown.stderr.contains("there are: check, copy, delete, error"), "{}", unknown.stderr);
}

/// The coverage test: a subcommand merged without its schema fails here
/// (and in every test that prints its JSON) until `schema/NAME.json` and
/// its line in `SCHEMAS` (src/output/schema.rs) exist.
#[test]
fn every_subcommand_with_json_output_has_a_schema() {
    let listed = Env::new("").owl(&["schema"]).stdout;
    let mut missing = Vec::new();
    for sub in owl::cli::Cli::command().get_subcommands() {
        let name = sub.get_name();
        if NO_JSON.contains(&name) {
            continue;
        }
        if !schema::path(name).exists() || !listed.lines().any(|l| l == name) {
            missing.push(format!(
                "owl {name}: add schema/{name}.json (draft 2020-12, additionalProperties: false) and the line \
                 (\"{name}\", include_str!(\"../../schema/{name}.json\")) to SCHEMAS in src/output/schema.rs"
            ));
        }
    }
    assert!(missing.is_empty(), "commands with --json but no schema:\n{}", missing.join("\n"));
}

#[test]
fn a_field_missing_from_the_schema_fails_validation() {
    // A real error object, which the harness has already validated.
    let run = Env::new("[accounts.x]\nno_such_key = 1\n").owl(&["--json", "list"]);
    run.expect_code(78);
    let good: Value = serde_json::from_str(run.stderr.trim()).expect("one JSON object on stderr");
    schema::errors("error", &good.to_string()).expect("owl's own error object is valid");

    let mut added = good.clone();
    added["undocumented"] = json!("x");
    let why = schema::errors("error", &added.to_string()).expect_err("a field the schema lacks");
    assert!(why.contains("undocumented"), "{why}");

    let mut removed = good.clone();
    removed.as_object_mut().unwrap().remove("hint");
    let why = schema::errors("error", &removed.to_string()).expect_err("a required field left out");
    assert!(why.contains("'hint' is a required property"), "{why}");

    let mut retyped = good.clone();
    retyped["exit_code"] = json!("78");
    assert!(schema::errors("error", &retyped.to_string()).is_err(), "a number printed as a string");

    // A message row: renaming a field fails both ways (new name unknown,
    // old name missing); a nullable field may be null, a string may not.
    let row = json!({
        "mailbox": "INBOX", "uid": 7, "uidvalidity": 42, "date": null, "from": "Ann <ann@example.org>",
        "from_name": "Ann", "from_address": "ann@example.org", "subject": "hi", "flags": ["\\Seen"], "seen": true,
        "size": 512
    });
    schema::errors("list", &json!([row]).to_string()).expect("a valid row");
    let mut renamed = row.clone();
    let subject = renamed.as_object_mut().unwrap().remove("subject").unwrap();
    renamed["title"] = subject;
    let why = schema::errors("list", &json!([renamed]).to_string()).expect_err("a renamed field");
    assert!(why.contains("title") || why.contains("subject"), "{why}");
    let mut nulled = row;
    nulled["subject"] = Value::Null;
    assert!(schema::errors("list", &json!([nulled]).to_string()).is_err(), "subject is never null");

    // An idle line of one kind may not carry another kind's fields.
    let expunge =
        json!({"event": "expunge", "time": "2026-12-01T14:00:00Z", "account": "a", "mailbox": "INBOX", "uid": 3});
    schema::errors("idle", &expunge.to_string()).expect("a valid expunge event");
    let mut odd = expunge;
    odd["subject"] = json!("s");
    assert!(schema::errors("idle", &odd.to_string()).is_err(), "an expunge event has no subject");
}

/// Every property name in `schema`, found anywhere in it.
fn property_names(schema: &Value, names: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get("properties") {
                names.extend(props.keys().cloned());
            }
            map.values().for_each(|v| property_names(v, names));
        }
        Value::Array(items) => items.iter().for_each(|v| property_names(v, names)),
        _ => {}
    }
}

/// The README's "Output" section documents the fields the schemas list:
/// its two tables exactly, and every other field by name.
#[test]
fn the_readme_documents_the_fields_of_every_schema() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme.split("\n## Output").nth(1).expect("an Output section").split("\n## ").next().unwrap();
    let load =
        |name: &str| -> Value { serde_json::from_str(&std::fs::read_to_string(schema::path(name)).unwrap()).unwrap() };
    let list = load("list");
    for (heading, def) in [("`owl list --json`:", "mailbox"), ("`owl list MAILBOX --json`:", "message")] {
        let table = section.split(heading).nth(1).unwrap_or_else(|| panic!("README lacks {heading}"));
        let mut documented: Vec<String> = table
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .filter_map(|l| l.split('|').nth(1).map(|c| c.trim().trim_matches('`').to_string()))
            .filter(|c| !c.is_empty() && c != "field" && !c.starts_with("---"))
            .collect();
        documented.sort();
        let mut props: Vec<String> = list["$defs"][def]["properties"].as_object().unwrap().keys().cloned().collect();
        props.retain(|p| p != "file"); // search --local only, documented with search
        props.sort();
        assert_eq!(documented, props, "README's table after {heading} differs from schema/list.json $defs/{def}");
    }
    let mut undocumented = Vec::new();
    for entry in std::fs::read_dir(root().join("schema")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mut names = Vec::new();
        property_names(&load(&name), &mut names);
        names.sort();
        names.dedup();
        undocumented
            .extend(names.into_iter().filter(|n| !section.contains(&format!("`{n}`"))).map(|n| format!("{name}: {n}")));
    }
    assert!(undocumented.is_empty(), "fields in schema/ that README's Output section never names: {undocumented:?}");
}
