//! `ddpm-golden generate [--out golden/] [--check]`: write every golden file, or check the committed ones.

use super::output::note;
use anyhow::{anyhow, Context, Result};
use clap::Args;
use ddpm_golden::golden::format::GoldenFile;
use ddpm_golden::golden::generate::{build, to_text};
use ddpm_golden::input::{echo, echo_within, path_name, read_input};
use ddpm_golden::Function;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
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
    if !args.check {
        for function in Function::ALL {
            let path = path_of(&args.out, function);
            let file = build_with_progress(function, commit.clone());
            std::fs::create_dir_all(&args.out)
                .with_context(|| format!("creating {}", path_name(&args.out)))?;
            std::fs::write(&path, to_text(&file)).with_context(|| format!("writing {}", path_name(&path)))?;
            note!("wrote {} ({} cases)", path_name(&path), file.cases.len());
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Every committed file is read first, so that an unusable one is refused before the generation.
    let mut committed = Vec::new();
    for function in Function::ALL {
        let path = path_of(&args.out, function);
        let text = read_input(&path)?;
        // Typed parsing refuses a duplicate key (serde's derived structs and the format's maps).
        let file: GoldenFile = serde_json::from_str(&text).map_err(|e| {
            anyhow!("{} is not a valid golden file: {}", path_name(&path), echo_within(&e.to_string(), 200))
        })?;
        committed.push((function, path, text, file));
    }
    let mut stale = Vec::new();
    for (function, path, text, file) in committed {
        // The commit is the one field a file cannot reproduce; take it from the committed file.
        let fresh = to_text(&build_with_progress(function, file.provenance.git_commit.clone()));
        if fresh == text {
            note!("{}: up to date ({} cases)", path_name(&path), file.cases.len());
            continue;
        }
        let first = first_difference(&text, &fresh);
        note!("{}: differs from a fresh generation at {first}", path_name(&path));
        stale.push(path);
    }
    if stale.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    note!("{} golden file(s) are stale; run `cargo run --release -- generate` and commit", stale.len());
    Ok(ExitCode::from(1))
}

/// Where two texts of a golden file first differ, in file order: a field path such as
/// `provenance.case_count` or `cases["grid/z=+1"].expected.erf.value`. The texts are compared as parsed
/// JSON, where NaN is the string "nan" and so equal to itself; equal values mean only the formatting
/// differs.
fn first_difference(committed: &str, fresh: &str) -> String {
    let parse = |t: &str| serde_json::from_str::<Value>(t).unwrap_or(Value::Null);
    match difference(&parse(committed), &parse(fresh)) {
        Some(path) => path.trim_start_matches('.').to_string(),
        None => "formatting (the values agree; regenerate to restore the canonical text)".into(),
    }
}

/// The path of the first difference between two JSON values (objects in the committed key order).
fn difference(old: &Value, new: &Value) -> Option<String> {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, va) in a {
                match b.get(key) {
                    None => return Some(format!(".{} (not generated)", echo(key))),
                    Some(vb) => {
                        if let Some(rest) = difference(va, vb) {
                            return Some(format!(".{}{rest}", echo(key)));
                        }
                    }
                }
            }
            let missing = b.keys().find(|k| !a.contains_key(*k))?;
            Some(format!(".{} (missing)", echo(missing)))
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                if let Some(rest) = difference(va, vb) {
                    let at = match vb.get("id").and_then(Value::as_str) {
                        Some(id) => format!("[\"{}\"]", echo(id)),
                        None => format!("[{i}]"),
                    };
                    return Some(format!("{at}{rest}"));
                }
            }
            (a.len() != b.len()).then(|| format!(" (length: {} committed, {} generated)", a.len(), b.len()))
        }
        _ => (old != new).then(String::new),
    }
}
