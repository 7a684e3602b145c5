//! Just enough of Rust's lexical rules to read our own sources: which
//! file is which module, where test code starts, what is code and what is
//! a string literal.

use std::path::{Path, PathBuf};

/// One source file, as the checks see it.
pub struct Source {
    pub path: PathBuf,
    /// Its module path from the crate root (`imap::session`).
    pub module: Vec<String>,
    /// The code without comments and without test code; string literals
    /// blanked out, so words in messages are not mistaken for paths.
    pub code: String,
    /// The string literals of the non-test code, with their line numbers.
    pub strings: Vec<(usize, String)>,
}

pub fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every file of the library, its test-only files (`*_tests.rs`) left out.
pub fn sources() -> Vec<Source> {
    let root = src();
    let mut files = Vec::new();
    walk(&root, &mut files);
    files
        .into_iter()
        .filter(|p| !p.file_stem().unwrap().to_string_lossy().ends_with("_tests"))
        .filter(|p| p.file_name().unwrap() != "main.rs")
        .map(|path| {
            let rel = path.strip_prefix(&root).unwrap().with_extension("");
            let mut module: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
            if module.last().is_some_and(|m| m == "mod" || m == "lib") {
                module.pop();
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let (code, strings) = split(&without_tests(&text));
            Source { path, module, code, strings }
        })
        .collect()
}

/// The file up to its test module (by convention the last thing in it).
fn without_tests(text: &str) -> String {
    let mut kept = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]"
            && lines.peek().is_some_and(|next| {
                let next = next.trim_start();
                next.starts_with("mod ") || next.starts_with("pub(crate) mod ") || next.starts_with("#[path")
            })
        {
            break;
        }
        kept.push_str(line);
        kept.push('\n');
    }
    kept
}

/// Separates code from comments and string literals: returns the code
/// with comments removed and literals replaced by `""`, and the literals
/// with the line each starts on. Enough of Rust's lexical rules for our
/// own sources: line and nested block comments, escapes, raw strings,
/// byte strings, char literals and lifetimes.
pub fn split(text: &str) -> (String, Vec<(usize, String)>) {
    let chars: Vec<char> = text.chars().collect();
    let mut code = String::new();
    let mut strings = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                        code.push('\n');
                    }
                    i += 1;
                }
            }
        } else if (c == 'r' || (c == 'b' && at(i + 1) == 'r')) && !at(i.wrapping_sub(1)).is_alphanumeric() && {
            let start = if c == 'b' { i + 2 } else { i + 1 };
            let mut j = start;
            while at(j) == '#' {
                j += 1;
            }
            at(j) == '"'
        } {
            let mut j = if c == 'b' { i + 2 } else { i + 1 };
            let mut hashes = 0;
            while at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            let start_line = line;
            let mut literal = String::new();
            loop {
                if j >= chars.len() {
                    break;
                }
                if chars[j] == '"' && (1..=hashes).all(|k| at(j + k) == '#') {
                    j += 1 + hashes;
                    break;
                }
                if chars[j] == '\n' {
                    line += 1;
                    code.push('\n');
                }
                literal.push(chars[j]);
                j += 1;
            }
            strings.push((start_line, literal));
            code.push_str("\"\"");
            i = j;
        } else if c == '"' {
            let start_line = line;
            let mut literal = String::new();
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    literal.push(chars[i]);
                    i += 1;
                }
                if at(i) == '\n' {
                    line += 1;
                    code.push('\n');
                }
                literal.push(at(i));
                i += 1;
            }
            i += 1;
            strings.push((start_line, literal));
            code.push_str("\"\"");
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{1F}', '"'), or a lifetime.
            if at(i + 1) == '\\' {
                let mut j = i + 2;
                while j < chars.len() && chars[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
                code.push_str("' '");
            } else if at(i + 2) == '\'' {
                i += 3;
                code.push_str("' '");
            } else {
                code.push(c);
                i += 1;
            }
        } else {
            if c == '\n' {
                line += 1;
            }
            code.push(c);
            i += 1;
        }
    }
    (code, strings)
}
