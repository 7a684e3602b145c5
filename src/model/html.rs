//! HTML mail turned into readable plain text, without an HTML crate.
//!
//! A single forgiving pass: scripts, styles, the head and comments vanish;
//! block elements break lines; links show their target when it differs from
//! their text; whitespace collapses as a browser would. It is no HTML parser:
//! broken markup gives imperfect text, never a panic, in linear time.

use super::html_entity::{decode_attribute, decode_text};

/// Elements whose content is never shown.
const HIDDEN: [&str; 4] = ["script", "style", "head", "title"];
/// Elements set off by a blank line.
const PARAGRAPHS: [&str; 11] = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr", "pre", "blockquote"];
/// Elements that start on a line of their own.
const BLOCKS: [&str; 20] = [
    "div", "li", "tr", "ul", "ol", "dl", "dt", "dd", "section", "article", "header", "footer", "nav", "address",
    "center", "form", "fieldset", "figure", "main", "aside",
];

/// Readable text of an HTML document or fragment.
pub fn html_to_text(html: &str) -> String {
    // ASCII lowercasing keeps byte offsets, so `lower` indexes like `html`.
    let lower = html.to_ascii_lowercase();
    let bytes = html.as_bytes();
    let mut out = Out::default();
    let mut links: Vec<(usize, String)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let Some(lt) = html[i..].find('<').map(|p| i + p) else {
            out.text(&decode_text(&html[i..]));
            break;
        };
        out.text(&decode_text(&html[i..lt]));
        i = lt;
        if lower[i..].starts_with("<!--") {
            i = lower[i + 4..].find("-->").map_or(bytes.len(), |p| i + 4 + p + 3);
            continue;
        }
        match bytes.get(i + 1) {
            Some(b'!' | b'?') => {
                i = html[i..].find('>').map_or(bytes.len(), |p| i + p + 1);
                continue;
            }
            Some(b) if b.is_ascii_alphabetic() || *b == b'/' => {}
            _ => {
                out.text("<");
                i += 1;
                continue;
            }
        }
        // A tag that never closes swallows the rest, as in a browser.
        let Some(end) = tag_end(bytes, i) else { break };
        let tag = Tag::parse(&html[i + 1..end]);
        i = end + 1;
        if !tag.closing && HIDDEN.contains(&tag.name.as_str()) {
            i = skip_hidden(&lower, i, &tag.name);
            continue;
        }
        apply(&tag, &mut out, &mut links);
    }
    squeeze_blank_lines(&out.buf)
}

/// Where showing resumes after the hidden element `name` opened before `from`.
fn skip_hidden(lower: &str, from: usize, name: &str) -> usize {
    let close = format!("</{name}");
    if let Some(p) = lower[from..].find(&close) {
        let after = from + p + close.len();
        return lower[after..].find('>').map_or(lower.len(), |q| after + q + 1);
    }
    match name {
        // An unclosed head ends where the body starts; failing that, show everything.
        "head" => lower[from..].find("<body").map_or(from, |p| from + p),
        "title" => from,
        _ => lower.len(),
    }
}

fn apply(tag: &Tag, out: &mut Out, links: &mut Vec<(usize, String)>) {
    let name = tag.name.as_str();
    match name {
        "br" => out.newline(),
        "li" if !tag.closing => {
            out.block();
            out.bullet = true;
        }
        "ul" | "ol" => {
            out.block();
            out.lists = if tag.closing { out.lists.saturating_sub(1) } else { out.lists + 1 };
        }
        "blockquote" => {
            out.paragraph();
            out.quote = if tag.closing { out.quote.saturating_sub(1) } else { out.quote + 1 };
        }
        "pre" => {
            out.paragraph();
            out.pre = if tag.closing { out.pre.saturating_sub(1) } else { out.pre + 1 };
        }
        "td" | "th" if !tag.closing => out.text(" "),
        "img" => {
            if let Some(alt) = tag.attr("alt") {
                out.text(&alt);
            }
        }
        "a" => {
            // Links do not nest; an open one ends where the next begins.
            if let Some((start, href)) = links.pop() {
                out.link_end(start, &href);
            }
            if !tag.closing {
                links.push((out.buf.len(), tag.attr("href").unwrap_or_default()));
            }
        }
        _ if PARAGRAPHS.contains(&name) => out.paragraph(),
        _ if BLOCKS.contains(&name) => out.block(),
        _ => {}
    }
}

/// Index of the `>` closing the tag opened at `start`, skipping quoted
/// attribute values; if a quote never closes, the first `>` will do.
fn tag_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut quote = None;
    let mut prev = 0u8;
    for (i, &b) in bytes.iter().enumerate().skip(start + 1) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'>' => return Some(i),
            None if (b == b'"' || b == b'\'') && prev == b'=' => quote = Some(b),
            None => {}
        }
        if !b.is_ascii_whitespace() {
            prev = b;
        }
    }
    let first = bytes[start..].iter().position(|&b| b == b'>')?;
    Some(start + first)
}

/// A start or end tag: its lowercase name and raw attribute text.
struct Tag<'a> {
    name: String,
    closing: bool,
    attrs: &'a str,
}

impl<'a> Tag<'a> {
    fn parse(inner: &'a str) -> Tag<'a> {
        let (closing, inner) = match inner.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, inner),
        };
        let len = inner.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(inner.len());
        Tag { name: inner[..len].to_ascii_lowercase(), closing, attrs: &inner[len..] }
    }

    /// The decoded value of attribute `want`, if present.
    fn attr(&self, want: &str) -> Option<String> {
        let mut rest = self.attrs;
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
            if rest.is_empty() {
                return None;
            }
            let name_len = rest
                .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
                .unwrap_or(rest.len())
                .max(1.min(rest.len()));
            let name = &rest[..name_len];
            rest = rest[name_len..].trim_start();
            let mut value = "";
            if let Some(after) = rest.strip_prefix('=') {
                let after = after.trim_start();
                let (v, tail) = match after.chars().next() {
                    Some(q @ ('"' | '\'')) => {
                        let body = &after[1..];
                        let close = body.find(q).unwrap_or(body.len());
                        (&body[..close], body.get(close + 1..).unwrap_or(""))
                    }
                    _ => {
                        let end = after.find(char::is_whitespace).unwrap_or(after.len());
                        (&after[..end], &after[end..])
                    }
                };
                value = v;
                rest = tail;
            }
            if name.eq_ignore_ascii_case(want) {
                return Some(decode_attribute(value.trim()));
            }
        }
    }
}

/// The text being built, with the state that decides spacing and prefixes.
#[derive(Default)]
struct Out {
    buf: String,
    /// Whitespace seen since the last character; becomes one space if more
    /// text follows on the same line.
    space: bool,
    /// Something (a prefix at least) has been written on the current line.
    mid_line: bool,
    bullet: bool,
    lists: usize,
    quote: usize,
    pre: usize,
}

impl Out {
    fn text(&mut self, s: &str) {
        for c in s.chars() {
            if self.pre > 0 {
                match c {
                    '\n' => self.newline(),
                    '\r' => {}
                    c => self.put(c),
                }
            } else if c == '\u{a0}' {
                self.put(' ');
            } else if c.is_whitespace() {
                self.space = true;
            } else {
                if self.space && self.mid_line {
                    self.buf.push(' ');
                }
                self.put(c);
            }
        }
    }

    /// Writes `c`, starting the line with its quote and bullet prefixes.
    fn put(&mut self, c: char) {
        if !self.mid_line {
            for _ in 0..self.quote {
                self.buf.push_str("> ");
            }
            if self.bullet {
                for _ in 1..self.lists {
                    self.buf.push_str("  ");
                }
                self.buf.push_str("- ");
                self.bullet = false;
            }
            self.mid_line = true;
        }
        self.space = false;
        self.buf.push(c);
    }

    fn newline(&mut self) {
        let kept = self.buf.trim_end_matches(' ').len();
        self.buf.truncate(kept);
        self.buf.push('\n');
        self.mid_line = false;
        self.space = false;
    }

    /// Ends the current line, if anything is on it.
    fn block(&mut self) {
        if self.mid_line {
            self.newline();
        }
        self.space = false;
    }

    /// Ends the current line and leaves one blank line after it.
    fn paragraph(&mut self) {
        self.block();
        if !self.buf.is_empty() && !self.buf.ends_with("\n\n") {
            self.buf.push('\n');
        }
    }

    /// Closes a link opened when the text was `start` bytes long.
    fn link_end(&mut self, start: usize, href: &str) {
        let href = href.trim();
        let hidden = href.is_empty() || href.starts_with('#') || {
            let scheme = href.get(..11).unwrap_or(href).to_ascii_lowercase();
            scheme.starts_with("javascript:")
        };
        if hidden {
            return;
        }
        let text = self.buf.get(start..).unwrap_or("").trim();
        let bare = href.strip_prefix("mailto:").unwrap_or(href);
        if text != href && text != bare {
            if self.mid_line {
                self.buf.push(' ');
            }
            for c in format!("<{href}>").chars() {
                self.put(c);
            }
        }
    }
}

/// At most one blank line in a row, none at either end, no trailing spaces.
fn squeeze_blank_lines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank_run = 0;
    for line in s.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        blank_run = 0;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure_becomes_lines() {
        let html = "<html><head><title>T</title><style>p{color:red}</style></head>\
            <body><h1>Hello</h1><p>First   para\ngraph.</p><p>Second<br>line</p>\
            <ul><li>one</li><li>two<ul><li>inner</li></ul></li></ul>\
            <div>a</div><div>b</div><table><tr><td>x</td><td>y</td></tr></table></body></html>";
        assert_eq!(
            html_to_text(html),
            "Hello\n\nFirst para graph.\n\nSecond\nline\n\n- one\n- two\n  - inner\na\nb\n\nx y"
        );
    }

    #[test]
    fn hidden_content_and_comments_vanish() {
        let html = "a<script>alert('<p>x</p>')</script>b<!-- <p>hidden</p> -->c\
            <STYLE type=text/css>.x{}</STYLE>d<!DOCTYPE html><?xml x?>e";
        assert_eq!(html_to_text(html), "abcde");
        assert_eq!(html_to_text("<head><meta charset=utf-8><body>shown"), "shown");
        assert_eq!(html_to_text("<title>only a title"), "only a title");
        assert_eq!(html_to_text("x<script>never closed <p>y"), "x");
        assert_eq!(html_to_text("x<!-- never closed"), "x");
    }

    #[test]
    fn links_show_their_target_when_it_differs() {
        assert_eq!(
            html_to_text(r#"<a href="https://example.com/a?b=1&amp;c=2">the docs</a>."#),
            "the docs <https://example.com/a?b=1&c=2>."
        );
        assert_eq!(html_to_text("<a href='https://x.org'>https://x.org</a>"), "https://x.org");
        assert_eq!(html_to_text("<a href=mailto:a@b.c>a@b.c</a>"), "a@b.c");
        assert_eq!(html_to_text(r##"<a href="#top">top</a> <a href="javascript:x()">js</a>"##), "top js");
        assert_eq!(html_to_text(r#"<a href="https://t.co/x"><img src=a alt=""></a>"#), "<https://t.co/x>");
        assert_eq!(html_to_text(r#"<a href="u1">one<a href="u2">two</a>"#), "one <u1>two <u2>");
        assert_eq!(html_to_text(r#"<a title="a > b" href="u">x</a>"#), "x <u>");
    }

    #[test]
    fn entities_and_whitespace() {
        assert_eq!(
            html_to_text("<p>caf&#233;&nbsp;&amp;&nbsp;cr&egrave;me &lt;b&gt; &#x1F600;</p>"),
            "café & crème <b> 😀"
        );
        assert_eq!(html_to_text("  a \n\t b  "), "a b");
        assert_eq!(html_to_text("<p></p><p></p><br><br><br>x<br><br><br><br>y"), "x\n\ny");
        assert_eq!(html_to_text("<pre>  keep\n    this</pre>after"), "  keep\n    this\n\nafter");
        assert_eq!(html_to_text("<b>bold</b><i>it</i> x"), "boldit x");
    }

    #[test]
    fn every_html5_entity_in_text_and_attributes() {
        assert_eq!(
            html_to_text("<p>Se&ntilde;or &aacute;ngel&hellip; &euro;5 &#8364;5 &#x2014; &bogus;</p>"),
            "Señor ángel… €5 €5 — &bogus;"
        );
        assert_eq!(html_to_text("<img alt=\"&Eacute;t&eacute;\">"), "Été");
        // In an attribute a legacy `&copy` before `=` is part of a URL.
        assert_eq!(
            html_to_text(r#"<a href="https://x.org/?a=1&copy=2">x</a> &copy 2026"#),
            "x <https://x.org/?a=1&copy=2> © 2026"
        );
    }

    #[test]
    fn quotes_are_prefixed() {
        assert_eq!(
            html_to_text("<p>Reply</p><blockquote><p>Original</p><blockquote>older</blockquote></blockquote>end"),
            "Reply\n\n> Original\n\n> > older\n\nend"
        );
    }

    #[test]
    fn broken_markup_degrades() {
        assert_eq!(html_to_text("1 < 2 and 3 <4"), "1 < 2 and 3 <4");
        assert_eq!(html_to_text("a <b"), "a");
        assert_eq!(html_to_text("<p class=\"unterminated>text</p>more"), "text\n\nmore");
        assert_eq!(html_to_text("</></ ><>x"), "<>x");
        assert_eq!(html_to_text("<img alt=\"é\" src=x>"), "é");
        assert_eq!(html_to_text(""), "");
        let nasty = "<a<a<a".repeat(20_000) + &"<p x='".repeat(10_000) + "é";
        let _ = html_to_text(&nasty);
    }
}
