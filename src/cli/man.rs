//! The man page sections clap cannot derive: EXIT STATUS (from
//! [`crate::error::EXIT_CODES`], the table the code uses), ENVIRONMENT,
//! FILES, EXAMPLES and SEE ALSO for `owl(1)` and each `owl-COMMAND(1)`,
//! and the whole of `owl-config(5)`. Plain roff text, joined to what
//! clap_mangen renders by [`super::assets`].

use crate::error::EXIT_CODES;

/// Text made safe for roff: backslashes escaped, and a line never starts
/// with a control character.
pub fn escape(text: &str) -> String {
    let text = text.replace('\\', "\\e").replace('-', "\\-");
    text.lines()
        .map(|l| if l.starts_with('.') || l.starts_with('\'') { format!("\\&{l}") } else { l.to_string() })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `.SH NAME` followed by tagged paragraphs: bold tag, roman text.
pub(super) fn tagged(heading: &str, items: &[(&str, &str)]) -> String {
    let mut out = format!(".SH \"{heading}\"\n");
    for (tag, text) in items {
        out.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", escape(tag), escape(text)));
    }
    out
}

/// The environment variables every command reads.
pub(super) const ENVIRONMENT: &[(&str, &str)] = &[
    ("OWL_CONFIG", "The config file, as -c PATH gives it (-c wins)."),
    ("HOME", "Expands a leading ~ in store paths (maildir:~/Mail) and locates the default directories below."),
    ("XDG_CONFIG_HOME", "The config directory (default ~/.config): the config is $XDG_CONFIG_HOME/owl/config.toml."),
    (
        "XDG_DATA_HOME",
        "The data directory (default ~/.local/share): the outbox is $XDG_DATA_HOME/owl/outbox/ACCOUNT/, drafts \
         being edited are kept in $XDG_DATA_HOME/owl/drafts/ACCOUNT/.",
    ),
    (
        "XDG_STATE_HOME, XDG_RUNTIME_DIR",
        "Not used: a backup keeps its sync state and lock inside the store itself (see FILES).",
    ),
    ("NO_COLOR", "When set and not empty, --color auto (the default) prints no colors."),
    ("TERM", "dumb: no colors in --color auto."),
    ("COLUMNS", "The width tables are fitted to (default: the terminal's; no limit off a terminal)."),
    (
        "PAGER",
        "The pager for long listings and messages on a terminal, run with sh -c (default: less). Empty or cat: \
         no pager; --no-pager: none for this run.",
    ),
    (
        "LESS",
        "Left as it is when set; otherwise owl runs the pager with LESS=FRX (quit when it fits one screen, keep \
         colors, leave the screen as it was).",
    ),
    (
        "VISUAL, EDITOR",
        "The editor owl send, owl reply and owl forward open on a draft on a terminal (or with --edit): VISUAL, \
         else EDITOR, else vi, run with sh -c so that EDITOR=\"code -w\" works. Not used with --body, --body-file \
         or text on standard input.",
    ),
    (
        "TZ",
        "The time zone of the dates tables and owl read show (JSON dates are RFC 3339 with their offset, whatever \
         TZ says).",
    ),
    (
        "SSL_CERT_FILE, SSL_CERT_DIR",
        "Where OpenSSL (Linux and other Unix systems) finds the system's trusted CA certificates. Ignored for an \
         account with ca_file, which replaces the system roots; on macOS the Keychain is used instead.",
    ),
    ("password_env", "The variable an account's password_env names holds its password (see owl-config(5))."),
    (
        "OWL_COMPLETE",
        "Set (to bash, zsh or fish) by the completion scripts of owl completions: owl then prints the candidates \
         for the command line after -- instead of running it. Empty or 0: ignored.",
    ),
];

/// What `owl idle --exec` commands receive besides the event as JSON on
/// their standard input (src/cmd/idle/hooks.rs).
const HOOK_ENVIRONMENT: &[(&str, &str)] = &[
    ("OWL_EVENT", "new, expunge or flags (set for --exec commands)."),
    ("OWL_ACCOUNT", "The account's name in the config."),
    ("OWL_MAILBOX", "The mailbox."),
    ("OWL_UID", "The message's UID."),
    ("OWL_FROM", "new: the first From, Name <addr>; empty otherwise."),
    ("OWL_SUBJECT", "new: the decoded subject; empty otherwise."),
];

pub(super) const CONFIG_FILE: (&str, &str) = (
    "~/.config/owl/config.toml",
    "The config ($XDG_CONFIG_HOME/owl/config.toml; on macOS ~/Library/Application Support/owl/config.toml), \
     unless -c or OWL_CONFIG names another. See owl-config(5).",
);
const STORE_FILES: &[(&str, &str)] = &[
    (
        "STORE/A/B/{cur,new,tmp}, STORE/A/B.mbox",
        "Mailbox A/B of a backup: a Maildir, or an mboxrd file, under the store's root.",
    ),
    (
        "STORE/.owl/tmp/lock",
        "The store lock: one owl run per store; holds the holder's pid. A second run waits (--wait) or exits 75.",
    ),
    ("STORE/.owl/tmp/format", "The store's format, fixed when it was created."),
    ("STORE/.owl/tmp/spool/", "Messages being written; cleaned up by the next run after a crash."),
    (
        "STORE/.owl/tmp/mailboxes/A/B/.state.json",
        "Mailbox A/B's sync state (UIDVALIDITY, the last UID, failed messages and their next try); \
         .remote.json beside it maps POP3 UIDLs to local UIDs.",
    ),
];
const OUTBOX_FILES: &[(&str, &str)] = &[
    (
        "~/.local/share/owl/outbox/ACCOUNT/ID/",
        "One message waiting to be sent ($XDG_DATA_HOME/owl/outbox): message.eml, copy.eml (the Sent copy) and \
         envelope.json.",
    ),
    ("~/.local/share/owl/outbox/ACCOUNT/rejected/", "Messages a server refused for good: kept, never retried."),
    ("~/.local/share/owl/outbox/ACCOUNT/dropped/", "Entries set aside with owl send --drop."),
    ("~/.local/share/owl/outbox/ACCOUNT/.lock", "Keeps two runs from sending the same entry."),
    (
        "~/.local/share/owl/drafts/ACCOUNT/",
        "Drafts opened in the editor ($XDG_DATA_HOME/owl/drafts; mode 0700, each file 0600). A draft that could \
         not be sent is kept there, and the error names it.",
    ),
];

/// One page's own parts.
struct Page {
    /// The subcommand (`""`: owl itself).
    name: &'static str,
    /// Command lines and what they do.
    examples: &'static [(&'static str, &'static str)],
    /// Other owl pages worth reading, beside owl(1) and owl-config(5).
    see_also: &'static [&'static str],
}

const PAGES: &[Page] = &[
    Page {
        name: "",
        examples: &[
            ("owl check", "Test TLS, the certificate and login for the default account."),
            ("owl list", "The mailboxes with their totals, unseen counts and sizes."),
            ("owl -a work list INBOX --unseen --json | jq -r '.[].subject'", "Unseen subjects of account work."),
            ("owl -q fetch --into maildir:~/Mail/work", "An incremental backup, silent unless it fails (for cron)."),
            ("owl schema list", "The JSON Schema of owl list --json."),
        ],
        see_also: &[
            "init",
            "check",
            "list",
            "read",
            "fetch",
            "send",
            "reply",
            "forward",
            "search",
            "flag",
            "move",
            "copy",
            "delete",
            "mailbox",
            "idle",
            "session",
            "schema",
            "completions",
        ],
    },
    Page {
        name: "list",
        examples: &[
            ("owl list", "The mailboxes with their counts."),
            ("owl list INBOX -n 20 --unseen", "The 20 newest unseen messages."),
            ("owl list Archive --sort size --reverse --json", "Every message of Archive, largest first, as JSON."),
            ("owl list --local maildir:~/Mail/work INBOX", "A backup's INBOX, offline."),
        ],
        see_also: &["search", "fetch"],
    },
    Page {
        name: "fetch",
        examples: &[
            ("owl fetch --into maildir:~/Mail/work", "Back every mailbox up, incrementally."),
            ("owl fetch INBOX Sent --since 30d --max-size 10M", "Two mailboxes, recent and not too large."),
            ("owl fetch --exclude 'Trash' --exclude 'Junk*' --dry-run", "What a backup would download."),
            ("owl fetch INBOX 42", "Read message 42 (through the pager on a terminal)."),
            ("owl fetch INBOX 42 --raw > 42.eml", "Its exact bytes."),
        ],
        see_also: &["list", "idle", "search"],
    },
    Page {
        name: "send",
        examples: &[
            ("owl send --to ann@example.org -s 'Report' --attach report.pdf < body.txt", "Compose and send."),
            ("owl send --raw < message.eml", "Send a whole message as it is."),
            ("git config sendemail.sendmailCmd 'owl send --raw'", "Let git send-email send through owl."),
            ("owl send --queue", "What waits in the outbox."),
            ("owl send --flush", "Send what waits, nothing new (e.g. from cron)."),
        ],
        see_also: &["check"],
    },
    Page {
        name: "search",
        examples: &[
            ("owl search from:bank since:7d", "This week's mail from the bank, in INBOX."),
            ("owl search --all is:unseen has:attachment", "Unseen mail with attachments, in every mailbox."),
            ("owl search --count --all 'subject:\"invoice\"'", "How many invoices each mailbox holds."),
            ("owl search --local maildir:~/Mail/work from:ann", "Search a backup offline."),
        ],
        see_also: &["list", "fetch"],
    },
    Page {
        name: "idle",
        examples: &[
            ("owl idle", "Watch INBOX, one line per change."),
            ("owl idle --all --json", "Watch every mailbox; one JSON object per line."),
            ("owl idle --exec 'notify-send \"$OWL_SUBJECT\"' --shell", "A desktop notification per event."),
            ("owl idle --fetch", "Back each new message up as it arrives."),
            ("owl idle --once --timeout 10m", "Wait at most ten minutes for one new message."),
        ],
        see_also: &["fetch", "list"],
    },
    Page {
        name: "check",
        examples: &[
            ("owl check", "The default account's servers."),
            ("owl check work --json", "Account work, as JSON."),
        ],
        see_also: &["list", "send"],
    },
    Page {
        name: "read",
        examples: &[
            ("owl read INBOX 42", "Read message 42 through the pager; it is marked seen once shown."),
            ("owl read INBOX 42 --peek", "Read it and leave it unseen."),
            ("owl read INBOX 42 --html", "Read the HTML part made readable, not the plain one."),
            ("owl read INBOX 42 --save-attachments ~/Downloads", "Save its attachments under safe names."),
            ("owl read INBOX 42 --json | jq -r .text", "Its text, for a script (and it is marked seen)."),
            ("owl read --local maildir:~/Mail/work INBOX 42", "The same message in a backup, offline."),
        ],
        see_also: &["list", "search", "fetch", "reply", "flag"],
    },
    Page {
        name: "reply",
        examples: &[
            ("owl reply INBOX 42", "Answer message 42 in the editor, the quote already in the draft."),
            ("owl reply INBOX 42 --all", "Answer every recipient too (or Mail-Followup-To)."),
            ("owl reply INBOX 42 --body 'Thanks, done.'", "Answer without an editor, for a script."),
            ("owl reply INBOX 42 --dry-run < answer.txt", "The reply that would be sent, with stdin's text."),
        ],
        see_also: &["read", "forward", "send"],
    },
    Page {
        name: "forward",
        examples: &[
            ("owl forward INBOX 42 --to bob@example.org", "Forward message 42 inline, writing a note in the editor."),
            ("owl forward INBOX 42 --to bob@example.org --attach --body 'FYI'", "Forward it as an attachment."),
            ("owl forward INBOX 42 --to bob@example.org --cc ann@example.org --dry-run", "What would be sent."),
        ],
        see_also: &["read", "reply", "send"],
    },
    Page {
        name: "flag",
        examples: &[
            ("owl flag INBOX 12,14 +seen -flagged", "Mark two messages seen and not flagged."),
            ("owl flag INBOX 1:* +seen", "Mark every message of INBOX seen."),
            ("owl search --json is:unseen from:bank | owl flag INBOX - +seen", "Mark what a search found seen."),
            ("owl flag Archive 7 +'$Label1'", "Set a keyword."),
        ],
        see_also: &["list", "search", "move", "delete"],
    },
    Page {
        name: "move",
        examples: &[
            ("owl move INBOX 5 Archive", "Move message 5 to Archive."),
            ("owl search --json from:bank since:30d | owl move INBOX - Archive", "Move what a search found."),
            ("owl move INBOX 1:20 Old --json", "Move twenty messages and print their new UIDs as JSON."),
        ],
        see_also: &["copy", "delete", "flag", "search", "mailbox"],
    },
    Page {
        name: "copy",
        examples: &[
            ("owl copy INBOX 5 Archive", "Copy message 5 to Archive; INBOX keeps it."),
            ("owl list INBOX --json --unseen | owl copy INBOX - ToDo", "Copy the unseen messages."),
        ],
        see_also: &["move", "flag", "search", "mailbox"],
    },
    Page {
        name: "delete",
        examples: &[
            ("owl delete INBOX 7", "Move message 7 to Trash."),
            ("owl delete Trash 1:* --expunge", "Remove every message of Trash for good."),
            ("owl search --json from:spam@example.com | owl delete INBOX -", "Move what a search found to Trash."),
        ],
        see_also: &["move", "flag", "search", "mailbox"],
    },
    Page {
        name: "mailbox",
        examples: &[
            ("owl mailbox create Archive/2026", "Create a mailbox."),
            ("owl mailbox rename Archive/2026 Archive/Old", "Rename it."),
            ("owl mailbox delete Archive/Old --force", "Delete it and the messages in it."),
        ],
        see_also: &["list", "move", "copy"],
    },
    Page {
        name: "init",
        examples: &[
            ("owl init", "Set an account up: asks for the address, finds the servers, checks login."),
            (
                "owl init --yes --email me@example.com --name work --password-command 'pass show mail/work'",
                "The same from a script: every question is a flag.",
            ),
            ("owl init --yes --email me@example.com --imap-host imap.example.com --json", "Report as JSON."),
        ],
        see_also: &["check", "list"],
    },
    Page {
        name: "session",
        examples: &[
            ("owl session start", "Log in once; later runs of the default account borrow the warm connection."),
            ("owl session status", "The running holders, their connections, state and age."),
            ("owl -a work session stop", "Stop account work's holder (without -a: every holder)."),
            ("for uid in $(seq 1 50); do owl read INBOX $uid --raw > $uid.eml; done", "Fast, with a holder."),
        ],
        see_also: &["check", "list", "read"],
    },
    Page {
        name: "completions",
        examples: &[
            ("owl completions bash > ~/.local/share/bash-completion/completions/owl", "Bash completions."),
            ("source <(owl completions bash)", "Or load them in ~/.bashrc."),
            ("owl completions zsh > ~/.zfunc/_owl", "Zsh completions (with ~/.zfunc in fpath)."),
            ("owl completions fish > ~/.config/fish/completions/owl.fish", "Fish completions."),
        ],
        see_also: &[],
    },
    Page {
        name: "schema",
        examples: &[
            ("owl schema", "The names of the schemas."),
            ("owl schema list > list.schema.json", "The schema of owl list --json, for a validator."),
            ("owl schema error", "The object a failing command prints on stderr under --json."),
        ],
        see_also: &["list", "fetch", "send", "search", "idle", "check", "read", "flag", "init"],
    },
];

/// The sections after OPTIONS for `owl(1)` (`sub` empty) or
/// `owl-SUB(1)`.
pub fn sections(sub: &str) -> String {
    let page = PAGES.iter().find(|p| p.name == sub);
    let mut out = String::from(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in EXIT_CODES {
        out.push_str(&format!(".TP\n\\fB{code}\\fR\n{}\n", escape(meaning)));
    }
    out.push_str(".PP\n");
    out.push_str(&escape(
        "A scheduler should try again later on 75 (and may on 69, a server that is down or in maintenance); the \
         other codes need a person: fix the config (78), the password (77), the certificate (69) or the command \
         line (64) first.",
    ));
    out.push('\n');
    let mut env: Vec<(&str, &str)> = ENVIRONMENT.to_vec();
    if sub.is_empty() || sub == "idle" {
        env.extend_from_slice(HOOK_ENVIRONMENT);
    }
    out.push_str(&tagged("ENVIRONMENT", &env));
    let mut files = vec![CONFIG_FILE];
    if matches!(sub, "" | "fetch" | "idle" | "list" | "search" | "read") {
        files.extend_from_slice(STORE_FILES);
    }
    if matches!(sub, "" | "send" | "reply" | "forward") {
        files.extend_from_slice(OUTBOX_FILES);
    }
    out.push_str(&tagged("FILES", &files));
    let examples = page.map_or(&[][..], |p| p.examples);
    out.push_str(".SH EXAMPLES\n");
    for (line, what) in examples {
        out.push_str(&format!(".PP\n{}\n.RS 4\n.nf\n{}\n.fi\n.RE\n", escape(what), escape(line)));
    }
    let mut refs: Vec<String> = Vec::new();
    if !sub.is_empty() {
        refs.push("\\fBowl\\fR(1)".to_string());
    }
    for other in page.map_or(&[][..], |p| p.see_also) {
        refs.push(format!("\\fBowl\\-{other}\\fR(1)"));
    }
    refs.push("\\fBowl\\-config\\fR(5)".to_string());
    out.push_str(&format!(".SH \"SEE ALSO\"\n{}\n", refs.join(", ")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_keeps_roff_controls_out_of_text() {
        assert_eq!(escape(".hidden\n'quote\na\\b -x"), "\\&.hidden\n\\&'quote\na\\eb \\-x");
    }
}
