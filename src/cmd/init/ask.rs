//! Who answers `owl init`'s questions: [`Ask`] is the seam between the
//! wizard and the terminal (the output layer implements it for a person);
//! [`Never`] answers from the flags alone.

use std::path::PathBuf;

use crate::error::{Error, ErrorKind, Result};

/// A question: what to ask, and the flag that answers it in a script.
#[derive(Debug, Clone)]
pub struct Question {
    /// The flag, e.g. `--email`.
    pub flag: &'static str,
    /// The prompt, e.g. `Email address`.
    pub prompt: String,
    /// The answer taken when the person just presses Enter.
    pub default: Option<String>,
}

impl Question {
    /// A question without a default.
    pub fn new(flag: &'static str, prompt: impl Into<String>) -> Question {
        Question { flag, prompt: prompt.into(), default: None }
    }

    /// The same question with a default answer.
    pub fn or(mut self, default: impl Into<String>) -> Question {
        self.default = Some(default.into());
        self
    }
}

/// Who answers the questions.
pub trait Ask {
    /// Whether a person answers (else every answer is a flag or default).
    fn is_interactive(&self) -> bool;
    /// A line of text; the default if the answer is empty.
    fn text(&self, question: &Question) -> Result<String>;
    /// A line of text not echoed (a password).
    fn secret(&self, question: &Question) -> Result<String>;
    /// One of `choices` by number; the first is the default.
    fn choose(&self, question: &Question, choices: &[&str]) -> Result<usize>;
    /// Says how things go (on a terminal: stderr).
    fn tell(&self, line: &str);
}

/// Answers from flags alone: defaults are taken, anything else is a usage
/// error that names the flag to give.
pub struct Never;

impl Ask for Never {
    fn is_interactive(&self) -> bool {
        false
    }
    fn text(&self, question: &Question) -> Result<String> {
        question.default.clone().ok_or_else(|| missing(question.flag))
    }
    fn secret(&self, question: &Question) -> Result<String> {
        Err(missing(question.flag))
    }
    fn choose(&self, question: &Question, _: &[&str]) -> Result<usize> {
        Err(missing(question.flag))
    }
    fn tell(&self, line: &str) {
        log::info!("{}", line.trim_start());
    }
}

pub(super) fn missing(flag: &str) -> Error {
    Error::usage(format!("owl init: {flag} is needed (there is no terminal to ask on, or --yes was given)"))
}

/// `path` made absolute against the working directory (the config may be
/// read from anywhere) and checked to exist.
pub(super) fn absolute(path: &str) -> Result<PathBuf> {
    let path = crate::config::expand_tilde(path.trim());
    let path = if path.is_relative() {
        std::env::current_dir().map_err(|e| Error::local_io("the working directory", e))?.join(path)
    } else {
        path
    };
    if !path.is_file() {
        return Err(Error::new(ErrorKind::NoInput, format!("{} is not a file", path.display())));
    }
    Ok(path)
}
