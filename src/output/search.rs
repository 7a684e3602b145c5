//! Renders `owl search` results: message rows (with their mailbox, and
//! file for a local search) or counts.

use super::list::{messages_table, more_line};
use super::table::{self, Align, Column};
use super::{Format, Output};
use crate::cmd::search::Found;
use crate::error::Result;

/// Prints results as a table or JSON.
pub fn print(out: &Output, found: &Found) -> Result<()> {
    match (out.format, found) {
        (Format::Json, Found::Rows(rows, _)) => out.json(rows),
        (Format::Json, Found::Counts(counts)) => out.json(counts),
        (Format::Table, Found::Rows(rows, more)) => {
            if rows.is_empty() {
                return out.text("no messages match\n");
            }
            // Group by mailbox only when there is more than one.
            let several = rows.iter().any(|r| r.mailbox != rows[0].mailbox);
            if !several {
                return out.text(&(messages_table(rows, out.width, out.color) + &more_line(*more)));
            }
            let mut text = String::new();
            let mut names: Vec<&str> = rows.iter().map(|r| r.mailbox.as_str()).collect();
            names.dedup();
            let mut order: Vec<&str> = Vec::new();
            for name in names {
                if !order.contains(&name) {
                    order.push(name);
                }
            }
            for name in order {
                let group: Vec<_> = rows.iter().filter(|r| r.mailbox == name).cloned().collect();
                text.push_str(&format!("{}\n", super::safe::line(name)));
                text.push_str(&messages_table(&group, out.width, out.color));
                text.push('\n');
            }
            text.push_str(&more_line(*more));
            out.text(&text)
        }
        (Format::Table, Found::Counts(counts)) => {
            let columns = [
                Column { header: "MAILBOX", align: Align::Left, flex: true },
                Column { header: "MATCHES", align: Align::Right, flex: false },
            ];
            let rows: Vec<Vec<String>> = counts.iter().map(|c| vec![c.mailbox.clone(), c.count.to_string()]).collect();
            out.text(&table::render(&columns, &rows, out.width, out.color, &[]))
        }
    }
}
