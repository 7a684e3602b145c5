//! Shell completions and man pages, generated from the clap definitions.
//!
//! `cargo run --example gen-assets` writes them into `completions/` and
//! `man/`; a test fails when the checked-in files differ from what this
//! module generates, so they never go stale.

use clap::CommandFactory;
use clap_complete::Shell;

use super::Cli;

/// Every generated file: its path relative to the project root, and its
/// content.
pub fn generate() -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for (shell, name) in [(Shell::Bash, "owl.bash"), (Shell::Zsh, "_owl"), (Shell::Fish, "owl.fish")] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "owl", &mut buf);
        files.push((format!("completions/{name}"), buf));
    }
    let command = Cli::command();
    files.push(("man/owl.1".to_string(), man_page(&command)));
    for sub in command.get_subcommands() {
        if sub.is_hide_set() {
            continue;
        }
        let name = format!("owl-{}", sub.get_name());
        let version = command.get_version().unwrap_or_default().to_string();
        let sub = sub.clone().name(name.clone()).version(version);
        files.push((format!("man/{name}.1"), man_page(&sub)));
    }
    files
}

fn man_page(command: &clap::Command) -> Vec<u8> {
    let mut buf = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = clap_mangen::Man::new(command.clone()).date("").render(&mut buf);
    buf
}
