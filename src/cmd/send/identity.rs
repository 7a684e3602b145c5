//! Who this run sends as, and where its outbox is: shared by sending and
//! by the queue commands, so each asks the account the same way.

use std::path::PathBuf;
use std::time::Duration;

use crate::cmd::context::Context;
use crate::error::{Error, Result};
use crate::store::outbox::{Outbox, Target};

/// The outbox directory of `account`.
pub fn outbox_dir(account: &str) -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "owl")
        .ok_or_else(|| Error::config("cannot find the home directory for the outbox"))?;
    Ok(dirs.data_dir().join("outbox").join(account))
}

/// The account's outbox, locked; another run holding it is waited for up
/// to the SMTP timeout.
pub(super) fn open_outbox(ctx: &Context) -> Result<Outbox> {
    let wait = ctx.account.smtp.as_ref().map_or(Duration::from_secs(30), |s| s.server.endpoint.timeout);
    Outbox::open(&outbox_dir(&ctx.account.name)?, wait)
}

/// Who this run sends as: account, SMTP host and user.
pub(super) fn target(ctx: &Context) -> Result<Target> {
    let smtp = smtp_settings(ctx)?;
    Ok(Target {
        account: ctx.account.name.clone(),
        host: smtp.server.endpoint.host.clone(),
        user: smtp.server.user.clone(),
    })
}

pub(super) fn smtp_settings(ctx: &Context) -> Result<&crate::config::Smtp> {
    ctx.account
        .smtp
        .as_ref()
        .ok_or_else(|| Error::config(format!("{} has no [accounts.{}.smtp] section", ctx.label(), ctx.account.name)))
}
