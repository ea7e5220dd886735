//! The `ddpm-golden` command line: evaluate, generate, verify and audit the likelihood helpers.

mod cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Reference values, golden tests and accuracy audits for the likelihood helpers of diffusion models.
#[derive(Parser)]
#[command(name = "ddpm-golden", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate one point with every variant in f32 and f64 (the everyday debugging tool).
    Eval(cmd::eval::EvalArgs),
    /// Write the golden files (or, with --check, verify that the committed ones are up to date).
    Generate(cmd::generate::GenerateArgs),
    /// Write a golden file's inputs as columns, for evaluating an implementation in one batch.
    Export(cmd::export::ExportArgs),
    /// Judge an implementation's outputs against a golden file (exit 0 pass, 1 fail, 2 unusable input).
    Verify(cmd::verify::VerifyArgs),
    /// Run the plausible port bugs against the goldens and write the kill table (docs/mutants.md).
    Mutants(cmd::mutants::MutantsArgs),
    /// Write the erf-vs-tanh accuracy report (docs/accuracy/); --exhaustive scans all float32 inputs.
    Audit(cmd::audit::AuditArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Eval(args) => cmd::eval::run(&args),
        Command::Generate(args) => cmd::generate::run(&args),
        Command::Export(args) => cmd::export::run(&args),
        Command::Verify(args) => cmd::verify::run(&args),
        Command::Mutants(args) => cmd::mutants::run(&args),
        Command::Audit(args) => cmd::audit::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
