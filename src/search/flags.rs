//! The system flags of a locally stored message, read from where each local
//! format keeps them: a Maildir file name's info, or mbox status headers.

use super::ast::Flag;

/// The flags `is:` can test.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    pub seen: bool,
    pub flagged: bool,
    pub answered: bool,
    pub draft: bool,
    pub deleted: bool,
}

impl Flags {
    /// From a Maildir file name: the letters after `:2,` (S seen, F flagged,
    /// R replied, D draft, T trashed). Lower-case letters are Dovecot
    /// keywords and are ignored; a name without `:2,` has no flags.
    pub fn from_maildir_name(name: &str) -> Flags {
        let Some(at) = name.rfind(":2,") else {
            return Flags::default();
        };
        let info = &name[at + 3..];
        Flags {
            seen: info.contains('S'),
            flagged: info.contains('F'),
            answered: info.contains('R'),
            draft: info.contains('D'),
            deleted: info.contains('T'),
        }
    }

    /// From mbox headers as Dovecot and mutt write them: `Status:` R (read);
    /// `X-Status:` A (answered), F (flagged), T (draft), D (deleted).
    pub fn from_mbox_status(status: Option<&str>, x_status: Option<&str>) -> Flags {
        let status = status.unwrap_or("");
        let x_status = x_status.unwrap_or("");
        Flags {
            seen: status.contains('R'),
            flagged: x_status.contains('F'),
            answered: x_status.contains('A'),
            draft: x_status.contains('T'),
            deleted: x_status.contains('D'),
        }
    }

    /// Whether `flag` is set.
    pub fn has(&self, flag: Flag) -> bool {
        match flag {
            Flag::Seen => self.seen,
            Flag::Flagged => self.flagged,
            Flag::Answered => self.answered,
            Flag::Draft => self.draft,
            Flag::Deleted => self.deleted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maildir_info_letters() {
        let f = Flags::from_maildir_name("1700000000.M1P2.host,S=1234:2,FRSab");
        assert!(f.seen && f.flagged && f.answered && !f.draft && !f.deleted);
        let f = Flags::from_maildir_name("cur/1.host:2,DT");
        assert!(f.draft && f.deleted && !f.seen);
        assert_eq!(Flags::from_maildir_name("new/1.host"), Flags::default());
        assert_eq!(Flags::from_maildir_name("1.host:2,"), Flags::default());
        // Lower-case keyword letters are not flags.
        assert_eq!(Flags::from_maildir_name("1.host:2,sfr"), Flags::default());
    }

    #[test]
    fn mbox_status_headers() {
        let f = Flags::from_mbox_status(Some("RO"), Some("AF"));
        assert!(f.seen && f.answered && f.flagged && !f.draft && !f.deleted);
        let f = Flags::from_mbox_status(Some("O"), Some("TD"));
        assert!(!f.seen && f.draft && f.deleted);
        assert_eq!(Flags::from_mbox_status(None, None), Flags::default());
        assert!(f.has(Flag::Deleted) && !f.has(Flag::Seen));
    }
}
