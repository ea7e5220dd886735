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
    /// Also scan all 2^32 float32 inputs of both f32 CDF variants (1-2 minutes on two cores).
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

/// Loads `exhaustive.json` from `dir` if present.
fn load_exhaustive(dir: &Path) -> Result<Option<Exhaustive>> {
    let path = exhaustive_path(dir);
    if !path.exists() {
        return Ok(None);
    }
    read_json(&path, "an exhaustive result").map(Some)
}

/// Prints `text` (lines) on stdout.
fn out_text(text: &str) -> Result<()> {
    text.lines().try_for_each(|line| out!("{line}"))
}

/// Runs the quick audit and writes (or checks) the report in `out`.
fn report(out: &Path, seed: Option<u64>, check: bool) -> Result<ExitCode> {
    let mut settings = Settings::quick();
    if let Some(seed) = seed {
        settings.seed = seed;
    }
    let timer = Instant::now();
    let audit = run_audit(&settings, load_exhaustive(out)?)?;
    let files = report::files(&audit)?;
    note!("audit: {:.1} s (seed {})", timer.elapsed().as_secs_f64(), settings.seed);
    out_text(&report::headline(&audit))?;
    out!("")?;
    if check {
        for (name, text) in &files {
            let path = out.join(name);
            let committed = read_input(&path).unwrap_or_default();
            if &committed != text {
                note!("{} is stale; run `cargo run --release -- audit` and commit", path.display());
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
