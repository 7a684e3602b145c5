//! Where a password or token comes from, and getting it.
//!
//! Secrets are fetched only when a connection needs them, once per run, and
//! never shown: `Debug` prints the source's kind, errors name the source,
//! not the value.

use std::process::{Command, Stdio};

use super::raw::CommandLine;
use crate::error::{Error, Result};
use crate::sasl::{Credentials, Secret};

/// One of the four ways the config can give a secret.
#[derive(Clone)]
pub enum SecretSource {
    /// `password_command`: its first line of output is the password.
    PasswordCommand(CommandLine),
    /// `password_env`: the password is in this environment variable.
    PasswordEnv(String),
    /// `password`: written in the config file.
    Password(String),
    /// `oauth2_token_command`: its first line of output is an access token.
    TokenCommand(CommandLine),
}

impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SecretSource::PasswordCommand(_) => "PasswordCommand(..)",
            SecretSource::PasswordEnv(_) => "PasswordEnv(..)",
            SecretSource::Password(_) => "Password(<redacted>)",
            SecretSource::TokenCommand(_) => "TokenCommand(..)",
        })
    }
}

impl SecretSource {
    /// Gets the secret and pairs it with `user`.
    pub fn resolve(&self, user: &str) -> Result<Credentials> {
        let secret = match self {
            SecretSource::Password(p) => Secret::Password(p.clone()),
            SecretSource::PasswordEnv(var) => match std::env::var(var) {
                Ok(value) if !value.is_empty() => Secret::Password(value),
                _ => return Err(Error::config(format!("password_env: environment variable {var} is not set"))),
            },
            SecretSource::PasswordCommand(cmd) => Secret::Password(run(cmd, "password_command")?),
            SecretSource::TokenCommand(cmd) => Secret::Token(run(cmd, "oauth2_token_command")?),
        };
        match &secret {
            Secret::Password(s) | Secret::Token(s) => crate::secrets::register(user, s),
        }
        Ok(Credentials { user: user.to_string(), secret })
    }

    /// Whether this source gives an OAuth token rather than a password.
    pub fn is_token(&self) -> bool {
        matches!(self, SecretSource::TokenCommand(_))
    }
}

/// Runs `cmd` and returns the first line of its output.
fn run(cmd: &CommandLine, key: &str) -> Result<String> {
    let mut command = match cmd {
        CommandLine::Shell(line) => {
            let mut c = Command::new("sh");
            c.arg("-c").arg(line);
            c
        }
        CommandLine::Argv(argv) => {
            let Some((program, args)) = argv.split_first() else {
                return Err(Error::config(format!("{key} is an empty list")));
            };
            let mut c = Command::new(program);
            c.args(args);
            c
        }
    };
    let output = command
        .stdin(Stdio::inherit())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| Error::config(format!("{key}: cannot run it")).with_source(e))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().next().unwrap_or("").trim();
        return Err(Error::config(format!(
            "{key} failed ({}){}",
            output.status,
            if first.is_empty() { String::new() } else { format!(": {first}") }
        )));
    }
    let stdout = String::from_utf8(output.stdout).map_err(|_| Error::config(format!("{key} printed invalid UTF-8")))?;
    let first = stdout.lines().next().unwrap_or("").to_string();
    if first.is_empty() {
        return Err(Error::config(format!("{key} printed nothing")));
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_commands_run_without_a_shell() {
        let src = SecretSource::PasswordCommand(CommandLine::Argv(vec!["echo".into(), "a b; $HOME".into()]));
        assert_eq!(src.resolve("me").unwrap().password(), Some("a b; $HOME"));
    }

    #[test]
    fn shell_commands_take_the_first_line() {
        let src = SecretSource::PasswordCommand(CommandLine::Shell("printf 'pw\\nsecond\\n'".into()));
        assert_eq!(src.resolve("me").unwrap().password(), Some("pw"));
    }

    #[test]
    fn failing_commands_are_config_errors_without_the_output() {
        let src = SecretSource::PasswordCommand(CommandLine::Shell("echo leaked; echo why >&2; exit 3".into()));
        let err = src.resolve("me").unwrap_err();
        assert_eq!(err.kind(), crate::error::ErrorKind::Config);
        assert!(err.to_string().contains("why"));
        assert!(!err.to_string().contains("leaked"));
    }

    #[test]
    fn debug_hides_plain_passwords() {
        assert!(!format!("{:?}", SecretSource::Password("hunter2".into())).contains("hunter2"));
    }
}
