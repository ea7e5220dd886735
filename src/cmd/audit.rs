//! `ddpm-golden audit [--out docs/accuracy] [--exhaustive [--shard i/n]] [--check] [--seed N]` and
//! `ddpm-golden audit merge <shard files...>`: the erf-vs-tanh accuracy report.

use super::output::{note, out};
use anyhow::{anyhow, Context, Result};
use clap::{Args, Subcommand};
use ddpm_golden::audit::exhaustive::{self, Exhaustive, Shard};
use ddpm_golden::audit::{merge, report, run as run_audit, Settings};
use ddpm_golden::input::{echo_within, path_name, read_input};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of `audit`.
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: Option<AuditCommand>,
    #[command(flatten)]
    report: ReportArgs,
}

/// `audit` subcommands.
#[derive(Subcommand)]
enum AuditCommand {
    /// Merge the shard files of an exhaustive scan into exhaustive.json and regenerate the report.
    Merge(MergeArgs),
}

/// Arguments of the report run.
#[derive(Args)]
struct ReportArgs {
    /// Directory of report.md, summary.json, the plots and exhaustive.json.
    #[arg(long, default_value = "docs/accuracy")]
    out: PathBuf,
    /// Seed of the sampled sweeps (the committed report uses the default).
    #[arg(long)]
    seed: Option<u64>,
    /// Also scan all 2^32 float32 inputs of both f32 CDF variants (under a minute on two idle cores).
    #[arg(long)]
    exhaustive: bool,
    /// Scan only shard i of n (e.g. 0/4) and write its result file; merge with `audit merge`.
    #[arg(long, requires = "exhaustive", value_parser = parse_shard)]
    shard: Option<(u32, u32)>,
    /// Regenerate in memory and fail (exit 1) if the files in --out differ.
    #[arg(long, conflicts_with = "exhaustive")]
    check: bool,
}

/// Arguments of `audit merge`.
#[derive(Args)]
struct MergeArgs {
    /// Shard result files (all shards of one split).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Directory of the report (exhaustive.json is written there).
    #[arg(long, default_value = "docs/accuracy")]
    out: PathBuf,
}

/// Parses `i/n`.
fn parse_shard(s: &str) -> Result<(u32, u32), String> {
    let (i, n) = s.split_once('/').ok_or("expected i/n, e.g. 0/4")?;
    let (i, n): (u32, u32) = (i.parse().map_err(|e| format!("{e}"))?, n.parse().map_err(|e| format!("{e}"))?);
    if n == 0 || i >= n {
        return Err(format!("need 0 <= i < n, got {i}/{n}"));
    }
    Ok((i, n))
}

/// The exhaustive result file in `dir`.
fn exhaustive_path(dir: &Path) -> PathBuf {
    dir.join("exhaustive.json")
}

/// Writes `value` as pretty JSON, through a temporary file renamed into place only once the text is
/// complete and reads back as a `T` (a value JSON cannot hold, such as NaN, never reaches `path`).
fn write_json<T: serde::Serialize + serde::de::DeserializeOwned>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)? + "\n";
    serde_json::from_str::<T>(&text)
        .with_context(|| format!("{}: the result does not read back, not written", path_name(path)))?;
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, text).with_context(|| format!("writing {}", path_name(&temporary)))?;
    std::fs::rename(&temporary, path)
        .with_context(|| format!("renaming {} into place", path_name(&temporary)))
}

/// Reads a JSON file of type `T` (a regular file within the input size limit).
fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T> {
    let text = read_input(path)?;
    serde_json::from_str(&text)
        .map_err(|e| anyhow!("{} is not {what}: {}", path_name(path), echo_within(&e.to_string(), 200)))
}

/// `exhaustive.json` from `dir` if present (`None` inside: written in another format), with the reasons
/// it cannot be used (empty: it is current).
fn load_exhaustive(dir: &Path) -> Result<Option<(Option<Exhaustive>, Vec<String>)>> {
    let path = exhaustive_path(dir);
    if !path.exists() {
        return Ok(None);
    }
    let value: serde_json::Value = read_json(&path, "JSON")?;
    // Another format (an older scan) is stale, not unusable input: name it before reading the fields.
    if value.get("format").and_then(|f| f.as_str()) != Some(exhaustive::FORMAT) {
        let format = echo_within(&value["format"].to_string(), 80);
        let problem = format!("format is {format}, this binary writes '{}'", exhaustive::FORMAT);
        return Ok(Some((None, vec![problem])));
    }
    let ex: Exhaustive = serde_json::from_value(value).map_err(|e| {
        anyhow!("{} is not an exhaustive result: {}", path_name(&path), echo_within(&e.to_string(), 200))
    })?;
    let problems = exhaustive::problems(&ex)?;
    Ok(Some((Some(ex), problems)))
}

/// Prints `text` (lines) on stdout.
fn out_text(text: &str) -> Result<()> {
    text.lines().try_for_each(|line| out!("{line}"))
}

/// How to bring `exhaustive.json` up to date.
const REGENERATE: &str =
    "regenerate it with `cargo run --release -- audit --exhaustive` (about 2 minutes on two cores) and commit";

/// The line of `path`'s problems, for stderr.
fn describe(path: &Path, problems: &[String]) -> String {
    let lines: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
    format!("{} is stale or edited:\n{}\n{REGENERATE}", path_name(path), lines.join("\n"))
}

/// The first line where `new` and `old` differ (1-based).
fn first_difference(new: &str, old: &str) -> usize {
    let same = new.lines().zip(old.lines()).take_while(|(a, b)| a == b).count();
    same + 1
}

/// Runs the quick audit and writes (or checks) the report in `out`.
fn report(out: &Path, seed: Option<u64>, check: bool) -> Result<ExitCode> {
    let mut settings = Settings::quick();
    if let Some(seed) = seed {
        settings.seed = seed;
    }
    // The exhaustive result first: a stale or edited one fails --check before the quick audit runs.
    let exhaustive = match load_exhaustive(out)? {
        None => None,
        Some((ex, problems)) => {
            if !problems.is_empty() {
                note!("{}", describe(&exhaustive_path(out), &problems));
                if check {
                    return Ok(ExitCode::from(1));
                }
                // Another format cannot be rendered; a stale result can, and --check keeps failing.
                if ex.is_none() {
                    return Ok(ExitCode::from(2));
                }
                note!("writing the report with it anyway; `audit --check` fails until it is regenerated");
            }
            ex
        }
    };
    let timer = Instant::now();
    let audit = run_audit(&settings, exhaustive)?;
    let files = report::files(&audit)?;
    note!("audit: {:.1} s (seed {})", timer.elapsed().as_secs_f64(), settings.seed);
    out_text(&report::headline(&audit))?;
    out!("")?;
    if check {
        for (name, text) in &files {
            let path = out.join(name);
            let committed = read_input(&path).unwrap_or_default();
            if &committed != text {
                note!(
                    "{} is stale (first difference at line {}); run `cargo run --release -- audit` and commit",
                    path.display(),
                    first_difference(text, &committed)
                );
                return Ok(ExitCode::from(1));
            }
        }
        note!("{}: up to date", out.display());
        return Ok(ExitCode::SUCCESS);
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    for (name, text) in &files {
        let path = out.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    note!("wrote {} files to {}", files.len(), out.display());
    Ok(ExitCode::SUCCESS)
}

/// Writes the merged exhaustive result and regenerates the report around it.
fn finish_exhaustive(out: &Path, seed: Option<u64>, shards: Vec<Shard>) -> Result<ExitCode> {
    let merged = merge::merge(shards)?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    write_json(&exhaustive_path(out), &merged)?;
    note!("exhaustive scan: {:.0} s wall; wrote {}", merged.wall_seconds, exhaustive_path(out).display());
    let tc = &merged.truth_check;
    note!("truth check: engine within {} f64 ulps of the reference on {} inputs", tc.max_ulps(), tc.points);
    report(out, seed, false)
}

/// Runs `audit`.
pub fn run(args: &AuditArgs) -> Result<ExitCode> {
    if let Some(AuditCommand::Merge(m)) = &args.command {
        let shards = m.files.iter().map(|p| read_json(p, "a shard file")).collect::<Result<Vec<Shard>>>()?;
        return finish_exhaustive(&m.out, None, shards);
    }
    let r = &args.report;
    if !r.exhaustive {
        return report(&r.out, r.seed, r.check);
    }
    let (i, n) = r.shard.unwrap_or((0, 1));
    let shard = exhaustive::scan_shard(i, n)?;
    note!("shard {i}/{n}: {:.0} s on {} threads", shard.seconds, shard.threads);
    if n == 1 {
        return finish_exhaustive(&r.out, r.seed, vec![shard]);
    }
    std::fs::create_dir_all(&r.out).with_context(|| format!("creating {}", r.out.display()))?;
    let path = r.out.join(format!("exhaustive-shard-{i}-of-{n}.json"));
    write_json(&path, &shard)?;
    note!("wrote {}; when all {n} shards are done: ddpm-golden audit merge <the {n} files>", path.display());
    Ok(ExitCode::SUCCESS)
}
