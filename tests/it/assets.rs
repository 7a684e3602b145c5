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

/// Each page has the sections a reader looks for, every SEE ALSO names a
/// page that exists in man/, and groff (when installed) renders each
/// without a warning.
#[test]
fn man_pages_have_their_sections_and_see_also_only_existing_pages() {
    let man = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let mut pages: Vec<_> = std::fs::read_dir(&man).unwrap().map(|e| e.unwrap().path()).collect();
    pages.sort();
    assert!(pages.iter().any(|p| p.ends_with("owl-config.5")), "man/owl-config.5 is missing");
    let groff = std::process::Command::new("groff").arg("--version").output().is_ok_and(|o| o.status.success());
    for page in &pages {
        let name = page.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(page).unwrap();
        let headings: Vec<String> =
            text.lines().filter_map(|l| l.strip_prefix(".SH ")).map(|h| h.trim_matches('"').to_string()).collect();
        let mut wanted = vec!["NAME", "SYNOPSIS", "DESCRIPTION", "ENVIRONMENT", "FILES", "EXAMPLES", "SEE ALSO"];
        if name.ends_with(".1") {
            wanted.extend(["OPTIONS", "EXIT STATUS"]);
        }
        for section in wanted {
            assert!(headings.iter().any(|h| h == section), "{name} has no {section} section: {headings:?}");
        }
        if name.ends_with(".1") {
            for (code, _) in owl::error::EXIT_CODES {
                assert!(text.contains(&format!(".TP\n\\fB{code}\\fR\n")), "{name}: EXIT STATUS lacks {code}");
            }
        }
        let examples = text.split(".SH EXAMPLES\n").nth(1).unwrap().split("\n.SH ").next().unwrap();
        assert!(examples.contains(".nf\nowl") || name == "owl-config.5", "{name}: EXAMPLES has no owl command line");
        // SEE ALSO is one line of \fBpage\fR(N) references; SUBCOMMANDS
        // names pages as page(N). Each must exist.
        let see_also = text.split(".SH \"SEE ALSO\"\n").nth(1).unwrap().lines().next().unwrap_or("");
        let refs: Vec<&str> = see_also.split(", ").collect();
        assert!(!refs.is_empty(), "{name}: empty SEE ALSO");
        for reference in refs {
            let plain = reference.trim().replace("\\fB", "").replace("\\fR", "").replace("\\-", "-");
            let (page_name, section) = plain.trim_end_matches(')').split_once('(').expect("page(N)");
            assert!(man.join(format!("{page_name}.{section}")).exists(), "{name}: SEE ALSO {plain} does not exist");
        }
        for line in text.lines().filter(|l| l.starts_with("owl\\-") && l.ends_with("(1)")) {
            let file = line.replace("\\-", "-").replace("(1)", ".1");
            assert!(man.join(&file).exists(), "{name} refers to {line}, which does not exist");
        }
        if groff {
            let out = std::process::Command::new("groff")
                .args(["-k", "-man", "-Tutf8", "-z"])
                .arg(page)
                .output()
                .expect("groff");
            let warnings = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success() && warnings.trim().is_empty(), "groff on {name}:\n{warnings}");
        }
    }
}

/// Every TOML block in the README (the provider recipes included) is a
/// config owl accepts.
#[test]
fn the_readme_config_examples_parse() {
    let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let blocks: Vec<&str> = readme.split("```toml\n").skip(1).map(|b| b.split("```").next().unwrap()).collect();
    assert!(blocks.len() >= 5, "the quick start and the provider recipes");
    for block in blocks {
        if let Err(e) = owl::config::parse(std::path::Path::new("README.md"), block) {
            panic!("README config does not parse: {e}\n{block}");
        }
    }
}
