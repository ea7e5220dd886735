//! `ddpm-golden verify <golden.json> <outputs.json> [--json REPORT]`: judge an implementation's outputs.

use anyhow::{Context, Result};
use clap::Args;
use ddpm_golden::golden::format::{Case, GoldenFile};
use ddpm_golden::verify::{parse_outputs, read_golden, verify, Outputs, Report};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `verify`.
#[derive(Args)]
pub struct VerifyArgs {
    /// A golden file (golden/<function>.json).
    golden: PathBuf,
    /// The implementation's outputs: {"implementation", "precision", "variant", "outputs": {id: value}}.
    outputs: PathBuf,
    /// Also write the full report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// How many failures the table shows (all are in the JSON report).
    #[arg(long, default_value_t = 20)]
    show: usize,
}

/// Reads a file, naming it in the error.
pub fn read_text(path: &PathBuf) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))
}

/// Reads and parses a golden file, naming it in the error.
pub fn load_golden(path: &PathBuf) -> Result<GoldenFile> {
    Ok(read_golden(&path.display().to_string(), &read_text(path)?)?)
}

fn inputs_text(case: &Case) -> String {
    let parts: Vec<String> = case
        .inputs
        .iter()
        .map(|(k, v)| {
            let text = serde_json::to_string(v).unwrap_or_default();
            let short = if text.len() > 40 { format!("{}…", &text[..40]) } else { text };
            format!("{k}={short}")
        })
        .collect();
    parts.join(" ")
}

fn show(v: &[f64]) -> String {
    let parts: Vec<String> = v.iter().map(|x| format!("{x:e}")).collect();
    parts.join(",")
}

/// Runs `verify`: exit 0 all pass, 1 some case failed, 2 (via the caller) unusable files.
pub fn run(args: &VerifyArgs) -> Result<ExitCode> {
    let golden = load_golden(&args.golden)?;
    let outputs = parse_outputs(&args.outputs.display().to_string(), &read_text(&args.outputs)?, &golden)?;
    let report = verify(&golden, &outputs);
    print_report(&golden, &outputs, &report, args.show);
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report_json(&golden, &outputs, &report))?;
        std::fs::write(path, text).with_context(|| format!("{}: cannot write the report", path.display()))?;
    }
    Ok(if report.failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn print_report(golden: &GoldenFile, outputs: &Outputs, report: &Report, limit: usize) {
    let by_id = |id: &str| golden.cases.iter().find(|c| c.id == id);
    if !report.failures.is_empty() {
        println!(
            "{:<56} {:<44} {:<24} {:<24} {:>10} {:>10}",
            "id", "inputs", "expected", "got", "ulps", "tol units"
        );
        for f in report.failures.iter().take(limit) {
            let Some(case) = by_id(&f.id) else { continue };
            let expected = case
                .expected_for(golden.function, outputs.variant)
                .map(|e| serde_json::to_string(&e.value).unwrap_or_default());
            println!(
                "{:<56} {:<44} {:<24} {:<24} {:>10.3e} {:>10.3e}",
                f.id,
                inputs_text(case),
                expected.unwrap_or_default(),
                show(&f.got),
                f.verdict.ulps,
                f.verdict.tol_units
            );
        }
        if report.failures.len() > limit {
            println!("… and {} more (see --json)", report.failures.len() - limit);
        }
    }
    let free: Vec<String> =
        report.unconstrained.iter().filter(|(_, n)| **n > 0).map(|(fam, n)| format!("{fam} {n}")).collect();
    let free = if free.is_empty() { "none".to_string() } else { free.join(", ") };
    let worst = report
        .worst
        .as_ref()
        .map_or("-".into(), |w| format!("{} ({:.3} tol units)", w.id, w.verdict.tol_units));
    println!(
        "{}: {} {} {} on {}: {} of {} judged cases failed; unconstrained in {}: {free}; worst {worst}",
        if report.failures.is_empty() { "PASS" } else { "FAIL" },
        outputs.implementation,
        outputs.precision,
        outputs.variant,
        golden.function,
        report.failures.len(),
        report.judged,
        outputs.precision,
    );
}

fn report_json(golden: &GoldenFile, outputs: &Outputs, report: &Report) -> serde_json::Value {
    let failures: Vec<_> = report
        .failures
        .iter()
        .map(|f| {
            json!({
                "id": f.id,
                "got": f.got.iter().map(|&v| ddpm_golden::golden::json_number::encode(v)).collect::<Vec<_>>(),
                "abs_err": ddpm_golden::golden::json_number::encode(f.verdict.abs_err),
                "ulps": ddpm_golden::golden::json_number::encode(f.verdict.ulps),
                "tol_units": ddpm_golden::golden::json_number::encode(f.verdict.tol_units),
            })
        })
        .collect();
    json!({
        "function": golden.function.name(),
        "implementation": outputs.implementation,
        "precision": outputs.precision.name(),
        "variant": outputs.variant.key(),
        "pass": report.failures.is_empty(),
        "judged": report.judged,
        "failed": report.failures.len(),
        "unconstrained_by_family": report.unconstrained,
        "worst": report.worst.as_ref().map(|w| json!({"id": w.id, "tol_units": ddpm_golden::golden::json_number::encode(w.verdict.tol_units)})),
        "failures": failures,
    })
}
