//! One module per subcommand; each exposes its clap arguments and a `run` returning the exit code.

pub mod audit;
pub mod eval;
pub mod export;
pub mod generate;
pub mod mutants;
pub mod output;
pub mod verify;
