//! Shell completions (the scripts of [`super::complete`]) and man pages,
//! generated from the clap definitions and [`super::man`] (EXIT STATUS,
//! ENVIRONMENT, FILES, EXAMPLES, SEE ALSO, and `owl-config(5)`).
//!
//! `cargo run --example gen-assets` writes them into `completions/` and
//! `man/`; a test fails when the checked-in files differ from what this
//! module generates, so they never go stale.

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Cli, complete, man, man_config};

/// Every generated file: its path relative to the project root, and its
/// content.
pub fn generate() -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for shell in [complete::Shell::Bash, complete::Shell::Zsh, complete::Shell::Fish] {
        files.push((format!("completions/{}", shell.file_name()), shell.script().as_bytes().to_vec()));
    }
    // `owl help` has no page of its own: leave it out of SUBCOMMANDS.
    let command = Cli::command().disable_help_subcommand(true);
    let version = command.get_version().unwrap_or_default().to_string();
    files.push(("man/owl.1".to_string(), man_page(&command, "")));
    for sub in command.get_subcommands() {
        if sub.is_hide_set() {
            continue;
        }
        let name = format!("owl-{}", sub.get_name());
        let page = sub.clone().name(name.clone()).version(version.clone());
        files.push((format!("man/{name}.1"), man_page(&page, sub.get_name())));
    }
    files.push(("man/owl-config.5".to_string(), man_config::config_page(&version)));
    files
}

/// The completion script for `shell`: for bash, zsh and fish the one that
/// asks owl on each Tab (account and mailbox names too, see
/// [`complete`]); for the others what clap_complete generates from the
/// definitions alone.
pub fn completion(shell: Shell) -> Vec<u8> {
    let dynamic = match shell {
        Shell::Bash => Some(complete::Shell::Bash),
        Shell::Zsh => Some(complete::Shell::Zsh),
        Shell::Fish => Some(complete::Shell::Fish),
        _ => None,
    };
    if let Some(dynamic) = dynamic {
        return dynamic.script().as_bytes().to_vec();
    }
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "owl", &mut buf);
    buf
}

/// What clap_mangen renders (without its VERSION), then owl's own
/// sections, then VERSION. Writing to a Vec cannot fail.
fn man_page(command: &clap::Command, sub: &str) -> Vec<u8> {
    let page = clap_mangen::Man::new(command.clone()).date("");
    let mut buf = Vec::new();
    let _ = page.render_title(&mut buf);
    let _ = page.render_name_section(&mut buf);
    let _ = page.render_synopsis_section(&mut buf);
    let _ = page.render_description_section(&mut buf);
    let _ = page.render_options_section(&mut buf);
    if command.has_subcommands() && sub.is_empty() {
        let _ = page.render_subcommands_section(&mut buf);
    } else if command.has_subcommands() {
        // clap_mangen would name a page per action (owl-mailbox-create(1)),
        // which owl does not ship: the actions are described here instead.
        buf.extend(actions_section(command).into_bytes());
    }
    // owl's own after-help is the exit codes, which EXIT STATUS has.
    if !sub.is_empty() && (command.get_after_long_help().is_some() || command.get_after_help().is_some()) {
        let mut extra = Vec::new();
        let _ = page.render_extra_section(&mut extra);
        let heading = match sub {
            "search" => "QUERY LANGUAGE",
            "send" => "SENDMAIL MODE",
            _ => "NOTES",
        };
        // Laid out for --help already: keep its lines (no filling), less
        // a first line that only repeats the heading.
        let text = String::from_utf8_lossy(&extra).into_owned();
        let body = text.split_once(".SH EXTRA\n").map_or(text.as_str(), |(_, body)| body);
        let body = body.strip_prefix(&format!("{heading}\n")).unwrap_or(body);
        let text = format!(".SH \"{heading}\"\n.nf\n{body}");
        buf.extend(format!("{}\n.fi\n", text.trim_end()).into_bytes());
    }
    buf.extend(man::sections(sub).into_bytes());
    let _ = page.render_version_section(&mut buf);
    buf
}

/// SUBCOMMANDS of a page whose command has actions (`owl mailbox create`,
/// ...): each action's synopsis, what it does and its arguments.
fn actions_section(command: &clap::Command) -> String {
    let mut out = String::from(".SH SUBCOMMANDS\n");
    for action in command.get_subcommands().filter(|a| a.get_name() != "help" && !a.is_hide_set()) {
        let args: Vec<&clap::Arg> =
            action.get_arguments().filter(|a| !["help", "version"].contains(&a.get_id().as_str())).collect();
        let name = |arg: &clap::Arg| -> String {
            match (arg.is_positional(), arg.get_long()) {
                (false, Some(long)) => format!("\\fB\\-\\-{}\\fR", man::escape(long)),
                _ => {
                    let value = arg.get_value_names().and_then(|v| v.first()).map(ToString::to_string);
                    let value = value.unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
                    format!("\\fI{}\\fR", man::escape(&value))
                }
            }
        };
        let synopsis: Vec<String> = args
            .iter()
            .map(
                |arg| if arg.is_positional() && arg.is_required_set() { name(arg) } else { format!("[{}]", name(arg)) },
            )
            .collect();
        out.push_str(&format!(".TP\n\\fB{}\\fR {}\n", man::escape(action.get_name()), synopsis.join(" ")));
        if let Some(about) = action.get_about() {
            out.push_str(&format!("{}\n", man::escape(&about.to_string())));
        }
        let described: Vec<&&clap::Arg> = args.iter().filter(|a| a.get_help().is_some()).collect();
        if !described.is_empty() {
            out.push_str(".RS\n");
            for arg in described {
                let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
                out.push_str(&format!(".TP\n{}\n{}\n", name(arg), man::escape(&help)));
            }
            out.push_str(".RE\n");
        }
    }
    out
}
