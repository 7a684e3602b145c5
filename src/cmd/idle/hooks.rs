//! `--exec` hooks: a program run for each event, given the event as JSON
//! on stdin and as OWL_* environment variables. Each mailbox has its own
//! queue and thread, so its hooks run in order while a slow hook never
//! holds up another mailbox (or IDLE itself).

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::mpsc::{Sender, channel};
use std::thread::JoinHandle;

use super::event::Event;
use crate::error::{Error, Result};

/// The program to run.
#[derive(Debug, Clone)]
pub enum Hook {
    /// Run directly (no shell): program and arguments.
    Argv(Vec<String>),
    /// Run with `sh -c`.
    Shell(String),
}

/// Splits a command line into words as a POSIX shell would (single and
/// double quotes, backslashes, `#` comments), without running one and
/// without expanding anything.
pub fn split_words(line: &str) -> Result<Vec<String>> {
    let words =
        shlex::split(line).ok_or_else(|| Error::usage(format!("--exec: unclosed quote or trailing \\ in {line:?}")))?;
    if words.is_empty() {
        return Err(Error::usage("--exec needs a command"));
    }
    Ok(words)
}

/// Per-mailbox queues of hook runs.
pub struct Hooks {
    hook: Hook,
    queues: HashMap<String, Sender<Event>>,
    threads: Vec<JoinHandle<()>>,
}

impl Hooks {
    /// Hooks running `hook`.
    pub fn new(hook: Hook) -> Hooks {
        Hooks { hook, queues: HashMap::new(), threads: Vec::new() }
    }

    /// Queues `event` behind the earlier ones of its mailbox.
    pub fn dispatch(&mut self, event: &Event) {
        let hook = &self.hook;
        let threads = &mut self.threads;
        let queue = self.queues.entry(event.mailbox.clone()).or_insert_with(|| {
            let (tx, rx) = channel::<Event>();
            let hook = hook.clone();
            threads.push(std::thread::spawn(move || {
                for event in rx {
                    if let Err(err) = run(&hook, &event) {
                        log::warn!("hook for {} {} in {}: {err}", event.event, event.uid, event.mailbox);
                    }
                }
            }));
            tx
        });
        let _ = queue.send(event.clone());
    }

    /// Lets every queued hook finish.
    pub fn finish(self) {
        drop(self.queues);
        for thread in self.threads {
            let _ = thread.join();
        }
    }
}

fn run(hook: &Hook, event: &Event) -> Result<()> {
    let mut command = match hook {
        Hook::Argv(argv) => {
            let mut c = Command::new(&argv[0]);
            c.args(&argv[1..]);
            c
        }
        Hook::Shell(line) => {
            let mut c = Command::new("sh");
            c.arg("-c").arg(line);
            c
        }
    };
    command
        .env("OWL_EVENT", event.event)
        .env("OWL_ACCOUNT", &event.account)
        .env("OWL_MAILBOX", &event.mailbox)
        .env("OWL_UID", event.uid.to_string())
        .env("OWL_FROM", event.from.as_deref().unwrap_or(""))
        .env("OWL_SUBJECT", event.subject.as_deref().unwrap_or(""))
        .stdin(Stdio::piped());
    let mut child = command.spawn().map_err(|e| Error::usage("cannot run the --exec command").with_source(e))?;
    if let Some(mut stdin) = child.stdin.take() {
        let json = serde_json::to_string(event).map_err(|e| Error::internal(e.to_string()))?;
        // A hook that does not read its stdin is fine.
        let _ = writeln!(stdin, "{json}");
    }
    let status = child.wait().map_err(|e| Error::internal(format!("hook: {e}")))?;
    if !status.success() {
        return Err(Error::rejected(format!("the hook exited with {status}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_like_a_shell() {
        assert_eq!(
            split_words("notify-send 'New mail' \"from \\\"me\\\"\" a\\ b").unwrap(),
            ["notify-send", "New mail", "from \"me\"", "a b"]
        );
        assert_eq!(split_words(r#"'a b' "c d" e\ f"#).unwrap(), ["a b", "c d", "e f"]);
        // As in sh: nothing is special inside single quotes, and inside
        // double quotes a backslash escapes only $ ` " \ and newline.
        assert_eq!(split_words(r#"'it\s' "a\b" "\$x" """#).unwrap(), [r"it\s", r"a\b", "$x", ""]);
        assert_eq!(split_words("run # a comment").unwrap(), ["run"]);
        assert!(split_words("  ").is_err());
    }

    #[test]
    fn unbalanced_quotes_are_usage_errors_naming_the_input() {
        for line in ["echo 'open", "echo \"open", "echo trailing\\"] {
            let err = split_words(line).unwrap_err();
            assert_eq!(err.kind(), crate::error::ErrorKind::Usage, "{line}");
            assert!(err.to_string().contains(&format!("{line:?}")), "{err}");
        }
    }
}
