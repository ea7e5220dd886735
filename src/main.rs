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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Eval(args) => cmd::eval::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
