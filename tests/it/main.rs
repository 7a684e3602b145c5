//! owl's integration tests: one binary, so the real mail servers start once.
//!
//! - `harness`: real Dovecot/Postfix, fake servers, seeding, running owl
//! - `compose`: `owl send --edit`, `owl reply`, `owl forward` with a scripted editor
//! - `compress`: `compress = auto` over a relay that delays like a wide-area link
//! - `list`, `check`: `owl list` and `owl check` against real Dovecot
//! - `init`: `owl init`, scripted and at a pty, and the implicit-TLS port hint
//! - `fetch`: backups, byte for byte, incremental, crash-safe; `corpus` has
//!   the tricky messages
//! - `security`: TLS rules, with fake servers for what Dovecot will not do
//! - `errors`: exit codes and one-line errors
//! - `trace`: `-vv` shows the protocol and never a secret
//! - `pool`: connections are shared and STATUS calls overlap
//! - `session`: warm sessions: the holder lends connections, cleanly and only to us
//! - `assets`: completions and man pages are up to date
//! - `complete`: shell completion in real bash, zsh and fish
//! - `schema`: the JSON Schemas of every `--json` output (the harness
//!   validates each output against them)
//! - `layering`: lower layers never import higher ones
//! - `hostile`: hostile servers and careless input, with memory and time ceilings
//! - `fuzz_regressions`: every past fuzzer crash and seed, replayed
//! - `smime`: S/MIME read, decrypt and send, checked with the openssl command line
//! - `triage`: flag, move, copy, delete and mailbox changes touch exactly what was named

// Some helpers serve only some test files.
#[allow(dead_code)]
mod harness;

mod assets;
mod check;
mod complete;
mod compose;
mod compress;
mod corpus;
mod errors;
mod fetch;
mod fuzz_regressions;
mod hostile;
mod idle;
mod init;
mod layering;
mod list;
mod pool;
mod pop3;
mod read;
mod schema;
mod search;
mod security;
mod send;
mod session;
mod smime;
mod trace;
mod triage;
