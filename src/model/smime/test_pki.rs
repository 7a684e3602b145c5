//! Test-only: a throwaway PKI made with the `openssl` command line, and
//! helpers to run `openssl` and `gpgsm` in a test's own directory.
//!
//! The keys are made once per test binary (RSA keys take a while) and kept
//! as bytes; each test writes them into its own temporary directory, so no
//! test sees another's files and nothing is left behind. RSA, because
//! `openssl smime` (PKCS#7) can only encrypt to RSA keys.
//!
//! | name | what |
//! | --- | --- |
//! | `ca` | the trusted root, "Owl Test Root" |
//! | `other-ca` | a root nobody trusts |
//! | `alice`, `bob` | signers for alice@ and bob@example.org (subjectAltName) |
//! | `carol` | emailAddress in the subject only, no subjectAltName |
//! | `old` | old@example.org, valid 2020 only |
//! | `old-renewed` | old@example.org again, valid now |
//! | `eve` | eve@example.org, issued by `other-ca` |
//! | `alice-locked.key` | alice's key encrypted with [`PASSPHRASE`] |

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use super::{Certificate, Identity, Passphrase, Trust};

pub(super) const PASSPHRASE: &str = "correct horse battery staple";

const CA_CNF: &str = "[ca]\ndefault_ca = owl\n[owl]\ndir = .\ndatabase = $dir/db-$ENV::OWL_CA/index.txt\n\
    serial = $dir/db-$ENV::OWL_CA/serial\nnew_certs_dir = $dir/db-$ENV::OWL_CA\ncertificate = $ENV::OWL_CA.pem\n\
    private_key = $ENV::OWL_CA.key\ndefault_md = sha256\npolicy = any\nunique_subject = no\n\
    [any]\norganizationName = optional\ncommonName = supplied\nemailAddress = optional\n\
    [root]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n\
    [user]\nbasicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature,keyEncipherment\n\
    extendedKeyUsage = emailProtection\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n\
    subjectAltName = $ENV::OWL_SAN\n\
    [nosan]\nbasicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature,keyEncipherment\n\
    extendedKeyUsage = emailProtection\n";

/// The PKI's files, made once.
fn files() -> &'static BTreeMap<String, Vec<u8>> {
    static FILES: OnceLock<BTreeMap<String, Vec<u8>>> = OnceLock::new();
    FILES.get_or_init(make_pki)
}

fn make_pki() -> BTreeMap<String, Vec<u8>> {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(d.join("ca.cnf"), CA_CNF).unwrap();
    for (ca, cn) in [("ca", "Owl Test Root"), ("other-ca", "Other Root")] {
        let db = d.join(format!("db-{ca}"));
        std::fs::create_dir(&db).unwrap();
        std::fs::write(db.join("index.txt"), "").unwrap();
        std::fs::write(db.join("serial"), if ca == "ca" { "1000\n" } else { "5000\n" }).unwrap();
        let (key, csr) = (format!("{ca}.key"), format!("{ca}.csr"));
        run(
            d,
            "openssl",
            &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", &key, "-out", &csr],
            &["-subj", &format!("/O=Owl Test/CN={cn}")],
        );
        // `ca -selfsign` rather than `req -x509`: only it takes a start date,
        // and the root must be older than the 2020 certificate it issues.
        let args = ["ca", "-batch", "-notext", "-selfsign", "-config", "ca.cnf", "-keyfile", &key, "-in", &csr];
        run_ca(d, ca, None, &args, &["-out", &format!("{ca}.pem"), "-extensions", "root"], Some(ROOT_DATES));
    }
    let users = [
        ("alice", "ca", "/O=Owl Test/CN=Alice", Some("email:alice@example.org"), None),
        ("bob", "ca", "/O=Owl Test/CN=Bob", Some("email:bob@example.org"), None),
        ("carol", "ca", "/O=Owl Test/CN=Carol/emailAddress=carol@example.org", None, None),
        (
            "old",
            "ca",
            "/O=Owl Test/CN=Old",
            Some("email:old@example.org"),
            Some(("20200101000000Z", "20210101000000Z")),
        ),
        ("old-renewed", "ca", "/O=Owl Test/CN=Old", Some("email:old@example.org"), None),
        ("eve", "other-ca", "/O=Elsewhere/CN=Eve", Some("email:eve@example.org"), None),
    ];
    for (name, ca, subj, san, dates) in users {
        run(
            d,
            "openssl",
            &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", &format!("{name}.key")],
            &["-out", &format!("{name}.csr"), "-subj", subj],
        );
        let csr = format!("{name}.csr");
        let args = ["ca", "-batch", "-notext", "-config", "ca.cnf", "-in", &csr, "-out", &format!("{name}.pem")];
        let extensions = if san.is_some() { "user" } else { "nosan" };
        run_ca(d, ca, san, &args, &["-extensions", extensions], dates);
    }
    run(
        d,
        "openssl",
        &["pkey", "-in", "alice.key", "-aes256", "-out", "alice-locked.key"],
        &["-passout", &format!("pass:{PASSPHRASE}")],
    );
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(d).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".pem") || name.ends_with(".key") {
            out.insert(name, std::fs::read(entry.path()).unwrap());
        }
    }
    out
}

/// The roots' validity: from before the oldest test certificate.
const ROOT_DATES: (&str, &str) = ("20190101000000Z", "20391231000000Z");

/// Runs `openssl ca` for CA `ca` (the config reads it and the
/// subjectAltName from the environment), for `dates` or ten years.
fn run_ca(dir: &Path, ca: &str, san: Option<&str>, args: &[&str], more: &[&str], dates: Option<(&str, &str)>) {
    let days = match dates {
        Some((from, until)) => vec!["-startdate", from, "-enddate", until],
        None => vec!["-days", "3650"],
    };
    let out = Command::new("openssl")
        .args(args)
        .args(more)
        .args(days)
        .current_dir(dir)
        .env("OWL_CA", ca)
        .env("OWL_SAN", san.unwrap_or("email:unused@example.org"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Runs `program` in `dir` with `args` then `more`; panics with its stderr
/// when it fails.
fn run(dir: &Path, program: &str, args: &[&str], more: &[&str]) -> Vec<u8> {
    let out = Command::new(program).args(args).args(more).current_dir(dir).stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "{program} {args:?} {more:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// One test's directory with the PKI in it.
pub(super) struct Lab {
    dir: tempfile::TempDir,
}

impl Lab {
    pub fn new() -> Lab {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in files() {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            set_mode(&path, 0o600);
        }
        Lab { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub fn trust(&self) -> Trust {
        Trust::ca_file(&self.path("ca.pem")).unwrap()
    }

    pub fn cert(&self, name: &str) -> Certificate {
        Certificate::load(&self.path(&format!("{name}.pem"))).unwrap().remove(0)
    }

    pub fn identity(&self, name: &str) -> Identity {
        let key = self.path(&format!("{name}.key"));
        let (id, warnings) = Identity::load(&key, &self.path(&format!("{name}.pem")), None).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        id
    }

    pub fn locked_identity(&self, passphrase: Option<&str>) -> crate::error::Result<Identity> {
        let pass = passphrase.map(Passphrase::new);
        Identity::load(&self.path("alice-locked.key"), &self.path("alice.pem"), pass.as_ref()).map(|(id, _)| id)
    }

    /// Runs the openssl command line here and returns its stdout.
    pub fn openssl(&self, args: &[&str]) -> Vec<u8> {
        run(self.dir.path(), "openssl", args, &[])
    }

    /// Like `openssl`, but returns whether it succeeded and its stderr.
    pub fn openssl_status(&self, args: &[&str]) -> (bool, String) {
        let out =
            Command::new("openssl").args(args).current_dir(self.dir.path()).stdin(Stdio::null()).output().unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
    }

    /// Makes a detached signature of `content` (already canonical) with
    /// gpgsm as alice, in a GNUPGHOME of this lab's own; `None` when gpgsm
    /// is not installed. The agent it starts is stopped before returning.
    pub fn gpgsm_sign(&self, content: &[u8]) -> Option<Vec<u8>> {
        if Command::new("gpgsm").arg("--version").output().is_err() {
            return None;
        }
        let home = self.path("gnupg");
        std::fs::create_dir(&home).unwrap();
        set_mode(&home, 0o700);
        std::fs::write(home.join("gpgsm.conf"), "disable-crl-checks\ndisable-policy-checks\n").unwrap();
        std::fs::write(home.join("gpg-agent.conf"), "allow-loopback-pinentry\n").unwrap();
        // gpgsm 2.2 reads only the older PKCS#12 encryption (3DES, SHA-1 MAC).
        self.openssl(
            &["pkcs12", "-export", "-in", "alice.pem", "-inkey", "alice.key", "-out", "alice.p12"]
                .into_iter()
                .chain([
                    "-passout",
                    "pass:owl",
                    "-keypbe",
                    "PBE-SHA1-3DES",
                    "-certpbe",
                    "PBE-SHA1-3DES",
                    "-macalg",
                    "sha1",
                ])
                .collect::<Vec<_>>(),
        );
        let fingerprint =
            String::from_utf8(self.openssl(&["x509", "-in", "ca.pem", "-noout", "-fingerprint", "-sha1"])).unwrap();
        let fingerprint = fingerprint.trim().rsplit('=').next().unwrap().to_string();
        std::fs::write(home.join("trustlist.txt"), format!("{fingerprint} S relax\n")).unwrap();
        self.write("content.txt", content);
        let gpgsm = |args: &[&str]| {
            let mut child = Command::new("gpgsm")
                .args(["--batch", "--pinentry-mode", "loopback", "--passphrase-fd", "0"])
                .args(args)
                .current_dir(self.dir.path())
                .env("GNUPGHOME", &home)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            use std::io::Write as _;
            child.stdin.take().unwrap().write_all(b"owl\n").unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "gpgsm {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        };
        gpgsm(&["--import", "ca.pem"]);
        gpgsm(&["--import", "alice.p12"]);
        gpgsm(&["--detach-sign", "--base64", "-u", "alice@example.org", "-o", "content.p7s", "content.txt"]);
        let _ = Command::new("gpgconf").args(["--kill", "gpg-agent"]).env("GNUPGHOME", &home).status();
        Some(std::fs::read(self.path("content.p7s")).unwrap())
    }
}

pub(super) fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}
