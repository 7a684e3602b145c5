//! Plain-text tables fitted to a width: columns marked flexible give up
//! room (their cells truncated with `…`) until the table fits. Widths are
//! display widths, so CJK and emoji line up. Cells come from servers and
//! messages, so their control characters are made visible ([`super::safe`]).
//! Pure: returns a string.

use console::{measure_text_width, truncate_str};

/// Horizontal alignment of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
}

/// One column's shape.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Header text.
    pub header: &'static str,
    /// Alignment of cells.
    pub align: Align,
    /// Whether it may shrink to fit the width.
    pub flex: bool,
}

const GAP: usize = 2;
const MIN_FLEX: usize = 6;

/// Renders `rows` under `columns`. `width` limits the line length;
/// `bold_rows` marks rows to emphasise when `color` is on.
pub fn render(
    columns: &[Column],
    rows: &[Vec<String>],
    width: Option<usize>,
    color: bool,
    bold_rows: &[bool],
) -> String {
    let rows: Vec<Vec<String>> =
        rows.iter().map(|row| row.iter().map(|cell| super::safe::line(cell).into_owned()).collect()).collect();
    let mut widths: Vec<usize> = columns.iter().map(|c| measure_text_width(c.header)).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(measure_text_width(cell));
        }
    }
    if let Some(limit) = width {
        shrink(columns, &mut widths, limit);
    }
    let mut out = String::new();
    let header: Vec<String> = columns.iter().map(|c| c.header.to_string()).collect();
    push_line(&mut out, columns, &widths, &header, color.then_some("\x1b[1;4m"));
    for (i, row) in rows.iter().enumerate() {
        let bold = color && bold_rows.get(i).copied().unwrap_or(false);
        push_line(&mut out, columns, &widths, row, bold.then_some("\x1b[1m"));
    }
    out
}

/// Takes room from the widest flexible columns first.
fn shrink(columns: &[Column], widths: &mut [usize], limit: usize) {
    let total = |w: &[usize]| w.iter().sum::<usize>() + GAP * w.len().saturating_sub(1);
    while total(widths) > limit {
        let widest = columns
            .iter()
            .zip(widths.iter())
            .enumerate()
            .filter(|(_, (c, w))| c.flex && **w > MIN_FLEX)
            .max_by_key(|(_, (_, w))| **w)
            .map(|(i, _)| i);
        match widest {
            Some(i) => widths[i] -= 1,
            None => return,
        }
    }
}

fn push_line(out: &mut String, columns: &[Column], widths: &[usize], cells: &[String], style: Option<&str>) {
    let mut line = String::new();
    for (i, (column, width)) in columns.iter().zip(widths).enumerate() {
        let cell = cells.get(i).map(String::as_str).unwrap_or("");
        let cell = truncate_str(cell, *width, "…");
        let pad = width.saturating_sub(measure_text_width(&cell));
        let last = i + 1 == columns.len();
        match column.align {
            Align::Left => {
                line.push_str(&cell);
                if !last {
                    line.push_str(&" ".repeat(pad));
                }
            }
            Align::Right => {
                line.push_str(&" ".repeat(pad));
                line.push_str(&cell);
            }
        }
        if !last {
            line.push_str(&" ".repeat(GAP));
        }
    }
    let line = line.trim_end();
    match style {
        Some(code) => {
            out.push_str(code);
            out.push_str(line);
            out.push_str("\x1b[0m");
        }
        None => out.push_str(line),
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: [Column; 3] = [
        Column { header: "UID", align: Align::Right, flex: false },
        Column { header: "FROM", align: Align::Left, flex: true },
        Column { header: "SUBJECT", align: Align::Left, flex: true },
    ];

    fn rows() -> Vec<Vec<String>> {
        vec![
            vec!["7".into(), "Jürgen Müller".into(), "Grüße aus Köln und eine lange Betreffzeile".into()],
            vec!["12".into(), "日本語の名前".into(), "short".into()],
        ]
    }

    #[test]
    fn unlimited_width_shows_everything() {
        let out = render(&COLS, &rows(), None, false, &[]);
        assert_eq!(
            out,
            "UID  FROM           SUBJECT\n  \
               7  Jürgen Müller  Grüße aus Köln und eine lange Betreffzeile\n \
              12  日本語の名前   short\n"
        );
    }

    #[test]
    fn fits_the_width_by_truncating_flexible_columns() {
        let out = render(&COLS, &rows(), Some(30), false, &[]);
        for line in out.lines() {
            assert!(measure_text_width(line) <= 30, "{line:?}");
        }
        assert!(out.contains('…'));
        assert!(out.lines().nth(1).unwrap().starts_with("  7  "));
    }

    #[test]
    fn color_marks_header_and_bold_rows_only() {
        let out = render(&COLS, &rows(), None, true, &[true, false]);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("\x1b[1;4m"));
        assert!(lines[1].starts_with("\x1b[1m"));
        assert!(!lines[2].contains('\x1b'));
    }
}
