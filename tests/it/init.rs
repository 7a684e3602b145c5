//! `owl init` against real Dovecot and Postfix: scripted (`--yes`) and at
//! a terminal (a pty driven by python3), TLS mode found by itself, the
//! file written 0600 beside comments it keeps byte for byte; and the hint
//! for a port that speaks implicit TLS while the config expects STARTTLS.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::harness::{Env, Imap, User, imap_config, owl_command, run, servers};

const PASSWORD_VAR: &str = "OWL_TEST_INIT_PASSWORD";

/// `owl -c CONFIG init --yes ...` for `user` on these ports.
fn init_yes(env: &Env, user: &User, imap_port: u16, smtp_port: u16, extra: &[&str]) -> crate::harness::Run {
    let (imap_port, smtp_port) = (imap_port.to_string(), smtp_port.to_string());
    let ca = servers().ca_file.display().to_string();
    let email = user.address();
    let mut args = vec![
        "init",
        "--yes",
        "--email",
        &email,
        "--user",
        &user.name,
        "--imap-host",
        "127.0.0.1",
        "--imap-port",
        &imap_port,
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &smtp_port,
        "--password-env",
        PASSWORD_VAR,
        "--ca-file",
        &ca,
    ];
    args.extend_from_slice(extra);
    env.owl_with(&args, &[(PASSWORD_VAR, &user.password)])
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A HOME whose config file does not exist yet.
fn empty_env() -> Env {
    let env = Env::new("");
    std::fs::remove_file(&env.config).unwrap();
    env
}

#[test]
fn init_yes_finds_implicit_tls_and_starttls_and_writes_a_config_check_accepts() {
    let s = servers();
    for (imap, smtp, tls) in [(s.imaps, s.smtps, "implicit"), (s.imap, s.smtp, "starttls")] {
        let user = s.user();
        let env = empty_env();
        // The parent directory is made too, private.
        let nested = env.path("conf/owl/config.toml");
        let env = Env { config: nested.clone(), ..env };
        let report = init_yes(&env, &user, imap, smtp, &["--json"]).expect_code(0).json();
        assert_eq!(report["written"], true, "{report:#}");
        assert_eq!(report["account"], "example", "named after the domain: {report:#}");
        assert_eq!(report["default"], true);
        assert_eq!(report["imap"]["tls"], tls, "{report:#}");
        assert_eq!(report["smtp"]["tls"], tls, "{report:#}");
        assert_eq!(report["imap"]["verified_by"], "ca");
        assert_eq!(report["check"]["services"][0]["authenticated"], true, "{report:#}");
        assert_eq!(report["check"]["services"][1]["authenticated"], true, "{report:#}");
        assert_eq!(mode(&nested), 0o600);
        assert_eq!(mode(nested.parent().unwrap()), 0o700);
        let text = std::fs::read_to_string(&nested).unwrap();
        assert!(text.contains(&format!("tls = \"{tls}\"")), "{text}");
        assert!(!text.contains(&user.password), "the password stays in the environment: {text}");
        let check = env.owl_with(&["check", "--json"], &[(PASSWORD_VAR, &user.password)]).expect_code(0).json();
        assert_eq!(check["services"].as_array().unwrap().len(), 2, "{check:#}");
    }
}

#[test]
fn init_adds_to_a_commented_config_byte_for_byte_and_refuses_a_taken_name() {
    let s = servers();
    let user = s.user();
    let old = format!("# my mail, by hand\n\n{}\n# the end   \n", imap_config(&user, Imap::Implicit, "# keep me"));
    let env = Env::new(&old);
    let added = init_yes(&env, &user, s.imaps, s.smtps, &["--name", "second"]);
    added.expect_code(0);
    assert!(added.stdout.contains("Added account second"), "{}", added.stdout);
    let text = std::fs::read_to_string(&env.config).unwrap();
    assert!(text.starts_with(&old), "the old text changed:\n{text}");
    assert!(text[old.len()..].starts_with("\n[accounts.second]\n"), "{text}");
    assert!(!text[old.len()..].contains("default"), "test stays the default: {text}");
    assert_eq!(mode(&env.config), 0o600);
    env.owl_with(&["check", "second"], &[(PASSWORD_VAR, &user.password)]).expect_code(0);
    env.owl(&["check", "test"]).expect_code(0);

    // The same name again: refused before any connection, file untouched.
    let again = init_yes(&env, &user, s.imaps, s.smtps, &["--name", "second"]);
    again.expect_code(73);
    assert!(again.stderr.contains("account \"second\" exists already") && again.stderr.contains("--force"));
    assert_eq!(std::fs::read_to_string(&env.config).unwrap(), text);

    // --force replaces it where it stood; the rest stays.
    let replaced = init_yes(&env, &user, s.imap, s.smtp, &["--name", "second", "--force", "--json"]);
    assert_eq!(replaced.expect_code(0).json()["replaced"], true);
    let now = std::fs::read_to_string(&env.config).unwrap();
    assert!(now.starts_with(&old), "{now}");
    assert!(now.contains("tls = \"starttls\"") && !now[old.len()..].contains("\"implicit\""), "{now}");
    assert_eq!(now.matches("[accounts.second]").count(), 1, "{now}");
}

#[test]
fn init_yes_names_the_flag_a_missing_answer_needs() {
    let env = empty_env();
    let run = env.owl(&["init", "--yes", "--email", "me@example.org"]);
    run.expect_code(64);
    assert!(run.stderr.contains("give --imap-host"), "{}", run.stderr);
    let run = env.owl(&["init", "--yes"]);
    run.expect_code(64);
    assert!(run.stderr.contains("--email"), "{}", run.stderr);
    assert!(!env.config.exists(), "nothing is written");
}

#[test]
fn init_without_trust_shows_the_fingerprint_and_pins_it_when_asked() {
    let s = servers();
    let user = s.user();
    let env = empty_env();
    let (imap, smtp) = (s.imaps.to_string(), s.smtps.to_string());
    let base = [
        "init",
        "--yes",
        "--email",
        "me@example.org",
        "--user",
        &user.name,
        "--imap-host",
        "127.0.0.1",
        "--imap-port",
        &imap,
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &smtp,
        "--password-env",
        PASSWORD_VAR,
    ];
    let untrusted = env.owl_with(&base, &[(PASSWORD_VAR, &user.password)]);
    untrusted.expect_code(69);
    let fingerprint = untrusted
        .stderr
        .split("fingerprint is ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .map(|fp| fp.trim_end_matches([';', ')', ',']).to_string())
        .unwrap_or_else(|| panic!("no fingerprint in: {}", untrusted.stderr));
    assert!(fingerprint.starts_with("sha256:"), "{fingerprint}");
    assert!(untrusted.stderr.contains("--fingerprint"), "{}", untrusted.stderr);
    assert!(!env.config.exists());
    let mut pinned = base.to_vec();
    pinned.extend(["--fingerprint", &fingerprint, "--json"]);
    let report = env.owl_with(&pinned, &[(PASSWORD_VAR, &user.password)]).expect_code(0).json();
    assert_eq!(report["imap"]["verified_by"], "pin", "{report:#}");
    let text = std::fs::read_to_string(&env.config).unwrap();
    assert!(text.contains(&format!("fingerprint = \"{fingerprint}\"")), "{text}");
}

/// Runs owl under a pty and answers its prompts: each pair is text to
/// wait for on the terminal and the line to type then.
const PTY_DRIVER: &str = r#"
import json, os, pty, select, sys, time
script, argv = json.loads(sys.argv[1]), sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
seen = b""
log = b""
def wait_for(text, timeout=60):
    global seen, log
    end = time.time() + timeout
    while text.encode() not in seen:
        left = end - time.time()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            sys.stdout.write(seen.decode(errors="replace"))
            sys.exit("timed out waiting for %r" % text)
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            chunk = b""
        if not chunk:
            sys.stdout.write(seen.decode(errors="replace"))
            sys.exit("owl ended while waiting for %r" % text)
        seen += chunk
        log += chunk
    seen = seen[seen.index(text.encode()) + len(text):]
for expect, answer in script:
    wait_for(expect)
    os.write(fd, (answer + "\n").encode())
rest = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    rest += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write((log + rest).decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
"#;

/// Runs `owl -c CONFIG ARGS` under a pty answering `script`; whether it
/// succeeded, and all it showed.
fn at_a_terminal(env: &Env, args: &[&str], script: &serde_json::Value, user: &User) -> (bool, String) {
    let owl = owl_command(env.dir.path());
    let mut cmd = Command::new("python3");
    cmd.arg("-c").arg(PTY_DRIVER).arg(script.to_string()).arg(owl.get_program());
    cmd.arg("-c").arg(&env.config).args(args);
    cmd.env_clear();
    for (key, value) in owl.get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    cmd.env(PASSWORD_VAR, &user.password);
    let out = cmd.output().expect("python3");
    let transcript = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), transcript)
}

#[test]
fn init_at_a_terminal_asks_and_writes_what_the_flags_would() {
    let s = servers();
    let user = s.user();
    let env = empty_env();
    let ca = s.ca_file.display().to_string();
    let email = format!("{}@owl-test.invalid", user.name);
    let script = serde_json::json!([
        ["Email address: ", email],
        ["Account name [owl-test]: ", "test"],
        ["IMAP server (host or host:port): ", format!("127.0.0.1:{}", s.imap)],
        ["Trust it how? [1]: ", "2"],
        ["CA file (PEM): ", ca],
        ["SMTP server (host or host:port): ", format!("127.0.0.1:{}", s.smtps)],
        [format!("Login name [{email}]: "), user.name],
        ["Where does the password come from? [1]: ", "2"],
        ["Variable name: ", PASSWORD_VAR],
    ]);
    let (ok, transcript) = at_a_terminal(&env, &["init"], &script, &user);
    assert!(ok, "{transcript}");
    assert!(transcript.contains("Added account test"), "{transcript}");
    assert!(transcript.contains("fingerprint"), "the untrusted certificate was shown: {transcript}");
    assert_eq!(mode(&env.config), 0o600);
    let asked = std::fs::read_to_string(&env.config).unwrap();

    // The same answers as flags give the same file.
    let flags = empty_env();
    let (imap, smtps) = (s.imap.to_string(), s.smtps.to_string());
    let args = [
        "init",
        "--yes",
        "--email",
        &email,
        "--name",
        "test",
        "--user",
        &user.name,
        "--imap-host",
        "127.0.0.1",
        "--imap-port",
        &imap,
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &smtps,
        "--password-env",
        PASSWORD_VAR,
        "--ca-file",
        &ca,
    ];
    let mut owl = owl_command(flags.dir.path());
    owl.arg("-c").arg(&flags.config).args(args).env(PASSWORD_VAR, &user.password);
    run(owl).expect_code(0);
    assert_eq!(std::fs::read_to_string(&flags.config).unwrap(), asked);
    assert!(asked.contains("tls = \"starttls\"") && asked.contains("tls = \"implicit\""), "{asked}");
}

#[test]
fn a_starttls_config_on_an_implicit_tls_port_says_which_table_to_change() {
    let s = servers();
    let user = s.user();
    // tls = "auto" on a port that is not 993/995/465 means STARTTLS.
    let config = format!(
        "[accounts.work]\nuser = \"{u}\"\npassword = \"{p}\"\nca_file = \"{ca}\"\ntimeout = 2\n\
         [accounts.work.imap]\nhost = \"127.0.0.1\"\nport = {imaps}\ntls = \"auto\"\n\
         [accounts.work.pop3]\nhost = \"127.0.0.1\"\nport = {pop3s}\n\
         [accounts.work.smtp]\nhost = \"127.0.0.1\"\nport = {smtps}\n",
        u = user.name,
        p = user.password,
        ca = s.ca_file.display(),
        imaps = s.imaps,
        pop3s = s.pop3s,
        smtps = s.smtps,
    );
    let env = Env::new(&config);
    let list = env.owl(&["list"]);
    list.expect_code(75);
    assert!(
        list.stderr.contains(&format!(
            "port {} may expect implicit TLS: if so, set tls = \"implicit\" in [accounts.work.imap] of ~/config.toml",
            s.imaps
        )),
        "{}",
        list.stderr
    );
    let check = env.owl(&["check", "--json"]);
    check.expect_code(75);
    let report = check.json();
    for (i, proto) in ["imap", "pop3", "smtp"].into_iter().enumerate() {
        let service = &report["services"][i];
        assert_eq!(service["protocol"], proto);
        let error = service["error"].as_str().unwrap();
        assert!(error.contains("may expect implicit TLS"), "{proto}: {error}");
        assert_eq!(
            service["hint"].as_str().unwrap(),
            format!(
                "this port speaks implicit TLS: set tls = \"implicit\" in [accounts.work.{proto}] of ~/config.toml"
            ),
            "{service:#}"
        );
    }
}

#[test]
fn a_login_that_fails_writes_nothing_unless_no_check() {
    let s = servers();
    let mut user = s.user();
    user.password = "not-the-password".into();
    let env = empty_env();
    let refused = init_yes(&env, &user, s.imaps, s.smtps, &["--json"]);
    refused.expect_code(77);
    let report = refused.json();
    assert_eq!(report["written"], false, "{report:#}");
    assert_eq!(report["check"]["services"][0]["authenticated"], false, "{report:#}");
    assert!(!env.config.exists(), "nothing is written when login fails");
    let unchecked = init_yes(&env, &user, s.imaps, s.smtps, &["--no-check", "--json"]);
    let report = unchecked.expect_code(0).json();
    assert_eq!(report["written"], true);
    assert!(report["check"].is_null(), "{report:#}");
    assert!(env.config.exists());
}

#[test]
fn a_password_typed_at_the_terminal_is_not_echoed_and_is_written_0600() {
    let s = servers();
    let user = s.user();
    let env = empty_env();
    let (imap, smtp, ca) = (s.imaps.to_string(), s.smtps.to_string(), s.ca_file.display().to_string());
    let args = [
        "init",
        "--email",
        "me@example.org",
        "--imap-host",
        "127.0.0.1",
        "--imap-port",
        &imap,
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &smtp,
        "--ca-file",
        &ca,
    ];
    let script = serde_json::json!([
        ["Account name [example]: ", ""],
        ["Login name [me@example.org]: ", user.name],
        ["Where does the password come from? [1]: ", "3"],
        ["Password: ", user.password],
    ]);
    let (ok, transcript) = at_a_terminal(&env, &args, &script, &user);
    assert!(ok, "{transcript}");
    assert!(transcript.contains("stored in clear"), "the person was warned: {transcript}");
    assert!(!transcript.contains(&user.password), "the password was echoed: {transcript}");
    assert_eq!(mode(&env.config), 0o600);
    let text = std::fs::read_to_string(&env.config).unwrap();
    assert!(text.contains(&format!("password = \"{}\"", user.password)), "{text}");
    env.owl(&["check"]).expect_code(0);
}
