//! The shell completion scripts (`completions/`, `owl completions SHELL`)
//! for bash, zsh and fish. Each is a few lines of glue that, on every Tab,
//! runs `OWL_COMPLETE=SHELL owl -- WORDS...` and offers what owl prints
//! (see `app::complete`): so subcommands and flags come from the clap
//! definitions, and account and mailbox names from this machine's config
//! and backups, without the script going stale when an account is added.

/// The variable that makes owl print completions instead of running:
/// its value is the shell (`bash`, `zsh`, `fish`).
pub const ENV: &str = "OWL_COMPLETE";

/// The variable holding the index (in the words after `--`) of the word
/// being completed; without it, the last word.
pub const INDEX_ENV: &str = "_OWL_COMPLETE_INDEX";

/// The shells that complete through owl itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    /// bash: one value a line.
    Bash,
    /// zsh: `value:help` a line, `:` and `\` in the value escaped.
    Zsh,
    /// fish: `value<TAB>help` a line.
    Fish,
}

impl Shell {
    /// The shell named `name` (a path's file name counts: `$SHELL`).
    pub fn from_name(name: &str) -> Option<Shell> {
        match name.rsplit('/').next().unwrap_or(name) {
            "bash" => Some(Shell::Bash),
            "zsh" => Some(Shell::Zsh),
            "fish" => Some(Shell::Fish),
            _ => None,
        }
    }

    /// The completion script, as installed from `completions/`.
    pub fn script(self) -> &'static str {
        match self {
            Shell::Bash => BASH,
            Shell::Zsh => ZSH,
            Shell::Fish => FISH,
        }
    }

    /// Its file in `completions/` (the name each shell looks for).
    pub fn file_name(self) -> &'static str {
        match self {
            Shell::Bash => "owl.bash",
            Shell::Zsh => "_owl",
            Shell::Fish => "owl.fish",
        }
    }
}

// Readline splits words at COMP_WORDBREAKS, `=` and `:` among them, but
// owl parses --account=work and maildir:PATH as one word: the pieces no
// space separates (COMP_LINE tells) are glued back, and the glued part
// is taken off each candidate again, as readline replaces only what
// follows the last `=` or `:`. Candidates are read line by line rather than split into an
// array, so none is glob-expanded, and bash 3.2 (macOS) works too. A
// lone candidate with a space is quoted; a directory gets no space.
const BASH: &str = r#"# bash completion for owl (from `owl completions bash`). Each Tab asks owl
# itself, so account and mailbox names are this machine's.
_owl() {
    local -a words=()
    local line=${COMP_LINE:0:COMP_POINT} word rest i
    for (( i = 0; i <= COMP_CWORD; i++ )); do
        word=${COMP_WORDS[i]}
        rest=${line#"${line%%[![:space:]]*}"}
        if (( i > 0 )) && [[ ${#rest} -eq ${#line} ]]; then
            words[${#words[@]}-1]+=$word
        else
            words+=("$word")
        fi
        line=${rest#"$word"}
    done
    local current=${words[${#words[@]}-1]} piece=${COMP_WORDS[COMP_CWORD]}
    # Right after = or : readline completes the empty text behind it.
    [[ -n $piece && -z ${piece//[=:]/} ]] && piece=
    local glued=${current%"$piece"}
    COMPREPLY=()
    while IFS= read -r line; do
        COMPREPLY+=("${line#"$glued"}")
    done < <(OWL_COMPLETE=bash _OWL_COMPLETE_INDEX=$(( ${#words[@]} - 1 )) owl -- "${words[@]}" 2>/dev/null)
    if [[ ${#COMPREPLY[@]} -eq 1 ]]; then
        if [[ ${COMPREPLY[0]} == */ ]]; then
            compopt -o nospace 2>/dev/null
        elif [[ ${COMPREPLY[0]} == *[[:space:]]* ]]; then
            printf -v 'COMPREPLY[0]' '%q' "${COMPREPLY[0]}"
        fi
    fi
    return 0
}
complete -F _owl owl
"#;

// Autoloaded from $fpath the file's body is the function `_owl`: it then
// defines the real `_owl` and calls it; sourced, it registers it.
const ZSH: &str = r#"#compdef owl
# zsh completion for owl (from `owl completions zsh`). Each Tab asks owl
# itself, so account and mailbox names are this machine's.
_owl() {
    local -a values dirs
    local line
    for line in "${(@f)$(OWL_COMPLETE=zsh _OWL_COMPLETE_INDEX=$((CURRENT - 1)) owl -- "${words[@]}" 2>/dev/null)}"; do
        if [[ -z $line ]]; then
            continue
        elif [[ $line == */ ]]; then
            dirs+=("${line%/}")
        else
            values+=("$line")
        fi
    done
    local ret=1
    (( ${#values} )) && _describe -V owl values && ret=0
    (( ${#dirs} )) && _describe -V owl-dirs dirs -S / -r / && ret=0
    return ret
}
if [ "$funcstack[1]" = "_owl" ]; then
    _owl "$@"
else
    compdef _owl owl
fi
"#;

const FISH: &str = r#"# fish completion for owl (from `owl completions fish`). Each Tab asks owl
# itself, so account and mailbox names are this machine's.
complete -c owl -f -a '(OWL_COMPLETE=fish owl -- (commandline -opc) (commandline -ct))'
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_speaks_the_protocol_owl_answers() {
        for (shell, name) in [(Shell::Bash, "bash"), (Shell::Zsh, "zsh"), (Shell::Fish, "fish")] {
            assert!(shell.script().contains(&format!("{ENV}={name} ")), "{name} sets {ENV}");
            assert!(shell.script().contains(" owl -- "), "{name} passes the words after --");
            assert_eq!(Shell::from_name(name), Some(shell));
        }
        assert!(BASH.contains(INDEX_ENV) && ZSH.contains(INDEX_ENV), "fish completes the last word");
        assert_eq!(Shell::from_name("/usr/bin/zsh"), Some(Shell::Zsh));
        assert_eq!(Shell::from_name("tcsh"), None);
    }
}
