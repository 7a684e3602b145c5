//! From parsed arguments to a finished run: load the config, pick the
//! account, run the command, render its result. The binary is a thin shell
//! around [`run`].

pub mod complete;
mod compose;

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::cli::{Cli, Color, Command, FetchArgs, ReadArgs, SendArgs};
use crate::cmd::fetch::observer::{Observer, Silent};
use crate::cmd::fetch::plan::Filters;
use crate::cmd::{self, Context};
use crate::config::{self, Config};
use crate::error::{Error, Result};
use crate::model::{date, size};
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
    let page = |asked: Option<usize>| page_size(&cli, &out, asked);
    match &cli.command {
        Command::Completions(args) => out.text(&String::from_utf8_lossy(&crate::cli::assets::completion(args.shell))),
        Command::Schema(args) => output::schema::print(&out, args.command.as_deref()),
        Command::List(args) => {
            let list_args = cmd::list::ListArgs {
                mailbox: args.mailbox.clone(),
                limit: page(args.limit),
                page: args.page,
                unseen: args.unseen,
                sort: match args.sort {
                    crate::cli::SortBy::Date => cmd::list::SortBy::Date,
                    crate::cli::SortBy::Arrival => cmd::list::SortBy::Arrival,
                    crate::cli::SortBy::From => cmd::list::SortBy::From,
                    crate::cli::SortBy::Subject => cmd::list::SortBy::Subject,
                    crate::cli::SortBy::Size => cmd::list::SortBy::Size,
                },
                reverse: args.reverse,
            };
            if let Some(store) = &args.local {
                let listing = cmd::list::local::run(store, &list_args)?;
                return output::list::print(&out, &listing, !args.no_pager);
            }
            let ctx = context(&cli, None)?;
            let result = if use_pop3(&ctx, args.protocol) {
                cmd::list::pop3::run(&ctx, &list_args).map(cmd::list::Listing::Pop3)
            } else {
                cmd::list::imap::run(&ctx, &list_args)
            };
            output::list::print(&out, &result.map_err(|e| e.context(ctx.label()))?, !args.no_pager)
        }
        Command::Fetch(args) => fetch(&cli, args, &out),
        Command::Read(args) => read(&cli, args, &out),
        Command::Send(args) => send(&cli, args, &out),
        Command::Reply(args) => compose::reply(&cli, args, &out, context(&cli, None)?),
        Command::Forward(args) => compose::forward(&cli, args, &out, context(&cli, None)?),
        Command::Search(args) => search(&cli, args, &out),
        Command::Idle(args) => idle(&cli, args, &out),
        Command::Flag(_) | Command::Move(_) | Command::Copy(_) | Command::Delete(_) | Command::Mailbox(_) => {
            triage(&cli, &out)
        }
        Command::Init(args) => init(&cli, args, &out),
        Command::Session(args) => session(&cli, args, &out),
        Command::Check(args) => {
            let ctx = context(&cli, args.account.as_deref())?;
            let report = cmd::check::run(&ctx);
            let report = report?;
            output::check::print(&out, &report)?;
            match report.failure() {
                Some((kind, message)) => Err(Error::new(kind, message).context(ctx.label())),
                None => Ok(()),
            }
        }
    }
}

/// `owl session start|stop|status` and the holder itself (`serve`).
fn session(cli: &Cli, args: &crate::cli::SessionArgs, out: &Output) -> Result<()> {
    use crate::cli::SessionAction;
    use cmd::session::{control, holder};
    let persist = |args: &crate::cli::StartArgs, account: &config::Account| match &args.persist {
        Some(text) => config::parse_duration(text)
            .filter(|d| !d.is_zero())
            .ok_or_else(|| Error::usage(format!("--persist {text}: not a duration like 30s, 10m or 1h"))),
        None => Ok(account.persist.unwrap_or(std::time::Duration::from_secs(600))),
    };
    match &args.action {
        SessionAction::Start(start) => {
            let config = load(cli)?;
            let account = config.account(cli.account.as_deref())?;
            let started = control::start(account, persist(start, account)?)?;
            let headline = match started.already {
                true => format!("a session holder for account \"{}\" is already running", account.name),
                false => format!("started a session holder for account \"{}\"", account.name),
            };
            output::session::print(out, Some(&headline), std::slice::from_ref(&started.holder))
        }
        SessionAction::Serve(start) => {
            let config = load(cli)?;
            let account = config.account(cli.account.as_deref())?;
            let persist = persist(start, account)?;
            let user = account.imap.as_ref().map(|i| i.server.user.clone()).unwrap_or_default();
            let creds = match std::io::stdin().is_terminal() {
                true => None,
                false => holder::secret_from_stdin(&user)?,
            };
            holder::serve(account, persist, creds)
        }
        SessionAction::Stop => {
            let config = if cli.account.is_some() { Some(load(cli)?) } else { None };
            let account = match &config {
                Some(config) => Some(config.account(cli.account.as_deref())?),
                None => None,
            };
            let stopped = control::stop(account)?;
            let headline =
                format!("stopped {} session holder{}", stopped.len(), if stopped.len() == 1 { "" } else { "s" });
            output::session::print(out, Some(&headline), &stopped)
        }
        SessionAction::Status => output::session::print(out, None, &control::status()?),
    }
}

/// `owl init`: asks on the terminal unless --yes (or there is none).
fn init(cli: &Cli, args: &crate::cli::InitArgs, out: &Output) -> Result<()> {
    let secret = match (&args.password_command, &args.password_env) {
        (Some(command), _) => Some(config::edit::NewSecret::Command(command.clone())),
        (None, Some(var)) => Some(config::edit::NewSecret::Env(var.clone())),
        (None, None) => None,
    };
    let request = cmd::init::Request {
        path: config_path(cli)?,
        email: args.email.clone(),
        // `owl -a work init` names the new account too.
        name: args.name.clone().or_else(|| cli.account.clone()),
        user: args.user.clone(),
        imap_host: args.imap_host.clone(),
        imap_port: args.imap_port,
        smtp_host: args.smtp_host.clone(),
        smtp_port: args.smtp_port,
        tls: args.tls.map(|t| match t {
            crate::cli::TlsMode::Implicit => crate::net::Security::Implicit,
            crate::cli::TlsMode::Starttls => crate::net::Security::StartTls,
        }),
        secret,
        ca_file: args.ca_file.clone(),
        fingerprint: args.fingerprint.clone(),
        check: !args.no_check,
        force: args.force,
    };
    let terminal = match args.yes || !std::io::stdin().is_terminal() {
        true => None,
        false => output::init::Terminal::open(),
    };
    let ask: &dyn cmd::init::Ask = match &terminal {
        Some(terminal) => terminal,
        None => &cmd::init::Never,
    };
    let report = cmd::init::run(&request, ask)?;
    output::init::print(out, &report)?;
    match report.failure() {
        Some((kind, message)) => {
            Err(Error::new(kind, message).context(format!("owl init: account \"{}\"", report.account)))
        }
        None => Ok(()),
    }
}

/// How many rows a listing shows (0: all). Scripts get every row unless
/// they ask for fewer: a page is for a person at a terminal, who is told
/// how many more there are.
fn page_size(cli: &Cli, out: &Output, asked: Option<usize>) -> usize {
    asked.unwrap_or(if !cli.json && out.terminal { 50 } else { 0 })
}

/// POP3 when asked, or when the account has POP3 and no IMAP.
fn use_pop3(ctx: &Context, protocol: Option<crate::cli::Protocol>) -> bool {
    match protocol {
        Some(p) => p == crate::cli::Protocol::Pop3,
        None => ctx.account.imap.is_none() && ctx.account.pop3.is_some(),
    }
}

/// `owl fetch`: a backup, or one message when the arguments are MAILBOX UID.
fn fetch(cli: &Cli, args: &FetchArgs, out: &Output) -> Result<()> {
    if let [mailbox, uid] = args.targets.as_slice()
        && let Ok(uid) = uid.parse::<u32>()
    {
        return read_one(cli, args, out, mailbox, uid);
    }
    if args.raw || args.save_attachments.is_some() {
        return Err(Error::usage("--raw and --save-attachments need MAILBOX UID"));
    }
    let today = date::today_utc();
    let filters = Filters {
        since: args.since.as_deref().map(|s| date::parse_date_arg(s, today)).transpose()?,
        max_size: args.max_size.as_deref().map(size::parse_size).transpose()?,
        limit: args.limit,
    };
    let fetch_args = cmd::fetch::FetchArgs {
        mailboxes: args.targets.clone(),
        into: args.into.clone(),
        exclude: args.exclude.clone(),
        filters,
        dry_run: args.dry_run,
        wait: args.wait,
    };
    let ctx = context(cli, None)?;
    let bars = (!cli.quiet && std::io::stderr().is_terminal()).then(output::progress::Bars::new);
    let observer: &dyn Observer = match &bars {
        Some(bars) => bars,
        None => &Silent,
    };
    let result = if use_pop3(&ctx, args.protocol) {
        cmd::fetch::pop3::run(&ctx, &fetch_args, observer)
    } else {
        cmd::fetch::run(&ctx, &fetch_args, observer)
    };
    let summary = result.map_err(|e| e.context(ctx.label()))?;
    let show_text = !cli.quiet && (cli.verbose > 0 || args.dry_run || out.terminal);
    output::fetch::print(out, &summary, show_text)?;
    match summary.failure() {
        Some((kind, message)) => Err(Error::new(kind, message).context(ctx.label())),
        None => Ok(()),
    }
}

fn read_one(cli: &Cli, args: &FetchArgs, out: &Output, mailbox: &str, uid: u32) -> Result<()> {
    if !cli.quiet && std::io::stderr().is_terminal() {
        output::message::fetch_one_note();
    }
    let ctx = context(cli, None)?;
    let result = if args.raw {
        out.raw(|stdout| cmd::read::raw(&ctx, mailbox, uid, stdout).map(drop))
    } else {
        cmd::read::read(&ctx, mailbox, uid, args.save_attachments.as_deref())
            .and_then(|message| output::message::print(out, &message, !args.no_pager))
    };
    result.map_err(|e| e.context(ctx.label()))
}

/// `owl read`: one message for a person. It is rendered before it is
/// marked seen and shown after (see `cmd::read::mark`); JSON is rendered
/// after the mark, so its flags are the server's. A failed mark still
/// shows the message, then fails the command.
fn read(cli: &Cli, args: &ReadArgs, out: &Output) -> Result<()> {
    use crate::model::message::Prefer;
    use cmd::read::{Decode, ReadMessage, local, mark};
    if args.raw_html && cli.json {
        return Err(Error::usage("--raw-html prints the HTML source, not JSON (text_parts in --json holds it)"));
    }
    let mut decode = Decode {
        prefer: if args.html { Prefer::Html } else { Prefer::Plain },
        save_to: args.save_attachments.as_deref(),
        smime: None,
    };
    let render = |message: &ReadMessage| -> Result<String> {
        Ok(if args.raw_html {
            output::message::html_source(&cmd::read::html_source(message)?)
        } else {
            output::message::text(message)
        })
    };
    let page = !args.no_pager;
    if let Some(store) = &args.local {
        let target = match args.uid {
            Some(uid) => local::Target::Uid { mailbox: args.target.clone(), uid },
            None => local::Target::from_arg(&args.target),
        };
        if args.raw {
            return out.raw(|stdout| local::raw(store, &target, stdout).map(drop));
        }
        let account = local_smime_account(cli);
        let keys = account.as_ref().map(|a| cmd::smime::Keys::new(&a.smime));
        decode.smime = keys.as_ref();
        let message = local::read(store, &target, &decode)?;
        return match out.format {
            Format::Json => out.json(&message),
            Format::Table => output::message::show(out, &render(&message)?, page),
        };
    }
    let Some(uid) = args.uid else {
        return Err(Error::usage("owl read needs MAILBOX UID (or --local STORE FILE)"));
    };
    let ctx = context(cli, None)?;
    let keys = cmd::smime::Keys::new(&ctx.account.smime);
    decode.smime = Some(&keys);
    let result = (|| {
        if args.raw {
            return out.raw(|stdout| mark::raw(&ctx, &args.target, uid, args.peek, stdout).map(drop));
        }
        let mut reading = mark::open(&ctx, &mark::Request { mailbox: &args.target, uid, peek: args.peek, decode })?;
        match out.format {
            Format::Json => {
                let marked = reading.mark_seen();
                out.json(reading.message())?;
                marked
            }
            Format::Table => {
                let rendered = render(reading.message())?;
                let marked = reading.mark_seen();
                output::message::show(out, &rendered, page)?;
                marked
            }
        }
    })();
    result.map_err(|e| e.context(ctx.label()))
}

/// The account whose S/MIME keys and trust `owl read --local` uses: the
/// one `--account` names or the default, when a config file exists. A
/// backup reads without any config, so a missing or broken one only means
/// the system roots and no key (said with -v: most messages are not
/// S/MIME, and reading them must not warn about keys).
fn local_smime_account(cli: &Cli) -> Option<config::Account> {
    let path = config_path(cli).ok()?;
    if !path.exists() {
        return None;
    }
    let picked = load(cli).and_then(|config| config.account(cli.account.as_deref()).cloned());
    match picked {
        Ok(account) => Some(account),
        Err(e) => {
            log::info!("S/MIME messages are checked against the system roots, with no key: {e}");
            None
        }
    }
}

/// `owl search`: the query is checked before anything else, so a typo
/// never costs a connection.
fn search(cli: &Cli, args: &crate::cli::SearchArgs, out: &Output) -> Result<()> {
    let text = args.query.join(" ");
    let query = if text.trim().is_empty() {
        None
    } else {
        Some(crate::search::parse(&text, date::today_utc()).map_err(|e| e.to_error(&text))?)
    };
    let search_args = cmd::search::SearchArgs {
        query,
        raw_imap: args.imap.clone(),
        mailboxes: args.mailbox.clone(),
        all: args.all,
        limit: page_size(cli, out, args.limit),
        count: args.count,
        local: args.local.clone(),
    };
    if args.local.is_some() {
        return output::search::print(out, &cmd::search::run(None, &search_args)?);
    }
    let ctx = context(cli, None)?;
    let result = cmd::search::run(Some(&ctx), &search_args);
    output::search::print(out, &result.map_err(|e| e.context(ctx.label()))?)
}

/// `owl idle`: SIGINT and SIGTERM raise the stop flag; watchers notice
/// it within a tick, end IDLE with DONE and log out.
fn idle(cli: &Cli, args: &crate::cli::IdleArgs, out: &Output) -> Result<()> {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, stop.clone()).map_err(|e| Error::internal(format!("signals: {e}")))?;
    }
    let hook = match &args.exec {
        Some(line) if args.shell => Some(cmd::idle::hooks::Hook::Shell(line.clone())),
        Some(line) => Some(cmd::idle::hooks::Hook::Argv(cmd::idle::hooks::split_words(line)?)),
        None => None,
    };
    let timeout = match &args.timeout {
        Some(text) => Some(
            crate::config::account::parse_duration(text)
                .ok_or_else(|| Error::usage(format!("--timeout {text}: expected a duration like 30s, 10m, 1h")))?,
        ),
        None => None,
    };
    let idle_args = cmd::idle::IdleArgs {
        mailboxes: args.mailboxes.clone(),
        all: args.all,
        hook,
        fetch: args.fetch,
        once: args.once,
        timeout,
        stop,
    };
    let ctx = context(cli, None)?;
    let printer = output::idle::Printer::new(*out);
    let result = cmd::idle::run(&ctx, &idle_args, &printer);
    result.map_err(|e| e.context(ctx.label()))
}

/// `owl flag`, `move`, `copy`, `delete` and `mailbox`: the UIDs (or the
/// rows on stdin) are checked before connecting.
fn triage(cli: &Cli, out: &Output) -> Result<()> {
    use crate::cli::MailboxAction;
    use cmd::triage::{self, Transfer, target};
    let targets = |mailbox: &str, uids: &str| -> Result<target::Target> {
        match uids {
            "-" if std::io::stdin().is_terminal() => Err(Error::usage(
                "- reads the JSON rows of owl list MAILBOX --json or owl search --json from stdin, which is a \
                 terminal: pipe them in",
            )),
            "-" => target::read_rows(&mut std::io::stdin().lock(), &crate::imap::MailboxName::new(mailbox)),
            uids => target::parse_uids(uids),
        }
    };
    let report = match &cli.command {
        Command::Mailbox(args) => {
            let change = match &args.action {
                MailboxAction::Create { name } => cmd::mailbox_admin::Change::Create(name.clone()),
                MailboxAction::Rename { name, new } => cmd::mailbox_admin::Change::Rename(name.clone(), new.clone()),
                MailboxAction::Delete { name, force } => {
                    cmd::mailbox_admin::Change::Delete { name: name.clone(), force: *force }
                }
            };
            let ctx = context(cli, None)?;
            let done = cmd::mailbox_admin::run(&ctx, &change).map_err(|e| e.context(ctx.label()))?;
            return output::triage::print_mailbox(out, &done);
        }
        Command::Flag(args) => {
            let changes = args.changes.iter().map(|c| triage::parse_change(c)).collect::<Result<Vec<_>>>()?;
            let target = targets(&args.mailbox, &args.uids)?;
            let ctx = context(cli, None)?;
            triage::flag(&ctx, &args.mailbox, &target, &changes).map_err(|e| e.context(ctx.label()))?
        }
        Command::Move(args) | Command::Copy(args) => {
            let how = if matches!(cli.command, Command::Move(_)) { Transfer::Move } else { Transfer::Copy };
            let target = targets(&args.mailbox, &args.uids)?;
            let ctx = context(cli, None)?;
            triage::transfer(&ctx, &args.mailbox, &target, &args.destination, how)
                .map_err(|e| e.context(ctx.label()))?
        }
        Command::Delete(args) => {
            let target = targets(&args.mailbox, &args.uids)?;
            let ctx = context(cli, None)?;
            triage::delete(&ctx, &args.mailbox, &target, args.expunge).map_err(|e| e.context(ctx.label()))?
        }
        _ => return Err(Error::internal("not a triage command")),
    };
    output::triage::print(out, &report)?;
    match report.failure() {
        Some((kind, message)) => Err(Error::new(kind, message)),
        None => Ok(()),
    }
}

/// `owl send`.
fn send(cli: &Cli, args: &SendArgs, out: &Output) -> Result<()> {
    let ctx = context(cli, None)?;
    if args.queue {
        return output::send::print_queue(out, &cmd::send::list_queue(&ctx)?);
    }
    if let Some(id) = &args.drop {
        return output::send::print_changed(out, &cmd::send::drop_entry(&ctx, id)?);
    }
    if let Some(id) = &args.retarget {
        return output::send::print_changed(out, &cmd::send::retarget(&ctx, id)?);
    }
    if compose::send_wants_editor(args) {
        return compose::send(cli, args, out, &ctx, send_request(args));
    }
    let input = if args.flush { None } else { Some(cmd::send::input::read(&ctx.account, &send_request(args))?) };
    let protection = compose::protection(args.protect);
    if args.dry_run {
        let prepared = match &input {
            Some(input) => cmd::send::prepare(input)?,
            None => Vec::new(),
        };
        let prepared = cmd::send::protect::apply(&ctx.account, prepared, protection)?;
        return output::send::print_dry_run(out, &prepared);
    }
    let result = cmd::send::run(&ctx, input.as_ref(), !args.no_save, protection);
    let report = result.map_err(|e| e.context(ctx.label()))?;
    let show_text = !cli.quiet && (cli.verbose > 0 || out.terminal);
    output::send::print(out, &report, show_text)?;
    match report.failure() {
        Some((kind, message)) => Err(Error::new(kind, message).context(ctx.label())),
        None => Ok(()),
    }
}

fn send_request(args: &SendArgs) -> cmd::send::Request {
    cmd::send::Request {
        args: args.args.clone(),
        to: args.to.clone(),
        cc: args.cc.clone(),
        bcc: args.bcc.clone(),
        subject: args.subject.clone(),
        body: args.body.clone(),
        body_file: args.body_file.clone(),
        html: args.html.clone(),
        attach: args.attach.clone(),
        headers: args.header.clone(),
        reply_to: args.reply_to.clone(),
        in_reply_to: args.in_reply_to.clone(),
        raw: args.raw,
        from_headers: args.from_headers,
        envelope_from: args.envelope_from.clone(),
        full_name: args.full_name.clone(),
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
