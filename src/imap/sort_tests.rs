//! Sorting over a scripted server: a page kept from a plain SORT, and the
//! one flight of EXAMINE, SORT RETURN, FETCH $ and the count, with what a
//! refused open, rejected return options or an oversized window do.

use super::*;
use crate::error::ErrorKind;
use crate::imap::capabilities::Capabilities;
use crate::imap::items::Items;
use crate::imap::mailbox_name::MailboxName;
use crate::imap::session::tests::{ready, selected};
use crate::net::script::{Script, script};

#[test]
fn sort_keeps_a_page_in_the_servers_order_and_counts_the_rest() {
    let (mut session, handle) = selected(
        script().expect("a2 UID SORT (REVERSE DATE) UTF-8 ALL\r\n").send("* SORT 9 3 5 1\r\na2 OK sorted\r\n"),
    );
    session.caps = Capabilities::new(vec!["IMAP4REV1".into(), "SORT".into()]);
    let sort = crate::imap::Sort { key: crate::imap::SortKey::Date, reverse: true };
    let all = crate::imap::Search::new(Vec::new());
    assert_eq!(session.uid_sort(sort, &all, 2).unwrap(), (vec![9, 3], 4));
    handle.assert_done();
}

#[test]
fn sort_without_the_capability_sends_nothing() {
    let (mut session, handle) = selected(script());
    let sort = crate::imap::Sort { key: crate::imap::SortKey::Size, reverse: false };
    let err = session.uid_sort(sort, &crate::imap::Search::new(Vec::new()), 5).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    handle.assert_done();
}

const PAGE_CAPS: [&str; 7] = ["IMAP4REV1", "SORT", "ESORT", "ESEARCH", "SEARCHRES", "CONTEXT=SEARCH", "UNSELECT"];

fn page_of_two(session: &mut Session<Script>) -> Result<Option<crate::imap::SortedPage>> {
    session.caps = Capabilities::new(PAGE_CAPS.map(String::from));
    let sort = crate::imap::Sort { key: crate::imap::SortKey::Date, reverse: true };
    let all = crate::imap::Search::new(Vec::new());
    session.in_mailbox(&MailboxName::inbox(), true, |s| s.uid_sort_page(sort, &all, 0, 2, Items::size()))
}

const PAGE_FLIGHT: &str = "a1 EXAMINE \"INBOX\"\r\n\
     a2 UID SORT RETURN (SAVE PARTIAL 1:2) (REVERSE DATE) UTF-8 ALL\r\n\
     a3 UID FETCH $ (UID RFC822.SIZE)\r\n\
     a4 UID SEARCH RETURN (COUNT) ALL\r\n";

#[test]
fn a_sorted_page_goes_out_with_its_examine_in_one_flight() {
    // The script answers nothing until all four commands are in: a client
    // that waited for the EXAMINE would hang here.
    let (mut session, handle) = ready(script().expect(PAGE_FLIGHT).send(
        "* 4 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\na1 OK [READ-ONLY] done\r\n\
         * ESEARCH (TAG \"a2\") UID PARTIAL (1:2 9,3)\r\na2 OK sorted\r\n\
         * 2 FETCH (UID 3 RFC822.SIZE 10)\r\n* ESEARCH (TAG \"a4\") UID COUNT 4\r\n\
         * 4 FETCH (UID 9 RFC822.SIZE 20)\r\na3 OK fetched\r\na4 OK counted\r\n",
    ));
    let page = page_of_two(&mut session).unwrap().expect("a page");
    assert_eq!((page.uids, page.total), (vec![9, 3], 4));
    assert_eq!(page.fetched.iter().map(|f| f.uid.unwrap()).collect::<Vec<_>>(), [3, 9]);
    let selected = session.selected().expect("INBOX is open");
    assert_eq!((selected.exists, selected.uidvalidity, selected.read_only), (4, Some(7), true));
    handle.assert_done();
}

#[test]
fn a_mailbox_that_cannot_be_opened_is_the_error_not_what_followed_it() {
    let (mut session, handle) = ready(script().expect(PAGE_FLIGHT).send(
        "a1 NO Mailbox doesn't exist: INBOX\r\na2 BAD No mailbox selected\r\n\
         a3 BAD No mailbox selected\r\na4 BAD No mailbox selected\r\n",
    ));
    let err = page_of_two(&mut session).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NoInput, "{err}");
    assert!(err.to_string().contains("doesn't exist"), "{err}");
    assert!(session.selected().is_none() && !session.is_broken());
    handle.assert_done();
}

#[test]
fn a_server_that_rejects_the_return_options_leaves_the_plain_sort() {
    let (mut session, handle) = ready(script().expect(PAGE_FLIGHT).send(
        "* 4 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\na1 OK done\r\na2 BAD unknown return option\r\n\
         a3 OK nothing saved\r\n* ESEARCH (TAG \"a4\") UID COUNT 4\r\na4 OK counted\r\n",
    ));
    assert!(page_of_two(&mut session).unwrap().is_none());
    assert!(!session.is_broken());
    handle.assert_done();
}

#[test]
fn a_window_larger_than_asked_is_refused() {
    let (mut session, _handle) = ready(script().expect(PAGE_FLIGHT).send(
        "* 4 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\na1 OK done\r\n\
         * ESEARCH (TAG \"a2\") UID PARTIAL (1:2 1:4000000000)\r\na2 OK sorted\r\n",
    ));
    let err = page_of_two(&mut session).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Protocol, "{err}");
    assert!(err.to_string().contains("more than the 2 numbers"), "{err}");
}
