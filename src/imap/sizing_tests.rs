//! Mock-stream tests of sizing several mailboxes in one flight.

use super::*;
use crate::error::Result;
use crate::imap::session::tests::ready;
use crate::net::script::{Script, script};

const SIZING_FLIGHT: &str = "a1 EXAMINE \"A\"\r\na2 UID FETCH 1:* (UID RFC822.SIZE)\r\n\
     a3 EXAMINE \"Nope\"\r\na4 UID FETCH 1:* (UID RFC822.SIZE)\r\n\
     a5 EXAMINE \"B\"\r\na6 UID FETCH 7:* (UID RFC822.SIZE)\r\n";

fn size_each(session: &mut Session<Script>) -> Vec<Result<crate::imap::Sized>> {
    let (a, nope, b) = (MailboxName::new("A"), MailboxName::new("Nope"), MailboxName::new("B"));
    session.examine_and_size_each(&[(&a, 1), (&nope, 1), (&b, 7)])
}

#[test]
fn mailboxes_are_examined_and_sized_in_one_flight_each_with_its_own_answers() {
    // Nothing is answered until the whole flight is in.
    let (mut session, handle) = ready(script().expect(SIZING_FLIGHT).send(
        "* 2 EXISTS\r\n* OK [UIDVALIDITY 11] v\r\n* OK [UIDNEXT 3] n\r\na1 OK [READ-ONLY] done\r\n\
         * 1 FETCH (UID 1 RFC822.SIZE 10)\r\n* 2 FETCH (UID 2 RFC822.SIZE 20)\r\na2 OK done\r\n\
         a3 NO Mailbox doesn't exist: Nope\r\na4 BAD No mailbox selected\r\n\
         * 5 EXISTS\r\n* OK [UIDVALIDITY 22] v\r\n* OK [UIDNEXT 9] n\r\na5 OK [READ-ONLY] done\r\n\
         * 5 FETCH (UID 8 RFC822.SIZE 80)\r\na6 OK done\r\n",
    ));
    let mut results = size_each(&mut session).into_iter();
    let a = results.next().unwrap().unwrap();
    assert_eq!((a.selected.mailbox.as_str(), a.selected.exists, a.selected.uidvalidity), ("A", 2, Some(11)));
    assert_eq!(a.sizes.unwrap(), vec![(1, 10), (2, 20)]);
    let nope = results.next().unwrap().unwrap_err();
    assert_eq!(nope.kind(), crate::error::ErrorKind::NoInput, "{nope}");
    let b = results.next().unwrap().unwrap();
    assert_eq!((b.selected.exists, b.selected.uidvalidity, b.selected.uidnext), (5, Some(22), Some(9)));
    assert_eq!(b.sizes.unwrap(), vec![(8, 80)], "A's answers are not B's");
    let now = session.selected().unwrap();
    assert_eq!((now.mailbox.as_str(), now.uidvalidity), ("B", Some(22)));
    assert!(!session.is_broken());
    handle.assert_done();
}

#[test]
fn a_refused_size_request_is_that_mailboxs_alone() {
    let (mut session, handle) = ready(script().expect(SIZING_FLIGHT).send(
        "* 0 EXISTS\r\n* OK [UIDVALIDITY 11] v\r\na1 OK [READ-ONLY] done\r\na2 NO [SERVERBUG] later\r\n\
         a3 NO no\r\na4 BAD No mailbox selected\r\n\
         * 1 EXISTS\r\n* OK [UIDVALIDITY 22] v\r\na5 OK [READ-ONLY] done\r\n* 1 FETCH (UID 7 RFC822.SIZE 70)\r\na6 OK done\r\n",
    ));
    let results = size_each(&mut session);
    let a = results[0].as_ref().unwrap();
    assert_eq!(a.selected.exists, 0);
    assert!(a.sizes.as_ref().unwrap_err().to_string().contains("later"));
    assert_eq!(results[2].as_ref().unwrap().sizes.as_ref().unwrap(), &vec![(7, 70)]);
    handle.assert_done();
}

#[test]
fn a_connection_lost_mid_flight_fails_the_mailboxes_not_yet_answered() {
    let (mut session, handle) = ready(
        script()
            .expect(SIZING_FLIGHT)
            .send("* 1 EXISTS\r\n* OK [UIDVALIDITY 11] v\r\na1 OK [READ-ONLY] done\r\na2 OK done\r\n* 3 EXI")
            .eof(),
    );
    let results = size_each(&mut session);
    assert_eq!(results.len(), 3);
    assert!(results[0].as_ref().unwrap().sizes.as_ref().unwrap().is_empty());
    assert!(results[1].is_err() && results[2].is_err(), "{results:?}");
    assert!(session.is_broken());
    handle.assert_done();
}
