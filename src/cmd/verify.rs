//! `ddpm-golden verify <golden.json> <outputs.json> [--json REPORT]`: judge an implementation's outputs.

use super::output::out;
use anyhow::{Context, Result};
use clap::Args;
use ddpm_golden::golden::format::{Case, GoldenFile};
use ddpm_golden::input::{echo, echo_within, path_name, read_input};
use ddpm_golden::verify::{parse_outputs, read_golden, verify, Outputs, Report};
use serde_json::json;
use std::path::{Path, PathBuf};
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

/// Reads and parses a golden file (regular files within the size limit only), naming it in errors.
pub fn load_golden(path: &Path) -> Result<GoldenFile> {
    Ok(read_golden(&path_name(path), &read_input(path)?)?)
}

/// The width of the inputs column of the failure table, in characters.
const INPUTS_CHARS: usize = 40;

fn inputs_text(case: &Case) -> String {
    let parts: Vec<String> = case
        .inputs
        .iter()
        .map(|(k, v)| {
            let text = serde_json::to_string(v).unwrap_or_default();
            format!("{}={}", echo(k), echo_within(&text, INPUTS_CHARS))
        })
        .collect();
    parts.join(" ")
}

fn show(v: &[f64]) -> String {
    let parts: Vec<String> = v.iter().map(|x| format!("{x:e}")).collect();
    echo(&parts.join(","))
}

/// Runs `verify`: exit 0 all pass, 1 some case failed, 2 (via the caller) unusable files or nothing
/// judged.
pub fn run(args: &VerifyArgs) -> Result<ExitCode> {
    let golden = load_golden(&args.golden)?;
    let outputs = parse_outputs(&path_name(&args.outputs), &read_input(&args.outputs)?, &golden)?;
    let report = verify(&golden, &outputs)?;
    print_report(&golden, &outputs, &report, args.show)?;
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report_json(&golden, &outputs, &report))?;
        std::fs::write(path, text)
            .with_context(|| format!("{}: cannot write the report", path_name(path)))?;
    }
    Ok(if report.failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The failure table (worst first, `limit` rows) and the summary line; every value from the files is
/// echoed escaped and bounded, so no file can forge a line of the report.
fn print_report(golden: &GoldenFile, outputs: &Outputs, report: &Report, limit: usize) -> Result<()> {
    if !report.failures.is_empty() {
        out!(
            "{:<56} {:<44} {:<24} {:<24} {:>10} {:>10}",
            "id",
            "inputs",
            "expected",
            "got",
            "ulps",
            "tol units"
        )?;
        for f in report.failures.iter().take(limit) {
            let case = &golden.cases[f.index];
            let expected = case
                .expected_for(golden.function, outputs.variant)
                .map(|e| serde_json::to_string(&e.value).unwrap_or_default());
            out!(
                "{:<56} {:<44} {:<24} {:<24} {:>10.3e} {:>10.3e}",
                echo(&f.id),
                inputs_text(case),
                echo(&expected.unwrap_or_default()),
                show(&f.got),
                f.verdict.ulps,
                f.verdict.tol_units
            )?;
        }
        if report.failures.len() > limit {
            out!("… and {} more (see --json)", report.failures.len() - limit)?;
        }
    }
    let free: Vec<String> = report
        .unconstrained
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(fam, n)| format!("{} {n}", echo(fam)))
        .collect();
    let free = if free.is_empty() { "none".to_string() } else { free.join(", ") };
    let worst = report
        .worst
        .as_ref()
        .map_or("-".into(), |w| format!("{} ({:.3} tol units)", echo(&w.id), w.verdict.tol_units));
    out!(
        "{}: {} {} {} on {}: {} of {} judged cases failed; unconstrained in {}: {free}; worst {worst}",
        if report.failures.is_empty() { "PASS" } else { "FAIL" },
        echo(&outputs.implementation),
        outputs.precision,
        outputs.variant,
        golden.function,
        report.failures.len(),
        report.judged,
        outputs.precision,
    )
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
