//! `ddpm-golden mutants [--golden DIR] [--out FILE]`: run every plausible port bug against the goldens
//! and write the kill table (docs/mutants.md). Exit 1 if any mutant survives.

use super::output::note;
use anyhow::{Context, Result};
use clap::Args;
use ddpm_golden::verify::kill_table::kill_table_markdown;
use ddpm_golden::verify::mutants::kill_table;
use ddpm_golden::Function;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `mutants`.
#[derive(Args)]
pub struct MutantsArgs {
    /// Directory of the golden files.
    #[arg(long, default_value = "golden")]
    golden: PathBuf,
    /// Where to write the kill table.
    #[arg(long, default_value = "docs/mutants.md")]
    out: PathBuf,
}

/// Runs `mutants`.
pub fn run(args: &MutantsArgs) -> Result<ExitCode> {
    let files = Function::ALL
        .iter()
        .map(|f| super::verify::load_golden(&super::generate::path_of(&args.golden, *f)))
        .collect::<Result<Vec<_>>>()?;
    let rows = kill_table(&files);
    std::fs::write(&args.out, kill_table_markdown(&rows))
        .with_context(|| format!("{}: cannot write", args.out.display()))?;
    let survivors: Vec<String> = rows
        .iter()
        .filter(|k| !k.killed())
        .map(|k| format!("{} ({})", k.mutant.name(), k.precision))
        .collect();
    note!("wrote {}: {} mutant runs, {} survived", args.out.display(), rows.len(), survivors.len());
    if survivors.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    note!("surviving mutants: {}", survivors.join(", "));
    Ok(ExitCode::from(1))
}
