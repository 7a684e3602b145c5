//! `OWL_COMPLETE=SHELL owl -- WORDS...`: the answer to one Tab of the
//! scripts in `completions/` (see `cli::complete`). clap_complete's engine
//! works out what the word under the cursor is (a subcommand, a flag, an
//! option's value, which positional) from the clap definitions, which
//! are given completers for the values only this machine knows: account
//! names (`-a`, `owl check`), mailbox names (`cmd::complete`) and schema
//! names. Flags are offered only for a word that starts with `-`, as git
//! does, so `owl list <Tab>` lists mailboxes, not forty flags.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::engine::{ArgValueCandidates, ArgValueCompleter, CompletionCandidate, PathCompleter};

use crate::cli::Cli;
use crate::cli::complete::{ENV, INDEX_ENV, Shell};
use crate::cmd::complete::{self as values, Scope};
use crate::error::Error;
use crate::output::{self, ColorChoice, Format, Output};

/// Where a mailbox name goes: (subcommand path, argument ids).
const MAILBOX_ARGS: &[(&[&str], &[&str])] = &[
    (&["list"], &["mailbox"]),
    (&["fetch"], &["targets"]),
    (&["read"], &["target"]),
    (&["search"], &["mailbox"]),
    (&["idle"], &["mailboxes"]),
    (&["flag"], &["mailbox"]),
    (&["move"], &["mailbox", "destination"]),
    (&["copy"], &["mailbox", "destination"]),
    (&["delete"], &["mailbox"]),
    (&["mailbox", "rename"], &["name"]),
    (&["mailbox", "delete"], &["name"]),
];

/// When `OWL_COMPLETE` is set (not empty, not `0`), prints what the
/// command line in the arguments completes to and gives the exit code;
/// `None` otherwise, and owl runs as usual.
pub fn from_env() -> Option<ExitCode> {
    let shell = std::env::var(ENV).ok().filter(|s| !s.is_empty() && s != "0")?;
    let Some(shell) = Shell::from_name(&shell) else {
        let err = Error::usage(format!("{ENV}={shell}: owl completes for bash, zsh and fish"));
        output::print_error(&err, false);
        return Some(ExitCode::from(err.exit_code() as u8));
    };
    let out = Output::for_stdout(Format::Table, ColorChoice::Never);
    let args: Vec<OsString> = std::env::args_os().collect();
    let text = match args.iter().position(|a| a == "--") {
        // `OWL_COMPLETE=bash owl`, as clap's own convention has it.
        None => shell.script().to_string(),
        Some(at) => {
            let index = std::env::var(INDEX_ENV).ok().and_then(|i| i.parse().ok());
            let current_dir = std::env::current_dir().ok();
            render(shell, &complete(args[at + 1..].to_vec(), index, current_dir))
        }
    };
    // A closed pipe or a full disk: the shell just gets no candidates.
    let _ = out.text(&text);
    Some(ExitCode::SUCCESS)
}

/// The candidates for `words[index]` (default: the last word), `words[0]`
/// being the program.
pub fn complete(
    mut words: Vec<OsString>,
    index: Option<usize>,
    current_dir: Option<PathBuf>,
) -> Vec<CompletionCandidate> {
    let index = index.unwrap_or(words.len().saturating_sub(1)).max(1);
    // zsh leaves out an empty word under the cursor; bash may too.
    while words.len() <= index {
        words.push(OsString::new());
    }
    let scope = scope_of(&words[..index]);
    let current = words[index].to_string_lossy().into_owned();
    let mut command = command(&scope);
    let Ok(mut found) = clap_complete::engine::complete(&mut command, words, index, current_dir.as_deref()) else {
        return Vec::new();
    };
    if !current.starts_with('-') {
        found.retain(|c| !c.get_value().to_string_lossy().starts_with('-'));
    }
    found
}

/// What `-a NAME`, `-c PATH` and `--local`/`--into STORE` typed before
/// the cursor say (the last one wins, as when parsing).
fn scope_of(words: &[OsString]) -> Scope {
    let mut scope = Scope::default();
    let mut words = words.iter().skip(1).map(|w| w.to_string_lossy());
    while let Some(word) = words.next() {
        if word == "--" {
            break;
        }
        let (flag, inline) = match word.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_string(), Some(value.to_string())),
            _ if word.len() > 2 && (word.starts_with("-a") || word.starts_with("-c")) => {
                (word[..2].to_string(), Some(word[2..].to_string()))
            }
            _ => (word.to_string(), None),
        };
        let mut value = || inline.clone().or_else(|| words.next().map(|w| w.into_owned()));
        match flag.as_str() {
            "-a" | "--account" => scope.account = value(),
            "-c" | "--config" => scope.config = value().map(PathBuf::from),
            "--local" | "--into" => scope.store = value(),
            _ => {}
        }
    }
    scope
}

/// owl's command line with the completers attached.
fn command(scope: &Scope) -> clap::Command {
    let from = |find: fn(&Scope) -> Vec<String>| {
        let scope = scope.clone();
        ArgValueCandidates::new(move || find(&scope).into_iter().map(CompletionCandidate::new).collect())
    };
    let accounts = from(values::accounts);
    let mailboxes = from(values::mailboxes);
    let schemas = ArgValueCandidates::new(|| {
        output::schema::SCHEMAS.iter().map(|(name, _)| CompletionCandidate::new(*name)).collect()
    });
    let mut command = Cli::command();
    // Global: clap copies it, completer and all, into every subcommand.
    command = within(command, &[], &|c| attach(c, &["account"], &accounts));
    command = within(command, &["check"], &|c| attach(c, &["account"], &accounts));
    command = within(command, &["schema"], &|c| attach(c, &["command"], &schemas));
    for (path, ids) in MAILBOX_ARGS {
        command = within(command, path, &|c| attach(c, ids, &mailboxes));
    }
    // A store is maildir:PATH, mbox:PATH or a path: a path is offered.
    let paths = ArgValueCompleter::new(PathCompleter::any());
    for (path, id) in [("list", "local"), ("search", "local"), ("read", "local"), ("fetch", "into")] {
        command = command
            .mut_subcommand(path, |c| c.mut_args(|arg| if arg.get_id() == id { arg.add(paths.clone()) } else { arg }));
    }
    command
}

/// `command` with `change` made to the subcommand at `path`.
fn within(command: clap::Command, path: &[&str], change: &dyn Fn(clap::Command) -> clap::Command) -> clap::Command {
    match path.split_first() {
        None => change(command),
        Some((first, rest)) => command.mut_subcommand(*first, |sub| within(sub, rest, change)),
    }
}

/// `command` with `completer` on its arguments `ids`. In place: `mut_arg`
/// would move a positional behind the others, and so change its index.
fn attach(command: clap::Command, ids: &[&str], completer: &ArgValueCandidates) -> clap::Command {
    command.mut_args(|arg| match ids.contains(&arg.get_id().as_str()) {
        true => arg.add(completer.clone()),
        false => arg,
    })
}

/// The candidates as `shell`'s script reads them: one a line.
fn render(shell: Shell, candidates: &[CompletionCandidate]) -> String {
    let mut text = String::new();
    for candidate in candidates {
        let value = candidate.get_value().to_string_lossy();
        if value.contains('\n') {
            continue; // a line protocol cannot carry it
        }
        let help = candidate.get_help().map(|h| h.to_string()).unwrap_or_default();
        let help = help.lines().next().unwrap_or_default();
        let line = match shell {
            Shell::Bash => value.into_owned(),
            Shell::Zsh if help.is_empty() => zsh_escape(&value),
            Shell::Zsh => format!("{}:{help}", zsh_escape(&value)),
            Shell::Fish if help.is_empty() => value.into_owned(),
            Shell::Fish => format!("{value}\t{help}"),
        };
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// `_describe` splits value from help at the first unescaped `:`.
fn zsh_escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace(':', "\\:")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<OsString> {
        let mut words: Vec<OsString> = line.split(' ').map(OsString::from).collect();
        if line.ends_with(' ') {
            words.pop();
            words.push(OsString::new());
        }
        words
    }

    fn values(line: &str) -> Vec<String> {
        complete(words(line), None, None).iter().map(|c| c.get_value().to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn every_completer_lands_on_an_argument_that_exists() {
        let mut command = command(&Scope::default());
        command.build();
        let mut places: Vec<(&[&str], &[&str])> = MAILBOX_ARGS.to_vec();
        places.extend([(&[][..], &["account"][..]), (&["check"], &["account"]), (&["schema"], &["command"])]);
        for (path, ids) in places {
            let sub = path.iter().fold(&command, |c, name| c.find_subcommand(name).expect("a subcommand"));
            for id in ids {
                let arg = sub.get_arguments().find(|a| a.get_id() == id);
                assert!(arg.and_then(|a| a.get::<ArgValueCandidates>()).is_some(), "{path:?} {id}");
            }
        }
    }

    #[test]
    fn the_scope_is_what_was_typed_before_the_cursor() {
        let scope = |line: &str| scope_of(&words(line));
        let want = |account: &str, config: Option<&str>| Scope {
            account: Some(account.to_string()),
            config: config.map(PathBuf::from),
            store: None,
        };
        assert_eq!(scope("owl -a work list"), want("work", None));
        assert_eq!(scope("owl list --account=home -c /x.toml"), want("home", Some("/x.toml")));
        assert_eq!(scope("owl -awork --config /y list -a home"), want("home", Some("/y")));
        assert_eq!(scope("owl list -- -a work"), Scope::default(), "after -- it is a mailbox");
        assert_eq!(scope("owl list -a"), Scope::default());
        let local = scope("owl read --local maildir:~/Mail");
        assert_eq!(local.store.as_deref(), Some("maildir:~/Mail"));
    }

    #[test]
    fn flags_only_for_a_word_that_starts_with_a_dash() {
        let subcommands = values("owl ");
        assert!(subcommands.contains(&"list".to_string()) && subcommands.contains(&"schema".to_string()));
        assert!(subcommands.iter().all(|v| !v.starts_with('-')), "{subcommands:?}");
        assert!(values("owl list --l").contains(&"--limit".to_string()));
        assert_eq!(values("owl list --acc"), ["--account"], "globals too");
        assert_eq!(values("owl --color "), ["auto", "always", "never"]);
    }

    #[test]
    fn schema_names_complete() {
        assert_eq!(values("owl schema li"), ["list"]);
    }

    #[test]
    fn each_shell_gets_its_line_format() {
        let candidates = [
            CompletionCandidate::new("Work:2026").help(Some("a mailbox\nmore".into())),
            CompletionCandidate::new("INBOX"),
            CompletionCandidate::new("bad\nname"),
        ];
        assert_eq!(render(Shell::Bash, &candidates), "Work:2026\nINBOX\n");
        assert_eq!(render(Shell::Zsh, &candidates), "Work\\:2026:a mailbox\nINBOX\n");
        assert_eq!(render(Shell::Fish, &candidates), "Work:2026\ta mailbox\nINBOX\n");
    }
}
