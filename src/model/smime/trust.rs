//! Which certificates are trusted, and whether a signer's chain reaches one
//! (RFC 5280 §6 path validation, done by OpenSSL with the S/MIME signing
//! purpose, RFC 8550).
//!
//! Two questions are asked separately so that the verdicts do not depend on
//! the order in which OpenSSL happens to find problems: does the chain reach
//! a trusted root at all (times ignored), and is every certificate in it
//! valid at the time that counts. Revocation is not checked (no CRL or OCSP
//! fetching: the model layer does no network I/O).

use std::path::Path;

use openssl::stack::{Stack, StackRef};
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::verify::{X509VerifyFlags, X509VerifyParam};
use openssl::x509::{X509, X509PurposeId, X509Ref, X509StoreContext};
use serde::Serialize;

use super::keys::read_small_file;
use crate::error::{Error, Result};

/// Where trust comes from, as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TrustSource {
    /// A PEM file the user named (`smime_ca_file`).
    CaFile { path: String },
    /// OpenSSL's default locations (on Debian /etc/ssl/certs, which holds
    /// TLS server roots: most S/MIME signers are not trusted there).
    System,
}

/// The trust anchors to verify signers against.
pub struct Trust {
    source: TrustSource,
    /// The CA file's certificates; `None` for the system store.
    roots: Option<Vec<X509>>,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Trust({:?}, {} roots)", self.source, self.roots.as_ref().map_or(0, Vec::len))
    }
}

/// How a signer's certificate chain fares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ChainVerdict {
    Trusted,
    Untrusted(String),
    /// Not valid at the time asked about (expired, or not yet valid).
    Expired(String),
}

impl Trust {
    /// Trusts exactly the certificates in a PEM file. Any of them is an
    /// anchor, roots and intermediates alike: the user named them.
    pub fn ca_file(path: &Path) -> Result<Trust> {
        let pem = read_small_file(path)?;
        Trust::from_pem(&pem, &path.display().to_string())
    }

    /// Same as `ca_file`, from PEM text; `label` names it in the report.
    pub fn from_pem(pem: &[u8], label: &str) -> Result<Trust> {
        let roots = X509::stack_from_pem(pem)
            .map_err(|e| Error::config(format!("{label}: not a PEM certificate file")).with_source(e))?;
        if roots.is_empty() {
            return Err(Error::config(format!("{label}: no certificate in the CA file")));
        }
        Ok(Trust { source: TrustSource::CaFile { path: label.to_string() }, roots: Some(roots) })
    }

    /// OpenSSL's system trust store (`SSL_CERT_FILE` and `SSL_CERT_DIR`
    /// are honoured).
    pub fn system() -> Trust {
        Trust { source: TrustSource::System, roots: None }
    }

    pub fn source(&self) -> &TrustSource {
        &self.source
    }

    /// A store for one check: the anchors, the S/MIME signing purpose, and
    /// either no time check or the time `at`.
    fn store(&self, at: Option<i64>) -> Result<X509Store> {
        let fail = |e| Error::internal("cannot set up certificate verification").with_source(e);
        let mut builder = X509StoreBuilder::new().map_err(fail)?;
        let mut param = X509VerifyParam::new().map_err(fail)?;
        param.set_purpose(X509PurposeId::SMIME_SIGN).map_err(fail)?;
        let mut flags = X509VerifyFlags::empty();
        match &self.roots {
            Some(roots) => {
                for root in roots {
                    builder.add_cert(root.clone()).map_err(fail)?;
                }
                flags |= X509VerifyFlags::PARTIAL_CHAIN;
            }
            None => builder.set_default_paths().map_err(fail)?,
        }
        match at {
            // time_t is i64 on every platform owl builds for.
            Some(t) => param.set_time(t as _),
            None => flags |= X509VerifyFlags::NO_CHECK_TIME,
        }
        param.set_flags(flags).map_err(fail)?;
        builder.set_param(&param).map_err(fail)?;
        Ok(builder.build())
    }

    /// Checks `cert` with `extra` (the message's other certificates) as
    /// possible intermediates: first the chain, then the times at `at`.
    pub(super) fn check(&self, cert: &X509Ref, extra: &[X509], at: i64) -> Result<ChainVerdict> {
        let mut chain = Stack::new().map_err(|e| Error::internal("out of memory").with_source(e))?;
        for c in extra {
            chain.push(c.clone()).map_err(|e| Error::internal("out of memory").with_source(e))?;
        }
        if let Some(problem) = run(&self.store(None)?, cert, &chain)? {
            return Ok(ChainVerdict::Untrusted(problem));
        }
        if let Some(problem) = run(&self.store(Some(at))?, cert, &chain)? {
            return Ok(ChainVerdict::Expired(problem));
        }
        Ok(ChainVerdict::Trusted)
    }
}

/// One verification; `Some(reason)` when it fails.
fn run(store: &X509Store, cert: &X509Ref, chain: &StackRef<X509>) -> Result<Option<String>> {
    let fail = |e| Error::internal("certificate verification failed to run").with_source(e);
    let mut ctx = X509StoreContext::new().map_err(fail)?;
    let outcome = ctx
        .init(store, cert, chain, |c| {
            let ok = c.verify_cert()?;
            let depth = c.error_depth();
            Ok((ok, c.error(), depth))
        })
        .map_err(fail)?;
    Ok(match outcome {
        (true, _, _) => None,
        (false, err, 0) => Some(format!("signer certificate: {}", err.error_string())),
        (false, err, depth) => Some(format!("certificate {depth} up the chain: {}", err.error_string())),
    })
}
