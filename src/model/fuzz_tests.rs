//! Mutation fuzzing of everything that reads hostile input (test builds only).
//!
//! A few thousand deterministic pseudo-random mutations of the sample
//! messages go through every parsing entry point; none may panic, and the
//! results must keep the promises the model makes (clean text, safe names).

use super::attachment::{attachments_with_data, safe_filename_typed};
use super::auth_results::parse_auth_results;
use super::date::{parse_internaldate, parse_rfc5322_date};
use super::header::{decode_header_value, summarize_header_bytes};
use super::html::html_to_text;
use super::message::MessageView;
use super::samples;

/// xorshift64: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&[u8]] = &[
    b"--",
    b"\r\n",
    b"\r",
    b"\n",
    b"\r\n\r\n",
    b"=?",
    b"?=",
    b"=?utf-8?B?",
    b"=?iso-8859-1?Q?",
    b"boundary=",
    b"; filename*0*=utf-8''%",
    b"; name*1=",
    b"%",
    b"&#x",
    b"&",
    b"<",
    b">",
    b"(",
    b")",
    b"\"",
    b"\\",
    b";",
    b":",
    b" ",
    b"\t",
    b"\xff",
    b"\xc3",
    b"\x1b[2J",
    b"multipart/",
    b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n",
    b"\r\n--x--\r\n",
    b"base64",
    b"quoted-printable",
    b"=\r\n",
    b"=F",
    b"<script>",
    b"<a href=",
    b"<!--",
    b"../",
];

fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    let mut m = base.to_vec();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(m.len() + 1);
        match rng.below(6) {
            0 if !m.is_empty() => {
                let i = at.min(m.len() - 1);
                m[i] = rng.below(256) as u8;
            }
            1 | 2 => {
                let tok = TOKENS[rng.below(TOKENS.len())];
                m.splice(at..at, tok.iter().copied());
            }
            3 => {
                let end = (at + rng.below(64)).min(m.len());
                m.drain(at..end);
            }
            4 => {
                let end = (at + rng.below(200)).min(m.len());
                let copy = m[at..end].to_vec();
                m.splice(at..at, copy);
            }
            _ => m.truncate(at),
        }
    }
    m
}

fn assert_clean_line(s: &str) {
    assert!(!s.chars().any(char::is_control), "{s:?}");
}

fn check(input: &[u8]) {
    let view = MessageView::parse(input);
    assert!(!view.text.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
    assert_clean_line(&view.header.subject);
    for mb in view.header.from.iter().chain(&view.header.to) {
        assert_clean_line(&mb.to_string());
    }
    for (i, att) in view.attachments.iter().enumerate() {
        assert_eq!(att.index, i + 1);
        let name = safe_filename_typed(att.filename.as_deref(), att.index, &att.content_type);
        assert!(!name.contains(['/', '\\', '\0']) && !name.starts_with('.'), "{name:?}");
        assert!(!name.is_empty() && name.len() <= 200, "{name:?}");
    }
    assert!(serde_json::to_string(&view).is_ok());
    assert_eq!(attachments_with_data(input).len(), view.attachments.len());

    let text = String::from_utf8_lossy(input);
    let _ = summarize_header_bytes(input);
    assert_clean_line(&decode_header_value(&input[..input.len().min(300)]));
    let _ = html_to_text(&text);
    let _ = parse_auth_results(&text);
    let _ = parse_rfc5322_date(&text);
    let _ = parse_internaldate(&text);
}

#[test]
fn mutated_messages_never_panic() {
    let all = [
        samples::ALTERNATIVE,
        samples::HTML_ONLY,
        samples::MIXED,
        samples::SMIME_SIGNED,
        samples::SMIME_ENCRYPTED,
        samples::EIGHT_BIT,
        samples::BROKEN,
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..500 {
        for sample in all {
            let input = mutate(&mut rng, sample);
            let result = std::panic::catch_unwind(|| check(&input));
            assert!(result.is_ok(), "round {round}: {:?}", String::from_utf8_lossy(&input));
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(42);
    for _ in 0..300 {
        let len = rng.below(2000);
        let input: Vec<u8> = (0..len).map(|_| rng.below(256) as u8).collect();
        check(&input);
    }
}
