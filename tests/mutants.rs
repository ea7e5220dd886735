//! The suite's power: every plausible port bug fails the committed goldens in every precision it claims,
//! the probability-floor mutants each fail at least 100 float32 cases outside the special family, and
//! the committed kill table (docs/mutants.md) is what the code produces. Correct implementations passing
//! is tested in tests/golden.rs (Rust) and python/tests (NumPy, PyTorch and JAX ports through the Python
//! package).

use ddpm_golden::functions::Precision;
use ddpm_golden::golden::format::GoldenFile;
use ddpm_golden::verify::kill_table::kill_table_markdown;
use ddpm_golden::verify::mutants::{kill_table, Mutant};
use ddpm_golden::Function;

fn load_all() -> Vec<GoldenFile> {
    Function::ALL
        .iter()
        .map(|f| {
            let path = format!("{}/golden/{}.json", env!("CARGO_MANIFEST_DIR"), f.name());
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
        })
        .collect()
}

#[test]
fn every_mutant_is_killed_in_every_precision_it_is_a_bug_in_and_the_table_is_current() {
    let rows = kill_table(&load_all());
    for mutant in Mutant::ALL {
        for &precision in mutant.precisions() {
            let killed = rows.iter().any(|k| k.mutant == mutant && k.precision == precision && k.killed());
            assert!(killed, "mutant {} survives in {precision}", mutant.name());
        }
    }
    for floor in [Mutant::Floor1e7, Mutant::Floor1e10, Mutant::Floor1e15] {
        let f32_kills = rows
            .iter()
            .filter(|k| k.mutant == floor && k.precision == Precision::F32)
            .map(|k| k.killed_by.len())
            .sum::<usize>();
        assert!(f32_kills >= 100, "{}: killed by {f32_kills} non-special f32 cases (< 100)", floor.name());
    }
    let committed =
        std::fs::read_to_string(format!("{}/docs/mutants.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    assert_eq!(
        committed,
        kill_table_markdown(&rows),
        "docs/mutants.md is stale: run `cargo run --release -- mutants`"
    );
}
