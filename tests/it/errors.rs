//! Exit codes and one-line errors that name the account, the server and
//! the server's own words.

use std::net::TcpListener;
use std::time::Duration;

use crate::harness::{Env, Imap, imap_config, servers};

#[test]
fn a_wrong_password_exits_77_with_the_servers_text() {
    let user = servers().user();
    let toml = imap_config(&user, Imap::StartTls, "").replace(&user.password, "not-the-password");
    let run = Env::new(&toml).owl(&["list"]);
    run.expect_code(77);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    let line = run.stderr.trim();
    assert!(line.starts_with("owl: account \"test\": imap 127.0.0.2:"), "{line}");
    assert!(line.contains("[AUTHENTICATIONFAILED]"), "{line}");
    assert!(!line.contains("not-the-password"), "{line}");
}

#[test]
fn a_closed_port_exits_75_quickly() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let toml = format!(
        "[accounts.a]\nuser = \"u\"\npassword = \"p\"\n[accounts.a.imap]\nhost = \"127.0.0.1\"\nport = {port}\n\
         tls = \"implicit\"\ntimeout = 3\n"
    );
    let run = Env::new(&toml).owl(&["list"]);
    run.expect_code(75);
    assert!(run.stderr.contains(&format!("127.0.0.1:{port}")), "{}", run.stderr);
    assert!(run.elapsed < Duration::from_secs(3), "took {:?}", run.elapsed);
}

#[test]
fn a_malformed_config_exits_78_naming_file_and_line() {
    let env = Env::new("[accounts.a]\nuser = \"u\"\npassword = \"p\"\n\n[accounts.a.imap]\nhost = \"h\"\nprot = 993\n");
    let run = env.owl(&["list"]);
    run.expect_code(78);
    let expected = format!("{}:7:", env.config.display());
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
    assert!(run.stderr.contains("prot"), "{}", run.stderr);

    let env = Env::new(
        "[accounts.a]\nuser = \"u\"\npassword = \"p\"\n[accounts.a.imap]\nhost = \"h\"\ntls = \"sometimes\"\n",
    );
    let run = env.owl(&["list"]);
    run.expect_code(78);
    assert!(run.stderr.contains(":6: tls:"), "{}", run.stderr);

    let env = Env::new("[accounts.a\nuser = 1\n");
    env.owl(&["list"]).expect_code(78);
}

#[test]
fn config_problems_are_78() {
    let env = Env::new("[accounts.a]\nuser = \"u\"\npassword = \"p\"\n[accounts.a.imap]\nhost = \"h\"\n");
    let run = env.owl(&["-a", "nope", "list"]);
    run.expect_code(78);
    assert!(run.stderr.contains("no account \"nope\""), "{}", run.stderr);

    let missing = env.path("missing.toml");
    let mut cmd = crate::harness::owl_command(env.dir.path());
    cmd.arg("-c").arg(&missing).arg("list");
    let run = crate::harness::run(cmd);
    run.expect_code(78);
    assert!(run.stderr.contains("missing.toml"), "{}", run.stderr);

    let env = Env::new(
        "[accounts.a]\nuser = \"u\"\npassword_command = \"echo oops >&2; exit 1\"\n[accounts.a.imap]\nhost = \"127.0.0.1\"\nport = 9\ntls = \"none\"\n",
    );
    // The password command runs only once a connection needs it: here the
    // connection fails first, so this is temporary, not a config error.
    assert_eq!(env.owl(&["list"]).code, 75);
}

#[test]
fn usage_errors_are_64_and_help_is_0() {
    let env = Env::new("");
    env.owl(&["list", "--no-such-flag"]).expect_code(64);
    env.owl(&["frobnicate"]).expect_code(64);
    let help = env.owl(&["--help"]);
    help.expect_code(0);
    assert!(help.stdout.contains("Exit codes"), "{}", help.stdout);
    env.owl(&["--version"]).expect_code(0);
}

#[test]
fn a_world_readable_config_with_a_password_gets_a_warning() {
    let user = servers().user();
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));
    crate::harness::set_mode(&env.config, 0o644);
    let run = env.owl(&["list", "--json"]);
    run.expect_code(0);
    assert!(run.stderr.contains("warning") && run.stderr.contains("chmod 600"), "{}", run.stderr);
    crate::harness::set_mode(&env.config, 0o600);
    let run = env.owl(&["list", "--json"]);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn a_password_command_is_used_and_its_failure_is_78() {
    let user = servers().user();
    let toml = imap_config(&user, Imap::Implicit, "").replace(
        &format!("password = \"{}\"", user.password),
        &format!("password_command = [\"echo\", \"{}\"]", user.password),
    );
    Env::new(&toml).owl(&["list", "--json"]).expect_code(0);
    let toml = imap_config(&user, Imap::Implicit, "")
        .replace(&format!("password = \"{}\"", user.password), "password_command = \"echo no such vault >&2; exit 3\"");
    let run = Env::new(&toml).owl(&["list"]);
    run.expect_code(78);
    assert!(run.stderr.contains("password_command failed") && run.stderr.contains("no such vault"), "{}", run.stderr);
}

#[test]
fn with_json_an_error_is_one_json_object_on_stderr() {
    let user = servers().user();
    let toml = imap_config(&user, Imap::Implicit, "").replace(&user.password, "not-the-password");
    let run = Env::new(&toml).owl(&["list", "--json"]);
    run.expect_code(77);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    let err: serde_json::Value = serde_json::from_str(run.stderr.trim()).expect("stderr is one JSON object");
    assert_eq!((err["kind"].as_str(), err["exit_code"].as_i64()), (Some("auth"), Some(77)));
    assert!(err["server_reply"].as_str().unwrap().starts_with("NO [AUTHENTICATIONFAILED]"), "{err}");
    assert!(err["error"].as_str().unwrap().contains("account \"test\""), "{err}");

    // A missing mailbox is 66 from every command that names one.
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));
    for args in [
        &["list", "NoSuchBox"][..],
        &["search", "-m", "NoSuchBox", "x"],
        &["fetch", "NoSuchBox", "--into", "maildir:/tmp/owl-none"],
    ] {
        let run = env.owl(args);
        assert_eq!(run.code, 66, "{args:?}: {}", run.stderr);
        assert!(run.stderr.matches("mailbox \"NoSuchBox\"").count() <= 1, "named once: {}", run.stderr);
    }
}
