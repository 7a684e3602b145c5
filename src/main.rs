//! The `owl` binary: parse arguments, run, turn the result into an exit
//! code. Everything else lives in the library.

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind as ClapErrorKind;

fn main() -> ExitCode {
    let cli = match owl::cli::Cli::try_parse() {
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
    match owl::app::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`owl list | head`) is not a failure.
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            if !err.is_quiet() {
                eprintln!("owl: {err}");
            }
            ExitCode::from(err.exit_code() as u8)
        }
    }
}
