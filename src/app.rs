//! From parsed arguments to a finished run: load the config, pick the
//! account, run the command, render its result. The binary is a thin shell
//! around [`run`].

use std::path::PathBuf;

use crate::cli::{Cli, Color, Command};
use crate::cmd::{self, Context};
use crate::config::{self, Config};
use crate::error::{Error, Result};
use crate::output::{self, ColorChoice, Format, Output};

/// Runs the command `cli` describes.
pub fn run(cli: Cli) -> Result<()> {
    let format = if cli.json { Format::Json } else { Format::Table };
    let color = match cli.color {
        Color::Auto => ColorChoice::Auto,
        Color::Always => ColorChoice::Always,
        Color::Never => ColorChoice::Never,
    };
    let out = Output::for_stdout(format, color);
    match &cli.command {
        Command::Completions(args) => {
            let mut buf = Vec::new();
            clap_complete::generate(args.shell, &mut <Cli as clap::CommandFactory>::command(), "owl", &mut buf);
            out.text(&String::from_utf8_lossy(&buf))
        }
        Command::List(args) => {
            let ctx = context(&cli, None)?;
            let list_args = cmd::list::ListArgs {
                mailbox: args.mailbox.clone(),
                limit: args.limit,
                page: args.page,
                unseen: args.unseen,
            };
            let result = cmd::list::run(&ctx, &list_args);
            ctx.finish();
            output::list::print(&out, &result.map_err(|e| e.context(ctx.label()))?)
        }
        Command::Check(args) => {
            let ctx = context(&cli, args.account.as_deref())?;
            let report = cmd::check::run(&ctx);
            ctx.finish();
            let report = report?;
            output::check::print(&out, &report)?;
            match report.failure() {
                Some(kind) => Err(Error::new(kind, format!("{}: check failed", ctx.label())).quiet()),
                None => Ok(()),
            }
        }
    }
}

fn config_path(cli: &Cli) -> Result<PathBuf> {
    match &cli.config {
        Some(path) => Ok(path.clone()),
        None => {
            config::default_path().ok_or_else(|| Error::config("cannot find the home directory for the config file"))
        }
    }
}

fn load(cli: &Cli) -> Result<Config> {
    let config = config::load(&config_path(cli)?)?;
    for warning in &config.warnings {
        log::warn!("{warning}");
    }
    Ok(config)
}

fn context(cli: &Cli, account: Option<&str>) -> Result<Context> {
    let config = load(cli)?;
    let account = config.account(account.or(cli.account.as_deref()))?;
    Ok(Context::new(account.clone()))
}
