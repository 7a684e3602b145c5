//! The checked-in completions and man pages match the CLI definition.
//! Regenerate with `cargo run --example gen-assets`.

#[test]
fn completions_and_man_pages_are_up_to_date() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for (path, content) in owl::cli::assets::generate() {
        let on_disk = std::fs::read(root.join(&path)).unwrap_or_default();
        if on_disk != content {
            stale.push(path);
        }
    }
    assert!(stale.is_empty(), "stale generated files {stale:?}: run `cargo run --example gen-assets`");
}

/// The exit codes have one source (`owl::error::EXIT_CODES`): the README's
/// table and `owl --help` say exactly what it says.
#[test]
fn the_readme_and_the_help_give_the_one_exit_code_table() {
    let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme.split("## Exit codes").nth(1).expect("an Exit codes section").split("\n## ").next().unwrap();
    let rows: Vec<(i32, String)> = section
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            Some((cells.get(1)?.parse().ok()?, cells.get(2)?.to_string()))
        })
        .collect();
    let table: Vec<(i32, String)> = owl::error::EXIT_CODES.iter().map(|(c, m)| (*c, m.to_string())).collect();
    assert_eq!(rows, table, "README's exit-code table differs from owl::error::EXIT_CODES");
    let help = crate::harness::Env::new("").owl(&["--help"]);
    for (code, meaning) in owl::error::EXIT_CODES {
        assert!(help.stdout.contains(&format!("{code:>3}  {meaning}")), "--help lacks {code}: {}", help.stdout);
    }
}
