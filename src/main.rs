//! The `ddpm-golden` command line: evaluate, generate, verify and audit the likelihood helpers.

mod cmd;

use clap::{Parser, Subcommand};
use ddpm_golden::input::echo_within;
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

/// The most characters of an error message (each value in it is cut at `input::ECHO_CHARS` already).
const MESSAGE_CHARS: usize = 1000;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version: clap's text on stdout.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        // A usage error echoes the arguments: its lines go out escaped like every other message.
        Err(e) => {
            let text = e.render().to_string();
            let lines: Vec<String> = text.trim_end().lines().map(|l| echo_within(l, MESSAGE_CHARS)).collect();
            cmd::output::note!("{}", lines.join("\n"));
            return ExitCode::from(2);
        }
    };
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
            // One line whatever the error carries: control characters escaped, length bounded.
            cmd::output::note!("error: {}", echo_within(&format!("{err:#}"), MESSAGE_CHARS));
            ExitCode::from(2)
        }
    }
}
