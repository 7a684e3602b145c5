//! `owl list` against real Dovecot, over STARTTLS and implicit TLS.

use serde_json::Value;

use crate::harness::seed::{self, Msg};
use crate::harness::{Env, Imap, imap_config, servers};

fn seed_mailboxes(user: &crate::harness::User) {
    seed::append(
        user,
        "INBOX",
        vec![
            Msg::simple("a@example.org", "one", "1").flags(&["\\Seen"]),
            Msg::simple("b@example.org", "two", "2"),
            Msg::simple("c@example.org", "three", "3"),
        ],
    );
    seed::append(user, "Work", vec![Msg::simple("d@example.org", "w1", "x"), Msg::simple("e@example.org", "w2", "y")]);
    seed::append(user, "Archive/2024", vec![Msg::simple("f@example.org", "old", "z").flags(&["\\Seen", "\\Flagged"])]);
}

fn find<'a>(rows: &'a Value, name: &str) -> &'a Value {
    rows.as_array()
        .expect("array")
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no mailbox {name} in {rows:#}"))
}

#[test]
fn mailboxes_with_totals_and_unseen_over_both_tls_modes() {
    let user = servers().user();
    seed_mailboxes(&user);
    for mode in [Imap::StartTls, Imap::Implicit] {
        let env = Env::new(&imap_config(&user, mode, ""));
        let run = env.owl(&["list", "--json"]);
        run.expect_code(0);
        let rows = run.json();
        for (name, total, unseen) in [("INBOX", 3, 2), ("Work", 2, 2), ("Archive/2024", 1, 0), ("Sent", 0, 0)] {
            let row = find(&rows, name);
            assert_eq!(row["total"], total, "{mode:?} {name}: {row}");
            assert_eq!(row["unseen"], unseen, "{mode:?} {name}: {row}");
            assert!(row["size"].as_u64().is_some(), "STATUS=SIZE is offered: {row}");
        }
        assert_eq!(find(&rows, "Sent")["special_use"], "sent");
        assert_eq!(rows[0]["name"], "INBOX", "INBOX comes first");
    }
}

fn encoded_messages() -> Vec<Msg> {
    vec![
        // UTF-8, B encoding, in a display name and a subject.
        Msg::raw(
            "From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <jm@example.de>\r\nTo: x@example.org\r\n\
             Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=\r\nDate: Wed, 18 Nov 2026 08:00:00 +0100\r\n\r\nbody\r\n",
        ),
        // ISO-8859-1, Q encoding.
        Msg::raw(
            "From: =?ISO-8859-1?Q?Fran=E7ois_M=FCller?= <fm@example.fr>\r\nTo: x@example.org\r\n\
             Subject: =?ISO-8859-1?Q?Gr=FC=DFe_und_K=FCsse?=\r\nDate: Thu, 19 Nov 2026 08:00:00 -0500\r\n\r\nbody\r\n",
        )
        .flags(&["\\Seen"]),
        // UTF-8 Q and ISO-8859-1 B, two encoded words in a row.
        Msg::raw(
            "From: =?ISO-8859-1?B?Sm9zyQ==?= <jose@example.es>\r\nTo: x@example.org\r\n\
             Subject: =?UTF-8?Q?caf=C3=A9?= =?UTF-8?Q?_cr=C3=A8me?=\r\nDate: Fri, 20 Nov 2026 08:00:00 +0000\r\n\r\nbody\r\n",
        ),
    ]
}

#[test]
fn message_rows_decode_rfc2047_newest_first() {
    let user = servers().user();
    seed::append(&user, "INBOX", encoded_messages());
    for mode in [Imap::StartTls, Imap::Implicit] {
        let env = Env::new(&imap_config(&user, mode, ""));
        let rows = env.owl(&["list", "INBOX", "--json"]).expect_code(0).json();
        let rows = rows.as_array().expect("array");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["subject"], "café crème");
        assert_eq!(rows[0]["from_name"], "JosÉ");
        assert_eq!(rows[1]["subject"], "Grüße und Küsse");
        assert_eq!(rows[1]["from_name"], "François Müller");
        assert_eq!(rows[1]["from"], "François Müller <fm@example.fr>");
        assert_eq!(rows[1]["seen"], true);
        assert_eq!(rows[1]["date"], "2026-11-19T08:00:00-05:00");
        assert_eq!(rows[2]["subject"], "Grüße aus Köln");
        assert_eq!(rows[2]["from_name"], "Jürgen Müller");
        assert_eq!(rows[2]["from_address"], "jm@example.de");
        assert_eq!(rows[2]["seen"], false);
        assert!(rows[0]["uid"].as_u64() > rows[1]["uid"].as_u64());
        assert!(rows[2]["size"].as_u64().unwrap() > 50);
    }
}

#[test]
fn limit_page_and_unseen() {
    let user = servers().user();
    let messages = (1..=7).map(|i| {
        let m = Msg::raw(format!(
            "From: p@example.org\r\nSubject: m{i}\r\nDate: Fri, 20 Nov 2026 09:0{i}:00 +0000\r\n\r\nx\r\n"
        ));
        if i % 2 == 0 { m.flags(&["\\Seen"]) } else { m }
    });
    seed::append(&user, "INBOX", messages.collect());
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));
    let subjects = |args: &[&str]| -> Vec<String> {
        let rows = env.owl(args).expect_code(0).json();
        rows.as_array().unwrap().iter().map(|r| r["subject"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(subjects(&["list", "INBOX", "--json", "-n", "3"]), ["m7", "m6", "m5"]);
    assert_eq!(subjects(&["list", "INBOX", "--json", "-n", "3", "--page", "3"]), ["m1"]);
    assert!(subjects(&["list", "INBOX", "--json", "-n", "3", "--page", "4"]).is_empty());
    assert_eq!(subjects(&["list", "INBOX", "--json", "--unseen"]), ["m7", "m5", "m3", "m1"]);
    assert_eq!(subjects(&["list", "INBOX", "--json", "--unseen", "-n", "2", "-p", "2"]), ["m3", "m1"]);
}

#[test]
fn table_fits_the_width_and_marks_new_mail() {
    let user = servers().user();
    seed::append(&user, "INBOX", encoded_messages());
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));
    let run = env.owl_with(&["list", "INBOX"], &[("COLUMNS", "60")]);
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    assert!(lines[0].starts_with("UID  DATE"), "{}", run.stdout);
    for line in &lines {
        assert!(console::measure_text_width(line) <= 60, "too wide: {line:?}");
        assert!(!line.contains('\x1b'), "no color when not a terminal");
    }
    let forced = env.owl(&["list", "--color", "always"]);
    assert!(forced.stdout.contains("\x1b[1"), "{}", forced.stdout);
}

#[test]
fn unknown_mailbox_is_refused_with_the_servers_words() {
    let user = servers().user();
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));
    let run = env.owl(&["list", "Nope"]);
    run.expect_code(66);
    assert!(run.stderr.contains("account \"test\""), "{}", run.stderr);
    assert!(run.stderr.contains("Nope"), "{}", run.stderr);
    assert!(run.stderr.contains("NO"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

/// Messages whose Date headers run against their arrival order.
fn shuffled_dates() -> Vec<Msg> {
    [("c", "Tue, 03 Nov 2026 10:00:00 +0000", 300), ("a", "Sun, 01 Nov 2026 10:00:00 +0000", 100),
     ("e", "Thu, 05 Nov 2026 10:00:00 +0000", 500), ("b", "Mon, 02 Nov 2026 10:00:00 +0000", 200),
     ("d", "Wed, 04 Nov 2026 10:00:00 -0500", 400)]
    .into_iter()
    .enumerate()
    .map(|(i, (subject, date, pad))| {
        Msg::raw(format!(
            "From: {subject}@example.org\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{subject}.sort@test>\r\n\r\n{}\r\n",
            "x".repeat(pad)
        ))
        .date(&format!("20-Nov-2026 10:00:0{i} +0000"))
    })
    .collect()
}

fn subjects(run: &crate::harness::Run) -> Vec<String> {
    run.json().as_array().unwrap().iter().map(|r| r["subject"].as_str().unwrap().to_string()).collect()
}

#[test]
fn messages_come_newest_first_by_date_whatever_their_uids() {
    let user = servers().user();
    seed::append_many(&user, "INBOX", shuffled_dates());
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));
    let by_date = env.owl(&["-v", "list", "INBOX", "--json"]);
    assert_eq!(subjects(by_date.expect_code(0)), ["e", "d", "c", "b", "a"]);
    assert!(!by_date.stderr.contains("no SORT"), "Dovecot sorts: {}", by_date.stderr);
    let oldest = env.owl(&["list", "INBOX", "--json", "--reverse"]);
    assert_eq!(subjects(&oldest), ["a", "b", "c", "d", "e"]);
    let arrival = env.owl(&["list", "INBOX", "--json", "--sort", "arrival"]);
    assert_eq!(subjects(&arrival), ["d", "b", "e", "a", "c"], "last appended first");
    let by_size = env.owl(&["list", "INBOX", "--json", "--sort", "size", "-r"]);
    assert_eq!(subjects(&by_size), ["e", "d", "c", "b", "a"]);
    // A page of the sorted order, and how many more there are.
    let page = env.owl(&["list", "INBOX", "--json", "-n", "2", "--page", "2"]);
    assert_eq!(subjects(&page), ["c", "b"]);
    let table = env.owl_with(&["list", "INBOX", "-n", "2"], &[("COLUMNS", "100")]);
    assert!(table.stdout.contains("3 more"), "{}", table.stdout);
}

#[test]
fn a_backup_lists_like_the_server_without_a_config() {
    let user = servers().user();
    seed::append_many(&user, "INBOX", shuffled_dates());
    seed::append(&user, "Work", vec![Msg::simple("w@example.org", "w1", "x").flags(&["\\Seen"])]);
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));
    let maildir = format!("maildir:{}", env.path("backup").display());
    let mbox = format!("mbox:{}", env.path("backup-mbox").display());
    env.owl(&["fetch", "--into", &maildir]).expect_code(0);
    env.owl(&["fetch", "--into", &mbox]).expect_code(0);
    // No -c and an empty HOME: a backup needs no account.
    let offline = |args: &[&str]| {
        let mut cmd = crate::harness::owl_command(env.path("nohome").as_path());
        cmd.args(args);
        crate::harness::run(cmd)
    };
    let boxes = offline(&["list", "--local", &maildir, "--json"]);
    let rows = boxes.expect_code(0).json();
    assert_eq!(rows[0]["name"], "INBOX", "{rows:#}");
    assert_eq!((find(&rows, "INBOX")["total"].as_u64(), find(&rows, "INBOX")["unseen"].as_u64()), (Some(5), Some(5)));
    assert_eq!((find(&rows, "Work")["total"].as_u64(), find(&rows, "Work")["unseen"].as_u64()), (Some(1), Some(0)));
    let mbox_rows = offline(&["list", "--local", &mbox, "--json"]).json();
    assert_eq!(find(&mbox_rows, "INBOX")["total"], 5);
    assert!(find(&mbox_rows, "INBOX")["unseen"].is_null(), "an mbox keeps no flags: {mbox_rows:#}");

    for store in [&maildir, &mbox] {
        let by_date = offline(&["list", "--local", store, "INBOX", "--json"]);
        assert_eq!(subjects(by_date.expect_code(0)), ["e", "d", "c", "b", "a"], "{store}");
        let page = offline(&["list", "--local", store, "INBOX", "--json", "-n", "2", "-p", "2", "--reverse"]);
        assert_eq!(subjects(&page), ["c", "d"], "{store}");
        for row in by_date.json().as_array().unwrap() {
            assert!(row["file"].as_str().is_some_and(|f| !f.is_empty()), "{row}");
        }
    }
    let uids: Vec<u64> = offline(&["list", "--local", &maildir, "INBOX", "--json", "--sort", "arrival"])
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uid"].as_u64().unwrap())
        .collect();
    assert_eq!(uids, [5, 4, 3, 2, 1], "Maildir names keep the server's UIDs");
    let missing = offline(&["list", "--local", &maildir, "Nope"]);
    missing.expect_code(66);
    assert!(missing.stderr.contains("Nope"), "{}", missing.stderr);
    offline(&["list", "--local", &env.path("no-such-store").display().to_string()]).expect_code(66);
}

#[test]
fn tables_show_dates_in_the_zone_tz_names() {
    let user = servers().user();
    seed::append(
        &user,
        "INBOX",
        vec![Msg::raw("From: a@example.org\r\nSubject: tz\r\nDate: Sun, 01 Nov 2026 10:00:00 +0000\r\n\r\nx\r\n")],
    );
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));
    let wide = [("COLUMNS", "150")];
    let at = |tz: &str| env.owl_with(&["list", "INBOX"], &[wide[0], ("TZ", tz)]).expect_code(0).stdout.clone();
    assert!(at("America/New_York").contains("2026-11-01 05:00"), "{}", at("America/New_York"));
    assert!(at("Asia/Tokyo").contains("2026-11-01 19:00"), "{}", at("Asia/Tokyo"));
    assert!(at("UTC").contains("2026-11-01 10:00"), "{}", at("UTC"));
    // JSON keeps the sender's own offset, whatever TZ says.
    let json = env.owl_with(&["list", "INBOX", "--json"], &[("TZ", "Asia/Tokyo")]);
    assert_eq!(json.json()[0]["date"], "2026-11-01T10:00:00+00:00");
}

/// Runs owl under a pseudo-terminal (util-linux `script`), as a person
/// would; returns what reached the terminal.
fn on_a_terminal(env: &Env, args: &[&str], envs: &[(&str, &str)]) -> crate::harness::Run {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let mut line = format!("{} -c {}", quote(env!("CARGO_BIN_EXE_owl")), quote(&env.config.display().to_string()));
    for a in args {
        line.push(' ');
        line.push_str(&quote(a));
    }
    let home = env.path("");
    // The launcher execs without a PATH search.
    let mut cmd = std::process::Command::new("/usr/bin/script");
    cmd.args(["-qec", &line, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .envs(envs.iter().copied())
        .stdin(std::process::Stdio::null());
    crate::harness::run(cmd)
}

#[test]
fn a_terminal_gets_the_pager_and_a_narrow_table_its_short_dates() {
    let user = servers().user();
    seed::append_many(&user, "INBOX", shuffled_dates());
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));
    let paged = env.path("paged.txt");
    let pager = format!("cat > '{}'", paged.display());
    let run = on_a_terminal(
        &env,
        &["list", "INBOX", "-n", "3"],
        &[("PAGER", &pager), ("COLUMNS", "60"), ("TZ", "UTC"), ("NO_COLOR", "1")],
    );
    run.expect_code(0);
    let text = std::fs::read_to_string(&paged).unwrap_or_else(|e| panic!("the pager got nothing ({e}): {run:?}"));
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("UID  DATE "), "{text}");
    assert!(text.contains("2 more"), "the page says what it left out: {text}");
    for line in &lines[1..4] {
        assert!(console::measure_text_width(line) <= 60, "too wide: {line:?}");
        let date = line.split_whitespace().nth(1).unwrap();
        // Nov 2026: `Nov 05` this year, `2026-11-05` in a later one; never the time of day as well.
        assert!(date.starts_with("Nov") || date.starts_with("2026-11-0"), "{line}");
        assert!(!line.contains(" 10:00"), "a narrow table drops the time of older mail: {line}");
    }
    assert!(!run.stdout.contains("UID  DATE"), "the table went to the pager, not the terminal: {}", run.stdout);
    std::fs::remove_file(&paged).unwrap();
    let no_pager = on_a_terminal(&env, &["list", "INBOX", "--no-pager"], &[("PAGER", &pager), ("COLUMNS", "150")]);
    assert!(no_pager.stdout.contains("UID  DATE"), "{no_pager:?}");
    assert!(!paged.exists(), "--no-pager runs no pager");
    // Piped, as a script sees it: no pager either.
    env.owl_with(&["list", "INBOX"], &[("PAGER", &pager)]).expect_code(0);
    assert!(!paged.exists(), "a pipe gets the text itself");
}
