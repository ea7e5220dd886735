//! `ddpm-golden audit [--out docs/accuracy] [--exhaustive [--shard i/n]] [--check] [--seed N]` and
//! `ddpm-golden audit merge <shard files...>`: the erf-vs-tanh accuracy report.

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use ddpm_golden::audit::exhaustive::{self, Exhaustive, Shard};
use ddpm_golden::audit::{report, run as run_audit, Settings};
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

/// Writes `value` as pretty JSON.
fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<()> {
    let text = serde_json::to_string_pretty(value)? + "\n";
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Loads `exhaustive.json` from `dir` if present.
fn load_exhaustive(dir: &Path) -> Result<Option<Exhaustive>> {
    let path = exhaustive_path(dir);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    Ok(Some(
        serde_json::from_str(&text)
            .with_context(|| format!("{} is not an exhaustive result", path.display()))?,
    ))
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
    eprintln!("audit: {:.1} s (seed {})", timer.elapsed().as_secs_f64(), settings.seed);
    println!("{}\n", report::headline(&audit));
    if check {
        for (name, text) in &files {
            let path = out.join(name);
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            if &committed != text {
                eprintln!("{} is stale; run `cargo run --release -- audit` and commit", path.display());
                return Ok(ExitCode::from(1));
            }
        }
        eprintln!("{}: up to date", out.display());
        return Ok(ExitCode::SUCCESS);
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    for (name, text) in &files {
        let path = out.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    eprintln!("wrote {} files to {}", files.len(), out.display());
    Ok(ExitCode::SUCCESS)
}

/// Writes the merged exhaustive result and regenerates the report around it.
fn finish_exhaustive(out: &Path, seed: Option<u64>, shards: Vec<Shard>) -> Result<ExitCode> {
    let merged = exhaustive::merge(shards)?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    write_json(&exhaustive_path(out), &merged)?;
    eprintln!("exhaustive scan: {:.0} s wall; wrote {}", merged.wall_seconds, exhaustive_path(out).display());
    report(out, seed, false)
}

/// Runs `audit`.
pub fn run(args: &AuditArgs) -> Result<ExitCode> {
    if let Some(AuditCommand::Merge(m)) = &args.command {
        let shards = m
            .files
            .iter()
            .map(|p| {
                let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
                serde_json::from_str(&text).with_context(|| format!("{} is not a shard file", p.display()))
            })
            .collect::<Result<Vec<Shard>>>()?;
        return finish_exhaustive(&m.out, None, shards);
    }
    let r = &args.report;
    if !r.exhaustive {
        return report(&r.out, r.seed, r.check);
    }
    let (i, n) = r.shard.unwrap_or((0, 1));
    let shard = exhaustive::scan_shard(i, n)?;
    eprintln!("shard {i}/{n}: {:.0} s on {} threads", shard.seconds, shard.threads);
    if n == 1 {
        return finish_exhaustive(&r.out, r.seed, vec![shard]);
    }
    std::fs::create_dir_all(&r.out).with_context(|| format!("creating {}", r.out.display()))?;
    let path = r.out.join(format!("exhaustive-shard-{i}-of-{n}.json"));
    write_json(&path, &shard)?;
    eprintln!(
        "wrote {}; when all {n} shards are done: ddpm-golden audit merge <the {n} files>",
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}
