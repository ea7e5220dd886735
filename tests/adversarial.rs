//! The seeded adversarial suite of issue 12: valid golden, outputs and shard files mutated (fields
//! dropped, duplicated, retyped, resized, relabelled; huge numbers; control characters; truncation;
//! special files) and hostile `eval` arguments, run end to end through the binary's `verify`,
//! `export`, `eval`, `generate --check` and `audit merge`. Every run must keep the exit-code contract
//! (tests/support: no crash, no hang, bounded memory, a one-line message for exit 2), and each mutant
//! carries the codes its input allows: exit 0 only where the input is valid. Deterministic (SplitMix64
//! from a fixed seed); the counts per command are printed (`--nocapture`).

mod support;

use ddpm_golden::audit::exhaustive::{Shard, FORMAT};
use ddpm_golden::golden::format::{GoldenFile, Tolerance};
use ddpm_golden::golden::recipe::splitmix64;
use ddpm_golden::Function;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use support::{check_contract, correct_outputs, load, reseal, scratch, write};

/// The seed of the whole suite.
const SEED: u64 = 0x00dd_5eed_0012_0001;

/// Counter-based random numbers: draw `i` depends only on (SEED, i).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 += 1;
        (splitmix64(SEED, self.0) % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One run of the binary and the exit codes its input allows.
struct Job {
    command: &'static str,
    label: String,
    args: Vec<OsString>,
    allowed: Vec<i32>,
    /// A directory that must stay empty (audit merge refused: nothing written).
    stays_empty: Option<PathBuf>,
}

fn dir() -> PathBuf {
    scratch("adversarial")
}

/// A mutated golden file: the JSON text and the codes allowed for verify (with the base outputs) and
/// export.
struct GoldenMutant {
    label: String,
    text: String,
    verify: Vec<i32>,
    export: Vec<i32>,
}

const REFUSED: &[i32] = &[2];

/// Values of every JSON type but the one a field has, to retype it.
fn retyped(rng: &mut Rng, original: &Value) -> Value {
    loop {
        let v = rng
            .pick(&[json!(true), json!({}), json!(null), json!("x\u{1b}"), json!([[]]), json!(-1)])
            .clone();
        let same = std::mem::discriminant(&v) == std::mem::discriminant(original);
        if !same {
            return v;
        }
    }
}

/// A key of `obj` chosen at random.
fn some_key(rng: &mut Rng, obj: &Value) -> String {
    let keys: Vec<&String> = obj.as_object().unwrap().keys().collect();
    rng.pick(&keys).to_string()
}

/// One mutant of the golden file `base` (as JSON; `typed` for facts such as the case count).
fn golden_mutant(rng: &mut Rng, base: &Value, typed: &GoldenFile) -> GoldenMutant {
    let mut v = base.clone();
    let n = typed.cases.len();
    let i = rng.below(n);
    let case = &mut v["cases"][i];
    let mean_flat = typed.function == Function::MeanFlat;
    let (label, verify, export, resealed): (String, &[i32], &[i32], bool) = match rng.below(16) {
        0 => {
            let key = some_key(rng, &v);
            v.as_object_mut().unwrap().shift_remove(&key);
            (format!("drop top-level {key}"), REFUSED, REFUSED, false)
        }
        1 => {
            let key =
                rng.pick(&["case_count", "inputs_sha256", "seed", "generator", "reference", "error_model"]);
            v["provenance"].as_object_mut().unwrap().shift_remove(*key);
            (format!("drop provenance.{key}"), REFUSED, REFUSED, false)
        }
        2 => {
            let key = rng.pick(&["id", "tags", "inputs", "expected", "tolerance"]);
            case.as_object_mut().unwrap().shift_remove(*key);
            (format!("drop case {i} {key}"), REFUSED, REFUSED, rng.below(2) == 0)
        }
        3 => {
            let part = *rng.pick(&["inputs", "expected", "tolerance"]);
            let key = some_key(rng, &case[part]);
            case[part].as_object_mut().unwrap().shift_remove(&key);
            (format!("drop case {i} {part}.{key}"), REFUSED, REFUSED, rng.below(2) == 0)
        }
        4 => {
            let precision = *rng.pick(&["f32", "f64"]);
            let variant = some_key(rng, &case["tolerance"][precision]);
            let target = &mut case["tolerance"][precision][variant.as_str()];
            *target = match target.get("abs") {
                Some(abs) => json!({ "abs": retyped(rng, abs) }),
                None => retyped(rng, target),
            };
            (format!("retype case {i} tolerance.{precision}.{variant}"), REFUSED, REFUSED, false)
        }
        5 => {
            let field = *rng.pick(&["case_count", "inputs_sha256"]);
            let old = v["provenance"][field].clone();
            v["provenance"][field] = retyped(rng, &old);
            (format!("retype provenance.{field}"), REFUSED, REFUSED, false)
        }
        6 => {
            let key = some_key(rng, &case["inputs"]);
            let old = case["inputs"][key.as_str()].clone();
            case["inputs"][key.as_str()] = retyped(rng, &old);
            // Not resealed: a number in place of "nan" would be a valid file with wrong expected values.
            (format!("retype case {i} inputs.{key}"), REFUSED, REFUSED, false)
        }
        7 => {
            let key = some_key(rng, &case["expected"]);
            let rows = case["expected"][key.as_str()]["value"].as_array().map(Vec::len);
            case["expected"][key.as_str()]["value"] = match rows {
                Some(r) => json!(vec![0.5; if r > 1 && rng.below(2) == 0 { r - 1 } else { r + 1 }]),
                None => json!(vec![0.5; rng.below(3)]),
            };
            (format!("resize case {i} expected.{key}.value"), REFUSED, REFUSED, false)
        }
        8 if mean_flat => {
            let shape = case["inputs"]["shape"].as_array_mut().unwrap();
            let axis = rng.below(shape.len());
            let d = shape[axis].as_u64().unwrap();
            shape[axis] = rng.pick(&[json!(d + 1), json!(0), json!(u64::MAX), json!(1u64 << 33)]).clone();
            (format!("resize case {i} shape axis {axis}"), REFUSED, REFUSED, rng.below(2) == 0)
        }
        8 | 9 => {
            // Drop a case: resealed, a valid file with one case fewer (export passes; verify sees an
            // output for an unknown case id).
            v["cases"].as_array_mut().unwrap().remove(i);
            let resealed = rng.below(2) == 0;
            let export: &[i32] = if resealed { &[0] } else { REFUSED };
            (format!("drop case {i} (resealed {resealed})"), REFUSED, export, resealed)
        }
        10 => {
            let other = rng.pick(&Function::ALL.map(|f| f.name())).to_string();
            let same = other == typed.function.name();
            v["function"] = json!(other);
            let ok: &[i32] = if same { &[0] } else { REFUSED };
            (format!("relabel function {other}"), ok, ok, false)
        }
        11 => {
            let (from, to) =
                *rng.pick(&[("f32", "f16"), ("f64", "f32"), ("erf", "tanh"), ("upstream", "erf")]);
            let before = serde_json::to_string(&case["tolerance"]).unwrap();
            let text = before.replacen(&format!("\"{from}\""), &format!("\"{to}\""), 1);
            case["tolerance"] = serde_json::from_str(&text).unwrap_or(Value::Null);
            let ok: &[i32] = if text == before { &[0] } else { REFUSED };
            (format!("relabel case {i} tolerance {from}->{to}"), ok, ok, false)
        }
        12 => {
            // Control characters and a long id, in the golden file and the outputs alike.
            let id = format!("evil\n\u{1b}[2J\u{7}{}/{i}", "é".repeat(rng.below(300)));
            case["id"] = json!(id);
            case["tags"][0] = json!("fam\r\nPASS");
            (format!("control characters in case {i} id (renamed in outputs too)"), &[0], &[0], true)
        }
        13 => {
            let huge = rng.pick(&[json!(1e300), json!(u64::MAX), json!(-1), json!(1e30)]).clone();
            let field = *rng.pick(&["case_count", "seed"]);
            let valid_seed = field == "seed" && huge == json!(u64::MAX);
            v["provenance"][field] = huge.clone();
            let ok: &[i32] = if valid_seed { &[0] } else { REFUSED };
            (format!("provenance.{field} = {huge}"), ok, ok, false)
        }
        14 => {
            // A wider but finite tolerance is a valid file; a wrong expected value makes its case fail.
            let precision = "f32";
            let variant = some_key(rng, &case["tolerance"][precision]);
            if rng.below(2) == 0 {
                if let Some(abs) = case["tolerance"][precision][variant.as_str()].get_mut("abs") {
                    *abs = if abs.is_array() {
                        json!(vec![1e300; abs.as_array().unwrap().len()])
                    } else {
                        json!(1e300)
                    };
                }
                (format!("case {i} tolerance {precision}.{variant} = 1e300"), &[0], &[0], false)
            } else {
                let key = some_key(rng, &case["expected"]);
                let value = &mut case["expected"][key.as_str()]["value"];
                let wrong = json!(-12345.5);
                *value = if value.is_array() {
                    json!(vec![wrong; value.as_array().unwrap().len()])
                } else {
                    wrong
                };
                // The case fails if the outputs file claims this variant and the case is constrained.
                (format!("case {i} expected.{key}.value wrong"), &[0, 1], &[0], false)
            }
        }
        _ => {
            let text = serde_json::to_string_pretty(&v).unwrap();
            return GoldenMutant { label: "re-indented".into(), text, verify: vec![0], export: vec![0] };
        }
    };
    if resealed {
        reseal(&mut v);
    }
    GoldenMutant { label, text: v.to_string(), verify: verify.to_vec(), export: export.to_vec() }
}

/// Text-level mutants of any JSON file: a duplicated key, truncation.
fn text_mutant(rng: &mut Rng, text: &str, keys: &[&str]) -> (String, String) {
    if rng.below(2) == 0 {
        let key = *rng.pick(keys);
        let needle = format!("\"{key}\":");
        let at = text.find(&needle).unwrap_or(0);
        let mut t = text.to_string();
        t.insert_str(at, &format!("\"{key}\": 0, "));
        (format!("duplicate key {key}"), t)
    } else {
        let mut cut = rng.below(text.len().saturating_sub(3)).max(1);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        (format!("truncated at byte {cut}"), text[..cut].to_string())
    }
}

/// The outputs base with case ids renamed as mutant 12 renames them (ids found by position).
fn outputs_for(base: &Value, golden_text: &str) -> Value {
    let mut out = base.clone();
    let Ok(g) = serde_json::from_str::<Value>(golden_text) else { return out };
    let (Some(cases), Some(values)) = (g["cases"].as_array(), base["outputs"].as_object()) else {
        return out;
    };
    if cases.len() == values.len() {
        let renamed: serde_json::Map<String, Value> = cases
            .iter()
            .zip(values.values())
            .map(|(c, v)| (c["id"].as_str().unwrap_or("").to_string(), v.clone()))
            .collect();
        if renamed.len() == values.len() {
            out["outputs"] = Value::Object(renamed);
        }
    }
    out
}

/// Mutants of an outputs file for `golden` (the committed file of that helper).
fn outputs_mutant(rng: &mut Rng, good: &Value, golden: &GoldenFile) -> (String, String, Vec<i32>) {
    let mut v = good.clone();
    let ids: Vec<String> = good["outputs"].as_object().unwrap().keys().cloned().collect();
    let id = rng.pick(&ids).clone();
    let (label, allowed): (String, &[i32]) = match rng.below(11) {
        0 => {
            v["outputs"].as_object_mut().unwrap().shift_remove(&id);
            (format!("drop output {id}"), REFUSED)
        }
        1 => {
            v["outputs"]["no/such\u{1b}case"] = json!(0.5);
            ("unknown id".into(), REFUSED)
        }
        2 => {
            let old = v["outputs"][id.as_str()].clone();
            let new = retyped(rng, &old);
            let valid = golden.function != Function::MeanFlat && new == json!(-1);
            v["outputs"][id.as_str()] = new;
            (format!("retype output {id}"), if valid { &[0, 1] } else { REFUSED })
        }
        3 => {
            let p = rng.pick(&[json!("f8"), json!("F32"), json!(null), json!(32), json!("f32\n")]).clone();
            v["precision"] = p.clone();
            (format!("precision {p}"), REFUSED)
        }
        4 => {
            v.as_object_mut().unwrap().shift_remove("variant");
            // Omitted means the upstream formula for helpers without CDF variants.
            let ok: &[i32] = if golden.function.has_cdf_variants() { REFUSED } else { &[0] };
            ("variant omitted".into(), ok)
        }
        5 => {
            v["variant"] = json!("stable-ish\u{1b}");
            ("variant bogus".into(), REFUSED)
        }
        6 => {
            // A constrained case given a far wrong value fails.
            let constrained: Vec<&str> = golden
                .cases
                .iter()
                .filter(|c| matches!(c.tolerance["f32"].values().next(), Some(Tolerance::Bound(b)) if b.alternative.is_none()))
                .filter(|c| c.expected.values().all(|e| ddpm_golden::golden::judge::values(&e.value).iter().all(|x| x.is_finite())))
                .map(|c| c.id.as_str())
                .collect();
            let id = *rng.pick(&constrained);
            let rows = v["outputs"][id].as_array().map(Vec::len);
            v["outputs"][id] = match rows {
                Some(r) => json!(vec![1e30; r]),
                None => json!(1e30),
            };
            (format!("wrong value for {id}"), &[1])
        }
        7 => {
            v["implementation"] = json!(format!("x\nPASS: fake\u{1b}[2J{}", "y".repeat(rng.below(200_000))));
            ("hostile implementation".into(), &[0])
        }
        8 => {
            let top = rng.pick(&[json!([]), json!(1), json!("outputs"), json!(null)]).clone();
            v = top;
            ("top level retyped".into(), REFUSED)
        }
        9 => {
            v["extra\u{7}"] = json!(1);
            ("extra field".into(), REFUSED)
        }
        _ => {
            let (label, text) = text_mutant(rng, &v.to_string(), &["precision", "variant", "outputs", &id]);
            return (label, text, REFUSED.to_vec());
        }
    };
    (label, v.to_string(), allowed.to_vec())
}

/// Special files in place of any input: all refused without reading, quickly.
fn special_files() -> Vec<(String, PathBuf)> {
    let d = dir();
    let fifo = support::fifo(&d.join("special-fifo.json"));
    let link = d.join("special-link.json");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    let big = d.join("special-big.json");
    std::fs::File::create(&big).unwrap().set_len(ddpm_golden::input::MAX_INPUT_BYTES + 1).unwrap();
    vec![
        ("FIFO".into(), fifo),
        ("symlink to a FIFO".into(), link),
        ("/dev/zero".into(), PathBuf::from("/dev/zero")),
        ("/dev/null".into(), PathBuf::from("/dev/null")),
        ("directory".into(), d.clone()),
        ("missing".into(), d.join("missing.json")),
        ("oversized".into(), big),
    ]
}

fn os(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<OsString> {
    args.iter().map(|a| a.as_ref().to_os_string()).collect()
}

fn verify_and_export_jobs(rng: &mut Rng, jobs: &mut Vec<Job>) {
    let d = dir();
    let specials = special_files();
    for (function, golden_mutants, output_mutants) in [
        (Function::NormalKl, 45, 20),
        (Function::MeanFlat, 50, 20),
        (Function::StandardNormalCdf, 45, 20),
        (Function::DiscretizedGaussianLogLikelihood, 6, 6),
    ] {
        let (typed, base) = load(function);
        let good = correct_outputs(&typed);
        let golden_path = support::golden_path(function);
        let good_path = write(&d, &format!("{}-good.json", function.name()), &good.to_string());
        jobs.push(Job {
            command: "verify",
            label: format!("{function}: valid"),
            args: os(&[&"verify", &golden_path, &good_path]),
            allowed: vec![0],
            stays_empty: None,
        });
        jobs.push(Job {
            command: "export",
            label: format!("{function}: valid"),
            args: os(&[&"export", &golden_path]),
            allowed: vec![0],
            stays_empty: None,
        });
        let committed = std::fs::read_to_string(&golden_path).unwrap();
        for k in 0..golden_mutants {
            let (label, text, verify, export) = if k % 7 == 6 {
                let (label, text) = text_mutant(
                    rng,
                    &committed,
                    &["schema", "case_count", "id", "inputs", "abs", "erf", "f32"],
                );
                (label, text, REFUSED.to_vec(), REFUSED.to_vec())
            } else {
                let m = golden_mutant(rng, &base, &typed);
                (m.label, m.text, m.verify, m.export)
            };
            let g = write(&d, &format!("{}-golden-{k}.json", function.name()), &text);
            let o = write(
                &d,
                &format!("{}-golden-{k}-out.json", function.name()),
                &outputs_for(&good, &text).to_string(),
            );
            jobs.push(Job {
                command: "verify",
                label: format!("{function} golden: {label}"),
                args: os(&[&"verify", &g, &o]),
                allowed: verify,
                stays_empty: None,
            });
            jobs.push(Job {
                command: "export",
                label: format!("{function} golden: {label}"),
                args: os(&[&"export", &g]),
                allowed: export,
                stays_empty: None,
            });
        }
        for k in 0..output_mutants {
            let (label, text, allowed) = outputs_mutant(rng, &good, &typed);
            let o = write(&d, &format!("{}-outputs-{k}.json", function.name()), &text);
            jobs.push(Job {
                command: "verify",
                label: format!("{function} outputs: {label}"),
                args: os(&[&"verify", &golden_path, &o]),
                allowed,
                stays_empty: None,
            });
        }
        if function == Function::NormalKl {
            for (label, path) in &specials {
                jobs.push(Job {
                    command: "verify",
                    label: format!("golden {label}"),
                    args: os(&[&"verify", path, &good_path]),
                    allowed: vec![2],
                    stays_empty: None,
                });
                jobs.push(Job {
                    command: "verify",
                    label: format!("outputs {label}"),
                    args: os(&[&"verify", &golden_path, path]),
                    allowed: vec![2],
                    stays_empty: None,
                });
                jobs.push(Job {
                    command: "export",
                    label: label.clone(),
                    args: os(&[&"export", path]),
                    allowed: vec![2],
                    stays_empty: None,
                });
            }
        }
    }
}

fn eval_jobs(rng: &mut Rng, jobs: &mut Vec<Job>) {
    let functions =
        ["normal_kl", "mean_flat", "standard_normal_cdf", "discretized_gaussian_log_likelihood", "bogus", ""];
    let flags = [
        "--z",
        "--x",
        "--means",
        "--log-scales",
        "--mean1",
        "--logvar1",
        "--mean2",
        "--logvar2",
        "--shape",
        "--data",
        "--json",
        "--bogus",
    ];
    let values = [
        "-inf",
        "-nan",
        "nan",
        "inf",
        "-1e-45",
        "0",
        "-0",
        "1e39",
        "-3.5",
        "1e400",
        "abc",
        "",
        "1,2",
        "2,3",
        "-1,2,3,4,5,6",
        "4294967296,4294967296",
        "\u{1b}x",
        "--json",
        "0.999",
        "-1",
    ];
    for k in 0..50 {
        let mut args = vec![OsString::from("eval"), OsString::from(*rng.pick(&functions))];
        for _ in 0..rng.below(6) {
            let flag = *rng.pick(&flags);
            args.push(flag.into());
            if flag != "--json" {
                args.push((*rng.pick(&values)).into());
            }
        }
        jobs.push(Job {
            command: "eval",
            label: format!("random {k}: {args:?}"),
            args,
            allowed: vec![0, 2],
            stays_empty: None,
        });
    }
    // Documented points that must evaluate.
    let valid: [&[&str]; 6] = [
        &["standard_normal_cdf", "--z", "-inf"],
        &["standard_normal_cdf", "--z", "-nan"],
        &["standard_normal_cdf", "--z", "-1e-45", "--json"],
        &["discretized_gaussian_log_likelihood", "--x", "-1", "--means", "-0.99", "--log-scales", "-inf"],
        &["normal_kl", "--mean1", "-nan", "--logvar1", "1e39", "--mean2", "0", "--logvar2", "-1e-45"],
        &["mean_flat", "--shape", "2,3", "--data", "-1,2,3,4,5,-inf"],
    ];
    for a in valid {
        let mut args = vec![OsString::from("eval")];
        args.extend(a.iter().map(OsString::from));
        jobs.push(Job {
            command: "eval",
            label: format!("valid {a:?}"),
            args,
            allowed: vec![0],
            stays_empty: None,
        });
    }
}

fn generate_jobs(rng: &mut Rng, jobs: &mut Vec<Job>) {
    let make = |name: &str, edit: &dyn Fn(&Path)| {
        let d = dir().join(format!("generate-{name}"));
        std::fs::create_dir_all(&d).unwrap();
        for f in Function::ALL {
            std::fs::copy(support::golden_path(f), d.join(format!("{}.json", f.name()))).unwrap();
        }
        edit(&d.join("normal_kl.json"));
        d
    };
    let text = std::fs::read_to_string(support::golden_path(Function::NormalKl)).unwrap();
    let mut cases: Vec<(String, PathBuf, Vec<i32>)> =
        vec![("committed".into(), make("same", &|_| {}), vec![0])];
    for k in 0..4 {
        let (label, t) = text_mutant(rng, &text, &["schema", "provenance", "case_count", "id"]);
        cases.push((label, make(&format!("text-{k}"), &|p| std::fs::write(p, &t).unwrap()), vec![2]));
    }
    cases.push((
        "FIFO".into(),
        make("fifo", &|p| {
            std::fs::remove_file(p).unwrap();
            support::fifo(p);
        }),
        vec![2],
    ));
    let changed = text.replacen("\"abs\":", "\"abs\":1e-3,\"x\":", 1);
    cases.push(("unknown field".into(), make("unknown", &|p| std::fs::write(p, &changed).unwrap()), vec![2]));
    let stale = text.replacen("\"tags\":[\"", "\"tags\":[\"x", 1);
    cases.push(("changed tag".into(), make("stale", &|p| std::fs::write(p, &stale).unwrap()), vec![1]));
    for (label, d, allowed) in cases {
        jobs.push(Job {
            command: "generate --check",
            label,
            args: os(&[&"generate", &"--check", &"--out", &d]),
            allowed,
            stays_empty: None,
        });
    }
}

fn merge_jobs(rng: &mut Rng, jobs: &mut Vec<Job>) {
    let shard = |i: u32, of: u32| {
        serde_json::to_value(Shard {
            format: FORMAT.into(),
            shard: i,
            of,
            seconds: 1.0,
            threads: 1,
            scans: Default::default(),
            truth: Default::default(),
        })
        .unwrap()
    };
    let key_fields = ["last_zero", "first_positive", "first_one", "last_below_one", "first_key"];
    let counters = ["inputs", "nan_inputs", "nan_outputs", "decreases"];
    let mut sets: Vec<(String, Vec<String>, Vec<i32>)> =
        vec![("valid 1-way".into(), vec![shard(0, 1).to_string()], vec![0])];
    for k in 0..24 {
        let mut pair = [shard(0, 2), shard(1, 2)];
        let s = &mut pair[rng.below(2)];
        let variant = rng.below(2);
        let label = match rng.below(9) {
            0 => {
                s["of"] = rng.pick(&[json!(u32::MAX), json!(0), json!(3), json!(-1), json!(1e10)]).clone();
                format!("of = {}", s["of"])
            }
            1 => {
                s["shard"] = rng.pick(&[json!(5), json!(u32::MAX), json!("0")]).clone();
                format!("shard = {}", s["shard"])
            }
            2 => {
                s["format"] = json!("v0\u{1b}");
                "format".into()
            }
            3 => {
                s["seconds"] = rng.pick(&[json!(-1.0), json!(null), json!("x")]).clone();
                format!("seconds = {}", s["seconds"])
            }
            4 => {
                let field = *rng.pick(&key_fields);
                s["scans"][variant][field] = json!(0x7FC0_0000u32 | 0x8000_0000);
                format!("NaN key in {field}")
            }
            5 => {
                let field = *rng.pick(&counters);
                for p in pair.iter_mut() {
                    p["scans"][variant][field] = json!(u64::MAX);
                }
                format!("{field} overflows")
            }
            6 => {
                let field = *rng.pick(&["format", "shard", "of", "scans"]);
                s.as_object_mut().unwrap().shift_remove(field);
                format!("drop {field}")
            }
            7 => {
                s["scans"] = retyped(rng, &json!([]));
                "scans retyped".into()
            }
            _ => {
                let (label, t) = text_mutant(rng, &s.to_string(), &["of", "shard", "scans"]);
                let texts = if rng.below(2) == 0 {
                    vec![t, pair[1].to_string()]
                } else {
                    vec![pair[0].to_string(), t]
                };
                sets.push((format!("{k}: {label}"), texts, vec![2]));
                continue;
            }
        };
        sets.push((format!("{k}: {label}"), pair.iter().map(Value::to_string).collect(), vec![2]));
    }
    for (k, (label, texts, allowed)) in sets.into_iter().enumerate() {
        let out = dir().join(format!("merge-out-{k}"));
        std::fs::create_dir_all(&out).unwrap();
        let mut args = os(&[&"audit", &"merge", &"--out", &out]);
        for (i, t) in texts.iter().enumerate() {
            args.push(write(&dir(), &format!("merge-{k}-{i}.json"), t).into());
        }
        let stays_empty = (allowed == [2]).then(|| out.clone());
        jobs.push(Job { command: "audit merge", label, args, allowed, stays_empty });
    }
    let out = dir().join("merge-out-fifo");
    std::fs::create_dir_all(&out).unwrap();
    let fifo = support::fifo(&dir().join("merge-fifo.json"));
    let args = os(&[&"audit", &"merge", &"--out", &out, &fifo]);
    jobs.push(Job {
        command: "audit merge",
        label: "FIFO".into(),
        args,
        allowed: vec![2],
        stays_empty: Some(out),
    });
}

#[test]
fn adversarial_inputs_keep_the_exit_code_contract() {
    let mut rng = Rng(0);
    let mut jobs = Vec::new();
    // The slow valid runs (a merge regenerates the quick audit) first, so they overlap the rest.
    merge_jobs(&mut rng, &mut jobs);
    generate_jobs(&mut rng, &mut jobs);
    verify_and_export_jobs(&mut rng, &mut jobs);
    eval_jobs(&mut rng, &mut jobs);
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let o = support::run(&job.args);
                results.lock().unwrap().push((i, o));
            });
        }
    });
    let mut counts: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    let mut slowest: BTreeMap<&str, f64> = BTreeMap::new();
    let mut failures = Vec::new();
    for (i, o) in results.into_inner().unwrap() {
        let job = &jobs[i];
        let what = format!("{} [{}]", job.command, job.label);
        let s = slowest.entry(job.command).or_default();
        *s = s.max(o.elapsed.as_secs_f64());
        match std::panic::catch_unwind(|| check_contract(&what, &o, &job.allowed)) {
            Ok(code) => counts.entry(job.command).or_default()[code as usize] += 1,
            Err(e) => failures.push(e.downcast_ref::<String>().cloned().unwrap_or_default()),
        }
        if let Some(d) = &job.stays_empty {
            if std::fs::read_dir(d).map(|mut r| r.next().is_some()).unwrap_or(false) {
                failures.push(format!("{what}: refused, yet left files in {}", d.display()));
            }
        }
    }
    eprintln!(
        "{:<18} {:>6} {:>7} {:>7} {:>7} {:>11}",
        "command", "inputs", "exit 0", "exit 1", "exit 2", "slowest (s)"
    );
    for (command, [ok, fail, refused]) in &counts {
        let total = ok + fail + refused;
        eprintln!("{command:<18} {total:>6} {ok:>7} {fail:>7} {refused:>7} {:>11.1}", slowest[command]);
    }
    assert!(
        failures.is_empty(),
        "{} of {} runs broke the contract:\n{}",
        failures.len(),
        jobs.len(),
        failures.join("\n")
    );
    for command in ["verify", "export", "eval", "generate --check", "audit merge"] {
        let c = counts.get(command).copied().unwrap_or_default();
        assert!(
            c[0] > 0 && c[2] > 0,
            "{command}: the suite must exercise both valid and refused inputs: {c:?}"
        );
    }
}
