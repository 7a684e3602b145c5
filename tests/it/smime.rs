//! S/MIME end to end: messages signed and encrypted by the `openssl`
//! command line are read with `owl read`; `owl send --sign --encrypt`
//! goes through real Postfix and what arrives is checked with `openssl
//! smime -verify` and `-decrypt`. The certificates are a throwaway CA's,
//! made here by `openssl` for the test users' addresses.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::harness::seed::{self, Msg};
use crate::harness::{Env, Imap, User, imap_config, servers, set_mode};
use crate::send::{delivered, send_config};

/// The key passphrase of every encrypted test key.
const PASSPHRASE: &str = "correct-horse-battery-7731";

/// Runs openssl with `args`, feeding `input`; its stdout, or a panic with
/// its stderr.
fn openssl(args: &[&str], input: &[u8]) -> Vec<u8> {
    openssl_status(args, input).unwrap_or_else(|e| panic!("openssl {args:?}: {e}"))
}

fn openssl_status(args: &[&str], input: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::Write;
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run openssl");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait for openssl");
    let _ = writer.join();
    if out.status.success() { Ok(out.stdout) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// Two throwaway CAs: `trusted` (the one in smime_ca_file) and `stranger`
/// (one nobody trusts), with an `openssl ca` setup that can backdate.
struct Pki {
    dir: PathBuf,
}

/// A person's key (unencrypted and passphrase-protected) and certificate.
struct Person {
    key: PathBuf,
    locked_key: PathBuf,
    cert: PathBuf,
}

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        // Inside the servers' directory, which goes when the tests end.
        let dir = servers().dir.join("smime-pki");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for ca in ["trusted", "stranger"] {
            let d = dir.join(ca);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("index.txt"), "").unwrap();
            std::fs::write(d.join("serial"), if ca == "trusted" { "1000\n" } else { "2000\n" }).unwrap();
            std::fs::write(
                d.join("ca.cnf"),
                format!(
                    "[ca]\ndefault_ca = d\n[d]\ndatabase = {0}/index.txt\nnew_certs_dir = {0}\nserial = {0}/serial\n\
                     default_md = sha256\npolicy = p\nunique_subject = no\nemail_in_dn = no\n[p]\ncommonName = supplied\n",
                    d.display()
                ),
            )
            .unwrap();
            openssl(
                &[
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p(&d.join("ca.key")), "-out",
                    p(&d.join("ca.pem")), "-days", "3650", "-subj", &format!("/CN=Owl Test {ca} CA"), "-addext",
                    "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                ],
                b"",
            );
        }
        Pki { dir }
    })
}

impl Pki {
    fn ca_file(&self) -> PathBuf {
        self.dir.join("trusted/ca.pem")
    }

    /// A certificate for `address` from `ca`, valid `dates` (`None`: now
    /// for a month; else `openssl ca` start and end dates).
    fn person(&self, address: &str, ca: &str, dates: Option<(&str, &str)>) -> Person {
        // Tests run in parallel and may ask for the same address: each
        // call gets files of its own.
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let file = |ext: &str| self.dir.join(format!("{ca}-{address}-{n}.{ext}"));
        let (key, csr, cert, ext) = (file("key"), file("csr"), file("pem"), file("ext"));
        let locked_key = file("locked.key");
        let name = address.split('@').next().unwrap_or(address);
        openssl(
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                p(&key),
                "-out",
                p(&csr),
                "-subj",
                &format!("/CN={name}"),
            ],
            b"",
        );
        std::fs::write(
            &ext,
            format!(
                "subjectAltName=email:{address}\nbasicConstraints=CA:FALSE\n\
                 keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=emailProtection\n"
            ),
        )
        .unwrap();
        let d = self.dir.join(ca);
        let mut args = vec![
            "ca",
            "-batch",
            "-notext",
            "-config",
            p(&d.join("ca.cnf")),
            "-cert",
            p(&d.join("ca.pem")),
            "-keyfile",
            p(&d.join("ca.key")),
            "-in",
            p(&csr),
            "-out",
            p(&cert),
            "-extfile",
            p(&ext),
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
        match dates {
            Some((start, end)) => args.extend(["-startdate".into(), start.into(), "-enddate".into(), end.into()]),
            None => args.extend(["-days".into(), "30".into()]),
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        // openssl ca rewrites its index and serial files: one at a time.
        static CA: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let guard = CA.lock().unwrap_or_else(|e| e.into_inner());
        openssl(&args, b"");
        drop(guard);
        openssl(
            &["pkey", "-in", p(&key), "-aes256", "-passout", &format!("pass:{PASSPHRASE}"), "-out", p(&locked_key)],
            b"",
        );
        set_mode(&key, 0o600);
        set_mode(&locked_key, 0o600);
        Person { key, locked_key, cert }
    }
}

/// The entity a test message carries.
const ENTITY: &str = "Content-Type: text/plain; charset=utf-8\r\n\r\nThe launch code is 1234.\r\n";

/// A message signed by `signer` with the `openssl smime` command line;
/// `opaque` for signed-data instead of multipart/signed.
fn signed(signer: &Person, from: &str, to: &str, subject: &str, opaque: bool) -> Vec<u8> {
    let mut args = vec!["smime", "-sign", "-signer", p(&signer.cert), "-inkey", p(&signer.key)];
    args.extend(["-from", from, "-to", to, "-subject", subject]);
    if opaque {
        args.push("-nodetach");
    }
    openssl(&args, ENTITY.as_bytes())
}

/// `content` (an entity or a signed one) encrypted to `recipient`.
fn encrypted(content: &[u8], recipient: &Person, from: &str, to: &str, subject: &str) -> Vec<u8> {
    openssl(
        &["smime", "-encrypt", "-aes256", "-from", from, "-to", to, "-subject", subject, p(&recipient.cert)],
        content,
    )
}

/// A reading account for `user` with S/MIME keys.
fn reader(user: &User, me: &Person, key: &Path, extra: &str) -> Env {
    let smime = format!(
        "smime_ca_file = \"{}\"\nsmime_key = \"{}\"\nsmime_cert = \"{}\"\n{extra}",
        pki().ca_file().display(),
        key.display(),
        me.cert.display()
    );
    let toml = imap_config(user, Imap::Implicit, "");
    Env::new(&toml.replacen("[accounts.test.imap]", &format!("{smime}\n[accounts.test.imap]"), 1))
}

fn read_json(env: &Env, uid: u32) -> serde_json::Value {
    env.owl(&["read", "INBOX", &uid.to_string(), "--peek", "--json"]).expect_code(0).json()
}

#[test]
fn signatures_get_one_verdict_each_detached_and_opaque() {
    let pki = pki();
    let user = servers().user();
    let me = user.address();
    let alice = pki.person("alice@example.org", "trusted", None);
    let eve = pki.person("eve@example.org", "stranger", None);
    let old = pki.person("old@example.org", "trusted", Some(("20200101000000Z", "20200201000000Z")));
    let valid = signed(&alice, "alice@example.org", &me, "valid detached", false);
    let tampered = String::from_utf8(valid.clone()).unwrap().replace("launch code is 1234", "launch code is 9999");
    let messages = vec![
        Msg::raw(valid.clone()),
        Msg::raw(signed(&alice, "alice@example.org", &me, "valid opaque", true)),
        Msg::raw(tampered),
        Msg::raw(signed(&eve, "eve@example.org", &me, "untrusted", false)),
        Msg::raw(signed(&old, "old@example.org", &me, "expired", false)),
        Msg::raw(signed(&alice, "mallory@example.org", &me, "wrong from", true)),
    ];
    seed::append(&user, "INBOX", messages);
    let me_person = pki.person(&me, "trusted", None);
    let broken = reader(&user, &me_person, &pki.dir.join("none.key"), "");
    // smime_key must exist: the config refuses a missing one, with its line.
    let run = broken.owl(&["read", "INBOX", "1", "--peek"]);
    run.expect_code(78);
    assert!(run.stderr.contains("config.toml:") && run.stderr.contains("smime_key:"), "{}", run.stderr);
    let reader = self::reader(&user, &me_person, &me_person.key, "");

    let expect = [
        (1, "valid", "detached", true),
        (2, "valid", "opaque", true),
        (3, "invalid", "detached", true),
        (4, "untrusted", "detached", true),
        (5, "expired", "detached", true),
        (6, "valid", "opaque", false),
    ];
    for (uid, verdict, form, from_matches) in expect {
        let m = read_json(&reader, uid);
        let check = &m["smime_check"];
        let sig = &check["signature"];
        assert_eq!(sig["verdict"], verdict, "UID {uid}: {check:#}");
        assert_eq!(sig["form"], form, "UID {uid}");
        assert_eq!(sig["from_matches"], from_matches, "UID {uid}: {check:#}");
        assert_eq!(sig["revocation"], "not_checked");
        assert_eq!(sig["trust_store"]["kind"], "ca_file");
        assert_eq!(m["smime"], "signed", "the declared kind is kept as it was");
        assert_eq!(check["encrypted"], false);
        assert!(m["text"].as_str().unwrap().contains("launch code is"), "UID {uid}: the signed text is shown: {m:#}");
        assert!(m["attachments"].as_array().unwrap().is_empty(), "the signature is no attachment: {m:#}");
    }
    let alice_signer = &read_json(&reader, 1)["smime_check"]["signature"]["signers"][0];
    assert_eq!(alice_signer["emails"][0], "alice@example.org");
    assert_eq!(alice_signer["issuer"], "CN=Owl Test trusted CA");
    assert!(alice_signer["signing_time"].is_string());

    let text = reader.owl(&["read", "INBOX", "1", "--peek", "--no-pager"]).expect_code(0).stdout.clone();
    assert!(text.contains("S/MIME:  signature valid (detached)"), "{text}");
    assert!(text.contains("signed by CN=alice <alice@example.org>"), "{text}");
    assert!(text.contains("issuer CN=Owl Test trusted CA, valid "), "{text}");
    assert!(text.contains("the signer's address matches From <alice@example.org>"), "{text}");
    assert!(text.contains(&format!("trust: CA file {}; revocation not checked", pki.ca_file().display())), "{text}");
    let wrong = reader.owl(&["read", "INBOX", "6", "--peek", "--no-pager"]).expect_code(0).stdout.clone();
    assert!(wrong.contains("does NOT match From <mallory@example.org>"), "{wrong}");
    let untrusted = reader.owl(&["read", "INBOX", "4", "--peek", "--no-pager"]).expect_code(0).stdout.clone();
    assert!(untrusted.contains("signature UNTRUSTED (detached)"), "{untrusted}");

    // Without smime_ca_file the system roots judge, and say so.
    let plain = Env::new(&imap_config(&user, Imap::Implicit, ""));
    let m = plain.owl(&["fetch", "INBOX", "1", "--json"]).expect_code(0).json();
    assert_eq!(m["smime_check"]["signature"]["verdict"], "untrusted", "{m:#}");
    assert_eq!(m["smime_check"]["signature"]["trust_store"]["kind"], "system");
    // --raw stays the exact bytes.
    let raw = plain.owl(&["read", "INBOX", "1", "--peek", "--raw"]).expect_code(0).stdout.clone();
    assert_eq!(raw.replace("\r\n", "\n"), String::from_utf8(valid).unwrap().replace("\r\n", "\n"));

    // A backup reads the same, with the default account's trust.
    let backup = reader.path("backup");
    reader.owl(&["fetch", "--into", &format!("maildir:{}", backup.display())]).expect_code(0);
    let local = reader.owl(&["read", "--local", p(&backup), "INBOX", "5", "--json"]).expect_code(0).json();
    assert_eq!(local["smime_check"]["signature"]["verdict"], "expired", "{local:#}");
}

#[test]
fn encrypted_mail_is_decrypted_for_its_key_and_named_for_others() {
    let pki = pki();
    let user = servers().user();
    let me = user.address();
    let mine = pki.person(&me, "trusted", None);
    let carol = pki.person("carol@example.org", "trusted", None);
    let alice = pki.person("alice@example.org", "trusted", None);
    let entity = ENTITY.as_bytes();
    let inner = openssl(&["smime", "-sign", "-signer", p(&alice.cert), "-inkey", p(&alice.key)], entity);
    seed::append(
        &user,
        "INBOX",
        vec![
            Msg::raw(encrypted(entity, &mine, "alice@example.org", &me, "for me")),
            Msg::raw(encrypted(entity, &carol, "alice@example.org", &me, "for carol")),
            Msg::raw(encrypted(&inner, &mine, "alice@example.org", &me, "signed and encrypted")),
            Msg::raw(signed(&alice, "alice@example.org", &me, "only signed", false)),
        ],
    );
    let marker = pki.dir.join(format!("asked-{}", user.name));
    let command = format!("smime_key_passphrase_command = \"touch {} && echo {PASSPHRASE}\"\n", marker.display());
    let env = reader(&user, &mine, &mine.locked_key, &command);

    // A signed message needs no key: the passphrase is not asked for.
    read_json(&env, 4);
    assert!(!marker.exists(), "the passphrase command ran for a message that needed no key");

    let m = read_json(&env, 1);
    assert!(marker.exists(), "the passphrase command unlocks the key");
    assert_eq!(m["smime_check"]["decryption"]["status"], "decrypted", "{m:#}");
    assert_eq!(m["smime_check"]["signature"], serde_json::Value::Null);
    assert_eq!(m["smime"], "encrypted");
    assert_eq!(m["subject"], "for me");
    assert!(m["text"].as_str().unwrap().contains("The launch code is 1234."), "{m:#}");

    let other = read_json(&env, 2);
    let status = &other["smime_check"]["decryption"];
    assert_eq!(status["status"], "not_for_this_key", "{other:#}");
    assert_eq!(status["recipients"][0]["issuer"], "CN=Owl Test trusted CA", "{other:#}");
    assert_eq!(other["text"], "", "nothing readable is made up");
    let text = env.owl(&["read", "INBOX", "2", "--peek", "--no-pager"]).expect_code(0).stdout.clone();
    assert!(
        text.contains("S/MIME:  encrypted, not for this key (recipients: CN=Owl Test trusted CA, serial "),
        "{text}"
    );

    let both = read_json(&env, 3);
    assert_eq!(both["smime_check"]["decryption"]["status"], "decrypted");
    assert_eq!(both["smime_check"]["signed"], true);
    assert_eq!(both["smime_check"]["signature"]["verdict"], "valid", "{both:#}");
    assert!(both["text"].as_str().unwrap().contains("The launch code is 1234."), "{both:#}");

    // Never the passphrase or the key, even in the protocol trace; and a
    // key file others can read is a warning.
    set_mode(&mine.locked_key, 0o644);
    let run = env.owl(&["-vv", "read", "INBOX", "3", "--peek", "--no-pager"]);
    run.expect_code(0);
    assert!(run.stdout.contains("encrypted, decrypted with your key"), "{}", run.stdout);
    assert!(run.stderr.contains("can be read by others (mode 644)"), "{}", run.stderr);
    let key_pem = std::fs::read_to_string(&mine.locked_key).unwrap();
    let key_line = key_pem.lines().nth(3).unwrap();
    for output in [&run.stdout, &run.stderr] {
        assert!(!output.contains(PASSPHRASE), "passphrase in output");
        assert!(!output.contains(key_line), "key material in output");
    }
    set_mode(&mine.locked_key, 0o600);

    // A wrong passphrase is the config's fault, said without the secret.
    let wrong = reader(&user, &mine, &mine.locked_key, "smime_key_passphrase_command = \"echo not-the-passphrase\"\n");
    let run = wrong.owl(&["read", "INBOX", "1", "--peek", "--no-pager"]);
    run.expect_code(78);
    assert!(run.stderr.contains("smime_key"), "{}", run.stderr);
    assert!(!run.stderr.contains("not-the-passphrase"), "{}", run.stderr);
}

/// A sending account for `user` with S/MIME keys and a certificate
/// directory holding `certs`.
fn sender(user: &User, me: &Person, certs: &[&Person]) -> Env {
    let toml = send_config(user, "Sender");
    let env = Env::new("");
    let dir = env.path("certs");
    std::fs::create_dir_all(&dir).unwrap();
    for (i, person) in certs.iter().enumerate() {
        std::fs::copy(&person.cert, dir.join(format!("{i}.pem"))).unwrap();
    }
    let smime = format!(
        "smime_ca_file = \"{}\"\nsmime_key = \"{}\"\nsmime_cert = \"{}\"\nsmime_cert_dir = \"{}\"\n\
         smime_key_passphrase_command = [\"echo\", \"{PASSPHRASE}\"]\n",
        pki().ca_file().display(),
        me.locked_key.display(),
        me.cert.display(),
        dir.display()
    );
    std::fs::write(&env.config, toml.replacen("[accounts.test.imap]", &format!("{smime}\n[accounts.test.imap]"), 1))
        .unwrap();
    env
}

fn decrypt(message: &[u8], who: &Person) -> Result<Vec<u8>, String> {
    openssl_status(&["smime", "-decrypt", "-recip", p(&who.cert), "-inkey", p(&who.key)], message)
}

#[test]
fn send_sign_encrypt_goes_through_postfix_and_openssl_reads_it() {
    let _postfix = servers().postfix_shared();
    let pki = pki();
    let (alice, bob, carol) = (servers().user(), servers().user(), servers().user());
    let (a, b, c) = (
        pki.person(&alice.address(), "trusted", None),
        pki.person(&bob.address(), "trusted", None),
        pki.person(&carol.address(), "trusted", None),
    );
    let env = sender(&alice, &a, &[&b, &c]);
    let body = "Grüße, the plan is attached.\nline two\n";
    let notes = env.path("plan.txt");
    std::fs::write(&notes, "step 1: ünïcode\n").unwrap();
    let args = [
        "send",
        "--sign",
        "--encrypt",
        "--to",
        &bob.address(),
        "--bcc",
        &carol.address(),
        "--subject",
        "Secret plan",
        "--body",
        body,
        "--attach",
        p(&notes),
        "--json",
    ];
    let run = env.owl_with(&["-vv"].into_iter().chain(args).collect::<Vec<_>>(), &[]);
    let report = run.expect_code(0).json();
    let key_line = std::fs::read_to_string(&a.locked_key).unwrap().lines().nth(3).unwrap().to_string();
    for output in [&run.stdout, &run.stderr] {
        assert!(!output.contains(PASSPHRASE), "passphrase in the output or trace");
        assert!(!output.contains(&key_line), "key material in the output or trace");
    }
    let messages = report["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2, "the To copy and carol's own: {report:#}");
    assert_eq!(messages[0]["accepted"], serde_json::json!([bob.address()]));
    assert_eq!(messages[0]["saved_to"], "Sent");
    assert_eq!(messages[1]["accepted"], serde_json::json!([carol.address()]));
    assert_eq!(messages[1]["saved_to"], serde_json::Value::Null, "one Sent copy only");

    let ca = p(&pki.ca_file()).to_string();
    let check = |message: &[u8], who: &Person, others: &[&Person]| {
        let text = String::from_utf8_lossy(message);
        assert!(text.contains("application/pkcs7-mime; smime-type=enveloped-data"), "{text}");
        assert!(!text.contains("plan is attached"), "the text travels encrypted");
        let inner = decrypt(message, who).expect("decrypts with the recipient's key");
        for other in others {
            assert!(decrypt(message, other).is_err(), "a copy is readable by a key it was not for");
        }
        let verified = openssl(&["smime", "-verify", "-CAfile", &ca], &inner);
        let verified = String::from_utf8_lossy(&verified);
        assert!(verified.contains("multipart/mixed"), "the signed entity: {verified}");
        assert!(verified.is_ascii(), "8-bit parts were made 7-bit before signing: {verified}");
        assert!(text.contains("Subject: Secret plan"), "the header stays outside: {text}");
    };
    let to_bob = delivered(&bob, "INBOX", 1);
    check(&to_bob[0].1, &b, &[&c]);
    let to_carol = delivered(&carol, "INBOX", 1);
    check(&to_carol[0].1, &c, &[&b]);
    assert!(!String::from_utf8_lossy(&to_bob[0].1).contains(&carol.address()), "Bcc revealed to bob");

    let sent = seed::bodies(&alice, "Sent");
    assert_eq!(sent.len(), 1);
    check(&sent[0].1, &a, &[&c]);
    assert!(
        String::from_utf8_lossy(&sent[0].1).contains(&format!("Bcc: {}", carol.address())),
        "the Sent copy keeps Bcc"
    );

    // Bob reads it with owl: decrypted, signature valid, From matches.
    let bob_env = reader(&bob, &b, &b.key, "");
    let m = read_json(&bob_env, to_bob[0].0);
    assert_eq!(m["smime_check"]["decryption"]["status"], "decrypted", "{m:#}");
    assert_eq!(m["smime_check"]["signature"]["verdict"], "valid", "{m:#}");
    assert_eq!(m["smime_check"]["signature"]["from_matches"], true);
    assert!(m["text"].as_str().unwrap().contains("Grüße, the plan is attached."), "{m:#}");
    assert_eq!(m["attachments"][0]["filename"], "plan.txt");
}

#[test]
fn a_missing_certificate_refuses_before_anything_is_sent() {
    let pki = pki();
    let alice = servers().user();
    let a = pki.person(&alice.address(), "trusted", None);
    let b = pki.person("bob@example.org", "trusted", None);
    let env = sender(&alice, &a, &[&b]);
    let run = env.owl(&["send", "--encrypt", "--to", "bob@example.org", "--cc", "dave@example.org", "--body", "x"]);
    run.expect_code(78);
    assert!(run.stderr.contains("no certificate for dave@example.org in "), "{}", run.stderr);
    assert!(run.stderr.contains("smime_cert_dir"), "{}", run.stderr);
    let queue = env.owl(&["send", "--queue", "--json"]).expect_code(0).json();
    assert_eq!(queue, serde_json::json!([]), "nothing queued");

    // --dry-run shows the protected message; a signed-only one as
    // multipart/signed that openssl verifies.
    let dry = env.owl(&["send", "--sign", "--to", "dave@example.org", "--body", "über", "--dry-run", "--json"]);
    let dry = dry.expect_code(0).json();
    let message = dry[0]["message"].as_str().unwrap();
    assert!(message.contains("multipart/signed; protocol=\"application/pkcs7-signature\""), "{message}");
    openssl(&["smime", "-verify", "-CAfile", p(&pki.ca_file())], message.as_bytes());

    // Mail to oneself is encrypted to the own certificate once, and a Bcc
    // copy to bob to bob and the sender: one recipient each.
    let to_self = ["send", "--encrypt", "--to", &alice.address(), "--bcc", "bob@example.org", "--body", "x"];
    let dry = env.owl(&[&to_self[..], &["--dry-run", "--json"]].concat()).expect_code(0).json();
    let recipients = |i: usize| {
        let printed =
            openssl(&["cms", "-cmsout", "-print", "-inform", "SMIME"], dry[i]["message"].as_str().unwrap().as_bytes());
        String::from_utf8_lossy(&printed).matches("d.ktri:").count()
    };
    assert_eq!(dry.as_array().unwrap().len(), 2, "{dry:#}");
    assert_eq!(recipients(0), 1, "the To copy: alice once");
    assert_eq!(recipients(1), 2, "the Bcc copy: bob and alice");
    assert!(decrypt(dry[0]["message"].as_str().unwrap().as_bytes(), &a).is_ok());
}

#[test]
fn replies_raw_messages_and_queued_ones_are_protected_too() {
    let _postfix = servers().postfix_shared();
    let pki = pki();
    let (alice, bob) = (servers().user(), servers().user());
    let (a, b) = (pki.person(&alice.address(), "trusted", None), pki.person(&bob.address(), "trusted", None));
    let env = sender(&alice, &a, &[&b]);
    let ca = p(&pki.ca_file()).to_string();
    let opened = |message: &[u8]| -> String {
        let inner = decrypt(message, &b).expect("decrypts with bob's key");
        String::from_utf8_lossy(&openssl(&["smime", "-verify", "-CAfile", &ca], &inner)).into_owned()
    };

    // A reply.
    seed::append(&alice, "INBOX", vec![Msg::simple(&bob.address(), "Question", "Coming?")]);
    let report = env.owl(&["reply", "INBOX", "1", "--body", "Yes.\n", "--sign", "--encrypt", "--json"]);
    assert_eq!(report.expect_code(0).json()["messages"][0]["answered"], true);
    let got = delivered(&bob, "INBOX", 1);
    assert!(opened(&got[0].1).contains("Yes."), "the reply's text, signed and encrypted");
    assert!(String::from_utf8_lossy(&got[0].1).contains("Subject: Re: Question"));

    // forward and send --edit take the same flags, through the same path.
    let forward = ["forward", "INBOX", "1", "--to", &bob.address(), "--body", "FYI", "--sign", "--dry-run", "--json"];
    let forwarded = env.owl(&forward).expect_code(0).json();
    let signed_only = forwarded[0]["message"].as_str().unwrap();
    assert!(signed_only.contains("multipart/signed"), "{signed_only}");
    openssl(&["smime", "-verify", "-CAfile", &ca], signed_only.as_bytes());
    let editor = crate::compose::writes(&env, "Edited in the editor.\n");
    let edit =
        ["send", "--edit", "--to", &bob.address(), "--subject", "e", "--sign", "--encrypt", "--dry-run", "--json"];
    let edited = env.owl_with(&edit, &[("EDITOR", &editor)]).expect_code(0).json();
    assert!(opened(edited[0]["message"].as_str().unwrap().as_bytes()).contains("Edited in the editor."));

    // A raw message with 8-bit text: made 7-bit, signed, still verifies.
    let raw = env.path("raw.eml");
    std::fs::write(
        &raw,
        format!(
            "From: {}\nTo: {}\nSubject: raw\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nSchöne Grüße\n",
            alice.address(),
            bob.address()
        ),
    )
    .unwrap();
    env.owl(&["send", "-t", "--sign", "--encrypt", p(&raw)]).expect_code(0);
    let got = delivered(&bob, "INBOX", 2);
    let text = opened(&got[1].1);
    assert!(text.contains("Content-Transfer-Encoding: quoted-printable") || text.contains("base64"), "{text}");
    assert!(text.is_ascii(), "{text}");

    // With the server unreachable the outbox keeps the protected message,
    // and the flush sends exactly that.
    let unreachable = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = unreachable.local_addr().unwrap().port();
    drop(unreachable);
    let config = std::fs::read_to_string(&env.config).unwrap();
    let smtp_port = format!("port = {}", servers().smtp);
    std::fs::write(&env.config, config.replace(&smtp_port, &format!("port = {dead_port}"))).unwrap();
    env.owl(&["send", "--encrypt", "--to", &bob.address(), "--subject", "later", "--body", "queued text"])
        .expect_code(75);
    let outbox = env.path(".local/share/owl/outbox/test");
    let queued: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .flatten()
        .map(|e| e.path().join("message.eml"))
        .filter(|m| m.is_file())
        .collect();
    assert_eq!(queued.len(), 1, "{queued:?}");
    let stored = std::fs::read(&queued[0]).unwrap();
    assert!(String::from_utf8_lossy(&stored).contains("smime-type=enveloped-data"), "queued protected");
    assert!(!String::from_utf8_lossy(&stored).contains("queued text"), "never in clear on disk");
    std::fs::write(&env.config, config).unwrap();
    env.owl(&["send", "--flush"]).expect_code(0);
    let got = delivered(&bob, "INBOX", 3);
    assert_eq!(got.len(), 3, "sent once");
    assert_delivered_as_queued(&got[2].1, &stored);
    assert!(decrypt(&got[2].1, &b).is_ok());
}

/// The delivered message is the queued one, behind the lines delivery
/// adds in front (Return-Path, Received).
fn assert_delivered_as_queued(got: &[u8], stored: &[u8]) {
    let normalize = |b: &[u8]| String::from_utf8_lossy(b).replace("\r\n", "\n");
    let (got, stored) = (normalize(got), normalize(stored));
    assert!(got.ends_with(&stored), "the delivered message is not the queued one:\n{got}\n---\n{stored}");
}
