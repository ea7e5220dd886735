//! Section 2, the exhaustive float32 scan: the proven maxima of both f32 CDFs, where each becomes exactly
//! 0 and 1, monotonicity, NaN and infinities; a pointer to the command while no scan is committed.

use super::super::exhaustive::{Edge, Exhaustive, Judged, VariantResult, Worst};
use super::cdf::{judged_table, JudgedRow};
use super::cells::{input, num, or_dash};
use super::table::Table;
use super::template;
use crate::Error;

impl JudgedRow {
    /// The row of a proven judgement (its maxima re-judged by the reference).
    fn proven(name: String, j: &Judged) -> JudgedRow {
        let worst = |w: &Option<Worst>| {
            (or_dash(w.as_ref(), |w| num(w.reference_error.0)), or_dash(w.as_ref(), |w| input(w.z)))
        };
        JudgedRow {
            name,
            worst: [worst(&j.ulps), worst(&j.abs), worst(&j.log)],
            flushed_to_zero: j.flushed_to_zero,
            flushed_to_one: j.flushed_to_one,
        }
    }
}

/// Where a CDF becomes exactly 0 or 1, flagged when the set is not a half-line.
fn edge(e: &Edge) -> String {
    let z = e.z.map_or("never".into(), input);
    if e.clean {
        z
    } else {
        z + " (not a clean half-line)"
    }
}

/// The exhaustive section.
pub(super) fn render(ex: Option<&Exhaustive>) -> Result<String, Error> {
    let Some(ex) = ex else { return template::fill("exhaustive_not_run", &[]) };
    let judged = ex.variants.iter().flat_map(|v| {
        let against =
            std::iter::once(("Phi", &v.vs_phi)).chain(v.vs_formula.as_ref().map(|j| ("own formula", j)));
        against.map(move |(truth, j)| JudgedRow::proven(format!("{} f32 vs {truth}", v.cdf), j))
    });
    let edges = Table::<&VariantResult>::new()
        .column("CDF", |v| format!("{} f32", v.cdf))
        .column("F = 0 for z <=", |v| edge(&v.zero))
        .column("true Phi there", |v| or_dash(v.zero.true_tail, |t| num(t.0)))
        .column("F = 1 for z >=", |v| edge(&v.one))
        .column("true 1 - Phi", |v| or_dash(v.one.true_tail, |t| num(t.0)))
        .column("decreasing steps", |v| match &v.max_drop {
            Some(d) => format!("{} (largest {} at z = {})", v.decreases, num(d.by.0), input(d.z)),
            None => "0".into(),
        })
        .column("NaN in", |v| format!("{} of {} NaN", v.nan_outputs, v.nan_inputs))
        .column("F(-inf) / F(inf)", |v| {
            format!("{} / {}", num(v.at_infinities.0 .0), num(v.at_infinities.1 .0))
        })
        .render(&ex.variants);
    let threads: Vec<String> = ex.threads.iter().map(usize::to_string).collect();
    let (bound_abs, bound_ulps, bound_log) = ex.shortcut_bounds;
    template::fill(
        "exhaustive",
        &[
            ("wall_seconds", format!("{:.0}", ex.wall_seconds)),
            ("shards", ex.shards.to_string()),
            ("threads", threads.join("+")),
            ("total_seconds", format!("{:.0}", ex.total_seconds)),
            ("bound_abs", num(bound_abs)),
            ("bound_ulps", num(bound_ulps)),
            ("bound_log", num(bound_log)),
            ("judged_table", judged_table(judged)),
            ("edges_table", edges),
        ],
    )
}
