//! Validated accounts: every value checked, defaults applied, shared
//! account-level settings merged into the server sections. Errors name the
//! file, the line and the key at fault.

use std::time::Duration;

use toml::Spanned;

use super::raw::{self, CommandLine, Pop3Auth, ServerKeys};
use super::secret::SecretSource;
use super::source::{Source, expand_tilde};
use crate::error::{Error, Result};
use crate::net::{Compression, Endpoint, Fingerprint, Origin, Security, TlsPolicy};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a password or token command may take on a terminal, where it
/// may be waiting for the user at a pinentry prompt.
const DEFAULT_SECRET_TIMEOUT: Duration = Duration::from_secs(300);
const DEFAULT_CONNECTIONS: usize = 4;
const MAX_CONNECTIONS: u32 = 32;

/// Which protocol a server section is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// IMAP
    Imap,
    /// POP3
    Pop3,
    /// SMTP submission
    Smtp,
}

impl Protocol {
    /// Lower-case name, as in the config.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Imap => "imap",
            Protocol::Pop3 => "pop3",
            Protocol::Smtp => "smtp",
        }
    }

    fn implicit_port(self) -> u16 {
        match self {
            Protocol::Imap => 993,
            Protocol::Pop3 => 995,
            Protocol::Smtp => 465,
        }
    }

    fn plain_port(self) -> u16 {
        match self {
            Protocol::Imap => 143,
            Protocol::Pop3 => 110,
            Protocol::Smtp => 587,
        }
    }
}

/// A server and how to log in to it.
#[derive(Debug, Clone)]
pub struct Server {
    /// Where and how to connect.
    pub endpoint: Endpoint,
    /// Login name.
    pub user: String,
    /// Where the secret comes from.
    pub secret: SecretSource,
    /// How long a password or token command may run on a terminal.
    pub secret_timeout: Duration,
}

impl Server {
    /// The login name with its secret, fetched now. A command that fetches
    /// it may take `secret_timeout` on a terminal (a prompt waits for the
    /// user) but only `timeout` without one (cron cannot answer a prompt).
    pub fn credentials(&self) -> Result<crate::sasl::Credentials> {
        use std::io::IsTerminal;
        let wait = if std::io::stdin().is_terminal() { self.secret_timeout } else { self.endpoint.timeout };
        self.secret.resolve(&self.user, wait)
    }
}

/// `[accounts.NAME.imap]`
#[derive(Debug, Clone)]
pub struct Imap {
    /// The server.
    pub server: Server,
    /// When to switch COMPRESS=DEFLATE on (if offered).
    pub compress: Compression,
    /// Pool size.
    pub connections: usize,
    /// How often IDLE is re-issued.
    pub idle_refresh: Duration,
    /// NOOP polling interval for servers without IDLE.
    pub poll_interval: Duration,
}

/// What POP3 fetch does with messages on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pop3Policy {
    /// Leave them.
    Keep,
    /// Delete each once its local copy is durable.
    Delete,
    /// Delete those stored locally more than N days ago.
    DeleteAfterDays(u32),
}

/// `[accounts.NAME.pop3]`
#[derive(Debug, Clone)]
pub struct Pop3 {
    /// The server.
    pub server: Server,
    /// Login method.
    pub auth: Pop3Auth,
    /// Delete policy.
    pub policy: Pop3Policy,
}

/// `[accounts.NAME.smtp]`
#[derive(Debug, Clone)]
pub struct Smtp {
    /// The server.
    pub server: Server,
}

/// `[accounts.NAME.fetch]`
#[derive(Debug, Clone, Default)]
pub struct Fetch {
    /// `maildir:PATH` or `mbox:PATH`.
    pub into: Option<String>,
    /// Mailboxes to back up (default: all).
    pub mailboxes: Vec<String>,
    /// Mailbox patterns to leave out.
    pub exclude: Vec<String>,
}

/// `[accounts.NAME.mailboxes]`: special mailboxes named in the config,
/// which win over what the server marks (see `cmd::special`).
#[derive(Debug, Clone, Default)]
pub struct Mailboxes {
    /// Where sent mail is copied.
    pub sent: Option<String>,
    /// Where `owl delete` moves messages.
    pub trash: Option<String>,
    /// Drafts.
    pub drafts: Option<String>,
    /// Junk (spam).
    pub junk: Option<String>,
    /// The archive.
    pub archive: Option<String>,
}

/// One account, ready to use.
#[derive(Debug, Clone)]
pub struct Account {
    /// Its name in the config.
    pub name: String,
    /// Whether it is the default.
    pub is_default: bool,
    /// The address mail is sent from.
    pub email: Option<String>,
    /// The display name mail is sent with.
    pub display_name: Option<String>,
    /// Where sent mail is copied when the server marks no \Sent mailbox.
    pub sent_mailbox: Option<String>,
    /// Other addresses of the user's (`aliases = [...]`): a reply-all
    /// leaves them out, as it does `email`.
    pub aliases: Vec<String>,
    /// IMAP, if configured.
    pub imap: Option<Imap>,
    /// POP3, if configured.
    pub pop3: Option<Pop3>,
    /// SMTP, if configured.
    pub smtp: Option<Smtp>,
    /// Backup settings.
    pub fetch: Fetch,
    /// Special mailboxes named in the config.
    pub mailboxes: Mailboxes,
    /// S/MIME keys, certificates and trust (`smime_*`).
    pub smime: super::smime::Smime,
    /// How long a session holder left behind by a run stays without
    /// clients (`persist`); `None`: no holder is started.
    pub persist: Option<Duration>,
}

/// Builds a validated account from its raw table.
pub(super) fn build(src: &Source, name: &str, raw: &raw::Account, global_persist: Option<Duration>) -> Result<Account> {
    let shared = raw.server_keys();
    let email = raw.email.as_ref().map(|e| e.get_ref().clone());
    if let Some(e) = raw.email.as_ref().filter(|e| !e.get_ref().contains('@')) {
        return Err(src.error_at(e.span(), "email", "is not an email address"));
    }
    let section = |proto: Protocol, keys: ServerKeys, port: &Option<Spanned<u16>>, span| Section {
        table: format!("accounts.{name}.{}", proto.as_str()),
        proto,
        keys,
        port: port.clone(),
        span,
    };
    let imap = match &raw.imap {
        Some(table) => {
            let s = table.get_ref();
            let server =
                server(src, &section(Protocol::Imap, s.server_keys(), &s.port, table.span()), &shared, &email)?;
            let connections = match &s.connections {
                Some(c) if *c.get_ref() == 0 || *c.get_ref() > MAX_CONNECTIONS => {
                    return Err(src.error_at(
                        c.span(),
                        "connections",
                        &format!("must be between 1 and {MAX_CONNECTIONS}"),
                    ));
                }
                Some(c) => *c.get_ref() as usize,
                None => DEFAULT_CONNECTIONS,
            };
            Some(Imap {
                server,
                compress: s.compress.as_ref().map_or(Compression::Auto, |c| c.get_ref().0),
                connections,
                idle_refresh: duration(src, "idle_refresh", s.idle_refresh.as_ref())?
                    .unwrap_or(Duration::from_secs(25 * 60)),
                poll_interval: duration(src, "poll_interval", s.poll_interval.as_ref())?
                    .unwrap_or(Duration::from_secs(60)),
            })
        }
        None => None,
    };
    let pop3 = match &raw.pop3 {
        Some(table) => {
            let s = table.get_ref();
            let server =
                server(src, &section(Protocol::Pop3, s.server_keys(), &s.port, table.span()), &shared, &email)?;
            Some(Pop3 {
                server,
                auth: s.auth.as_ref().map_or(Pop3Auth::Auto, |a| *a.get_ref()),
                policy: pop3_policy(src, s)?,
            })
        }
        None => None,
    };
    let smtp = match &raw.smtp {
        Some(table) => {
            let s = table.get_ref();
            let server =
                server(src, &section(Protocol::Smtp, s.server_keys(), &s.port, table.span()), &shared, &email)?;
            Some(Smtp { server })
        }
        None => None,
    };
    if imap.is_none() && pop3.is_none() && smtp.is_none() {
        return Err(Error::config(format!(
            "{}: account \"{name}\" has no [accounts.{name}.imap], .pop3 or .smtp section",
            src.path.display()
        )));
    }
    let fetch = match &raw.fetch {
        Some(f) => Fetch {
            into: f.into.as_ref().map(|i| i.get_ref().clone()),
            mailboxes: f.mailboxes.clone().unwrap_or_default(),
            exclude: f.exclude.clone().unwrap_or_default(),
        },
        None => Fetch::default(),
    };
    // The passphrase command waits as long as the account's own secrets.
    let secret_waits = (
        duration(src, "secret_timeout", shared.secret_timeout.as_ref())?.unwrap_or(DEFAULT_SECRET_TIMEOUT),
        duration(src, "timeout", shared.timeout.as_ref())?.unwrap_or(DEFAULT_TIMEOUT),
    );
    let smime = super::smime::build(src, raw, secret_waits)?;
    Ok(Account {
        name: name.to_string(),
        is_default: raw.default.unwrap_or(false),
        email,
        display_name: raw.name.clone(),
        sent_mailbox: raw.sent_mailbox.clone(),
        aliases: raw.aliases.clone().unwrap_or_default(),
        mailboxes: raw
            .mailboxes
            .clone()
            .map(|m| Mailboxes { sent: m.sent, trash: m.trash, drafts: m.drafts, junk: m.junk, archive: m.archive })
            .unwrap_or_default(),
        imap,
        pop3,
        smtp,
        fetch,
        smime,
        persist: match &raw.persist {
            Some(_) => persist(src, raw.persist.as_ref())?,
            None => global_persist,
        },
    })
}

/// `persist`: a duration, `0` (or `"off"`) for none.
pub(super) fn persist(src: &Source, value: Option<&Spanned<raw::Duration>>) -> Result<Option<Duration>> {
    if let Some(raw::Duration::Text(t)) = value.map(|v| v.get_ref())
        && t.trim() == "off"
    {
        return Ok(None);
    }
    Ok(duration(src, "persist", value)?.filter(|d| !d.is_zero()))
}

/// One server section's keys, with what errors about it need.
struct Section {
    /// `accounts.NAME.imap`
    table: String,
    proto: Protocol,
    keys: ServerKeys,
    port: Option<Spanned<u16>>,
    /// The whole table, for a key that is missing from it.
    span: std::ops::Range<usize>,
}

fn pick<'a, T>(own: &'a Option<Spanned<T>>, shared: &'a Option<Spanned<T>>) -> Option<&'a Spanned<T>> {
    own.as_ref().or(shared.as_ref())
}

fn server(src: &Source, section: &Section, shared: &ServerKeys, email: &Option<String>) -> Result<Server> {
    let (table, proto, s, span) = (&section.table, section.proto, &section.keys, &section.span);
    let host = pick(&s.host, &shared.host)
        .map(|h| h.get_ref().trim().to_string())
        .filter(|h| !h.is_empty())
        .ok_or_else(|| src.error_at(span.clone(), "host", &format!("is missing in [{table}]")))?;
    let mode = match pick(&s.tls, &shared.tls).map(|t| *t.get_ref()) {
        None | Some(raw::Tls::Auto) => None,
        Some(raw::Tls::Implicit) => Some(Security::Implicit),
        Some(raw::Tls::StartTls) => Some(Security::StartTls),
        Some(raw::Tls::None) => Some(Security::DangerPlaintext),
    };
    let port = section.port.as_ref().map(|p| *p.get_ref());
    if let Some(p) = section.port.as_ref().filter(|p| *p.get_ref() == 0) {
        return Err(src.error_at(p.span(), "port", "must not be 0"));
    }
    // auto: implicit TLS on the well-known implicit port, STARTTLS elsewhere.
    let security = mode.unwrap_or(match port {
        None => Security::Implicit,
        Some(p) if p == proto.implicit_port() => Security::Implicit,
        Some(_) => Security::StartTls,
    });
    let port = port.unwrap_or(match security {
        Security::Implicit => proto.implicit_port(),
        _ => proto.plain_port(),
    });
    let user = pick(&s.user, &shared.user).map(|u| u.get_ref().clone()).or_else(|| email.clone()).ok_or_else(|| {
        src.error_at(span.clone(), "user", &format!("is missing in [{table}] (and no email to fall back on)"))
    })?;
    let secret = secret(src, table, s, shared, span.clone())?;
    let ca_file = match pick(&s.ca_file, &shared.ca_file) {
        Some(ca) => {
            let path = expand_tilde(ca.get_ref());
            let path = if path.is_relative() { src.path.parent().map(|d| d.join(&path)).unwrap_or(path) } else { path };
            if !path.is_file() {
                return Err(src.error_at(ca.span(), "ca_file", &format!("{} does not exist", path.display())));
            }
            Some(path)
        }
        None => None,
    };
    let fingerprint = match pick(&s.fingerprint, &shared.fingerprint) {
        Some(fp) => Some(Fingerprint::parse(fp.get_ref()).map_err(|e| src.error_at(fp.span(), "fingerprint", &e))?),
        None => None,
    };
    let timeout = duration(src, "timeout", pick(&s.timeout, &shared.timeout))?.unwrap_or(DEFAULT_TIMEOUT);
    let secret_timeout = duration(src, "secret_timeout", pick(&s.secret_timeout, &shared.secret_timeout))?
        .unwrap_or(DEFAULT_SECRET_TIMEOUT);
    Ok(Server {
        endpoint: Endpoint {
            host,
            port,
            security,
            tls: TlsPolicy { ca_file, fingerprint, danger_probe_only: false },
            timeout,
            origin: Some(Origin { table: table.clone(), file: src.path.to_path_buf() }),
        },
        user,
        secret,
        secret_timeout,
    })
}

fn secret(
    src: &Source,
    table: &str,
    s: &ServerKeys,
    shared: &ServerKeys,
    span: std::ops::Range<usize>,
) -> Result<SecretSource> {
    // A section's own secret wins over the account-level one, as a whole.
    let own = secret_keys(s);
    let chosen = if own.iter().any(Option::is_some) { own } else { secret_keys(shared) };
    let mut given: Vec<_> = chosen.iter().flatten().collect();
    // Blame the one written last: the earlier one looks intended.
    given.sort_by_key(|(span, _, _)| span.start);
    match given.as_slice() {
        [] => Err(src.error_at(
            span,
            "password_command",
            &format!("[{table}] needs one of password_command, password_env, password, oauth2_token_command"),
        )),
        [one] => Ok(one.1.clone()),
        [.., last] => Err(src.error_at(
            last.0.clone(),
            last.2,
            "conflicts with another secret setting: give only one of password_command, password_env, password, oauth2_token_command",
        )),
    }
}

type SecretKey = Option<(std::ops::Range<usize>, SecretSource, &'static str)>;

fn secret_keys(s: &ServerKeys) -> [SecretKey; 4] {
    let cmd = |c: &Spanned<CommandLine>| c.get_ref().clone();
    [
        s.password_command.as_ref().map(|c| (c.span(), SecretSource::PasswordCommand(cmd(c)), "password_command")),
        s.password_env.as_ref().map(|e| (e.span(), SecretSource::PasswordEnv(e.get_ref().clone()), "password_env")),
        s.password.as_ref().map(|p| (p.span(), SecretSource::Password(p.get_ref().clone()), "password")),
        s.oauth2_token_command.as_ref().map(|c| (c.span(), SecretSource::TokenCommand(cmd(c)), "oauth2_token_command")),
    ]
}

fn duration(src: &Source, key: &str, value: Option<&Spanned<raw::Duration>>) -> Result<Option<Duration>> {
    let Some(value) = value else { return Ok(None) };
    let parsed = match value.get_ref() {
        raw::Duration::Seconds(s) => Some(Duration::from_secs(*s)),
        raw::Duration::Text(t) => parse_duration(t),
    };
    match parsed {
        Some(d) if !d.is_zero() => Ok(Some(d)),
        _ => Err(src.error_at(value.span(), key, "is not a duration like 30, \"30s\", \"5m\" or \"1h\"")),
    }
}

/// `30`, `30s`, `500ms`, `5m`, `1h`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    match unit.trim() {
        "" | "s" => Some(Duration::from_secs(n)),
        "ms" => Some(Duration::from_millis(n)),
        "m" | "min" => Some(Duration::from_secs(n.checked_mul(60)?)),
        "h" => Some(Duration::from_secs(n.checked_mul(3600)?)),
        _ => None,
    }
}

fn pop3_policy(src: &Source, s: &raw::Pop3) -> Result<Pop3Policy> {
    let policy = match s.policy.as_ref().map(|p| *p.get_ref()) {
        None | Some(raw::Policy::Keep) => Pop3Policy::Keep,
        Some(raw::Policy::Delete) => Pop3Policy::Delete,
    };
    match (&s.delete_after_days, policy) {
        (Some(days), Pop3Policy::Keep) => Ok(Pop3Policy::DeleteAfterDays(*days.get_ref())),
        (Some(days), _) => {
            Err(src.error_at(days.span(), "delete_after_days", "cannot be combined with policy = \"delete\""))
        }
        (None, policy) => Ok(policy),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("5 parsecs"), None);
        assert_eq!(parse_duration("m"), None);
    }
}
