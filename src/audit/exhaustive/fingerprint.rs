//! What `exhaustive.json` rests on and whether it still holds: the fingerprint of the code that produced
//! it (sha256 of each source that determines its figures, the `libm` version), a checksum of its figures,
//! and the check `audit --check` runs: a stale fingerprint, an edited figure or a figure the current code
//! recomputes differently is named, with what to do.

use super::{recomputed, Exhaustive, FORMAT};
use crate::Error;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Every source that determines the scan's figures, by path, compiled in: the scan and its results
/// (`exhaustive/`, `merge.rs`), the NaN-worst order of maxima (`stats.rs`), the truth
/// (`stable/engine.rs`), the f32 CDFs under test (`upstream/cdf.rs`) and their elementary functions
/// (`real.rs`, over `libm`). The reference is not fingerprinted: its values are certified, and the check
/// recomputes every reference value the file records (as it does the error measures of `audit/cdf.rs`).
pub const SOURCES: [(&str, &str); 8] = [
    ("src/audit/exhaustive/mod.rs", include_str!("mod.rs")),
    ("src/audit/exhaustive/scan.rs", include_str!("scan.rs")),
    ("src/audit/exhaustive/tally.rs", include_str!("tally.rs")),
    ("src/audit/merge.rs", include_str!("../merge.rs")),
    ("src/audit/stats.rs", include_str!("../stats.rs")),
    ("src/stable/engine.rs", include_str!("../../stable/engine.rs")),
    ("src/upstream/cdf.rs", include_str!("../../upstream/cdf.rs")),
    ("src/real.rs", include_str!("../../real.rs")),
];

/// The lock file the binary was built with (for the `libm` version).
const CARGO_LOCK: &str = include_str!("../../../Cargo.lock");

/// The code that produced an exhaustive result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// The `libm` version in Cargo.lock (the f32 CDFs' and the engine's elementary functions).
    pub libm: String,
    /// sha256 of each of [`SOURCES`] without its blank and comment lines (a reworded comment changes no
    /// figure), by path.
    pub sources: IndexMap<String, String>,
}

/// Hex sha256 of `bytes`.
fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// sha256 of a source's code lines (trimmed; blank lines and lines starting with `//` dropped).
fn code_sha256(text: &str) -> String {
    let code: Vec<&str> =
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("//")).collect();
    sha256(code.join("\n").as_bytes())
}

/// The version of package `name` in a Cargo.lock text, `"unknown"` if absent.
fn locked_version(lock: &str, name: &str) -> String {
    let header = format!("name = \"{name}\"");
    let mut lines = lock.lines().skip_while(|l| l.trim() != header).skip(1);
    let version = lines.next().and_then(|l| l.trim().strip_prefix("version = \"")?.strip_suffix('"'));
    version.unwrap_or("unknown").to_string()
}

impl Fingerprint {
    /// The fingerprint of the code of this binary.
    pub fn current() -> Fingerprint {
        Fingerprint {
            libm: locked_version(CARGO_LOCK, "libm"),
            sources: SOURCES.iter().map(|(path, text)| (path.to_string(), code_sha256(text))).collect(),
        }
    }

    /// How `self` (recorded) differs from `now`, one line per difference.
    fn differences(&self, now: &Fingerprint) -> Vec<String> {
        let mut out = Vec::new();
        if self.libm != now.libm {
            out.push(format!("libm is {} in Cargo.lock, the scan ran with {}", now.libm, self.libm));
        }
        for (path, sha) in &now.sources {
            match self.sources.get(path) {
                Some(old) if old == sha => {}
                Some(old) => out.push(format!(
                    "{path} changed since the scan (code sha256 {} recorded, {} now)",
                    &old[..old.len().min(12)],
                    &sha[..12]
                )),
                None => out.push(format!("{path} is fingerprinted now but was not recorded by the scan")),
            }
        }
        for path in self.sources.keys().filter(|p| !now.sources.contains_key(*p)) {
            out.push(format!("{path} was fingerprinted by the scan but no longer is"));
        }
        out
    }
}

/// The checksum of an exhaustive result's figures ([`Exhaustive::results_sha256`]).
pub fn results_sha256(ex: &Exhaustive) -> String {
    let figures = serde_json::to_string(&(&ex.shortcut_bounds, &ex.truth_check, &ex.variants))
        .expect("exhaustive results always serialize");
    sha256(figures.as_bytes())
}

/// Every path where two JSON values differ, with both values (`path: a vs b`).
fn json_differences(a: &Value, b: &Value, path: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let sub = format!("{path}.{k}");
                match y.get(k) {
                    Some(w) => json_differences(v, w, &sub, out),
                    None => out.push(format!("{sub}: {v} vs missing")),
                }
            }
            for k in y.keys().filter(|k| !x.contains_key(*k)) {
                out.push(format!("{path}.{k}: missing vs {}", y[k]));
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                json_differences(v, w, &format!("{path}[{i}]"), out);
            }
        }
        _ if a != b => out.push(format!("{path}: {a} vs {b}")),
        _ => {}
    }
}

/// The figures of an exhaustive result that do not depend on how it was run (shards, threads, seconds).
fn figures(ex: &Exhaustive) -> Value {
    let mut v = serde_json::to_value(ex).expect("exhaustive results always serialize");
    if let Value::Object(o) = &mut v {
        for timing in ["shards", "wall_seconds", "total_seconds", "threads"] {
            o.remove(timing);
        }
    }
    v
}

/// Every figure where a fresh scan differs from a committed one (`path: fresh vs committed`): every count
/// and maximum, the truth check, the fingerprint and the checksum; timing aside.
pub fn compare(fresh: &Exhaustive, committed: &Exhaustive) -> Vec<String> {
    let mut out = Vec::new();
    json_differences(&figures(fresh), &figures(committed), "", &mut out);
    out
}

/// Why a committed exhaustive result cannot be used, one line each (empty: it is current): another
/// format, a fingerprint other than this binary's (stale), figures that do not match their checksum
/// (edited), or recorded figures the current code recomputes differently at their own inputs.
pub fn problems(ex: &Exhaustive) -> Result<Vec<String>, Error> {
    if ex.format != FORMAT {
        return Ok(vec![format!("format is '{}', this binary writes '{FORMAT}'", ex.format)]);
    }
    let mut out = ex.fingerprint.differences(&Fingerprint::current());
    let sha = results_sha256(ex);
    if sha != ex.results_sha256 {
        out.push(format!(
            "the figures do not match results_sha256 (edited by hand?): {} recorded, {} computed",
            ex.results_sha256, sha
        ));
    }
    let mut differ = Vec::new();
    json_differences(&figures(ex), &figures(&recomputed(ex)?), "", &mut differ);
    out.extend(differ.into_iter().map(|d| format!("recorded vs recomputed {d}")));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_libm_version_is_read_from_the_lock_file() {
        let lock = "[[package]]\nname = \"libm\"\nversion = \"0.2.16\"\nsource = \"registry\"\n";
        assert_eq!(locked_version(lock, "libm"), "0.2.16");
        assert_eq!(locked_version(lock, "statrs"), "unknown");
        assert_ne!(Fingerprint::current().libm, "unknown", "Cargo.lock names libm");
    }

    #[test]
    fn comments_do_not_change_the_fingerprint_but_code_does() {
        let a = code_sha256("/// doc\nfn f() -> u8 {\n    1\n}\n");
        assert_eq!(a, code_sha256("// another comment\n\nfn f() -> u8 {\n  1\n}"));
        assert_ne!(a, code_sha256("fn f() -> u8 {\n    2\n}\n"));
    }

    #[test]
    fn json_differences_name_the_path() {
        let a = serde_json::json!({"v": [{"n": 1, "m": 2}], "k": "x"});
        let b = serde_json::json!({"v": [{"n": 3, "m": 2}], "k": "x", "extra": true});
        let mut out = Vec::new();
        json_differences(&a, &b, "", &mut out);
        assert_eq!(out, [".v[0].n: 1 vs 3", ".extra: missing vs true"]);
    }
}
