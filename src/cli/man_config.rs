//! owl-config(5): every key the config parser accepts, with its type,
//! default and meaning; a test checks the page against the parser.

use super::man::{CONFIG_FILE, ENVIRONMENT, escape, tagged};

/// Server keys: every server section has them, and the account table
/// shares them with its sections. (key, type, default, meaning)
const SERVER_KEYS: &[(&str, &str, &str, &str)] = &[
    ("host", "string", "(required)", "The server's name or address."),
    (
        "tls",
        "string",
        "\"auto\"",
        "\"auto\": implicit TLS on 993, 995 and 465, STARTTLS (required) on any other port; \"implicit\"; \
         \"starttls\"; \"none\" (plaintext: the password goes in clear; only for this account).",
    ),
    ("user", "string", "email", "The login name."),
    (
        "password_command",
        "array of strings, or string",
        "",
        "A command whose first line of output is the password: an array runs without a shell, a string with \
         sh -c. It may run at most secret_timeout on a terminal, timeout off one.",
    ),
    ("password_env", "string", "", "The environment variable holding the password."),
    ("password", "string", "", "The password itself (owl warns when the file is readable by others)."),
    (
        "oauth2_token_command",
        "array of strings, or string",
        "",
        "A command printing an OAuth 2.0 access token (for XOAUTH2 or OAUTHBEARER), such as oama access ADDRESS \
         or pizauth show ACCOUNT.",
    ),
    (
        "ca_file",
        "string",
        "the system roots",
        "A PEM file of the CA to trust instead of the system roots; relative to the config file's directory.",
    ),
    ("fingerprint", "string", "", "\"sha256:AB:CD:...\": accept exactly this certificate (owl check prints it)."),
    (
        "timeout",
        "integer (seconds) or string (\"30s\", \"2m\")",
        "30",
        "Connecting and logging in must each finish within it, and a reply must bring 1 KiB per timeout of \
         waiting.",
    ),
    (
        "secret_timeout",
        "integer (seconds) or string",
        "\"5m\"",
        "How long password_command or oauth2_token_command may take on a terminal.",
    ),
];

/// Keys of the account table itself.
const ACCOUNT_KEYS: &[(&str, &str, &str, &str)] = &[
    ("default", "boolean", "false", "The account used without -a (an only account is the default anyway)."),
    ("email", "string", "(required)", "Your address: the sender, and the default login name."),
    ("name", "string", "", "Your display name, for the From header."),
    (
        "sent_mailbox",
        "string",
        "the \\Sent mailbox",
        "Where owl send saves copies when the server marks no \\Sent mailbox.",
    ),
    (
        "aliases",
        "array of strings",
        "",
        "Your other addresses, e.g. [\"me@old.example\"]: owl reply --all leaves them out, as it does email.",
    ),
    (
        "smime_ca_file",
        "string",
        "the system roots",
        "A PEM file of the certificates trusted for S/MIME signers (roots or intermediates). The system \
         bundle holds TLS server roots, where most S/MIME signers are untrusted; owl read says which store \
         judged. Relative paths are the config file's directory's; ~ is expanded.",
    ),
    (
        "smime_key",
        "string",
        "",
        "Your S/MIME private key (PEM, encrypted or not): decrypts mail sent to you, signs owl send --sign. \
         Needs smime_cert. owl warns when the file is readable by others.",
    ),
    (
        "smime_cert",
        "string",
        "",
        "Your certificate (PEM; its chain may follow it): sent with signatures, and always encrypted to, \
         so the Sent copy stays readable.",
    ),
    (
        "smime_key_passphrase_command",
        "array of strings, or string",
        "",
        "A command whose first line of output is the key's passphrase, run like password_command (within \
         secret_timeout on a terminal, timeout off one), and only when a message needs the key.",
    ),
    (
        "smime_cert_dir",
        "string",
        "",
        "A directory of recipients' certificates (PEM files, any names) for owl send --encrypt, matched by \
         their email subjectAltName; a recipient without one refuses the send (exit 78), nothing sent.",
    ),
    (
        "persist",
        "integer (seconds) or string (\"10m\", \"off\")",
        "off",
        "Leave a session holder behind (see owl-session(1)): the first run starts one, later runs borrow its \
         logged-in IMAP connections, and it exits after this long without clients, like ssh's ControlPersist. \
         Also allowed at the top of the file, for every account that sets none.",
    ),
];

const IMAP_KEYS: &[(&str, &str, &str, &str)] = &[
    ("port", "integer", "993 (implicit TLS), 143", "The TCP port."),
    (
        "compress",
        "true, false or \"auto\"",
        "\"auto\"",
        "COMPRESS=DEFLATE (after login): true whenever the server offers it, false never. \"auto\" times a NOOP \
         on each connection a backup uses (the fastest of up to three, so a busy machine's late replies do not \
         decide) and compresses when the round trip is 3 ms or more: a wide-area link is \
         slower than the server can deflate, a local one faster. Commands that move little (list, read, flag) \
         never compress. owl fetch --json says what was chosen and why (wire.compression), owl check too.",
    ),
    ("connections", "integer, 1 to 32", "4", "How many connections one run may open."),
    (
        "idle_refresh",
        "integer (seconds) or string",
        "\"25m\"",
        "How often owl idle re-issues IDLE; also how long a silent IDLE is trusted.",
    ),
    ("poll_interval", "integer (seconds) or string", "\"60s\"", "owl idle's NOOP interval for servers without IDLE."),
];

const POP3_KEYS: &[(&str, &str, &str, &str)] = &[
    ("port", "integer", "995 (implicit TLS), 110", "The TCP port."),
    (
        "auth",
        "string",
        "\"auto\"",
        "\"auto\" (AUTH PLAIN, else USER/PASS; both only over TLS), \"apop\", \"user\" or \"plain\".",
    ),
    ("policy", "string", "\"keep\"", "\"keep\", or \"delete\" each message once its local copy is durable."),
    ("delete_after_days", "integer", "", "Delete messages stored more than this many days ago."),
];

const SMTP_KEYS: &[(&str, &str, &str, &str)] = &[("port", "integer", "465 (implicit TLS), 587", "The TCP port.")];

const FETCH_KEYS: &[(&str, &str, &str, &str)] = &[
    ("into", "string", "", "The store: \"maildir:PATH\" or \"mbox:PATH\" (a leading ~/ expands)."),
    ("mailboxes", "array of strings", "all", "The mailboxes owl fetch backs up."),
    ("exclude", "array of strings", "", "Mailboxes to leave out: patterns with * and ?."),
];

/// `[accounts.NAME.mailboxes]`: the special mailboxes, by name.
const MAILBOXES_KEYS: &[(&str, &str, &str, &str)] = &[
    ("sent", "string", "the \\Sent mailbox", "Where owl send, reply and forward save the copy of what they send."),
    ("trash", "string", "the \\Trash mailbox", "Where owl delete moves messages (without --expunge)."),
    ("drafts", "string", "the \\Drafts mailbox", "The Drafts mailbox."),
    ("junk", "string", "the \\Junk mailbox", "The Junk mailbox."),
    ("archive", "string", "the \\Archive mailbox", "The Archive mailbox."),
];

fn key_table(out: &mut String, keys: &[(&str, &str, &str, &str)]) {
    for (key, ty, default, meaning) in keys {
        let default = if default.is_empty() { String::new() } else { format!("; default {}", escape(default)) };
        out.push_str(&format!(".TP\n\\fB{}\\fR (\\fI{}\\fR{default})\n{}\n", escape(key), escape(ty), escape(meaning)));
    }
}

/// Every key `owl-config(5)` documents, by table, for the test that the
/// page misses none the parser accepts.
#[cfg(test)]
fn config_keys() -> Vec<(&'static str, &'static str)> {
    let mut keys = Vec::new();
    for (table, list) in [
        ("server", SERVER_KEYS),
        ("account", ACCOUNT_KEYS),
        ("imap", IMAP_KEYS),
        ("pop3", POP3_KEYS),
        ("smtp", SMTP_KEYS),
        ("fetch", FETCH_KEYS),
        ("mailboxes", MAILBOXES_KEYS),
    ] {
        keys.extend(list.iter().map(|k| (table, k.0)));
    }
    keys
}

/// `owl-config(5)`.
pub fn config_page(version: &str) -> Vec<u8> {
    let mut out = format!(".TH owl-config 5 \"\" \"owl {version}\"\n");
    out.push_str(".SH NAME\nowl\\-config \\- the owl configuration file\n");
    out.push_str(".SH SYNOPSIS\n~/.config/owl/config.toml\n");
    out.push_str(&format!(
        ".SH DESCRIPTION\n{}\n.PP\n{}\n",
        escape(
            "One TOML file with one [accounts.NAME] table per account, each with optional [accounts.NAME.imap], \
             [accounts.NAME.pop3], [accounts.NAME.smtp], [accounts.NAME.fetch] and [accounts.NAME.mailboxes] \
             sections. Unknown keys, keys in \
             the wrong section and bad values are errors naming the file, the line and the key (exit 78)."
        ),
        escape(
            "The server keys may be written once in the account table, where every server section that does not \
             set its own inherits them. Exactly one of password_command, password_env, password and \
             oauth2_token_command must be given for each server, in its section or the account table."
        )
    ));
    out.push_str(".SH \"ACCOUNT KEYS\"\n");
    key_table(&mut out, ACCOUNT_KEYS);
    out.push_str(".SH \"SERVER KEYS\"\n");
    out.push_str(&escape("In [accounts.NAME.imap], [accounts.NAME.pop3], [accounts.NAME.smtp], or the account table."));
    out.push('\n');
    key_table(&mut out, SERVER_KEYS);
    out.push_str(".SH \"[accounts.NAME.imap]\"\n");
    key_table(&mut out, IMAP_KEYS);
    out.push_str(".SH \"[accounts.NAME.pop3]\"\n");
    key_table(&mut out, POP3_KEYS);
    out.push_str(".SH \"[accounts.NAME.smtp]\"\n");
    key_table(&mut out, SMTP_KEYS);
    out.push_str(".SH \"[accounts.NAME.fetch]\"\n");
    key_table(&mut out, FETCH_KEYS);
    out.push_str(".SH \"[accounts.NAME.mailboxes]\"\n");
    out.push_str(&escape(
        "The special mailboxes by name, e.g. trash = \"INBOX.Deleted\": a name given here wins over what the \
         server marks (SPECIAL-USE); without either, owl looks for the usual names (Sent, Sent Items, Trash, \
         Deleted Items, ...) in the personal namespace and at the top.",
    ));
    out.push('\n');
    key_table(&mut out, MAILBOXES_KEYS);
    out.push_str(&tagged("ENVIRONMENT", &ENVIRONMENT[..2]));
    out.push_str(&tagged("FILES", &[CONFIG_FILE]));
    out.push_str(".SH EXAMPLES\n.PP\nOne account with IMAP and SMTP, the password from pass(1):\n.RS 4\n.nf\n");
    out.push_str(&escape(
        "[accounts.work]\ndefault = true\nemail = \"me@example.com\"\nname = \"Me Myself\"\n\
         password_command = [\"pass\", \"show\", \"mail/work\"]\n\n[accounts.work.imap]\nhost = \"imap.example.com\"\n\n\
         [accounts.work.smtp]\nhost = \"smtp.example.com\"\nport = 587\n\n[accounts.work.fetch]\n\
         into = \"maildir:~/Mail/work\"\nexclude = [\"Trash\", \"Junk*\"]",
    ));
    out.push_str("\n.fi\n.RE\n.PP\nGmail through an OAuth 2.0 token helper:\n.RS 4\n.nf\n");
    out.push_str(&escape(
        "[accounts.gmail]\nemail = \"me@gmail.com\"\noauth2_token_command = [\"oama\", \"access\", \"me@gmail.com\"]\n\n\
         [accounts.gmail.imap]\nhost = \"imap.gmail.com\"\n\n[accounts.gmail.smtp]\nhost = \"smtp.gmail.com\"\nport = 465",
    ));
    out.push_str("\n.fi\n.RE\n.SH \"SEE ALSO\"\n\\fBowl\\fR(1), \\fBowl\\-check\\fR(1)\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::raw;

    #[test]
    fn owl_config_5_documents_every_key_the_parser_accepts() {
        let documented = config_keys();
        let has = |table: &str, key: &str| documented.contains(&(table, key));
        for key in raw::Account::OWN_KEYS.iter().filter(|k| !["imap", "pop3", "smtp", "fetch", "mailboxes"].contains(k))
        {
            assert!(has("account", key), "account key {key} is not in owl-config(5)");
        }
        for (table, keys) in
            [("imap", raw::Imap::OWN_KEYS), ("pop3", raw::Pop3::OWN_KEYS), ("smtp", raw::Smtp::OWN_KEYS)]
        {
            for key in keys {
                assert!(has(table, key), "[{table}] key {key} is not in owl-config(5)");
            }
        }
        // Each server key the page documents is one the parser takes.
        for (_, key) in documented.iter().filter(|(t, _)| *t == "server") {
            let toml = format!("[accounts.a]\nemail = \"a@b.c\"\n[accounts.a.imap]\n{key} = 0\n");
            let err = crate::config::parse(std::path::Path::new("c.toml"), &toml).err().map(|e| e.to_string());
            assert!(!err.unwrap_or_default().contains("unknown field"), "{key} is not a key");
        }
        // [accounts.NAME.mailboxes] refuses unknown keys: each one the page
        // documents parses.
        for (_, key) in documented.iter().filter(|(t, _)| *t == "mailboxes") {
            let toml = format!("[accounts.a]\nemail = \"a@b.c\"\n[accounts.a.mailboxes]\n{key} = \"X\"\n");
            let err = crate::config::parse(std::path::Path::new("c.toml"), &toml).err().map(|e| e.to_string());
            assert!(!err.unwrap_or_default().contains("unknown field"), "mailboxes key {key} is not a key");
        }
        let page = String::from_utf8(config_page("0")).unwrap();
        for (_, key) in &documented {
            assert!(page.contains(&format!("\\fB{}\\fR", escape(key))), "{key} missing from the page");
        }
    }
}
