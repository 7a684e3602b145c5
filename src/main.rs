//! The `owl` binary: parse arguments, run, turn the result into an exit
//! code. Everything else lives in the library.

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind as ClapErrorKind;

/// Invoked through a link named `sendmail`, owl behaves as
/// `owl send --raw`, so cron and other tools can use it as their mailer.
fn args() -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let called =
        args.first().and_then(|a| std::path::Path::new(a).file_name()).map(|n| n.to_string_lossy().into_owned());
    if called.is_some_and(|name| name == "sendmail") {
        args.splice(1..1, ["send".into(), "--raw".into()]);
    }
    args
}

fn main() -> ExitCode {
    // A Tab in a shell whose completion script is owl's (completions/).
    if let Some(code) = owl::app::complete::from_env() {
        return code;
    }
    let cli = match owl::cli::Cli::try_parse_from(args()) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return match err.kind() {
                ClapErrorKind::DisplayHelp | ClapErrorKind::DisplayVersion => ExitCode::SUCCESS,
                _ => ExitCode::from(64),
            };
        }
    };
    owl::logger::init(cli.verbose, cli.quiet);
    let json = cli.json;
    match owl::app::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`owl list | head`) is not a failure.
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            owl::output::print_error(&err, json);
            ExitCode::from(err.exit_code() as u8)
        }
    }
}
