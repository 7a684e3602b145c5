//! `owl check` against real Dovecot: TLS version, fingerprint, compression,
//! and how an untrusted certificate is reported and pinned.

use crate::harness::{Env, Imap, User, imap_config, servers};

/// The server certificate's fingerprint as openssl prints it.
fn openssl_fingerprint() -> String {
    let out = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(&servers().cert_file)
        .output()
        .expect("run openssl");
    let text = String::from_utf8(out.stdout).unwrap();
    // "sha256 Fingerprint=AB:CD:..."
    let hex = text.trim().split_once('=').expect("fingerprint line").1.to_string();
    format!("sha256:{hex}")
}

#[test]
fn check_reports_tls_fingerprint_and_compression() {
    let user = servers().user();
    let fingerprint = openssl_fingerprint();
    for mode in [Imap::StartTls, Imap::Implicit] {
        let env = Env::new(&imap_config(&user, mode, "compress = true"));
        let report = env.owl(&["check", "--json"]).expect_code(0).json();
        let imap = &report["services"][0];
        assert_eq!(imap["protocol"], "imap");
        assert_eq!(imap["ok"], true, "{imap:#}");
        assert_eq!(imap["compression"], true, "{imap:#}");
        assert_eq!(imap["compression_reason"], "compress = true", "{imap:#}");
        assert!(imap["capabilities"].as_array().unwrap().iter().any(|c| c == "COMPRESS=DEFLATE"));
        let version = imap["tls_version"].as_str().unwrap();
        assert!(version == "TLSv1.2" || version == "TLSv1.3", "{version}");
        assert_eq!(imap["fingerprint"], fingerprint);
        assert_eq!(imap["verified_by"], "ca");
        assert_eq!(imap["authenticated"], true);
        assert_eq!(imap["auth_mechanism"], "PLAIN");
    }
}

#[test]
fn compress_false_keeps_compression_off() {
    let user = servers().user();
    let env = Env::new(&imap_config(&user, Imap::Implicit, "compress = false"));
    let report = env.owl(&["check", "--json"]).expect_code(0).json();
    assert_eq!(report["services"][0]["compression"], false);
    assert_eq!(report["services"][0]["compression_reason"], "compress = false");
}

#[test]
fn compress_auto_says_what_it_measured() {
    let user = servers().user();
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));
    let report = env.owl(&["check", "--json"]).expect_code(0).json();
    let imap = &report["services"][0];
    let why = imap["compression_reason"].as_str().expect("a reason");
    assert!(why.starts_with("compress = auto: round trip "), "{why}");
    // Loopback is local unless the machine is very busy; either way the
    // verdict and the state agree.
    assert_eq!(imap["compression"], why.contains("a wide-area link"), "{imap:#}");
}

/// A config that does not trust the test CA, optionally pinning.
fn untrusted_config(user: &User, pin: Option<&str>) -> String {
    let pin = pin.map(|p| format!("fingerprint = \"{p}\"\n")).unwrap_or_default();
    format!(
        "[accounts.test]\nuser = \"{}\"\npassword = \"{}\"\n[accounts.test.imap]\nhost = \"127.0.0.1\"\nport = {}\n\
         tls = \"implicit\"\ntimeout = 10\n{pin}",
        user.name,
        user.password,
        servers().imaps
    )
}

#[test]
fn an_unknown_ca_is_refused_but_check_shows_the_fingerprint_to_pin() {
    let user = servers().user();
    let env = Env::new(&untrusted_config(&user, None));
    let list = env.owl(&["list"]);
    list.expect_code(69);
    assert!(list.stderr.contains("certificate"), "{}", list.stderr);
    let check = env.owl(&["check", "--json"]);
    check.expect_code(69);
    let imap = &check.json()["services"][0];
    assert_eq!(imap["ok"], false);
    assert_eq!(imap["authenticated"], false);
    assert_eq!(imap["fingerprint"], openssl_fingerprint());
    assert!(imap["verified_by"].is_null());
    assert!(imap["hint"].as_str().unwrap().contains("fingerprint = \"sha256:"), "{imap:#}");
    assert!(
        !servers().dovecot_log().contains(&format!("user=<{}>", user.name)),
        "nobody may log in over an untrusted connection"
    );
}

#[test]
fn a_pinned_certificate_is_accepted_and_a_wrong_pin_refused() {
    let user = servers().user();
    let env = Env::new(&untrusted_config(&user, Some(&openssl_fingerprint())));
    let report = env.owl(&["check", "--json"]).expect_code(0).json();
    assert_eq!(report["services"][0]["verified_by"], "pin");
    env.owl(&["list", "--json"]).expect_code(0);

    let wrong = format!("sha256:{}", ["AB"; 32].join(":"));
    let env = Env::new(&untrusted_config(&user, Some(&wrong)));
    let run = env.owl(&["list"]);
    run.expect_code(69);
    assert!(run.stderr.contains("does not match the pinned"), "{}", run.stderr);
}

#[test]
fn a_ca_file_naming_the_ca_is_trusted() {
    let user = servers().user();
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));
    let report = env.owl(&["check", "--json"]).expect_code(0).json();
    assert_eq!(report["services"][0]["verified_by"], "ca");
    let text = env.owl(&["check"]).expect_code(0).stdout.clone();
    assert!(text.contains("verified by CA") && text.contains("compression   "), "{text}");
}
