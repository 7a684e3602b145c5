//! Connections are borrowed from a pool: `owl list` over 20 mailboxes logs
//! in at most `connections` times, and its STATUS calls overlap.

use std::collections::{HashMap, HashSet};

use crate::harness::seed;
use crate::harness::{Env, Imap, direct_imap_config, servers};

#[test]
fn twenty_mailboxes_use_at_most_the_pool_and_status_calls_overlap() {
    let user = servers().user();
    let names: Vec<String> = (1..=19).map(|i| format!("Box{i:02}")).collect();
    seed::create(&user, &names.iter().map(String::as_str).collect::<Vec<_>>());
    let login_line = format!("Login: user=<{}>", user.name);
    let logins_before = servers().dovecot_log().matches(&login_line).count();

    let env = Env::new(&direct_imap_config(&user, Imap::Implicit, "connections = 4"));
    let run = env.owl(&["-vv", "list", "--json"]);
    run.expect_code(0);
    assert_eq!(run.json().as_array().unwrap().len(), 21, "19 boxes, INBOX and Sent");

    let logins = servers().dovecot_log().matches(&login_line).count() - logins_before;
    assert!(logins <= 4, "{logins} logins for connections = 4");

    // Replay the trace: which STATUS commands are outstanding, per connection?
    let mut outstanding: HashMap<String, HashSet<String>> = HashMap::new();
    let mut max_in_flight = 0;
    let mut status_connections = HashSet::new();
    for line in run.stderr.lines() {
        let Some(rest) = line.strip_prefix("owl: trace: ") else { continue };
        let Some((conn, rest)) = rest.split_once(' ') else { continue };
        if let Some(cmd) = rest.strip_prefix("C: ") {
            let mut words = cmd.split(' ');
            let (tag, verb) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
            if verb == "STATUS" {
                status_connections.insert(conn.to_string());
                outstanding.entry(conn.to_string()).or_default().insert(tag.to_string());
            }
        } else if let Some(reply) = rest.strip_prefix("S: ") {
            let tag = reply.split(' ').next().unwrap_or("");
            if let Some(tags) = outstanding.get_mut(conn) {
                tags.remove(tag);
            }
        }
        max_in_flight = max_in_flight.max(outstanding.values().map(HashSet::len).sum::<usize>());
    }
    // 20 mailboxes, 4 per connection: all four connections share the work,
    // each pipelining its five STATUS commands.
    assert_eq!(status_connections.len(), 4, "STATUS ran on {status_connections:?}");
    assert!(max_in_flight >= 5, "STATUS commands never overlapped (max {max_in_flight} in flight)");
}
