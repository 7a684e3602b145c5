//! Wiring of the commands that may open an editor: `owl send` without a
//! body on a terminal (or with `--edit`), `owl reply`, `owl forward`.
//! Decides editor or script, asks for a missing subject on a terminal, and
//! renders the result as `owl send` does.

use std::io::{BufRead, IsTerminal, Read, Write};

use crate::cli::{Cli, ForwardArgs, ReplyArgs, SendArgs};
use crate::cmd::compose::{self, Finished, How, forward};
use crate::cmd::{self, Context};
use crate::error::{Error, Result};
use crate::output::{self, Output};

/// Whether `owl send` composes in the editor: asked for, or a terminal
/// with no body given (which used to wait silently on stdin).
pub(super) fn send_wants_editor(args: &SendArgs) -> bool {
    args.edit
        || (!args.raw
            && !args.from_headers
            && !args.flush
            && args.body.is_none()
            && args.body_file.is_none()
            && std::io::stdin().is_terminal())
}

/// `owl send` through the editor, prefilled from the flags.
pub(super) fn send(
    cli: &Cli,
    args: &SendArgs,
    out: &Output,
    ctx: &Context,
    mut request: cmd::send::Request,
) -> Result<()> {
    if request.body.is_none() && request.body_file.is_none() {
        request.body = Some(String::new());
    }
    let draft = match cmd::send::input::read(&ctx.account, &request)? {
        cmd::send::Input::Compose(draft) => draft,
        cmd::send::Input::Raw { .. } => return Err(Error::usage("--edit cannot edit --raw messages")),
    };
    let mut how = how(true, !args.no_save, args.dry_run);
    how.protection = protection(args.protect);
    render(cli, out, ctx, compose::finish(ctx, draft, None, &how))
}

/// `owl reply`.
pub(super) fn reply(cli: &Cli, args: &ReplyArgs, out: &Output, ctx: Context) -> Result<()> {
    let run = || -> Result<Finished> {
        let (edit, text) = own_text(args.edit, args.body.as_deref())?;
        let original = compose::original::fetch(&ctx, &args.mailbox, args.uid)?;
        let draft = compose::reply::draft(&ctx.account, &original, args.all, &text)?;
        if original.original.is_none() {
            log::warn!("the server gave no UIDVALIDITY for \"{}\": the original will not be flagged", args.mailbox);
        }
        let mut how = how(edit, !args.no_save, args.dry_run);
        how.protection = protection(args.protect);
        compose::finish(&ctx, draft, original.original.clone(), &how)
    };
    render(cli, out, &ctx, run())
}

/// `owl forward`.
pub(super) fn forward(cli: &Cli, args: &ForwardArgs, out: &Output, ctx: Context) -> Result<()> {
    let run = || -> Result<Finished> {
        let (edit, text) = own_text(args.edit, args.body.as_deref())?;
        let original = compose::original::fetch(&ctx, &args.mailbox, args.uid)?;
        let style = if args.attach { forward::Style::Attached } else { forward::Style::Inline };
        let draft = forward::draft(&ctx.account, &original, &args.to, &args.cc, style, &text)?;
        let mut how = how(edit, !args.no_save, args.dry_run);
        how.protection = protection(args.protect);
        compose::finish(&ctx, draft, None, &how)
    };
    render(cli, out, &ctx, run())
}

/// Whether to edit, and the user's own text: `--body`; else stdin when it
/// is not a terminal (a script); else the editor, starting empty.
fn own_text(edit: bool, body: Option<&str>) -> Result<(bool, String)> {
    if let Some(body) = body {
        return Ok((edit, body.to_string()));
    }
    let stdin = std::io::stdin();
    if edit || stdin.is_terminal() {
        return Ok((true, String::new()));
    }
    let mut text = String::new();
    stdin
        .lock()
        .read_to_string(&mut text)
        .map_err(|e| Error::local_io("cannot read the text from stdin (UTF-8 text expected)", e))?;
    Ok((false, text))
}

/// Asks for a subject on the terminal.
fn ask_subject() -> Option<String> {
    let mut err = std::io::stderr();
    let _ = write!(err, "Subject: ");
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).ok()?;
    Some(line.trim().to_string())
}

/// The finishing rules: a terminal asks for a missing subject.
fn how(edit: bool, save_copy: bool, dry_run: bool) -> How<'static> {
    let ask: Option<&'static dyn Fn() -> Option<String>> =
        if std::io::stdin().is_terminal() { Some(&ask_subject) } else { None };
    How { edit, save_copy, dry_run, ask_subject: ask, protection: cmd::send::Protection::default() }
}

/// Prints what happened as `owl send` does; a draft kept after a failure
/// is named in the error.
fn render(cli: &Cli, out: &Output, ctx: &Context, finished: Result<Finished>) -> Result<()> {
    match finished.map_err(|e| e.context(ctx.label()))? {
        Finished::DryRun(prepared) => output::send::print_dry_run(out, &prepared),
        Finished::Sent { report, kept_draft } => {
            let show_text = !cli.quiet && (cli.verbose > 0 || out.terminal);
            output::send::print(out, &report, show_text)?;
            match report.failure() {
                Some((kind, message)) => {
                    let mut err = Error::new(kind, message).context(ctx.label());
                    if let Some(path) = kept_draft {
                        err = err.with_hint(format!("the draft is kept at {}", path.display()));
                    }
                    Err(err)
                }
                None => Ok(()),
            }
        }
    }
}

/// What `--sign` and `--encrypt` ask of a send.
pub(super) fn protection(args: crate::cli::ProtectArgs) -> cmd::send::Protection {
    cmd::send::Protection { sign: args.sign, encrypt: args.encrypt }
}
