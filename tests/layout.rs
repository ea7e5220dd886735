//! The library's shape: its import graph between modules has no cycle (a module's uses of its own
//! ancestors, the folder facades, aside), and no source file grows past the size a reader can hold (data
//! tables excepted). Parsed from the sources, so the check stays true as files move.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A module path inside the library, e.g. `["reference", "arith"]` (empty: the crate root).
type Module = Vec<String>;

/// Every library source file (the binary's `main.rs` and `cmd/` are a separate crate) by module path.
fn library_modules() -> BTreeMap<Module, String> {
    fn walk(dir: &Path, prefix: &[String], out: &mut BTreeMap<Module, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                let mut p = prefix.to_vec();
                p.push(name);
                walk(&path, &p, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let module = match name.as_str() {
                    "mod" | "lib" => prefix.to_vec(),
                    _ => [prefix, &[name]].concat(),
                };
                out.insert(module, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    walk(&src, &[], &mut out);
    out.retain(|m, _| !matches!(m.first().map(String::as_str), Some("main" | "cmd")));
    out
}

/// The code of a module without comments, string contents and its trailing `#[cfg(test)] mod` of unit
/// tests (which may import anything from their parent).
fn code(text: &str) -> String {
    // An inline `#[cfg(test)] mod name {` runs to the end of the file (the crate's convention); a
    // `#[cfg(test)] mod name;` declaration is only a line.
    let inline_tests = text
        .match_indices("#[cfg(test)]\nmod ")
        .map(|(i, _)| i)
        .find(|&i| text[i..].lines().nth(1).is_some_and(|l| l.trim_end().ends_with('{')));
    let text = &text[..inline_tests.unwrap_or(text.len())];
    let mut out = String::new();
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or_default();
        let mut in_string = false;
        for c in line.chars() {
            if c == '"' {
                in_string = !in_string;
            } else if !in_string {
                out.push(c);
            }
        }
        out.push('\n');
    }
    out
}

/// Expands a `use` tree (`a::{b, c::{d, e}}`) into its full paths.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else { return vec![tree.to_string()] };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap()];
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(|p| expand(&format!("{prefix}{}", p.trim())))
        .collect()
}

/// The paths a module names: every `use` item and every `crate::`/`super::` path in its code.
fn paths(code: &str) -> Vec<String> {
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    // `use` trees: the text after the last `use ` of each statement.
    let mut start = 0;
    for (end, _) in code.match_indices(';').chain([(code.len(), "")]) {
        let stmt = &code[start..end];
        let at = stmt
            .match_indices("use ")
            .map(|(i, _)| i)
            .filter(|&i| i == 0 || !ident(stmt.as_bytes()[i - 1]))
            .last();
        if let Some(i) = at {
            out.extend(expand(&stmt[i + 4..].split_whitespace().collect::<Vec<_>>().join(" ")));
        }
        start = end + 1;
    }
    // Paths written out in the code.
    for prefix in ["crate::", "super::"] {
        for (at, _) in code.match_indices(prefix) {
            if at > 0 && ident(bytes[at - 1]) {
                continue;
            }
            let len = code[at..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(code.len() - at);
            let path = code[at..at + len].trim_end_matches(':');
            // `crate::{a, b}` and `super::{a, b}` are `use` trees, read above.
            if !path.split("::").all(|seg| matches!(seg, "crate" | "super" | "self")) {
                out.push(path.to_string());
            }
        }
    }
    out
}

/// The module a path from `from` lands in: the longest known module prefix of its absolute form.
fn resolve(
    from: &Module,
    path: &str,
    modules: &BTreeMap<Module, String>,
    reexports: &Reexports,
) -> Option<Module> {
    let mut segs = path.split("::").filter(|s| !s.is_empty()).map(str::to_string).peekable();
    let mut abs: Module = match segs.peek().map(String::as_str) {
        Some("crate") => {
            segs.next();
            Vec::new()
        }
        Some("super" | "self") => {
            let mut base = from.clone();
            while let Some(s) = segs.peek() {
                match s.as_str() {
                    "super" => {
                        base.pop();
                    }
                    "self" => {}
                    _ => break,
                }
                segs.next();
            }
            base
        }
        // A relative path through a child module (edition 2018); anything else is another crate.
        Some(first) if modules.contains_key(&[from.as_slice(), &[first.to_string()]].concat()) => {
            from.clone()
        }
        _ => return None,
    };
    let mut best = abs.clone();
    for s in segs {
        // A name a module re-exports (`pub use`) leads to the module that defines it.
        if abs == best {
            if let Some(target) = reexports.get(&best).and_then(|r| r.get(&s)) {
                return Some(target.clone());
            }
        }
        abs.push(s);
        if modules.contains_key(&abs) {
            best = abs.clone();
        }
    }
    Some(best)
}

/// Per module, the names it re-exports and the module each comes from.
type Reexports = BTreeMap<Module, BTreeMap<String, Module>>;

fn reexports(modules: &BTreeMap<Module, String>) -> Reexports {
    let mut out = Reexports::new();
    for (module, text) in modules {
        for stmt in code(text).split(';') {
            let Some((_, tree)) = stmt.split_once("pub use ") else { continue };
            for path in expand(&tree.split_whitespace().collect::<Vec<_>>().join(" ")) {
                let (path, alias) =
                    path.split_once("as").map_or((path.as_str(), None), |(p, a)| (p, Some(a)));
                let Some((parent, item)) = path.rsplit_once("::") else { continue };
                if let Some(target) = resolve(module, parent, modules, &Reexports::new()) {
                    out.entry(module.clone()).or_default().insert(alias.unwrap_or(item).to_string(), target);
                }
            }
        }
    }
    out
}

/// Edges `module -> module it uses`. Uses of a module's own ancestors are dropped: a folder's `mod.rs`
/// is its facade (the types its children share and the API it builds from them), so a child naming its
/// parent's items is not a cycle in the sense that matters (two siblings, or unrelated modules, each
/// needing the other).
fn graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let modules = library_modules();
    let reexports = reexports(&modules);
    let mut edges = BTreeMap::new();
    for (module, text) in &modules {
        let targets: BTreeSet<Module> = paths(&code(text))
            .iter()
            .filter_map(|p| resolve(module, p, &modules, &reexports))
            .filter(|t| !module.starts_with(t))
            .collect();
        edges.insert(module.clone(), targets);
    }
    edges
}

/// One cycle of the graph, if any (depth-first search with colours).
fn find_cycle(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    fn visit(
        m: &Module,
        edges: &BTreeMap<Module, BTreeSet<Module>>,
        state: &mut BTreeMap<Module, u8>,
        stack: &mut Vec<Module>,
    ) -> Option<Vec<Module>> {
        state.insert(m.clone(), 1);
        stack.push(m.clone());
        for t in edges.get(m).into_iter().flatten() {
            match state.get(t).copied().unwrap_or(0) {
                1 => {
                    let at = stack.iter().position(|s| s == t).unwrap();
                    return Some([&stack[at..], std::slice::from_ref(t)].concat());
                }
                0 => {
                    if let Some(c) = visit(t, edges, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(m.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in edges.keys() {
        if state.get(m).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(m, edges, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

#[test]
fn the_library_has_no_import_cycle() {
    let edges = graph();
    // The parser must see the known edges, or an empty graph would pass.
    let uses = |a: &[&str], b: &[&str]| {
        let m = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Module>();
        edges.get(&m(a)).is_some_and(|t| t.contains(&m(b)))
    };
    assert!(uses(&["golden", "generate"], &["reference"]), "golden::generate -> reference not seen");
    assert!(uses(&["stable"], &["stable", "engine"]), "stable -> stable::engine not seen");
    if let Some(cycle) = find_cycle(&edges) {
        let path: Vec<String> = cycle.iter().map(name).collect();
        panic!("import cycle: {}", path.join(" -> "));
    }
}

#[test]
fn the_cycle_check_finds_a_cycle() {
    let m = |s: &str| s.split("::").map(str::to_string).collect::<Module>();
    let mut edges = BTreeMap::new();
    edges.insert(m("a"), BTreeSet::from([m("b")]));
    edges.insert(m("b"), BTreeSet::from([m("c")]));
    edges.insert(m("c"), BTreeSet::from([m("a")]));
    assert_eq!(find_cycle(&edges).map(|c| c.len()), Some(4));
    edges.insert(m("c"), BTreeSet::new());
    assert_eq!(find_cycle(&edges), None);
    assert_eq!(expand("a::{b, c::{d, e}}"), ["a::b", "a::c::d", "a::c::e"]);
}

/// Files that are data, not logic: fitted coefficient tables.
const DATA_FILES: [&str; 1] = ["kernels::precision"];

#[test]
fn no_source_file_is_over_600_lines() {
    let long: Vec<String> = library_modules()
        .iter()
        .filter(|(m, _)| !DATA_FILES.contains(&name(m).as_str()))
        .filter(|(_, text)| text.lines().count() > 600)
        .map(|(m, text)| format!("{} ({} lines)", name(m), text.lines().count()))
        .collect();
    assert!(long.is_empty(), "split by idea: {long:?}");
}
