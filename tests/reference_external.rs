//! The reference against an external table (tests/data/mpmath_reference.json, written by
//! tools/mpmath_reference_table.py with mpmath, which shares no code with
//! `src/reference`): every value must equal the table's f64 bit for bit and its 40 digits character
//! for character. The reference's two passes run the same algorithms (`src/reference/arith.rs`), so
//! their agreement (tests/reference.rs) cannot expose a wrong algorithm; this table can.

use ddpm_golden::reference::{self as r, Exact, Variant};
use serde_json::Value;
use sha2::{Digest, Sha256};

const TABLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/mpmath_reference.json");
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/mpmath_reference_table.py");

fn load() -> Value {
    let text = std::fs::read_to_string(TABLE).unwrap_or_else(|e| panic!("{TABLE}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{TABLE}: {e}"))
}

fn str_of<'a>(v: &'a Value, what: &str) -> &'a str {
    v.as_str().unwrap_or_else(|| panic!("{what}: not a string: {v}"))
}

/// A table number: the shortest decimal that reads back to the f64 (Rust's parsing is correctly
/// rounded, so the bits are exact), or `inf`/`-inf`.
fn f64_of(v: &Value, what: &str) -> f64 {
    let s = str_of(v, what);
    s.parse().unwrap_or_else(|e| panic!("{what}: {s:?}: {e}"))
}

/// Compares one reference result with the table's `[f64, digits]`; a description of the mismatch.
fn compare(what: &str, got: &Exact, want: &Value) -> Option<String> {
    let (value, digits) = (f64_of(&want[0], what), str_of(&want[1], what));
    (got.value.to_bits() != value.to_bits() || got.digits != digits)
        .then(|| format!("{what}: reference {:?} {}, mpmath {value:?} {digits}", got.value, got.digits))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Every entry's reference value against the table; the mismatches.
fn mismatches(entries: &[Value]) -> Vec<String> {
    let mut bad = Vec::new();
    for e in entries {
        let function = str_of(&e["function"], "function");
        let inputs: Vec<f64> =
            e["inputs"].as_array().expect("inputs").iter().map(|v| f64_of(v, function)).collect();
        let what = format!("{function}{inputs:?}");
        let out = &e["out"];
        let unary = |f: fn(f64) -> Result<Exact, ddpm_golden::Error>| f(inputs[0]).unwrap();
        let single = match function {
            "erf" => Some(unary(r::erf)),
            "erfc" => Some(unary(r::erfc)),
            "phi" => Some(unary(r::phi)),
            "log_phi" => Some(unary(r::log_phi)),
            "tanh_cdf" => Some(unary(r::tanh_cdf)),
            "log_tanh_cdf" => Some(unary(r::log_tanh_cdf)),
            "log_gaussian_mass" => Some(r::log_gaussian_mass(inputs[0], inputs[1]).unwrap()),
            "normal_kl" => Some(r::normal_kl(inputs[0], inputs[1], inputs[2], inputs[3]).unwrap()),
            "mean_flat_row" => Some(r::mean_flat_row(&inputs).unwrap()),
            "continuous_gaussian_log_likelihood" => {
                Some(r::continuous_gaussian_log_likelihood(inputs[0], inputs[1], inputs[2]).unwrap())
            }
            "loglik" => None,
            other => panic!("{TABLE}: unknown function {other:?}"),
        };
        if let Some(got) = single {
            bad.extend(compare(&what, &got, &out["value"]));
            continue;
        }
        let variant = match str_of(&e["variant"], "variant") {
            "Gaussian" => Variant::Gaussian,
            "Tanh" => Variant::Tanh,
            other => panic!("{TABLE}: unknown variant {other:?}"),
        };
        let what = format!("{what} {variant:?}");
        let got = r::discretized_gaussian_log_likelihood(inputs[0], inputs[1], inputs[2], variant).unwrap();
        if format!("{:?}", got.branch) != str_of(&e["branch"], "branch") {
            bad.push(format!("{what}: branch {:?}, mpmath {}", got.branch, e["branch"]));
        }
        if Some(got.clamped) != e["clamped"].as_bool() {
            bad.push(format!("{what}: clamped {}, mpmath {}", got.clamped, e["clamped"]));
        }
        for (field, exact) in [
            ("value", &got.value),
            ("log_prob_unclamped", &got.log_prob_unclamped),
            ("cdf_plus", &got.cdf_plus),
            ("one_minus_cdf_min", &got.one_minus_cdf_min),
            ("cdf_delta", &got.cdf_delta),
        ] {
            bad.extend(compare(&format!("{what} {field}"), exact, &out[field]));
        }
    }
    bad
}

/// Every value of the table, on both CPU cores (the far-tail entries need thousands of bits).
#[test]
fn reference_matches_the_mpmath_table() {
    let table = load();
    let entries = table["entries"].as_array().expect("entries");
    let values: usize = entries.iter().map(|e| e["out"].as_object().expect("out").len()).sum();
    assert_eq!(table["provenance"]["values"].as_u64(), Some(values as u64), "{TABLE}: value count");
    // The table must span every helper and be large enough to matter (an emptied file fails).
    let functions =
        ["erf", "erfc", "phi", "log_phi", "tanh_cdf", "log_tanh_cdf", "loglik", "log_gaussian_mass"];
    for f in functions.into_iter().chain(["normal_kl", "mean_flat_row", "continuous_gaussian_log_likelihood"])
    {
        let n = entries.iter().filter(|e| e["function"] == f).count();
        assert!(n >= 40, "{TABLE}: only {n} entries of {f}");
    }
    assert!(values >= 3000, "{TABLE}: only {values} values");
    let half = entries.len() / 2;
    let (a, b) = entries.split_at(half);
    let (mut bad, other) = std::thread::scope(|s| {
        let other = s.spawn(|| mismatches(b));
        (mismatches(a), other.join().expect("worker"))
    });
    bad.extend(other);
    eprintln!("compared {values} values of {} entries with mpmath", entries.len());
    assert!(bad.is_empty(), "{} of {values} values differ from mpmath:\n{}", bad.len(), bad.join("\n"));
}

/// The table was written by the committed script from the committed inputs: a changed script or an
/// edited input shows here (regenerate with tools/mpmath_reference_table.py; CI runs its --check).
#[test]
fn table_provenance_is_current() {
    let table = load();
    let provenance = &table["provenance"];
    let script = std::fs::read(SCRIPT).unwrap_or_else(|e| panic!("{SCRIPT}: {e}"));
    assert_eq!(str_of(&provenance["script_sha256"], "script_sha256"), sha256_hex(&script), "{TABLE}: stale");
    let lines: String = table["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            let inputs: Vec<&str> =
                e["inputs"].as_array().expect("inputs").iter().map(|v| str_of(v, "input")).collect();
            format!(
                "{} {} {}\n",
                str_of(&e["function"], "function"),
                e["variant"].as_str().unwrap_or("-"),
                inputs.join(" ")
            )
        })
        .collect();
    assert_eq!(
        str_of(&provenance["inputs_sha256"], "inputs_sha256"),
        sha256_hex(lines.as_bytes()),
        "{TABLE}"
    );
}
