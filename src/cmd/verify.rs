//! `ddpm-golden verify <golden.json> <outputs.json> [--specials strict|report] [--json REPORT]`: judge an
//! implementation's outputs.

use super::output::out;
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use ddpm_golden::golden::format::Tolerance;
use ddpm_golden::golden::format::{Case, GoldenFile};
use ddpm_golden::golden::json_number::encode;
use ddpm_golden::golden::judge::{intervals, Class};
use ddpm_golden::input::{echo, echo_within, path_name, read_input};
use ddpm_golden::verify::{parse_outputs, read_golden, verify, CaseVerdict, Outputs, Report, Specials};
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
    /// The special family (NaN or infinite inputs): judged like the others (strict), or reported
    /// without failing the run (report; for compiled or jitted ports).
    #[arg(long, value_enum, default_value_t = SpecialsArg::Strict)]
    specials: SpecialsArg,
    /// Also write the full report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// How many failures the table shows (all are in the JSON report).
    #[arg(long, default_value_t = 20)]
    show: usize,
}

/// `--specials`.
#[derive(Clone, Copy, ValueEnum)]
enum SpecialsArg {
    /// Special cases fail the run like any other.
    Strict,
    /// Special cases are reported and do not fail the run.
    Report,
}

/// Reads and parses a golden file (regular files within the size limit only), naming it in errors.
pub fn load_golden(path: &Path) -> Result<GoldenFile> {
    Ok(read_golden(&path_name(path), &read_input(path)?)?)
}

/// The width of the inputs column of the failure table, in characters.
const INPUTS_CHARS: usize = 40;
/// At most this many families get a line of the summary.
const FAMILY_LINES: usize = 12;

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
    let specials = match args.specials {
        SpecialsArg::Strict => Specials::Strict,
        SpecialsArg::Report => Specials::Report,
    };
    let report = verify(&golden, &outputs, specials)?;
    print_report(&golden, &outputs, &report, args.show)?;
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report_json(&golden, &outputs, &report))?;
        std::fs::write(path, text).with_context(|| format!("{}: cannot write", path_name(path)))?;
    }
    Ok(if report.failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The admissible interval of a case's worst value, as shown in the table ("-" where unconstrained).
fn interval_text(golden: &GoldenFile, outputs: &Outputs, f: &CaseVerdict) -> String {
    let case = &golden.cases[f.index];
    let Some(Tolerance::Bound(b)) = case.tolerance_for(outputs.precision, outputs.variant) else {
        return "-".into();
    };
    let all = intervals(&b.interval);
    // The first value outside its interval, else the first.
    let row = f
        .got
        .iter()
        .zip(&all)
        .position(|(&g, i)| !ddpm_golden::golden::judge::inside(i, outputs.precision.round(g)));
    match all.get(row.unwrap_or(0)) {
        Some(Some([lo, hi])) => format!("[{:.6e}, {:.6e}]", lo.0, hi.0),
        Some(None) => "nan".into(),
        None => "-".into(),
    }
}

/// The failure table (worst first, `limit` rows) of `rows`.
fn print_table(golden: &GoldenFile, outputs: &Outputs, rows: &[CaseVerdict], limit: usize) -> Result<()> {
    out!(
        "{:<56} {:<44} {:<24} {:<24} {:<29} {:>10} {:>10}",
        "id",
        "inputs",
        "expected",
        "got",
        "admissible interval",
        "ulps",
        "tol units"
    )?;
    for f in rows.iter().take(limit) {
        let case = &golden.cases[f.index];
        let expected = case
            .expected_for(golden.function, outputs.variant)
            .map(|e| serde_json::to_string(&e.value).unwrap_or_default());
        out!(
            "{:<56} {:<44} {:<24} {:<24} {:<29} {:>10.3e} {:>10}",
            echo(&f.id),
            inputs_text(case),
            echo(&expected.unwrap_or_default()),
            show(&f.got),
            interval_text(golden, outputs, f),
            f.verdict.ulps,
            if f.verdict.outside { "outside".to_string() } else { format!("{:.3e}", f.verdict.tol_units) }
        )?;
    }
    if rows.len() > limit {
        out!("… and {} more (see --json)", rows.len() - limit)?;
    }
    Ok(())
}

/// The failure table, the specials reported apart, and the summary: the verdict line, then one line
/// per family with its judged / interval-only / unconstrained counts. Every value from the files is
/// echoed escaped and bounded, so no file can forge a line of the report.
fn print_report(golden: &GoldenFile, outputs: &Outputs, report: &Report, limit: usize) -> Result<()> {
    if !report.failures.is_empty() {
        print_table(golden, outputs, &report.failures, limit)?;
    }
    if !report.reported_specials.is_empty() {
        out!("special cases reported without failing the run (--specials report):")?;
        print_table(golden, outputs, &report.reported_specials, limit)?;
    }
    let total = |class: Class| -> usize {
        report
            .families
            .values()
            .map(|c| match class {
                Class::Judged => c.judged,
                Class::IntervalOnly => c.interval_only,
                Class::Unconstrained => c.unconstrained,
            })
            .sum()
    };
    let not_applicable: usize = report.families.values().map(|c| c.not_applicable).sum();
    let skipped = if not_applicable > 0 {
        format!(", {not_applicable} not exact in {}", outputs.precision)
    } else {
        String::new()
    };
    let apart = if report.reported_specials.is_empty() {
        String::new()
    } else {
        format!("; {} special cases failed, reported apart", report.reported_specials.len())
    };
    let worst = report
        .worst
        .as_ref()
        .map_or("-".into(), |w| format!("{} ({:.3} tol units)", echo(&w.id), w.verdict.tol_units));
    out!(
        "{}: {} {} {} on {}: {} of {} cases failed (judged {}, interval-only {}, unconstrained {}{skipped}){apart}; worst {worst}",
        if report.failures.is_empty() { "PASS" } else { "FAIL" },
        echo(&outputs.implementation),
        outputs.precision,
        outputs.variant,
        golden.function,
        report.failures.len(),
        report.judged,
        total(Class::Judged),
        total(Class::IntervalOnly),
        total(Class::Unconstrained),
    )?;
    for (family, c) in report.families.iter().take(FAMILY_LINES) {
        out!(
            "  {:<16} judged {:>5}, interval-only {:>5}, unconstrained {:>5}, failed {:>5}{}",
            echo(family),
            c.judged,
            c.interval_only,
            c.unconstrained,
            c.failed,
            if c.not_applicable > 0 {
                format!(", not exact in {} {}", outputs.precision, c.not_applicable)
            } else {
                String::new()
            }
        )?;
    }
    if report.families.len() > FAMILY_LINES {
        out!("  … and {} more families (see --json)", report.families.len() - FAMILY_LINES)?;
    }
    Ok(())
}

fn failures_json(rows: &[CaseVerdict]) -> Vec<serde_json::Value> {
    rows.iter()
        .map(|f| {
            json!({
                "id": f.id,
                "family": f.family,
                "got": f.got.iter().map(|&v| encode(v)).collect::<Vec<_>>(),
                "outside_interval": f.verdict.outside,
                "abs_err": encode(f.verdict.abs_err),
                "ulps": encode(f.verdict.ulps),
                "tol_units": encode(f.verdict.tol_units),
            })
        })
        .collect()
}

fn report_json(golden: &GoldenFile, outputs: &Outputs, report: &Report) -> serde_json::Value {
    let families: serde_json::Map<String, serde_json::Value> = report
        .families
        .iter()
        .map(|(name, c)| {
            let counts = json!({
                "judged": c.judged,
                "interval_only": c.interval_only,
                "unconstrained": c.unconstrained,
                "not_applicable": c.not_applicable,
                "failed": c.failed,
            });
            (name.clone(), counts)
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
        "families": families,
        "worst": report.worst.as_ref().map(|w| json!({"id": w.id, "tol_units": encode(w.verdict.tol_units)})),
        "failures": failures_json(&report.failures),
        "reported_specials": failures_json(&report.reported_specials),
    })
}
