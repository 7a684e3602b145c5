//! `owl init` at the terminal: the questions (asked on stderr, answered
//! from the terminal itself, so stdout stays for `--json`) and the report
//! of what was written.

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};

use super::{Format, Output};
use crate::cmd::init::{Ask, InitReport, Question, detect::Found};
use crate::error::{Error, Result};
use crate::net::Verification;

/// A person at the terminal answers.
pub struct Terminal {
    tty: File,
    input: RefCell<BufReader<File>>,
}

impl Terminal {
    /// The controlling terminal, if there is one.
    pub fn open() -> Option<Terminal> {
        let tty = File::options().read(true).write(true).open("/dev/tty").ok()?;
        let input = RefCell::new(BufReader::new(tty.try_clone().ok()?));
        Some(Terminal { tty, input })
    }

    fn prompt(&self, question: &Question) {
        let default = question.default.as_deref().map(|d| format!(" [{}]", super::safe::line(d))).unwrap_or_default();
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{}{default}: ", question.prompt);
        let _ = err.flush();
    }

    fn read_line(&self, question: &Question) -> Result<String> {
        let mut line = String::new();
        let n = self.input.borrow_mut().read_line(&mut line).map_err(|e| Error::local_io("reading the terminal", e))?;
        if n == 0 {
            return Err(Error::usage(format!("no answer to \"{}\" (give {})", question.prompt, question.flag)));
        }
        Ok(line.trim_end_matches(['\n', '\r']).to_string())
    }
}

impl Ask for Terminal {
    fn is_interactive(&self) -> bool {
        true
    }

    fn text(&self, question: &Question) -> Result<String> {
        self.prompt(question);
        let line = self.read_line(question)?;
        match (&question.default, line.trim().is_empty()) {
            (Some(default), true) => Ok(default.clone()),
            _ => Ok(line),
        }
    }

    fn secret(&self, question: &Question) -> Result<String> {
        // Echo goes off before the prompt shows: someone who types (or
        // pastes) as soon as they see it must not have it echoed.
        let _echo = EchoOff::new(&self.tty);
        self.prompt(question);
        let line = self.read_line(question);
        drop(_echo);
        eprintln!();
        line
    }

    fn choose(&self, question: &Question, choices: &[&str]) -> Result<usize> {
        for (i, choice) in choices.iter().enumerate() {
            eprintln!("  {}) {choice}", i + 1);
        }
        let numbered = Question { default: Some("1".into()), ..question.clone() };
        loop {
            let answer = self.text(&numbered)?;
            match answer.trim().parse::<usize>() {
                Ok(n) if (1..=choices.len()).contains(&n) => return Ok(n - 1),
                _ => eprintln!("Answer with a number from 1 to {}.", choices.len()),
            }
        }
    }

    fn tell(&self, line: &str) {
        eprintln!("{}", super::safe::line(line));
    }
}

/// Turns the terminal's echo off while it lives (a password being typed).
struct EchoOff<'a> {
    tty: &'a File,
    saved: Option<rustix::termios::Termios>,
}

impl<'a> EchoOff<'a> {
    fn new(tty: &'a File) -> EchoOff<'a> {
        use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
        let saved = tcgetattr(tty).ok();
        if let Some(saved) = &saved {
            let mut quiet = saved.clone();
            quiet.local_modes.remove(LocalModes::ECHO);
            let _ = tcsetattr(tty, OptionalActions::Now, &quiet);
        }
        EchoOff { tty, saved }
    }
}

impl Drop for EchoOff<'_> {
    fn drop(&mut self) {
        if let Some(saved) = &self.saved {
            let _ = rustix::termios::tcsetattr(self.tty, rustix::termios::OptionalActions::Now, saved);
        }
    }
}

/// Prints what `owl init` did.
pub fn print(out: &Output, report: &InitReport) -> Result<()> {
    match out.format {
        Format::Json => out.json(report),
        Format::Table => out.text(&text(report)),
    }
}

/// The human-readable report.
pub fn text(report: &InitReport) -> String {
    let mut out = String::new();
    if !report.written {
        if let Some(check) = &report.check {
            out.push_str(&super::check::text(check));
            out.push('\n');
        }
        out.push_str(&format!("Nothing was written to {}.\n", report.path.display()));
        return out;
    }
    let verb = if report.replaced { "Replaced" } else { "Added" };
    let default = if report.default { " (the default account)" } else { "" };
    out.push_str(&format!("{verb} account {} in {}{default}\n", report.account, report.path.display()));
    server(&mut out, "imap", &report.imap);
    server(&mut out, "smtp", &report.smtp);
    let login = match &report.check {
        Some(_) => "login works on both",
        None => "login not checked (--no-check); owl check will",
    };
    out.push_str(&format!("  {login}\n"));
    if let Some(warning) = &report.warning {
        out.push_str(&format!("Note: {warning}\n"));
    }
    let account = if report.default { String::new() } else { format!(" -a {}", report.account) };
    out.push_str(&format!("Next: owl{account} list\n"));
    out
}

fn server(out: &mut String, name: &str, found: &Found) {
    let tls = if found.tls == "implicit" { "implicit TLS" } else { "STARTTLS" };
    let trust = match (found.verified_by, &found.ca_file) {
        (Verification::Pin, _) => "pinned certificate".to_string(),
        (_, Some(ca)) => format!("certificate verified by {}", ca.display()),
        _ => "certificate verified".to_string(),
    };
    out.push_str(&format!(
        "  {name}  {}:{}  {tls}, {}, {trust}\n",
        super::safe::line(&found.host),
        found.port,
        found.tls_version.as_deref().unwrap_or("TLS")
    ));
}
