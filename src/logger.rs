//! The `log` backend: everything goes to stderr, one line per record,
//! prefixed `owl:`. `-v` shows info, `-vv` the protocol trace, `-q` only
//! errors. Lower layers log; only this module decides where it goes.

use std::io::Write;

use log::{Level, LevelFilter, Log, Metadata, Record};

struct StderrLogger;

impl Log for StderrLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("owl")
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let prefix = match record.level() {
            Level::Error => "error: ",
            Level::Warn => "warning: ",
            Level::Info | Level::Debug => "",
            Level::Trace => "trace: ",
        };
        let mut stderr = std::io::stderr().lock();
        // Log lines quote servers and messages: make them harmless for a
        // terminal, and never let a secret through.
        let text = record.args().to_string();
        let text = crate::secrets::redact(&text);
        let _ = writeln!(stderr, "owl: {prefix}{}", crate::output::safe::line(&text));
    }

    fn flush(&self) {}
}

static LOGGER: StderrLogger = StderrLogger;

/// Installs the logger for the given verbosity.
pub fn init(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => LevelFilter::Error,
        (false, 0) => LevelFilter::Warn,
        (false, 1) => LevelFilter::Info,
        (false, _) => LevelFilter::Trace,
    };
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level);
    }
}
