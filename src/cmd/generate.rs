//! `ddpm-golden generate [--out golden/] [--check]`: write every golden file, or check the committed ones.

use anyhow::{Context, Result};
use clap::Args;
use ddpm_golden::golden::format::GoldenFile;
use ddpm_golden::golden::generate::{build, to_text};
use ddpm_golden::Function;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `generate`.
#[derive(Args)]
pub struct GenerateArgs {
    /// Directory of the golden files.
    #[arg(long, default_value = "golden")]
    out: PathBuf,
    /// Regenerate in memory and fail (exit 1), naming the first differing case, if the files differ.
    #[arg(long)]
    check: bool,
}

/// The commit of the working tree, if git knows it.
fn git_commit() -> Option<String> {
    let out = std::process::Command::new("git").args(["rev-parse", "HEAD"]).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

/// Builds one file with a progress bar on stderr (hidden when stderr is not a terminal).
fn build_with_progress(function: Function, commit: Option<String>) -> GoldenFile {
    let count = ddpm_golden::golden::catalog::cases(function, ddpm_golden::golden::generate::SEED).len();
    let bar = ProgressBar::new(count as u64).with_message(function.name());
    bar.set_style(
        ProgressStyle::with_template("{msg:>36} [{bar:30}] {pos}/{len} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let file = build(function, commit, &|| bar.inc(1));
    bar.finish_and_clear();
    file
}

/// The file name of `function`'s goldens in `dir`.
pub fn path_of(dir: &Path, function: Function) -> PathBuf {
    dir.join(format!("{}.json", function.name()))
}

/// Runs `generate`.
pub fn run(args: &GenerateArgs) -> Result<ExitCode> {
    let commit = git_commit();
    let mut stale = Vec::new();
    for function in Function::ALL {
        let path = path_of(&args.out, function);
        if !args.check {
            let file = build_with_progress(function, commit.clone());
            std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
            std::fs::write(&path, to_text(&file)).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {} ({} cases)", path.display(), file.cases.len());
            continue;
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let committed: GoldenFile = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a valid golden file", path.display()))?;
        // The commit is the one field a file cannot reproduce; take it from the committed file.
        let fresh = build_with_progress(function, committed.provenance.git_commit.clone());
        if to_text(&fresh) == text {
            eprintln!("{}: up to date ({} cases)", path.display(), fresh.cases.len());
            continue;
        }
        let first = first_difference(&committed, &fresh);
        eprintln!("{}: differs from a fresh generation at {first}", path.display());
        stale.push(path);
    }
    if stale.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("{} golden file(s) are stale; run `cargo run --release -- generate` and commit", stale.len());
    Ok(ExitCode::from(1))
}

/// Where two versions of a file first differ: a case id, or a top-level field.
fn first_difference(old: &GoldenFile, new: &GoldenFile) -> String {
    for (a, b) in old.cases.iter().zip(&new.cases) {
        if a != b {
            return format!("case '{}'", b.id);
        }
    }
    if old.cases.len() != new.cases.len() {
        return format!("the case count ({} committed, {} generated)", old.cases.len(), new.cases.len());
    }
    if old.provenance != new.provenance {
        return "provenance".into();
    }
    "formatting (the values agree; regenerate to restore the canonical text)".into()
}
