//! `owl search`: one table of queries drives both the server search on
//! Dovecot and `--local` over a backup of the same mailboxes; malformed
//! queries point at the column at fault.

use std::collections::BTreeSet;

use owl::model::date::{Date, imap_date, today_utc};

use crate::harness::seed::{self, Msg};
use crate::harness::{Env, Imap, User, imap_config, servers};

/// A day relative to today, as YYYY-MM-DD and as an INTERNALDATE at noon.
fn day(days_ago: i64) -> (String, String) {
    let d = today_utc().add_days(-days_ago);
    (d.to_string(), format!("{} 12:00:00 +0000", imap_date(d)))
}

fn fixed(y: i32, m: u32, d: u32) -> String {
    format!("{} 12:00:00 +0000", imap_date(Date::new(y, m, d).unwrap()))
}

fn mime_attachment(subject: &str, from: &str, part_type: &str, disposition: &str, bytes: usize, body: &str) -> String {
    use base64::Engine as _;
    let data: Vec<u8> = (0..bytes).map(|i| (i * 31 % 251) as u8).collect();
    let encoded = base64::engine::general_purpose::STANDARD.encode(data);
    let lines: String = encoded.as_bytes().chunks(76).map(|c| format!("{}\r\n", String::from_utf8_lossy(c))).collect();
    format!(
        "From: {from}\r\nTo: me@example.org\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n\
         --B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n--B\r\nContent-Type: {part_type}\r\n{disposition}Content-Transfer-Encoding: base64\r\n\r\n{lines}--B--\r\n"
    )
}

/// m01..m10 in three mailboxes; each subject starts with its tag.
fn seed_corpus(user: &User) {
    let simple = |from: &str, extra: &str, subject: &str, body: &str| {
        format!("From: {from}\r\nTo: me@example.org\r\n{extra}Subject: {subject}\r\n\r\n{body}\r\n")
    };
    seed::append_many(
        user,
        "INBOX",
        vec![
            Msg::raw(simple("Alice <alice@example.org>", "", "m01 Invoice November", "Please pay the invoice."))
                .flags(&["\\Seen"])
                .date(&day(7).1),
            Msg::raw(simple(
                "=?ISO-8859-1?Q?J=FCrgen_M=FCller?= <jm@example.de>",
                "",
                "=?UTF-8?Q?m02_Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=",
                "Hallo zusammen",
            ))
            .date(&day(12).1),
            Msg::raw(mime_attachment(
                "m03 Your statement",
                "Bank <info@bank.example>",
                "application/pdf; name=\"statement.pdf\"",
                "Content-Disposition: attachment; filename=\"statement.pdf\"\r\n",
                1500,
                "Your statement is attached.",
            ))
            .flags(&["\\Flagged"])
            .date(&day(2).1),
            Msg::raw(simple(
                "bob@example.org",
                "Cc: Carol <carol@example.org>\r\n",
                "m04 Lunch on Friday?",
                "Shall we meet at noon",
            ))
            .flags(&["\\Seen", "\\Answered"])
            .date(&fixed(2026, 10, 1)),
            Msg::raw(simple(
                "=?UTF-8?B?SGVpbnogTcO8bGxlcg==?= <mueller@example.com>",
                "",
                "=?ISO-8859-1?B?bTA1IEdy/N9l?=",
                "Viele Gr\u{fc}\u{df}e",
            ))
            .flags(&["\\Seen"])
            .date(&day(4).1),
        ],
    );
    seed::append_many(
        user,
        "Work",
        vec![
            Msg::raw(
                mime_attachment(
                    "m06 Quarterly report",
                    "boss@work.example",
                    "application/vnd.ms-excel; name=\"q3.xls\"",
                    "Content-Disposition: attachment\r\n",
                    60_000,
                    "The revenue grew by 12 percent.",
                )
                .replace("To: me@example.org", "To: team@work.example"),
            )
            .flags(&["\\Seen"])
            .date(&fixed(2026, 9, 15)),
            Msg::raw(simple("alice@example.org", "X-Priority: 1\r\n", "m07 Re: Invoice November", "Paid yesterday."))
                .date(&day(1).1),
            Msg::raw(
                "From: ci@build.example\r\nTo: me@example.org\r\nSubject: m08 Build #42 failed\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>The build <b>failed</b> on step 3</p></body></html>\r\n",
            )
            .date(&day(1).1),
        ],
    );
    seed::append_many(
        user,
        "Archive/2024",
        vec![
            Msg::raw(simple("alice@example.org", "", "m09 Old invoice", "From last year."))
                .flags(&["\\Seen"])
                .date(&fixed(2024, 3, 1)),
            Msg::raw(mime_attachment(
                "m10 Photos",
                "Carol <carol@example.org>",
                "image/jpeg; name=\"photo.jpg\"",
                "",
                30_000,
                "Pictures!",
            ))
            .flags(&["\\Seen", "\\Flagged"])
            .date(&fixed(2024, 6, 15)),
        ],
    );
}

/// The tags (m01...) of the subjects in a JSON array of rows.
fn tags(rows: &serde_json::Value) -> BTreeSet<String> {
    rows.as_array()
        .unwrap_or_else(|| panic!("not an array: {rows}"))
        .iter()
        .map(|r| r["subject"].as_str().unwrap_or("").chars().take(3).collect())
        .collect()
}

fn table() -> Vec<(String, &'static [&'static str])> {
    let since_week = day(7).0;
    let on_twelve = day(12).0;
    vec![
        ("from:alice".into(), &["m01", "m07", "m09"]),
        ("subject:invoice".into(), &["m01", "m07", "m09"]),
        ("invoice".into(), &["m01", "m07", "m09"]),
        ("from:alice is:unseen".into(), &["m07"]),
        ("from:alice or from:bob".into(), &["m01", "m04", "m07", "m09"]),
        ("-from:alice".into(), &["m02", "m03", "m04", "m05", "m06", "m08", "m10"]),
        ("not is:seen".into(), &["m02", "m03", "m07", "m08"]),
        ("is:flagged".into(), &["m03", "m10"]),
        ("is:answered".into(), &["m04"]),
        ("has:attachment".into(), &["m03", "m06", "m10"]),
        ("has:attachment is:unseen".into(), &["m03"]),
        ("-has:attachment from:alice".into(), &["m01", "m07", "m09"]),
        ("has:attachment or subject:lunch".into(), &["m03", "m04", "m06", "m10"]),
        (format!("since:{since_week}"), &["m01", "m03", "m05", "m07", "m08"]),
        ("since:7d".into(), &["m01", "m03", "m05", "m07", "m08"]),
        ("before:2025-01-01".into(), &["m09", "m10"]),
        (format!("on:{on_twelve}"), &["m02"]),
        ("larger:50k".into(), &["m06"]),
        ("smaller:1k".into(), &["m01", "m02", "m04", "m05", "m07", "m08", "m09"]),
        ("header:X-Priority:1".into(), &["m07"]),
        ("cc:carol".into(), &["m04"]),
        ("to:team".into(), &["m06"]),
        ("body:\"revenue grew\"".into(), &["m06"]),
        ("subject:\"Grüße\"".into(), &["m02", "m05"]),
        ("from:Müller".into(), &["m02", "m05"]),
        ("(from:alice or from:carol) is:seen".into(), &["m01", "m09", "m10"]),
        ("subject:\"build #42\"".into(), &["m08"]),
        ("failed".into(), &["m08"]),
        ("is:unseen or is:flagged".into(), &["m02", "m03", "m07", "m08", "m10"]),
        ("Grüße or invoice".into(), &["m01", "m02", "m05", "m07", "m09"]),
        ("uid:1".into(), &["m01", "m06", "m09"]),
    ]
}

#[test]
fn one_table_of_queries_gives_the_same_messages_on_the_server_and_offline() {
    let user = servers().user();
    seed_corpus(&user);
    let env = Env::new(&imap_config(&user, Imap::Implicit, "connections = 3"));
    let store = format!("maildir:{}", env.path("backup").display());
    env.owl(&["fetch", "--into", &store]).expect_code(0);
    let mbox = format!("mbox:{}", env.path("backup-mbox").display());
    env.owl(&["fetch", "--into", &mbox]).expect_code(0);
    let table = table();
    assert!(table.len() >= 25);
    let mut failures = Vec::new();
    for (query, expected) in &table {
        let expected: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
        // `--` so that a query starting with `-` is not read as flags.
        let server = env.owl(&["search", "--all", "--json", "-n", "0", "--", query]);
        let local = env.owl(&["search", "--local", &store, "--json", "-n", "0", "--", query]);
        let local_mbox = env.owl(&["search", "--local", &mbox, "--json", "-n", "0", "--", query]);
        // An mbox backup keeps bytes, not flags or UIDs: those terms are
        // refused there (checked below), everything else must agree.
        let flags_or_uids = query.contains("is:") || query.contains("uid:");
        let mut runs = vec![("server", &server), ("local maildir", &local)];
        if !flags_or_uids {
            runs.push(("local mbox", &local_mbox));
        } else if local_mbox.code != 64 || !local_mbox.stderr.contains("mbox backup") {
            failures.push(format!(
                "{query:?} on local mbox: should be refused, got {}: {}",
                local_mbox.code, local_mbox.stderr
            ));
        }
        for (where_, run) in runs {
            if run.code != 0 {
                failures.push(format!("{query:?} on {where_}: exit {} {}", run.code, run.stderr));
                continue;
            }
            let got = tags(&run.json());
            if got != expected {
                failures.push(format!("{query:?} on {where_}: got {got:?}, want {expected:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} queries differ:\n{}", failures.len(), table.len(), failures.join("\n"));

    let counts = env.owl(&["search", "--all", "--count", "--json", "from:alice"]).expect_code(0).json();
    let total: u64 = counts.as_array().unwrap().iter().map(|c| c["count"].as_u64().unwrap()).sum();
    assert_eq!(total, 3);
    let limited = env.owl(&["search", "--all", "--json", "-n", "2", "is:seen"]).expect_code(0).json();
    assert_eq!(tags(&limited), ["m01", "m05"].iter().map(|s| s.to_string()).collect(), "newest first");
    let raw = env.owl(&["search", "--json", "--imap", "FROM alice UNSEEN", "-m", "Work"]).expect_code(0).json();
    assert_eq!(tags(&raw), ["m07".to_string()].into_iter().collect());
    let local_row = &env.owl(&["search", "--local", &store, "--json", "subject:lunch"]).expect_code(0).json()[0];
    assert!(local_row["file"].as_str().unwrap().contains("/INBOX/cur/"), "{local_row}");
    assert_eq!(local_row["mailbox"], "INBOX");
}

#[test]
fn malformed_queries_exit_64_with_a_caret_under_the_fault() {
    // (query, 0-based column of the caret)
    let cases: [(&str, usize); 11] = [
        ("frm:bob", 0),
        ("from:", 5),
        ("(from:a", 0),
        ("from:a )", 7),
        ("from:a or", 7),
        ("since:2026-13-45", 6),
        ("larger:huge", 7),
        ("is:sleepy", 3),
        ("uid:abc", 4),
        ("subject:\"unterminated", 8),
        ("Grüße has:photos", 10),
    ];
    let env = Env::new("");
    for (query, column) in cases {
        let run = env.owl(&["search", query]);
        assert_eq!(run.code, 64, "{query}: {}", run.stderr);
        let lines: Vec<&str> = run.stderr.lines().collect();
        let at = lines.iter().position(|l| *l == query).unwrap_or_else(|| panic!("query not shown: {}", run.stderr));
        let caret = lines.get(at + 1).unwrap_or(&"");
        assert_eq!(caret.chars().position(|c| c == '^'), Some(column), "{query}:\n{}", run.stderr);
        assert!(lines.len() > at + 2, "a message follows the caret: {}", run.stderr);
    }
}

#[test]
fn scripts_get_every_match_not_a_page_of_fifty() {
    let user = servers().user();
    seed::append_many(&user, "INBOX", (0..75).map(|i| seed::Msg::simple("a@example.org", &format!("row {i}"), "x")));
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));
    let rows = env.owl(&["search", "--json", "subject:row"]).expect_code(0).json();
    assert_eq!(rows.as_array().map(Vec::len), Some(75), "with --json, every match");
    let text = env.owl(&["search", "subject:row"]);
    text.expect_code(0);
    assert_eq!(text.stdout.lines().filter(|l| l.contains("row ")).count(), 75, "off a terminal too");
    let asked = env.owl(&["search", "--json", "-n", "10", "subject:row"]).expect_code(0).json();
    assert_eq!(asked.as_array().map(Vec::len), Some(10), "unless asked for fewer");
}
