//! The JSON Schemas (draft 2020-12) of every `--json` output, as checked
//! in under `schema/` and printed by `owl schema [COMMAND]`.
//!
//! One schema per subcommand, named after it; where a command prints
//! several shapes (`owl list` mailboxes or messages), its schema is the
//! `anyOf` of them. Every object is strict (`additionalProperties: false`,
//! every field required unless it may be left out), so the integration
//! tests, which validate every JSON output they see, fail on a renamed or
//! undocumented field. A new command's schema is `schema/NAME.json` plus
//! one line in [`SCHEMAS`].

use super::Output;
use crate::error::{Error, Result};

/// Every schema: the subcommand it describes (`error`: the object any
/// command prints on stderr when it fails under `--json`) and its text.
pub const SCHEMAS: &[(&str, &str)] = &[
    ("check", include_str!("../../schema/check.json")),
    ("copy", include_str!("../../schema/copy.json")),
    ("delete", include_str!("../../schema/delete.json")),
    ("error", include_str!("../../schema/error.json")),
    ("fetch", include_str!("../../schema/fetch.json")),
    ("flag", include_str!("../../schema/flag.json")),
    ("forward", include_str!("../../schema/forward.json")),
    ("idle", include_str!("../../schema/idle.json")),
    ("init", include_str!("../../schema/init.json")),
    ("list", include_str!("../../schema/list.json")),
    ("mailbox", include_str!("../../schema/mailbox.json")),
    ("move", include_str!("../../schema/move.json")),
    ("read", include_str!("../../schema/read.json")),
    ("reply", include_str!("../../schema/reply.json")),
    ("search", include_str!("../../schema/search.json")),
    ("send", include_str!("../../schema/send.json")),
    ("session", include_str!("../../schema/session.json")),
];

/// The schema of `name`'s JSON output, if it has one.
pub fn get(name: &str) -> Option<&'static str> {
    SCHEMAS.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

/// Prints one schema, or without `name` the names of all, one per line.
pub fn print(out: &Output, name: Option<&str>) -> Result<()> {
    match name {
        None => out.text(&SCHEMAS.iter().map(|(n, _)| format!("{n}\n")).collect::<String>()),
        Some(name) => match get(name) {
            Some(text) => out.text(text),
            None => {
                let names: Vec<&str> = SCHEMAS.iter().map(|(n, _)| *n).collect();
                Err(Error::usage(format!("no schema named \"{name}\"; there are: {}", names.join(", "))))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `owl init --json` embeds `owl check`'s report; each schema stands
    /// alone (`owl schema init`), so the copy is checked, not referenced.
    #[test]
    fn init_embeds_the_check_report_exactly() {
        let parse = |name: &str| -> serde_json::Value {
            let text = SCHEMAS.iter().find(|(n, _)| *n == name).expect("schema").1;
            serde_json::from_str(text).expect("parses")
        };
        let (check, init) = (parse("check"), parse("init"));
        assert_eq!(init["$defs"]["check"], check["$defs"]["report"]);
        assert_eq!(
            init["$defs"]["service"], check["$defs"]["service"],
            "schema/init.json: copy service from check.json"
        );
    }

    #[test]
    fn every_schema_file_is_embedded_and_every_schema_parses() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter_map(|n| n.strip_suffix(".json").map(str::to_string))
            .collect();
        files.sort();
        let names: Vec<String> = SCHEMAS.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(files, names, "each schema/NAME.json needs its line in SCHEMAS (sorted by name), and only those");
        for (name, text) in SCHEMAS {
            let value: serde_json::Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(value["$schema"], "https://json-schema.org/draft/2020-12/schema", "{name}");
            assert_eq!(value["$id"], format!("urn:owl:schema:{name}"), "{name}");
        }
    }
}
