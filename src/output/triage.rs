//! Renders what `owl flag`, `move`, `copy`, `delete` and `owl mailbox`
//! did: a line per change (and the flags each message has now), or the
//! report as JSON.

use super::safe;
use super::{Format, Output};
use crate::cmd::mailbox_admin::MailboxChange;
use crate::cmd::triage::Report;
use crate::error::Result;
use crate::uidset::UidSet;

/// Prints a triage report.
pub fn print(out: &Output, report: &Report) -> Result<()> {
    match out.format {
        Format::Json => out.json(report),
        Format::Table => out.text(&text(report)),
    }
}

/// Prints what `owl mailbox` changed.
pub fn print_mailbox(out: &Output, change: &MailboxChange) -> Result<()> {
    match out.format {
        Format::Json => out.json(change),
        Format::Table => {
            let line = match (change.action, &change.new_name, change.messages) {
                ("rename", Some(new), _) => format!("renamed \"{}\" to \"{new}\"", change.mailbox),
                ("delete", _, Some(n)) if n > 0 => format!("deleted \"{}\" and its {n} message(s)", change.mailbox),
                ("delete", _, _) => format!("deleted \"{}\"", change.mailbox),
                _ => format!("created \"{}\"", change.mailbox),
            };
            out.text(&(safe::line(&line).into_owned() + "\n"))
        }
    }
}

/// `1:3,7`, for people.
fn compact(uids: &[u32]) -> String {
    let set = UidSet::from_unsorted(uids.to_vec());
    let parts: Vec<String> =
        set.ranges().map(|(lo, hi)| if lo == hi { lo.to_string() } else { format!("{lo}:{hi}") }).collect();
    parts.join(",")
}

/// The report as lines of text.
pub fn text(report: &Report) -> String {
    let n = report.uids.len();
    let (mailbox, uids) = (&report.mailbox, compact(&report.uids));
    let dest = report.destination.as_deref().unwrap_or_default();
    let new = if report.new_uids.is_empty() {
        String::new()
    } else {
        let new: Vec<u32> = report.new_uids.iter().map(|m| m.new_uid).collect();
        format!(", now UIDs {} there", compact(&new))
    };
    let kept = report.expunged == Some(false);
    let mut lines = Vec::new();
    if n == 0 {
        lines.push(format!("\"{mailbox}\": no message to {}", report.action));
    } else {
        lines.push(match report.action {
            "flag" => {
                let changes: Vec<String> = report
                    .added
                    .iter()
                    .map(|f| format!("+{f}"))
                    .chain(report.removed.iter().map(|f| format!("-{f}")))
                    .collect();
                format!("\"{mailbox}\": {} on {n} message(s) (UIDs {uids})", changes.join(" "))
            }
            "copy" => format!("copied {n} message(s) (UIDs {uids}) from \"{mailbox}\" to \"{dest}\"{new}"),
            "expunge" if kept => format!(
                "marked {n} message(s) (UIDs {uids}) \\Deleted in \"{mailbox}\"; NOT expunged: the server has no \
                 UIDPLUS"
            ),
            "expunge" => format!("expunged {n} message(s) (UIDs {uids}) from \"{mailbox}\" for good"),
            _ if kept => format!(
                "copied {n} message(s) (UIDs {uids}) from \"{mailbox}\" to \"{dest}\"{new} and marked them \\Deleted; \
                 NOT expunged: the server has neither MOVE nor UIDPLUS"
            ),
            _ => format!("moved {n} message(s) (UIDs {uids}) from \"{mailbox}\" to \"{dest}\"{new}"),
        });
    }
    for m in &report.flags {
        lines.push(format!("  {:>8}  {}", m.uid, m.flags.join(" ")));
    }
    let mut out = String::new();
    for line in lines {
        out.push_str(&safe::line(&line));
        out.push('\n');
    }
    out
}
