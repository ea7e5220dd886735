//! `ddpm-golden export <golden.json> [--out FILE]`: a golden file's inputs as columns for batch evaluation.

use super::output::out;
use anyhow::{Context, Result};
use clap::Args;
use ddpm_golden::golden::catalog::Inputs;
use ddpm_golden::golden::evaluate::case_inputs;
use ddpm_golden::golden::json_number::encode;
use ddpm_golden::input::path_name;
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `export`.
#[derive(Args)]
pub struct ExportArgs {
    /// A golden file.
    golden: PathBuf,
    /// Write here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `export`.
pub fn run(args: &ExportArgs) -> Result<ExitCode> {
    let golden = super::verify::load_golden(&args.golden)?;
    let file = path_name(&args.golden);
    let ids: Vec<&str> = golden.cases.iter().map(|c| c.id.as_str()).collect();
    let mut columns: Map<String, Value> = Map::new();
    let mut tensors = Vec::new();
    for case in &golden.cases {
        let inputs = case_inputs(golden.function, case).with_context(|| file.clone())?;
        if let Inputs::MeanFlat { shape, data } = &inputs {
            let data: Vec<Value> = data.values().into_iter().map(|v| encode(v.into())).collect();
            tensors.push(json!({"id": case.id, "shape": shape, "data": data}));
            continue;
        }
        for (name, v) in inputs.named_scalars() {
            if let Value::Array(col) = columns.entry(name).or_insert_with(|| Value::Array(Vec::new())) {
                col.push(encode(v.into()));
            }
        }
    }
    let inputs = if tensors.is_empty() { Value::Object(columns) } else { Value::Array(tensors) };
    let text =
        serde_json::to_string(&json!({"function": golden.function.name(), "ids": ids, "inputs": inputs}))?;
    match &args.out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("{}: cannot write", path_name(path)))?
        }
        None => out!("{text}")?,
    }
    Ok(ExitCode::SUCCESS)
}
