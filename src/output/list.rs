//! Renders `owl list` results.

use super::table::{self, Align, Column};
use super::{Format, Output};
use super::{pager, when};
use crate::cmd::list::{Listing, MailboxRow, MessageRow};
use crate::error::Result;
use crate::model::size::format_size;

/// Prints a listing as a table (a long one paged on a terminal, unless
/// `page` is false) or JSON.
pub fn print(out: &Output, listing: &Listing, page: bool) -> Result<()> {
    match (out.format, listing) {
        (Format::Json, Listing::Mailboxes(rows)) => out.json(rows),
        (Format::Json, Listing::Messages(rows, _)) => out.json(rows),
        (Format::Json, Listing::Pop3(rows)) => out.json(rows),
        (Format::Table, Listing::Pop3(rows)) => out.text(&pop3_table(rows, out.width, out.color)),
        (Format::Table, Listing::Mailboxes(rows)) => out.text(&mailboxes_table(rows, out.width, out.color)),
        (Format::Table, Listing::Messages(rows, more)) => {
            pager::show(out, &(messages_table(rows, out.width, out.color) + &more_line(*more)), page)
        }
    }
}

/// What a page left out, and how to see it (empty when nothing was).
pub fn more_line(more: u64) -> String {
    match more {
        0 => String::new(),
        n => format!("... {n} more message(s): -n 0 shows all, -p 2 the next page\n"),
    }
}

/// The mailbox table.
pub fn mailboxes_table(rows: &[MailboxRow], width: Option<usize>, color: bool) -> String {
    let with_size = rows.iter().any(|r| r.size.is_some());
    let mut columns = vec![
        Column { header: "MAILBOX", align: Align::Left, flex: true },
        Column { header: "USE", align: Align::Left, flex: false },
        Column { header: "TOTAL", align: Align::Right, flex: false },
        Column { header: "UNSEEN", align: Align::Right, flex: false },
    ];
    if with_size {
        columns.push(Column { header: "SIZE", align: Align::Right, flex: false });
    }
    let number = |n: Option<u32>| n.map_or_else(|| "-".to_string(), |n| n.to_string());
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut row =
                vec![r.name.clone(), r.special_use.clone().unwrap_or_default(), number(r.total), number(r.unseen)];
            if with_size {
                row.push(r.size.map_or_else(|| "-".to_string(), format_size));
            }
            row
        })
        .collect();
    let bold: Vec<bool> = rows.iter().map(|r| r.unseen.unwrap_or(0) > 0).collect();
    table::render(&columns, &cells, width, color, &bold)
}

/// The message table.
pub fn messages_table(rows: &[MessageRow], width: Option<usize>, color: bool) -> String {
    render_messages(rows, width, color, date_style(width))
}

fn render_messages(rows: &[MessageRow], width: Option<usize>, color: bool, date: impl Fn(i64) -> String) -> String {
    if rows.is_empty() {
        return "no messages\n".to_string();
    }
    let columns = [
        Column { header: "UID", align: Align::Right, flex: false },
        Column { header: "DATE", align: Align::Left, flex: false },
        Column { header: "FROM", align: Align::Left, flex: true },
        Column { header: "SUBJECT", align: Align::Left, flex: true },
        Column { header: "FLAGS", align: Align::Left, flex: false },
        Column { header: "SIZE", align: Align::Right, flex: false },
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.uid.to_string(),
                r.sent.or_else(|| r.date.as_deref().and_then(when::parse_rfc3339)).map(&date).unwrap_or_default(),
                r.from_name.clone().or_else(|| r.from_address.clone()).unwrap_or_default(),
                r.subject.clone(),
                flag_letters(&r.flags),
                format_size(u64::from(r.size)),
            ]
        })
        .collect();
    let bold: Vec<bool> = rows.iter().map(|r| !r.seen).collect();
    table::render(&columns, &cells, width, color, &bold)
}

/// The POP3 maildrop table.
pub fn pop3_table(rows: &[crate::cmd::list::pop3::Pop3Row], width: Option<usize>, color: bool) -> String {
    if rows.is_empty() {
        return "no messages\n".to_string();
    }
    let columns = [
        Column { header: "NR", align: Align::Right, flex: false },
        Column { header: "UIDL", align: Align::Left, flex: true },
        Column { header: "DATE", align: Align::Left, flex: false },
        Column { header: "FROM", align: Align::Left, flex: true },
        Column { header: "SUBJECT", align: Align::Left, flex: true },
        Column { header: "SIZE", align: Align::Right, flex: false },
    ];
    let date = date_style(width);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.number.to_string(),
                r.uidl.clone().unwrap_or_default(),
                r.date.as_deref().and_then(when::parse_rfc3339).map(&date).unwrap_or_default(),
                r.from.clone(),
                r.subject.clone(),
                format_size(r.size),
            ]
        })
        .collect();
    table::render(&columns, &cells, width, color, &[])
}

/// How the DATE column shows a date, in the local zone: in full where
/// the table has room, else short (the time today, `Nov 30` this year,
/// `2025-11-30` before), so the subject keeps its room.
fn date_style(width: Option<usize>) -> impl Fn(i64) -> String {
    let now = when::now();
    let narrow = width.is_some_and(|w| w < WIDE);
    move |ts| if narrow { when::compact(ts, now) } else { when::local(ts) }
}

/// Width from which dates are shown in full.
const WIDE: usize = 110;

/// Flags as mutt shows them: N new, F flagged, R replied, D draft, T deleted.
fn flag_letters(flags: &[String]) -> String {
    let has = |f: &str| flags.iter().any(|x| x.eq_ignore_ascii_case(f));
    let mut out = String::new();
    if !has("\\Seen") {
        out.push('N');
    }
    for (flag, letter) in [("\\Flagged", 'F'), ("\\Answered", 'R'), ("\\Draft", 'D'), ("\\Deleted", 'T')] {
        if has(flag) {
            out.push(letter);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_table_at_a_fixed_width() {
        let rows = vec![MessageRow {
            mailbox: "INBOX".into(),
            uid: 42,
            uidvalidity: Some(7),
            date: Some("2026-11-20T09:05:00+01:00".into()),
            from: "Jürgen Müller <jm@example.de>".into(),
            from_name: Some("Jürgen Müller".into()),
            from_address: Some("jm@example.de".into()),
            subject: "Grüße".into(),
            flags: vec!["\\Flagged".into()],
            seen: false,
            size: 2048,
            file: None,
            received: None,
            sent: None,
        }];
        // The date's form depends on the zone and today (output/when.rs).
        let text = render_messages(&rows, Some(80), false, |_| "Nov 20".into());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "UID  DATE    FROM           SUBJECT  FLAGS   SIZE");
        assert_eq!(lines[1], " 42  Nov 20  Jürgen Müller  Grüße    NF     2 KiB");
        assert_eq!(date_style(Some(80))(when::now()).len(), 5, "a narrow table shows today's time");
        assert_eq!(date_style(Some(120))(0).len(), 16, "a wide one the full date");
    }
}
