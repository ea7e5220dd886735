//! `verify` and `export` end to end: exit 0 for a correct implementation, 1 with a table for a wrong
//! one, 2 with a message naming the file and field for every kind of unusable input; and no panic on
//! random bytes or random JSON.

use ddpm_golden::golden::evaluate::{case_inputs, eval_fast};
use ddpm_golden::golden::format::GoldenFile;
use ddpm_golden::golden::generate::{build, to_text};
use ddpm_golden::golden::json_number::encode;
use ddpm_golden::verify::{parse_outputs, read_golden};
use ddpm_golden::{Cdf, Function};
#[path = "support/scratch.rs"]
mod scratch;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

/// A scratch directory for this run of the test binary.
fn scratch() -> PathBuf {
    scratch::scratch("cli-verify")
}

/// A freshly generated golden file of `function`, written once per test binary.
fn golden(function: Function) -> (PathBuf, GoldenFile) {
    static FILES: OnceLock<Vec<(PathBuf, GoldenFile)>> = OnceLock::new();
    let files = FILES.get_or_init(|| {
        [Function::StandardNormalCdf, Function::MeanFlat]
            .iter()
            .map(|&f| {
                let file = build(f, None, &|| {});
                let path = scratch().join(format!("{}.json", f.name()));
                std::fs::write(&path, to_text(&file)).unwrap();
                (path, file)
            })
            .collect()
    });
    files.iter().find(|(_, g)| g.function == function).cloned().unwrap()
}

/// Outputs of our fast implementation in f32 with the erf variant.
fn correct_outputs(file: &GoldenFile) -> Value {
    let mut outputs = serde_json::Map::new();
    for case in &file.cases {
        let got = eval_fast::<f32>(&case_inputs(file.function, case).unwrap(), Cdf::Erf);
        let value = if file.function == Function::MeanFlat {
            Value::Array(got.iter().map(|&v| encode(v)).collect())
        } else {
            encode(got[0])
        };
        outputs.insert(case.id.clone(), value);
    }
    json!({"implementation": "ddpm-golden fast f32", "precision": "f32", "variant": "erf", "outputs": outputs})
}

fn run_verify(golden: &PathBuf, outputs: &str, name: &str) -> Output {
    let path = scratch().join(name);
    std::fs::write(&path, outputs).unwrap();
    Command::new(env!("CARGO_BIN_EXE_ddpm-golden")).arg("verify").arg(golden).arg(&path).output().unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn correct_outputs_pass_and_a_wrong_value_fails_with_a_table() {
    let (path, file) = golden(Function::StandardNormalCdf);
    let good = correct_outputs(&file);
    let out = run_verify(&path, &good.to_string(), "good.json");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("PASS"), "{}", text(&out));

    let mut bad = good.clone();
    bad["outputs"]["grid/z=+1"] = json!(0.9);
    let out = run_verify(&path, &bad.to_string(), "bad.json");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("grid/z=+1") && text(&out).contains("FAIL"), "{}", text(&out));
}

#[test]
fn unusable_inputs_exit_2_naming_file_and_field() {
    let (path, file) = golden(Function::StandardNormalCdf);
    let good = correct_outputs(&file);
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v);
        v.to_string()
    };
    let cases: Vec<(String, &str)> = vec![
        ("{ not json".into(), "not valid JSON"),
        (edit(&|v| v["precision"] = json!("f8")), "precision"),
        (edit(&|v| v["variant"] = json!("stable-ish")), "variant"),
        (
            edit(&|v| v["outputs"].as_object_mut().unwrap().shift_remove("grid/z=+1").map(|_| ()).unwrap()),
            "grid/z=+1",
        ),
        (edit(&|v| v["outputs"]["no/such/case"] = json!(0.5)), "no/such/case"),
        (edit(&|v| v["outputs"]["grid/z=+1"] = json!(true)), "grid/z=+1"),
        (edit(&|v| v["outputs"]["grid/z=+1"] = json!("NaN")), "grid/z=+1"),
        (edit(&|v| v["extra"] = json!(1)), "extra"),
        ("[]".into(), "object"),
    ];
    for (i, (outputs, needle)) in cases.iter().enumerate() {
        let out = run_verify(&path, outputs, &format!("unusable-{i}.json"));
        assert_eq!(out.status.code(), Some(2), "case {i}: {}", text(&out));
        assert!(
            text(&out).contains(needle) && text(&out).contains(&format!("unusable-{i}.json")),
            "case {i}: {}",
            text(&out)
        );
    }

    // The golden side: wrong schema version, malformed, missing file.
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    v["schema"] = json!("ddpm-golden/3");
    let other = scratch().join("schema2.json");
    std::fs::write(&other, v.to_string()).unwrap();
    let out = run_verify(&other, &good.to_string(), "good2.json");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("schema2.json: schema"), "{}", text(&out));
    let out = run_verify(&scratch().join("missing.json"), &good.to_string(), "good3.json");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("missing.json"), "{}", text(&out));
}

#[test]
fn mean_flat_length_mismatch_exits_2() {
    let (path, file) = golden(Function::MeanFlat);
    let mut outputs = correct_outputs(&file);
    let out = run_verify(&path, &outputs.to_string(), "mf-good.json");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    outputs["outputs"]["shape/[B,1]"] = json!([0.5, -2.0]);
    let out = run_verify(&path, &outputs.to_string(), "mf-short.json");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("has 2 values but the case has 3 rows"), "{}", text(&out));
}

#[test]
fn export_writes_columns_named_as_upstream() {
    let (path, file) = golden(Function::StandardNormalCdf);
    let out = Command::new(env!("CARGO_BIN_EXE_ddpm-golden")).arg("export").arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["function"], "standard_normal_cdf");
    assert_eq!(v["ids"].as_array().unwrap().len(), file.cases.len());
    assert_eq!(v["inputs"]["z"].as_array().unwrap().len(), file.cases.len());
    assert!(v["inputs"]["z"].as_array().unwrap().contains(&json!("nan")));
}

/// Random JSON values up to a small depth.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-z/=+0-9.]{0,12}".prop_map(Value::String),
        prop_oneof![Just("f32"), Just("f64"), Just("erf"), Just("tanh"), Just("nan"), Just("ddpm-golden/1")]
            .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec(
                (
                    prop_oneof![
                        Just("precision".to_string()),
                        Just("variant".to_string()),
                        Just("outputs".to_string()),
                        Just("schema".to_string()),
                        "[a-z]{1,6}"
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

#[test]
fn random_bytes_and_json_never_panic() {
    let (_, file) = golden(Function::StandardNormalCdf);
    let (_, mean_file) = golden(Function::MeanFlat);
    let mut runner = TestRunner::new_with_rng(
        Config { cases: 400, failure_persistence: None, ..Config::default() },
        TestRng::from_seed(RngAlgorithm::ChaCha, b"ddpm-golden verify fuzz seed 001"),
    );
    runner
        .run(&(proptest::collection::vec(any::<u8>(), 0..200), any_json()), |(bytes, value)| {
            let text = String::from_utf8_lossy(&bytes);
            for input in [text.as_ref(), &value.to_string()] {
                let _ = read_golden("fuzz.json", input);
                let _ = parse_outputs("fuzz.json", input, &file);
                let _ = parse_outputs("fuzz.json", input, &mean_file);
            }
            // Valid outputs envelopes with random payloads.
            let envelope = json!({"precision": "f32", "variant": "erf", "outputs": value});
            let _ = parse_outputs("fuzz.json", &envelope.to_string(), &file);
            let _ = parse_outputs("fuzz.json", &envelope.to_string(), &mean_file);
            Ok(())
        })
        .unwrap();
}

/// The beta schedules through the binary: upstream's float64 schedule passes in f64 and, after
/// `.float()`, in f32; a schedule computed in float32 fails; an array of the wrong length is unusable.
#[test]
fn verify_judges_beta_schedules_as_arrays() {
    use ddpm_golden::golden::catalog::Inputs;
    use ddpm_golden::upstream::schedule::beta_schedule;
    let golden = PathBuf::from(format!("{}/golden/get_named_beta_schedule.json", env!("CARGO_MANIFEST_DIR")));
    let file = read_golden("schedule", &std::fs::read_to_string(&golden).unwrap()).unwrap();
    let outputs = |precision: &str, betas: &dyn Fn(&Inputs) -> Vec<f64>| {
        let mut out = serde_json::Map::new();
        for case in &file.cases {
            let values = betas(&case_inputs(file.function, case).unwrap());
            out.insert(case.id.clone(), Value::Array(values.into_iter().map(encode).collect()));
        }
        json!({"precision": precision, "outputs": out}).to_string()
    };
    let upstream = |i: &Inputs| match *i {
        Inputs::BetaSchedule { schedule, steps } => beta_schedule::<f64>(schedule, steps.into()),
        _ => unreachable!("schedule cases only"),
    };
    let float = |i: &Inputs| upstream(i).into_iter().map(|b| f64::from(b as f32)).collect();
    let in_float32 = |i: &Inputs| match *i {
        Inputs::BetaSchedule { schedule, steps } => {
            beta_schedule::<f32>(schedule, steps.into()).into_iter().map(f64::from).collect()
        }
        _ => unreachable!("schedule cases only"),
    };
    assert_eq!(run_verify(&golden, &outputs("f64", &upstream), "s64.json").status.code(), Some(0));
    assert_eq!(run_verify(&golden, &outputs("f32", &float), "s32.json").status.code(), Some(0));
    let o = run_verify(&golden, &outputs("f32", &in_float32), "s32-computed.json");
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stdout));
    let short = |i: &Inputs| upstream(i).into_iter().skip(1).collect();
    let o = run_verify(&golden, &outputs("f64", &short), "short.json");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("has 0 values but the case has 1 steps"), "{o:?}");
}

/// The derived arrays through the binary: upstream's float64 arrays pass in f64 and, after `.float()`, in
/// f32, and so does a port with `log1p(-alphas_cumprod)` for upstream's cancelling log; arrays computed in
/// float32 and a posterior log-variance without its clipping fail.
#[test]
fn verify_judges_derived_arrays() {
    use ddpm_golden::golden::catalog::Inputs;
    use ddpm_golden::upstream::derived::{derived_array, derived_array_with, DerivedArray, DerivedRecipe};
    use ddpm_golden::upstream::schedule::beta_schedule;
    let golden =
        PathBuf::from(format!("{}/golden/gaussian_diffusion_arrays.json", env!("CARGO_MANIFEST_DIR")));
    let file = read_golden("arrays", &std::fs::read_to_string(&golden).unwrap()).unwrap();
    let outputs = |precision: &str, arrays: &dyn Fn(&[f64], DerivedArray) -> Vec<f64>| {
        let mut out = serde_json::Map::new();
        for case in &file.cases {
            let Inputs::DerivedArray { schedule, steps, array } = case_inputs(file.function, case).unwrap()
            else {
                unreachable!("derived-array cases only")
            };
            let values = arrays(&beta_schedule::<f64>(schedule, steps.into()), array);
            out.insert(case.id.clone(), Value::Array(values.into_iter().map(encode).collect()));
        }
        json!({"precision": precision, "outputs": out}).to_string()
    };
    let upstream = |b: &[f64], a| derived_array::<f64>(b, a).unwrap();
    let float = |b: &[f64], a| upstream(b, a).into_iter().map(|v| f64::from(v as f32)).collect();
    let log1p = |b: &[f64], a| match a {
        DerivedArray::LogOneMinusAlphasCumprod => derived_array::<f64>(b, DerivedArray::AlphasCumprod)
            .unwrap()
            .into_iter()
            .map(|x| (-x).ln_1p())
            .collect(),
        _ => upstream(b, a),
    };
    let in_float32 = |b: &[f64], a| {
        let b32: Vec<f32> = b.iter().map(|&x| x as f32).collect();
        derived_array::<f32>(&b32, a).unwrap().into_iter().map(f64::from).collect()
    };
    let unclipped = |b: &[f64], a| {
        derived_array_with::<f64>(b, a, DerivedRecipe { clip_first: false, ..DerivedRecipe::UPSTREAM })
            .unwrap()
    };
    for (precision, port, name, code) in [
        ("f64", &upstream as &dyn Fn(&[f64], DerivedArray) -> Vec<f64>, "upstream", 0),
        ("f32", &float, "float", 0),
        ("f64", &log1p, "log1p", 0),
        ("f32", &log1p, "log1p32", 0),
        ("f32", &in_float32, "in-float32", 1),
        ("f64", &unclipped, "unclipped", 1),
    ] {
        let o = run_verify(&golden, &outputs(precision, port), &format!("d-{name}.json"));
        assert_eq!(o.status.code(), Some(code), "{name}: {}", String::from_utf8_lossy(&o.stdout));
    }
}
