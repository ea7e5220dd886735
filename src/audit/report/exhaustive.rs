//! Section 2, the exhaustive float32 scan: the maxima of both f32 CDFs over every input (located by the f64
//! engine, marked so in their cells), the engine against the reference, where each CDF becomes exactly 0
//! and 1, monotonicity, NaN and infinities; a pointer to the command while no scan is committed.

use super::super::exhaustive::{Edge, Exhaustive, Judged, TruthOff, VariantResult, Worst};
use super::cdf::{judged_table, JudgedRow};
use super::cells::{input, judged, marked, num, or_dash};
use super::table::Table;
use super::template;
use crate::Error;

impl JudgedRow {
    /// The row of an exhaustive judgement (maxima located by its truth, valued by the reference).
    fn exhaustive(name: String, j: &Judged) -> JudgedRow {
        let worst = |w: &Option<Worst>| {
            (
                or_dash(w.as_ref(), |w| judged(w.reference_error.0, j.truth)),
                or_dash(w.as_ref(), |w| input(w.z)),
            )
        };
        JudgedRow {
            name,
            worst: [worst(&j.ulps), worst(&j.abs), worst(&j.log)],
            flushed_to_zero: marked(j.flushed_to_zero.to_string(), j.truth),
            flushed_to_one: marked(j.flushed_to_one.to_string(), j.truth),
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
        against.map(move |(truth, j)| JudgedRow::exhaustive(format!("{} f32 vs {truth}", v.cdf), j))
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
    let tc = &ex.truth_check;
    let off = |o: &Option<TruthOff>| {
        or_dash(o.as_ref(), |o| format!("{} f64 ulps (at z = {})", num(o.ulps.0), input(o.z)))
    };
    let n = tc.max_ulps();
    template::fill(
        "exhaustive",
        &[
            ("truth_label", truth_label(ex)),
            ("truth_points", tc.points.to_string()),
            ("truth_stride", tc.stride.to_string()),
            ("truth_phi", off(&tc.phi)),
            ("truth_formula", off(&tc.formula)),
            ("margin_abs", num(2.0 * n * f64::EPSILON)),
            ("libm", ex.fingerprint.libm.clone()),
            (
                "sources",
                ex.fingerprint.sources.keys().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", "),
            ),
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

/// What the exhaustive maxima were judged against, e.g. "exhaustive vs the f64 engine, engine within 2.1
/// f64 ulps of the reference on 530000 inputs" (the label of every row and section that shows them).
pub(super) fn truth_label(ex: &Exhaustive) -> String {
    let tc = &ex.truth_check;
    format!(
        "exhaustive vs the f64 engine, engine within {} f64 ulps of the reference on {} inputs",
        num(tc.max_ulps()),
        tc.points
    )
}
