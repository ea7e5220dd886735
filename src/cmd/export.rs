//! `ddpm-golden export <golden.json> [--out FILE]`: a golden file's inputs as columns for batch evaluation
//! (`ids` and `inputs`), tensors for `mean_flat`, and the calls with arguments of their own shapes
//! (`calls`: `normal_kl`'s broadcast cases, a 0-d argument written as a plain number).

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
    let mut ids: Vec<&str> = Vec::new();
    let mut columns: Map<String, Value> = Map::new();
    let mut tensors = Vec::new();
    let mut calls = Vec::new();
    for case in &golden.cases {
        let inputs = case_inputs(golden.function, case).with_context(|| file.clone())?;
        match &inputs {
            Inputs::MeanFlat { shape, data } => {
                let data: Vec<Value> = data.values().into_iter().map(|v| encode(v.into())).collect();
                ids.push(&case.id);
                tensors.push(json!({"id": case.id, "shape": shape, "data": data}));
                continue;
            }
            Inputs::NormalKlBroadcast(ops) => {
                let args: Map<String, Value> = golden
                    .function
                    .inputs()
                    .iter()
                    .zip(ops)
                    .map(|(name, o)| {
                        let arg = if o.shape.is_empty() {
                            encode(o.data[0].into())
                        } else {
                            let data: Vec<Value> = o.data.iter().map(|&v| encode(v.into())).collect();
                            json!({"shape": o.shape, "data": data})
                        };
                        (name.to_string(), arg)
                    })
                    .collect();
                calls.push(json!({"id": case.id, "args": args}));
                continue;
            }
            _ => ids.push(&case.id),
        }
        for (name, v) in inputs.named_scalars() {
            if let Value::Array(col) = columns.entry(name).or_insert_with(|| Value::Array(Vec::new())) {
                col.push(encode(v.into()));
            }
        }
    }
    let inputs = if tensors.is_empty() { Value::Object(columns) } else { Value::Array(tensors) };
    let mut document = json!({"function": golden.function.name(), "ids": ids, "inputs": inputs});
    if !calls.is_empty() {
        document["calls"] = Value::Array(calls);
    }
    let text = serde_json::to_string(&document)?;
    match &args.out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("{}: cannot write", path_name(path)))?
        }
        None => out!("{text}")?,
    }
    Ok(ExitCode::SUCCESS)
}
