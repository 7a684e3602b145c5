//! The `use` graph between files: which crate paths a file names, the
//! file each lands in, and the cycles.

use std::collections::{BTreeMap, BTreeSet};

/// The crate-internal paths a file uses: `use` trees expanded, and paths
/// written in code (`crate::x::y`, `super::z`). Each comes with whether
/// it is a `pub use` (a re-export).
pub fn paths(code: &str) -> Vec<(Vec<String>, bool)> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    // Where the `use` statements are, so the scan of paths in code does
    // not count them twice (and as private).
    let mut statements = Vec::new();
    let mut i = 0;
    while let Some(pos) = code[i..].find("use ") {
        let start = i + pos;
        i = start + 4;
        let before = code[..start].trim_end();
        let boundary = start == 0 || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
        let statement_start = before.is_empty()
            || before.ends_with(';')
            || before.ends_with('{')
            || before.ends_with('}')
            || before.ends_with(']')
            || before.ends_with("pub")
            || before.ends_with(')');
        if !boundary || !statement_start {
            continue;
        }
        let public = before.ends_with("pub") || before.ends_with(')') && before.contains("pub(");
        let Some(end) = code[i..].find(';') else { break };
        let tree = code[i..i + end].split_whitespace().collect::<Vec<_>>().join(" ");
        for path in expand(&tree) {
            found.push((path, public));
        }
        statements.push(start..i + end);
        i += end;
    }
    // Paths in code: `crate::x::f()`, `super::Event`, `watch::is_fatal`
    // (a child module, in scope without a `use`).
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut start = 0;
    while start < bytes.len() {
        let begins = word(bytes[start]) && (start == 0 || !(word(bytes[start - 1]) || bytes[start - 1] == b':'));
        if !begins || statements.iter().any(|s| s.contains(&start)) {
            start += 1;
            continue;
        }
        let mut end = start;
        while end < bytes.len() && (word(bytes[end]) || bytes[end] == b':') {
            end += 1;
        }
        let path = &code[start..end];
        if path.contains("::") {
            found.push((path.split("::").filter(|s| !s.is_empty()).map(String::from).collect(), false));
        }
        start = end;
    }
    found
}

/// `a::{b, c::{d, e as f}, self}` as paths `a::b`, `a::c::d`, `a::c::e`, `a`.
fn expand(tree: &str) -> Vec<Vec<String>> {
    fn go(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
        let segments = |text: &str| -> Vec<String> {
            text.split("::").map(str::trim).filter(|s| !s.is_empty() && *s != "*").map(String::from).collect()
        };
        let tree = tree.trim().trim_start_matches("::");
        if let Some(open) = tree.find('{') {
            let head = segments(&tree[..open]);
            let mut base = prefix.to_vec();
            base.extend(head);
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let mut depth = 0;
            let mut part = String::new();
            for c in inner.chars().chain(std::iter::once(',')) {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if c == ',' && depth == 0 {
                    if part.trim() == "self" {
                        out.push(base.clone());
                    } else if !part.trim().is_empty() {
                        go(&base, &part, out);
                    }
                    part.clear();
                } else {
                    part.push(c);
                }
            }
        } else {
            let tree = tree.split(" as ").next().unwrap_or(tree);
            let mut path = prefix.to_vec();
            path.extend(segments(tree));
            out.push(path);
        }
    }
    let mut out = Vec::new();
    go(&[], tree, &mut out);
    out
}

/// Resolves `path` as written in module `from` to the file module it
/// lands in (the longest prefix that is a file), if it is in this crate.
pub fn resolve(from: &[String], path: &[String], modules: &BTreeSet<Vec<String>>) -> Option<Vec<String>> {
    let mut base: Vec<String>;
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") => {
            base = Vec::new();
            rest = &path[1..];
        }
        Some("self") => {
            base = from.to_vec();
            rest = &path[1..];
        }
        Some("super") => {
            base = from.to_vec();
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        Some(first) => {
            let mut child = from.to_vec();
            child.push(first.to_string());
            if !modules.contains(&child) {
                return None; // another crate
            }
            base = from.to_vec();
        }
        None => return None,
    }
    let mut best = base.clone();
    for segment in rest {
        base.push(segment.clone());
        if modules.contains(&base) {
            best = base.clone();
        } else {
            break;
        }
    }
    Some(best)
}

/// One cycle through each strongly connected group of the graph (Tarjan).
pub fn cycles(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<Vec<String>>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on_stack: BTreeSet<&'a Vec<String>>,
        groups: Vec<Vec<&'a Vec<String>>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, node: &'a Vec<String>) {
            let n = self.index.len();
            self.index.insert(node, n);
            self.low.insert(node, n);
            self.stack.push(node);
            self.on_stack.insert(node);
            for next in self.edges.get(node).into_iter().flatten() {
                if !self.edges.contains_key(next) {
                    continue;
                }
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[next].min(self.low[node]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next) {
                    let low = self.index[next].min(self.low[node]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut group = Vec::new();
                while let Some(top) = self.stack.pop() {
                    self.on_stack.remove(top);
                    group.push(top);
                    if top == node {
                        break;
                    }
                }
                if group.len() > 1 {
                    self.groups.push(group);
                }
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        groups: Vec::new(),
    };
    for node in edges.keys() {
        if !walk.index.contains_key(node) {
            walk.visit(node);
        }
    }
    // Show each group as one concrete cycle: a shortest path back to the
    // start, inside the group.
    walk.groups
        .into_iter()
        .map(|group| {
            let members: BTreeSet<&Vec<String>> = group.iter().copied().collect();
            let start = group[0];
            let mut previous: BTreeMap<&Vec<String>, &Vec<String>> = BTreeMap::new();
            let mut queue = std::collections::VecDeque::from([start]);
            let mut end = None;
            while let Some(node) = queue.pop_front() {
                for next in edges.get(node).into_iter().flatten() {
                    if next == start {
                        end = Some(node);
                        break;
                    }
                    if let Some(next) = members.get(next)
                        && !previous.contains_key(next)
                    {
                        previous.insert(next, node);
                        queue.push_back(next);
                    }
                }
                if end.is_some() {
                    break;
                }
            }
            let mut cycle = vec![start.clone()];
            let mut node = end.unwrap_or(start);
            let mut back = Vec::new();
            while node != start {
                back.push(node.clone());
                node = previous[node];
            }
            back.reverse();
            cycle.extend(back);
            cycle.push(start.clone());
            cycle
        })
        .collect()
}
