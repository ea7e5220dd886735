//! The `eval` subcommand end to end: output shape, JSON, and exit code 2 with a clear message for
//! unusable arguments.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ddpm-golden")).args(args).output().expect("binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn eval_prints_every_variant_and_precision() {
    let out = run(&[
        "eval",
        "discretized_gaussian_log_likelihood",
        "--x",
        "0.5",
        "--means",
        "0.5",
        "--log-scales",
        "-3",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in ["erf", "tanh", "f32", "f64", "interior"] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
}

#[test]
fn eval_json_is_one_object_with_named_inputs() {
    let out = run(&[
        "eval",
        "normal_kl",
        "--mean1",
        "0",
        "--logvar1",
        "0",
        "--mean2",
        "1",
        "--logvar2",
        "0",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["function"], "normal_kl");
    assert_eq!(v["inputs"]["mean2"], 1.0);
    let results = v["results"].as_array().unwrap();
    assert!(results.iter().all(|r| r["value"] == 0.5), "{v}");
    // KL(N(0,1) || N(1,1)) = 1/2 exactly: the reference says so to every digit.
    assert_eq!(v["exact"][0]["value"], 0.5);
    assert!(
        v["exact"][0]["digits"].as_str().unwrap().starts_with("5.000000000000000000000000000000000000000e-1"),
        "{v}"
    );
}

#[test]
fn eval_json_has_exact_value_digits_and_branch_per_variant() {
    let out = run(&[
        "eval",
        "discretized_gaussian_log_likelihood",
        "--x",
        "1",
        "--means",
        "0.99",
        "--log-scales",
        "-5",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (i, variant) in ["erf", "tanh"].iter().enumerate() {
        let exact = &v["exact"][i];
        assert_eq!(exact["variant"], *variant);
        assert_eq!(exact["branch"], "edge-right");
        let digits = exact["digits"].as_str().unwrap();
        assert!(digits.chars().filter(|c| c.is_ascii_digit()).count() >= 40, "{digits}");
        let value = exact["value"].as_f64().unwrap();
        assert!(value < 0.0 && value > -3.0, "{value}");
    }
}

#[test]
fn eval_rejects_bad_arguments_with_exit_2() {
    let cases: [(&[&str], &str); 4] = [
        (&["eval", "normal_kl", "--mean1", "0"], "needs --logvar1"),
        (&["eval", "standard_normal_cdf", "--z", "0", "--x", "1"], "takes no --x"),
        (&["eval", "mean_flat", "--shape", "2,2", "--data", "1,2,3"], "holds 4 elements but 3"),
        (&["eval", "no_such_function"], "unknown function"),
    ];
    for (args, message) in cases {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
    let out = run(&["eval", "mean_flat", "--shape", "", "--data", "1"]);
    assert_eq!(out.status.code(), Some(2), "rank-0 mean_flat: {}", stderr(&out));
}
