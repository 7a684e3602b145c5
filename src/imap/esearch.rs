//! ESEARCH responses (RFC 4731, RFC 5267) to `SORT RETURN (...)`: the
//! correlating tag, COUNT, and a PARTIAL window's numbers in the order the
//! server sorted them. Only what owl asks for is read; other return data
//! is skipped. The window holds at most as many numbers as were asked
//! for: a server that claims more is refused, so a range such as
//! `1:4294967295` cannot make owl expand billions of numbers.

use crate::error::{Error, Result};

/// What one `* ESEARCH` line says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Esearch {
    /// The tag of the command it answers, from `(TAG "...")`.
    pub tag: Option<String>,
    /// Whether the numbers are UIDs.
    pub uid: bool,
    /// COUNT: how many messages matched.
    pub count: Option<u64>,
    /// PARTIAL's numbers, in the server's order (empty for NIL).
    pub partial: Option<Vec<u32>>,
}

/// Reads `line` (`* ESEARCH ...`), keeping at most `most` numbers of a
/// PARTIAL window. `None` when the line is not an ESEARCH response.
pub(super) fn parse(line: &str, most: usize) -> Option<Result<Esearch>> {
    let rest = strip_word(line.strip_prefix("* ")?, "ESEARCH")?;
    Some(parse_rest(rest, most).map_err(|why| {
        Error::protocol(format!("server sent an ESEARCH response owl cannot read ({why}): \"{}\"", shorten(line)))
    }))
}

fn parse_rest(mut rest: &str, most: usize) -> std::result::Result<Esearch, String> {
    let mut found = Esearch::default();
    rest = rest.trim_start_matches(' ');
    if let Some(after) = rest.strip_prefix('(') {
        let close = after.find(')').ok_or("the (TAG ...) correlator is not closed")?;
        let inside = after[..close].trim();
        let tag = strip_word(inside, "TAG").ok_or("a correlator that is not TAG")?.trim();
        found.tag = Some(tag.trim_matches('"').to_string());
        rest = &after[close + 1..];
    }
    let mut words = Words(rest);
    while let Some(name) = words.next_word() {
        match name.to_ascii_uppercase().as_str() {
            "UID" => found.uid = true,
            "COUNT" => {
                let value = words.next_word().ok_or("COUNT without a number")?;
                found.count = Some(value.parse().map_err(|_| format!("COUNT \"{value}\" is not a number"))?);
            }
            "PARTIAL" => {
                let group = words.next_group().ok_or("PARTIAL without its (range set)")?;
                let mut parts = group.split_ascii_whitespace();
                let (_range, set) = (parts.next().ok_or("an empty PARTIAL")?, parts.next().unwrap_or("NIL"));
                found.partial = Some(if set.eq_ignore_ascii_case("NIL") { Vec::new() } else { ordered(set, most)? });
            }
            // MIN, MAX, ALL, MODSEQ and extensions: one value each, a
            // number, a set or a parenthesised list.
            _ => {
                words.next_group_or_word();
            }
        }
    }
    Ok(found)
}

/// A sequence set in the order written: `7,12,3:1` is 7, 12, 3, 2, 1.
fn ordered(set: &str, most: usize) -> std::result::Result<Vec<u32>, String> {
    let mut out = Vec::new();
    for item in set.split(',') {
        let (low, high) = match item.split_once(':') {
            Some((a, b)) => (number(a)?, number(b)?),
            None => (number(item)?, number(item)?),
        };
        let span = u64::from(low.abs_diff(high)) + 1;
        if out.len() as u64 + span > most as u64 {
            return Err(format!("more than the {most} numbers asked for"));
        }
        if low <= high {
            out.extend(low..=high);
        } else {
            out.extend((high..=low).rev());
        }
    }
    Ok(out)
}

fn number(text: &str) -> std::result::Result<u32, String> {
    match text.parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("\"{text}\" is not a message number")),
    }
}

/// `text` after the case-insensitive `word` and the space that follows.
fn strip_word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let head = text.get(..word.len())?;
    let rest = &text[word.len()..];
    (head.eq_ignore_ascii_case(word) && (rest.is_empty() || rest.starts_with(' '))).then_some(rest)
}

fn shorten(line: &str) -> String {
    match line.char_indices().nth(120) {
        Some((at, _)) => format!("{}...", &line[..at]),
        None => line.to_string(),
    }
}

/// Space-separated words, where a parenthesised group counts as one.
struct Words<'a>(&'a str);

impl<'a> Words<'a> {
    fn next_word(&mut self) -> Option<&'a str> {
        let text = self.0.trim_start_matches(' ');
        if text.is_empty() {
            return None;
        }
        let end = text.find(' ').unwrap_or(text.len());
        self.0 = &text[end..];
        Some(&text[..end])
    }

    /// The inside of the `( ... )` that comes next.
    fn next_group(&mut self) -> Option<&'a str> {
        let text = self.0.trim_start_matches(' ');
        let inside = text.strip_prefix('(')?;
        let mut depth = 1usize;
        for (at, c) in inside.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        self.0 = &inside[at + 1..];
                        return Some(&inside[..at]);
                    }
                }
                _ => {}
            }
        }
        None
    }

    fn next_group_or_word(&mut self) -> Option<&'a str> {
        if self.0.trim_start_matches(' ').starts_with('(') { self.next_group() } else { self.next_word() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(line: &str) -> Esearch {
        parse(line, 100).expect("an ESEARCH line").expect("readable")
    }

    #[test]
    fn dovecots_sorted_window_keeps_its_order_and_count() {
        let e = read("* ESEARCH (TAG \"a3\") UID PARTIAL (1:8 7,12,3,11,5,10,1,9) COUNT 12");
        assert_eq!(e.tag.as_deref(), Some("a3"));
        assert!(e.uid);
        assert_eq!(e.count, Some(12));
        assert_eq!(e.partial, Some(vec![7, 12, 3, 11, 5, 10, 1, 9]));
    }

    #[test]
    fn ranges_run_the_way_they_are_written_and_nil_is_empty() {
        assert_eq!(read("* ESEARCH (TAG \"x\") UID PARTIAL (1:5 9:7,2)").partial, Some(vec![9, 8, 7, 2]));
        assert_eq!(read("* esearch (tag \"x\") uid partial (20:30 NIL) count 12").partial, Some(vec![]));
        assert_eq!(read("* ESEARCH (TAG \"x\") UID MIN 2 ALL 2:9 MODSEQ (5) COUNT 3").count, Some(3));
    }

    #[test]
    fn more_numbers_than_asked_for_are_refused_before_they_are_made() {
        let err = parse("* ESEARCH (TAG \"a\") UID PARTIAL (1:10 1:4294967295)", 10).unwrap().unwrap_err();
        assert!(err.to_string().contains("more than the 10 numbers asked for"), "{err}");
    }

    #[test]
    fn any_cut_or_scrambled_line_is_an_answer_or_an_error_never_a_panic() {
        let line = "* ESEARCH (TAG \"a3\") UID PARTIAL (1:8 7,12,3:1,11) COUNT 12 MODSEQ (9) ALL 1:3";
        for cut in 0..=line.len() {
            let _ = parse(&line[..cut], 8);
        }
        let mut state = 0x2545_f491_u32;
        let alphabet: Vec<char> = "* ESARCH()TAGUIDPARTL0123456789:,\"NIl é".chars().collect();
        for _ in 0..20_000 {
            let text: String = (0..(state % 60))
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    alphabet[state as usize % alphabet.len()]
                })
                .collect();
            let _ = parse(&format!("* ESEARCH {text}"), 8);
        }
    }

    #[test]
    fn broken_lines_are_errors_and_other_lines_are_not_esearch() {
        for bad in ["* ESEARCH (TAG \"a\" UID", "* ESEARCH (TAG \"a\") COUNT many", "* ESEARCH PARTIAL (1:2 0)"] {
            assert!(parse(bad, 10).unwrap().is_err(), "{bad}");
        }
        assert!(parse("* SEARCH 1 2", 10).is_none());
        assert!(parse("* ESEARCHES", 10).is_none());
    }
}
