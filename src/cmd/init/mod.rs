//! `owl init`: sets an account up from an email address. Finds the IMAP
//! and SMTP servers and how they do TLS ([`detect`]), asks for the login
//! and where the password comes from, checks the result as `owl check`
//! would (login included), and only then adds it to the config file
//! ([`crate::config::edit`]), keeping what was there byte for byte.
//!
//! Every question has a flag. The questions go through [`Ask`]: the
//! output layer asks a person at the terminal; [`Never`] answers from the
//! flags alone (`--yes`, or no terminal) and makes a missing answer a
//! usage error naming its flag. This module itself prints nothing.

mod ask;
pub mod detect;

pub use ask::{Ask, Never, Question};

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::Context;
use super::check::{self, CheckReport};
use crate::config::edit::{self, NewAccount, NewSecret, NewServer};
use crate::error::{Error, ErrorKind, Result};
use crate::net::{Fingerprint, Security};
use ask::{absolute, missing};
use detect::{Found, Service, Target, Trust};

/// What `owl init` was told by its flags; `None` is a question to ask.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The config file to add to (made if missing).
    pub path: PathBuf,
    /// `--email`
    pub email: Option<String>,
    /// `--name`
    pub name: Option<String>,
    /// `--user`
    pub user: Option<String>,
    /// `--imap-host`
    pub imap_host: Option<String>,
    /// `--imap-port`
    pub imap_port: Option<u16>,
    /// `--smtp-host`
    pub smtp_host: Option<String>,
    /// `--smtp-port`
    pub smtp_port: Option<u16>,
    /// `--tls`
    pub tls: Option<Security>,
    /// `--password-command` or `--password-env`
    pub secret: Option<NewSecret>,
    /// `--ca-file`
    pub ca_file: Option<PathBuf>,
    /// `--fingerprint`
    pub fingerprint: Option<String>,
    /// Not `--no-check`.
    pub check: bool,
    /// `--force`
    pub force: bool,
}

/// What `owl init` did (its `--json` schema).
#[derive(Debug, Clone, Serialize)]
pub struct InitReport {
    /// The config file.
    pub path: PathBuf,
    /// Whether it was written (false: the check failed).
    pub written: bool,
    /// The account's name.
    pub account: String,
    /// Whether it is the default account.
    pub default: bool,
    /// The email address.
    pub email: String,
    /// The login name.
    pub user: String,
    /// `password_command`, `password_env` or `password`.
    pub password_from: &'static str,
    /// Whether an account of that name was replaced (--force).
    pub replaced: bool,
    /// The IMAP server found.
    pub imap: Found,
    /// The SMTP server found.
    pub smtp: Found,
    /// What the check found, unless --no-check.
    pub check: Option<CheckReport>,
    /// Something to do by hand, e.g. choose a default account.
    pub warning: Option<String>,
}

impl InitReport {
    /// Why nothing was written, when the check failed.
    pub fn failure(&self) -> Option<(ErrorKind, String)> {
        self.check.as_ref().and_then(CheckReport::failure)
    }
}

/// Runs `owl init`.
pub fn run(request: &Request, ask: &dyn Ask) -> Result<InitReport> {
    let path = &request.path;
    let existing = match crate::config::read_bounded(path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::local_io(format!("cannot read {}", path.display()), e)),
    };
    let names = match &existing {
        Some(text) => edit::account_names(path, text)?,
        None => Vec::new(),
    };

    let email = answer(ask, request.email.clone(), &Question::new("--email", "Email address"), email_error)?;
    let domain = email.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()).unwrap_or_default();
    let name_question = Question::new("--name", "Account name").or(default_name(&domain));
    let mut name = answer(ask, request.name.clone(), &name_question, name_error)?;
    // Before any connection: nothing could come of it.
    while names.contains(&name) && !request.force {
        if !ask.is_interactive() || request.name.is_some() {
            return Err(edit::exists(path, &name));
        }
        ask.tell(&format!("Account \"{name}\" exists already in {} (--force replaces it).", path.display()));
        name = answer(ask, None, &Question::new("--name", "Another account name"), name_error)?;
    }

    let mut trust = Trust {
        ca_file: request.ca_file.as_deref().map(|p| absolute(&p.to_string_lossy())).transpose()?,
        fingerprint: request
            .fingerprint
            .as_deref()
            .map(|f| Fingerprint::parse(f).map_err(|e| Error::usage(format!("--fingerprint: {e}"))))
            .transpose()?,
    };
    let imap = server(ask, Service::Imap, &domain, request.imap_host.clone(), request.imap_port, request, &mut trust)?;
    let smtp = server(ask, Service::Smtp, &domain, request.smtp_host.clone(), request.smtp_port, request, &mut trust)?;

    let user = answer(ask, request.user.clone(), &Question::new("--user", "Login name").or(email.clone()), |u| {
        u.trim().is_empty().then(|| "the login name is empty".to_string())
    })?;
    let secret = match &request.secret {
        Some(secret) => secret.clone(),
        None => ask_secret(ask, &user, &email, path)?,
    };

    let account = NewAccount {
        name: name.clone(),
        email: email.clone(),
        user: user.clone(),
        secret: secret.clone(),
        imap: Some(new_server(&imap)),
        smtp: Some(new_server(&smtp)),
        default: names.iter().all(|n| *n == name),
    };
    let text = edit::with_account(path, existing.as_deref(), &account, request.force)?;
    let config = crate::config::parse(path, &text)?;
    let built = config
        .accounts
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(|| Error::internal("the account written is not in the config read back"))?;
    let mut report = InitReport {
        path: path.clone(),
        written: false,
        account: name,
        default: account.default,
        email,
        user,
        password_from: match secret {
            NewSecret::Command(_) => "password_command",
            NewSecret::Env(_) => "password_env",
            NewSecret::Password(_) => "password",
        },
        replaced: names.contains(&account.name),
        imap,
        smtp,
        check: None,
        warning: config.account(None).is_err().then(|| {
            format!("{} now has several accounts and none has default = true: add it to one, or use -a", path.display())
        }),
    };
    if request.check {
        ask.tell("Checking login...");
        let checked = check::run(&Context::new(built.clone()))?;
        let failed = checked.failure().is_some();
        report.check = Some(checked);
        if failed {
            return Ok(report);
        }
    }
    report.path = edit::write(path, &text)?;
    report.written = true;
    Ok(report)
}

/// Finds one server: from its flags, else by trying the domain's usual
/// names; a person who sees none found may name it.
fn server(
    ask: &dyn Ask,
    service: Service,
    domain: &str,
    host: Option<String>,
    port: Option<u16>,
    request: &Request,
    trust: &mut Trust,
) -> Result<Found> {
    let hosts = match &host {
        Some(h) => vec![h.clone()],
        None => service.candidates(domain),
    };
    let label = service.as_str().to_ascii_uppercase();
    ask.tell(&format!("Looking for the {label} server ({})...", hosts.join(", ")));
    let target = Target { service, hosts, port, tls: request.tls };
    match detect::find(&target, trust, ask) {
        Ok(found) => Ok(found),
        Err(e) if ask.is_interactive() && e.kind() != ErrorKind::Tls => {
            ask.tell(&format!("No {label} server found there."));
            let flag = if service == Service::Imap { "--imap-host" } else { "--smtp-host" };
            loop {
                let answer = ask.text(&Question::new(flag, format!("{label} server (host or host:port)")))?;
                let (host, port) = split_host_port(&answer);
                let target = Target { service, hosts: vec![host], port: port.or(target.port), tls: request.tls };
                match detect::find(&target, trust, ask) {
                    Ok(found) => return Ok(found),
                    Err(e) if e.kind() == ErrorKind::Tls => return Err(e),
                    Err(_) => ask.tell("That did not work either."),
                }
            }
        }
        // With --yes the host is a required answer unless the domain's
        // usual names found it.
        Err(e) if host.is_none() && e.kind() != ErrorKind::Tls => {
            let flag = if service == Service::Imap { "--imap-host" } else { "--smtp-host" };
            Err(Error::usage(format!("{}; give {flag}", e.message())))
        }
        Err(e) => Err(e),
    }
}

fn split_host_port(text: &str) -> (String, Option<u16>) {
    let text = text.trim();
    match text.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => match port.parse() {
            Ok(port) => (host.to_string(), Some(port)),
            Err(_) => (text.to_string(), None),
        },
        _ => (text.to_string(), None),
    }
}

fn new_server(found: &Found) -> NewServer {
    NewServer {
        host: found.host.clone(),
        port: found.port,
        security: found.security,
        ca_file: found.trust.ca_file.clone(),
        fingerprint: found.trust.fingerprint,
    }
}

/// Where the password comes from, asked with examples.
fn ask_secret(ask: &dyn Ask, user: &str, email: &str, path: &Path) -> Result<NewSecret> {
    let flag = "--password-command or --password-env";
    if !ask.is_interactive() {
        return Err(missing(flag));
    }
    let choice = ask.choose(
        &Question::new("--password-command", "Where does the password come from?"),
        &["a command that prints it (a password manager)", "an environment variable", "written in the config file"],
    )?;
    match choice {
        0 => {
            ask.tell("For example:");
            ask.tell(&format!("  pass show mail/{email}"));
            ask.tell(&format!("  secret-tool lookup service owl user {user}"));
            ask.tell(&format!("  security find-generic-password -s owl -a {user} -w   (macOS)"));
            let command = answer(ask, None, &Question::new("--password-command", "Command"), |c| {
                c.trim().is_empty().then(|| "the command is empty".to_string())
            })?;
            Ok(NewSecret::Command(command))
        }
        1 => {
            let var = answer(ask, None, &Question::new("--password-env", "Variable name"), |v| {
                (v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                    .then(|| "a variable name is letters, digits and _".to_string())
            })?;
            Ok(NewSecret::Env(var))
        }
        _ => {
            ask.tell(&format!(
                "Warning: the password will be stored in clear in {} (mode 0600): anyone who can read \
                 that file or its backups can read it. A password manager is safer.",
                path.display()
            ));
            let password = ask.secret(&Question::new("--password-command", "Password"))?;
            if password.is_empty() {
                return Err(Error::usage("the password is empty"));
            }
            Ok(NewSecret::Password(password))
        }
    }
}

/// The flag's value if given, else the person's answer, checked by
/// `invalid` (which says what is wrong). A person is asked again; a flag
/// that is wrong is a usage error.
fn answer(
    ask: &dyn Ask,
    given: Option<String>,
    question: &Question,
    invalid: impl Fn(&str) -> Option<String>,
) -> Result<String> {
    if let Some(value) = given {
        return match invalid(&value) {
            Some(why) => Err(Error::usage(format!("{} {value}: {why}", question.flag))),
            None => Ok(value),
        };
    }
    loop {
        let value = ask.text(question)?.trim().to_string();
        match invalid(&value) {
            None => return Ok(value),
            Some(why) if ask.is_interactive() => ask.tell(&why),
            Some(why) => return Err(Error::usage(format!("{}: {why}", question.flag))),
        }
    }
}

fn email_error(email: &str) -> Option<String> {
    match email.rsplit_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() && !email.contains(char::is_whitespace) => {
            None
        }
        _ => Some(format!("\"{email}\" is not an email address like me@example.org")),
    }
}

fn name_error(name: &str) -> Option<String> {
    (name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .then(|| format!("\"{name}\": an account name is letters, digits, - and _"))
}

/// `example` for `example.org`: short, and what people call the account.
fn default_name(domain: &str) -> String {
    let first = domain.split('.').next().unwrap_or("");
    let name: String = first.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
    if name.is_empty() { "mail".into() } else { name }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_addresses() {
        assert_eq!(default_name("example.org"), "example");
        assert_eq!(default_name(""), "mail");
        assert!(email_error("me@example.org").is_none());
        assert!(email_error("me@localhost").is_none());
        assert!(email_error("me").is_some());
        assert!(email_error("@example.org").is_some());
        assert!(name_error("work-2").is_none());
        assert!(name_error("my work").is_some());
        assert_eq!(split_host_port("h:10993"), ("h".into(), Some(10993)));
        assert_eq!(split_host_port("h"), ("h".into(), None));
    }

    #[test]
    fn without_a_terminal_a_missing_answer_names_its_flag() {
        let err = Never.text(&Question::new("--email", "Email address")).unwrap_err();
        assert_eq!(err.exit_code(), 64);
        assert!(err.to_string().contains("--email"), "{err}");
        assert_eq!(Never.text(&Question::new("--user", "Login").or("me")).unwrap(), "me");
    }

    #[test]
    fn candidates_are_the_usual_names() {
        assert_eq!(Service::Imap.candidates("x.org"), ["imap.x.org", "mail.x.org", "x.org"]);
        assert_eq!(Service::Smtp.candidates("x.org"), ["smtp.x.org", "mail.x.org", "x.org"]);
    }
}
