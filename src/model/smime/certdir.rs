//! A directory of PEM certificates (the recipients' and the user's own),
//! searched by email address, for `owl send --encrypt`.
//!
//! A certificate is for an address when one of its email addresses (the
//! subjectAltName rfc822Names, else the subject's emailAddress) is that
//! address, compared as `verify::same_address` does (case-insensitive).
//! Expired certificates are skipped unless nothing else matches; then the
//! newest is used and a warning says so. The directory is read once, not
//! recursively, with caps on the number and size of files; files that hold
//! no certificate are ignored. Only reads: nothing is written.

use std::path::{Path, PathBuf};

use super::keys::{Certificate, MAX_PEM_FILE, Warning};
use super::verify::same_address;
use crate::error::{Error, ErrorKind, Result};

/// More files than this in a certificate directory are not looked at.
const MAX_FILES: usize = 10_000;

/// The certificates found in a directory.
#[derive(Debug)]
pub struct CertDirectory {
    dir: PathBuf,
    certs: Vec<(PathBuf, Certificate)>,
}

/// A certificate found for an address.
#[derive(Debug, Clone)]
pub struct CertMatch {
    pub certificate: Certificate,
    /// The file it came from.
    pub path: PathBuf,
    /// Set when it has expired (it was the only kind there was).
    pub warning: Option<Warning>,
}

impl CertDirectory {
    /// Reads every regular file of `dir` (in name order) for certificates.
    pub fn open(dir: &Path) -> Result<CertDirectory> {
        let what = || format!("cannot read the certificate directory {}", dir.display());
        let entries = std::fs::read_dir(dir).map_err(|e| Error::local_io(what(), e))?;
        let mut paths: Vec<PathBuf> = Vec::new();
        for entry in entries.take(MAX_FILES) {
            let entry = entry.map_err(|e| Error::local_io(what(), e))?;
            // metadata() follows symlinks: a link to a certificate counts.
            if std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file() && m.len() <= MAX_PEM_FILE) {
                paths.push(entry.path());
            }
        }
        paths.sort();
        let mut certs = Vec::new();
        for path in paths {
            let Ok(pem) = std::fs::read(&path) else { continue };
            if let Ok(found) = Certificate::all_from_pem(&pem) {
                certs.extend(found.into_iter().map(|c| (path.clone(), c)));
            }
        }
        Ok(CertDirectory { dir: dir.to_path_buf(), certs })
    }

    /// How many certificates were found.
    pub fn len(&self) -> usize {
        self.certs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }

    /// The certificate for `address`: among those valid now the one that
    /// stays valid longest; else the newest expired one, with a warning.
    /// An error (`NoInput`) naming the address when none matches.
    pub fn find(&self, address: &str) -> Result<CertMatch> {
        self.find_at(address, super::now())
    }

    pub(super) fn find_at(&self, address: &str, now: i64) -> Result<CertMatch> {
        let matching: Vec<&(PathBuf, Certificate)> =
            self.certs.iter().filter(|(_, c)| c.emails().iter().any(|e| same_address(e, address))).collect();
        let valid = matching.iter().filter(|(_, c)| c.is_valid_at(now)).max_by_key(|(_, c)| c.validity().1);
        if let Some((path, cert)) = valid {
            return Ok(CertMatch { certificate: cert.clone(), path: path.clone(), warning: None });
        }
        match matching.iter().max_by_key(|(_, c)| c.validity().1) {
            Some((path, cert)) => Ok(CertMatch {
                certificate: cert.clone(),
                path: path.clone(),
                warning: Some(Warning::OnlyExpiredCertificate { address: address.to_string(), path: path.clone() }),
            }),
            None => {
                Err(Error::new(ErrorKind::NoInput, format!("no certificate for {address} in {}", self.dir.display())))
            }
        }
    }
}
