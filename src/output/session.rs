//! Renders `owl session` results: the holders with their connections, as
//! a table or as `{"holders": [...]}`.

use serde::Serialize;

use super::{Format, Output};
use crate::cmd::session::HolderStatus;
use crate::error::Result;

#[derive(Serialize)]
struct Holders<'a> {
    holders: &'a [HolderStatus],
}

/// Prints `holders`; `headline` (table only) says what happened.
pub fn print(out: &Output, headline: Option<&str>, holders: &[HolderStatus]) -> Result<()> {
    match out.format {
        Format::Json => out.json(&Holders { holders }),
        Format::Table => out.text(&text(headline, holders)),
    }
}

/// One block per holder, one row per connection.
pub fn text(headline: Option<&str>, holders: &[HolderStatus]) -> String {
    let mut text = String::new();
    if let Some(h) = headline {
        text.push_str(h);
        text.push('\n');
    }
    if holders.is_empty() && headline.is_none() {
        text.push_str("no session holder is running\n");
    }
    for h in holders {
        text.push_str(&format!(
            "{}  pid {}  up {}  stays {} without clients (idle {})  {} loans\n",
            super::safe::line(&h.account),
            h.pid,
            age(h.age_seconds),
            age(h.persist_seconds),
            age(h.idle_seconds),
            h.loans
        ));
        text.push_str("  CONN      STATE     AGE  LOANS  COMPRESSED\n");
        for c in &h.connections {
            text.push_str(&format!(
                "  imap#{:<4} {:<8} {:>4}  {:>5}  {}\n",
                c.number,
                c.state,
                age(c.age_seconds),
                c.loans,
                if c.compressed { "yes" } else { "no" }
            ));
        }
    }
    text
}

fn age(seconds: u64) -> String {
    match seconds {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s => format!("{}h", s / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::session::ConnectionStatus;

    #[test]
    fn a_holder_is_a_line_and_a_row_per_connection() {
        let holder = HolderStatus {
            account: "work".into(),
            pid: 42,
            socket: "/run/user/1000/owl/imap-x.sock".into(),
            version: "0.1.0".into(),
            age_seconds: 300,
            persist_seconds: 600,
            idle_seconds: 5,
            loans: 7,
            connections: vec![ConnectionStatus {
                number: 1,
                state: "idle".into(),
                age_seconds: 299,
                compressed: true,
                loans: 7,
            }],
        };
        assert_eq!(
            text(None, &[holder]),
            "work  pid 42  up 5m  stays 10m without clients (idle 5s)  7 loans\n  CONN      STATE     AGE  LOANS  \
             COMPRESSED\n  imap#1    idle       4m      7  yes\n"
        );
        assert_eq!(text(None, &[]), "no session holder is running\n");
    }
}
