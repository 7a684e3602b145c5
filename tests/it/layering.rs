//! Lower layers never import higher ones (see the layer diagram in
//! src/lib.rs): a cheap check that stops the design from drifting.

use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn lower_layers_do_not_reach_up() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rules: &[(&str, &[&str])] = &[
        ("net", &["imap", "pop3", "smtp", "model", "store", "cmd", "output", "cli", "config", "app"]),
        ("imap", &["model", "store", "cmd", "output", "cli", "config", "app", "pop3", "smtp"]),
        ("pop3", &["model", "store", "cmd", "output", "cli", "config", "app", "imap", "smtp"]),
        ("smtp", &["store", "cmd", "output", "cli", "config", "app", "imap", "pop3"]),
        ("model", &["net", "imap", "pop3", "smtp", "cmd", "output", "cli", "config", "app"]),
        ("store", &["net", "imap", "pop3", "smtp", "cmd", "output", "cli", "config", "app"]),
        ("cmd", &["output", "cli", "app"]),
    ];
    let mut violations = Vec::new();
    for (layer, forbidden) in rules {
        let dir = src.join(layer);
        if !dir.exists() {
            continue;
        }
        let mut files = Vec::new();
        sources(&dir, &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let line = line.trim_start();
                if !line.starts_with("use ") && !line.contains("crate::") {
                    continue;
                }
                for up in *forbidden {
                    if line.contains(&format!("crate::{up}::")) || line.contains(&format!("crate::{up};")) {
                        violations.push(format!("{}:{}: {layer} uses {up}", file.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(violations.is_empty(), "layering violations:\n{}", violations.join("\n"));
}
