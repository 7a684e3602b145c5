//! Shell completion in the real shells: bash, zsh and fish each load the
//! script from `completions/` as a user installs it, are asked to
//! complete a command line, and must offer exactly the configured
//! accounts for `owl -a <Tab>` and the mailboxes of a backup made by
//! `owl fetch` from Dovecot for `owl list <Tab>`. A shell that is not
//! installed fails the test (.ci/run installs them).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::harness::seed::{self, Msg};
use crate::harness::{Env, Imap, imap_config, servers};

/// A config with three accounts, `test` (the default) backed up into
/// `backup/` by a real `owl fetch`; the others' password commands would
/// leave a file behind if completion ever ran one.
struct Setup {
    env: Env,
    /// The mailboxes `owl fetch` backed up.
    backed_up: Vec<String>,
}

fn setup() -> Setup {
    let user = servers().user();
    seed::append(&user, "INBOX", vec![Msg::simple("a@example.org", "one", "1")]);
    seed::append(&user, "Work", vec![Msg::simple("b@example.org", "two", "2")]);
    seed::append(&user, "Archive/2024", vec![Msg::simple("c@example.org", "old", "3")]);
    let env = Env::new("");
    let backup = env.path("backup");
    let ran = env.path("password-command-ran");
    let mut config = imap_config(&user, Imap::Implicit, "");
    config.push_str(&format!("\n[accounts.test.fetch]\ninto = \"maildir:{}\"\n", backup.display()));
    for name in ["home", "work"] {
        config.push_str(&format!(
            "\n[accounts.{name}]\nemail = \"{name}@example.org\"\nuser = \"{name}\"\n\
             password_command = \"touch {ran}\"\n[accounts.{name}.imap]\nhost = \"127.0.0.1\"\nport = 1\n",
            ran = ran.display()
        ));
    }
    std::fs::write(&env.config, config).expect("write config");
    env.owl(&["fetch"]).expect_code(0);
    // Every selectable mailbox of the server went into the backup, the
    // empty Sent that Dovecot makes too: those are what completion must
    // offer.
    let listed = env.owl(&["list", "--json"]);
    let mut backed_up: Vec<String> = listed
        .expect_code(0)
        .json()
        .as_array()
        .expect("rows")
        .iter()
        .filter(|row| {
            let attributes = row["attributes"].as_array().expect("attributes");
            !attributes
                .iter()
                .any(|a| ["\\noselect", "\\nonexistent"].contains(&a.as_str().unwrap_or("").to_lowercase().as_str()))
        })
        .map(|row| row["name"].as_str().expect("a name").to_string())
        .collect();
    backed_up.sort();
    for seeded in ["Archive/2024", "INBOX", "Work"] {
        assert!(backed_up.iter().any(|m| m == seeded), "{seeded} is on the server: {backed_up:?}");
    }
    for mailbox in &backed_up {
        assert!(backup.join(mailbox).join("cur").is_dir(), "owl fetch backed {mailbox} up");
    }
    Setup { env, backed_up }
}

impl Setup {
    fn accounts(&self) -> Vec<String> {
        ["home", "test", "work"].map(String::from).to_vec()
    }

    /// The environment each shell runs in: the built owl first on PATH,
    /// the config through OWL_CONFIG (as a user's shell would have it).
    fn command(&self, program: &str) -> Command {
        let bin = Path::new(env!("CARGO_BIN_EXE_owl")).parent().expect("the binary's directory");
        let path = std::env::join_paths(
            std::iter::once(bin.to_path_buf())
                .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
        )
        .expect("PATH");
        let mut cmd = Command::new("timeout");
        cmd.arg("30").arg(program);
        cmd.env_clear()
            .env("PATH", path)
            .env("HOME", self.env.dir.path())
            .env("OWL_CONFIG", &self.env.config)
            .env("TERM", "dumb")
            .current_dir(self.env.dir.path())
            .stdin(Stdio::null());
        cmd
    }

    fn no_password_command_ran(&self) {
        assert!(!self.env.path("password-command-ran").exists(), "completion ran a password command");
    }
}

/// The script as checked in, which is what users install.
fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("completions").join(name)
}

/// Runs `cmd` to the end; its stdout lines (the part before a tab, where
/// a shell shows a description).
fn lines_of(mut cmd: Command, shell: &str) -> Vec<String> {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {shell} ({e}): install it (see .ci/run)"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{shell} failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines: Vec<String> = stdout
        .lines()
        .map(|l| l.split('\t').next().unwrap_or("").trim_end().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    lines.sort();
    lines
}

/// What bash offers at the end of `line`: the function `complete -p owl`
/// names, called as readline would call it.
fn bash(setup: &Setup, line: &str) -> Vec<String> {
    let mut words: Vec<&str> = line.split_whitespace().collect();
    if line.ends_with(' ') {
        words.push("");
    }
    bash_words(setup, line, &words)
}

/// The same with `words` as COMP_WORDS, for splits at COMP_WORDBREAKS.
fn bash_words(setup: &Setup, line: &str, words: &[&str]) -> Vec<String> {
    let driver = r#"
source "$1"
spec=$(complete -p owl) || exit 3
fn=${spec##*-F }; fn=${fn%% *}
COMP_LINE=$2
COMP_POINT=${#COMP_LINE}
shift 2
COMP_WORDS=("$@")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_TYPE=9
"$fn" owl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"#;
    let mut cmd = setup.command("bash");
    cmd.args(["--norc", "--noprofile", "-c", driver, "bash"]).arg(script("owl.bash")).arg(line).args(words);
    lines_of(cmd, "bash")
}

/// The well-known way to see what zsh's completion system offers: an
/// interactive `zsh -f` in a zpty, with compinit loading `_owl` from
/// $fpath as a user's would; `compadd` is wrapped to print the matches
/// between two NUL lines, and the shell exits after one completion.
const ZSH_INIT: &str = r#"
bindkey '^M' undefined
bindkey '^J' undefined
bindkey '^I' complete-word
null-line() { echo -E - $'\0' }
compprefuncs=( null-line )
comppostfuncs=( null-line exit )
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
zstyle ':completion:*' list-separator ''
compadd() {
    if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
        builtin compadd "$@"
        return $?
    fi
    typeset -a __hits
    builtin compadd -A __hits "$@"
    (( ${#__hits} )) || return
    local hit
    for hit in $__hits; do echo -E - "<hit>$hit"; done
}
echo ok
"#;

const ZSH_DRIVER: &str = r#"
zmodload zsh/zpty || exit 3
zpty z zsh -f -i
zpty -w z "$1; source ${(q)2}"
local line
repeat 50; do
    zpty -r z line
    [[ $line == ok* ]] && break
done
[[ $line == ok* ]] || exit 4
zpty -w z "$3"$'\t'
integer seen=0
while zpty -r z line; do
    [[ $line == *$'\0'* ]] && (( seen++ ))
    (( seen >= 2 )) && break
    [[ $line == *'<hit>'* ]] && print -r -- "${${line#*<hit>}%%$'\r'}"
done
zpty -d z
(( seen >= 2 )) || exit 5
"#;

/// zsh with `_owl` autoloaded from $fpath by compinit, the usual install.
fn zsh(setup: &Setup, line: &str) -> Vec<String> {
    let dir = script("_owl").parent().unwrap().display().to_string();
    zsh_loading(setup, &format!("fpath=('{dir}' $fpath); autoload -U compinit; compinit -u -D"), line)
}

/// zsh after `load` (shell code run in the interactive shell) has set
/// completion up.
fn zsh_loading(setup: &Setup, load: &str, line: &str) -> Vec<String> {
    let init = setup.env.path("capture.zsh");
    std::fs::write(&init, ZSH_INIT).unwrap();
    let mut cmd = setup.command("zsh");
    cmd.args(["-f", "-c", ZSH_DRIVER, "zsh", load]).arg(&init).arg(line);
    lines_of(cmd, "zsh")
}

/// What fish offers: `complete --do-complete` with the script sourced.
fn fish(setup: &Setup, line: &str) -> Vec<String> {
    let mut cmd = setup.command("fish");
    cmd.args(["--no-config", "-c", "source $argv[1]; complete --do-complete $argv[2]"])
        .arg(script("owl.fish"))
        .arg(line);
    lines_of(cmd, "fish")
}

fn check_shell(complete: fn(&Setup, &str) -> Vec<String>) {
    let setup = setup();
    assert_eq!(complete(&setup, "owl -a "), setup.accounts(), "owl -a <Tab>");
    assert_eq!(complete(&setup, "owl list "), setup.backed_up, "owl list <Tab>");
    assert_eq!(complete(&setup, "owl list W"), ["Work"], "owl list W<Tab>");
    assert_eq!(complete(&setup, "owl list -a test "), setup.backed_up, "-a test is the default's backup");
    assert!(complete(&setup, "owl list -a home ").is_empty(), "home has no backup and no fetch list");
    let local = format!("owl -a home read --local maildir:{} ", setup.env.path("backup").display());
    assert_eq!(complete(&setup, &local), setup.backed_up, "--local STORE: that store's mailboxes");
    setup.no_password_command_ran();
}

#[test]
fn bash_completes_accounts_and_backed_up_mailboxes() {
    check_shell(bash);
}

/// Readline splits `--account=w` and `maildir:PATH` at `=` and `:`; the
/// script glues them back for owl and offers only the last piece.
#[test]
fn bash_completes_across_equals_and_colons() {
    let setup = setup();
    assert_eq!(bash_words(&setup, "owl --account=w", &["owl", "--account", "=", "w"]), ["work"]);
    assert_eq!(bash_words(&setup, "owl --account=", &["owl", "--account", "="]), ["home", "test", "work"]);
    let backup = setup.env.path("backup").display().to_string();
    let line = format!("owl list --local maildir:{backup} W");
    assert_eq!(bash_words(&setup, &line, &["owl", "list", "--local", "maildir", ":", &backup, "W"]), ["Work"]);
    setup.no_password_command_ran();
}

#[test]
fn zsh_completes_accounts_and_backed_up_mailboxes() {
    check_shell(zsh);
}

#[test]
fn fish_completes_accounts_and_backed_up_mailboxes() {
    check_shell(fish);
}

/// `source <(owl completions zsh)` in .zshrc, after compinit, registers
/// the same function through compdef; and what `owl completions SHELL`
/// prints is the checked-in script.
#[test]
fn zsh_completes_with_the_script_sourced_and_owl_completions_prints_the_scripts() {
    let setup = setup();
    let sourced = "autoload -U compinit; compinit -u -D; source <(owl completions zsh)";
    assert_eq!(zsh_loading(&setup, sourced, "owl -a "), setup.accounts());
    for (shell, file) in [("bash", "owl.bash"), ("zsh", "_owl"), ("fish", "owl.fish")] {
        let printed = setup.env.owl(&["completions", shell]);
        assert_eq!(printed.expect_code(0).stdout, std::fs::read_to_string(script(file)).unwrap(), "{shell}");
    }
    setup.no_password_command_ran();
}

/// A missing or broken config, or a HOME without one, gives no candidates
/// and no noise: the completion answer is empty and exits 0.
#[test]
fn a_broken_config_completes_to_nothing_silently() {
    let env = Env::new("[accounts.x\nnot toml");
    for config in [env.config.clone(), env.path("missing.toml")] {
        let mut cmd = crate::harness::owl_command(env.dir.path());
        cmd.args(["--", "owl", "-a", ""]).env("OWL_COMPLETE", "bash").env("OWL_CONFIG", &config);
        let started = std::time::Instant::now();
        let out = cmd.output().expect("run owl");
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!((out.status.code(), out.stdout.as_slice(), out.stderr.as_slice()), (Some(0), &b""[..], &b""[..]));
    }
}
