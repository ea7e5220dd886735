//! The exhaustive float32 scan: every one of the 2^32 inputs of both f32 CDF variants (`scan.rs`), its
//! figures resolved to inputs and valued by the reference (here), fingerprinted and checked
//! (`fingerprint.rs`). What the figures rest on:
//!
//! - evaluation of every input alone, no truth involved (proven): where each variant is exactly 0 and 1
//!   and whether those sets are half-lines, monotonicity, NaN handling, F at the infinities;
//! - the scan's truth, the f64 engine ([`Truth::Engine`]): which inputs are worst and the flush counts.
//!   Each maximum is then valued by the reference at the input found. The engine is compared with the
//!   reference on every [`TRUTH_STRIDE`]-th input it judged ([`TruthCheck`]): a measurement, not a proof.
//!   If its error is at most N f64 ulps everywhere, no input's absolute or log error exceeds the reported
//!   maximum by more than 2N f64 ulps of the true value (the engine can misrank two inputs only by that
//!   much); the ulps measure changes scale at powers of two, so there the margin is a factor of 2 for a
//!   true value within N f64 ulps of one, and a flush count can change only for a true value within N
//!   f64 ulps of a rounding threshold (2^-150, 1 - 2^-25).

mod fingerprint;
mod scan;
mod tally;

pub use fingerprint::{compare, problems, results_sha256, Fingerprint, SOURCES};
pub use scan::{float_of_key, key_of_float, scan_shard, truth, Shard, SHORTCUT_BOUNDS};
pub(crate) use tally::{merge_pair, overflow};
pub use tally::{ulps_off, Max, Maxima, TruthScan, VariantScan, TRUTH_STRIDE};

use super::cdf::{error, reference_truth, Measure};
use super::stats::{worse, Label, Truth};
use super::Precision;
use crate::golden::json_number::JsonF64;
use crate::reference::{self, Variant};
use crate::{Cdf, Error};
use serde::{Deserialize, Serialize};

/// Format tag of shard files and of `exhaustive.json` (v2: fingerprint, checksum, truth check).
pub const FORMAT: &str = "ddpm-golden exhaustive float32 scan v2";

/// A maximum located against the scan's truth, with its input, valued by the reference.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Worst {
    /// The error against the scan's truth (engine).
    pub error: JsonF64,
    /// The input.
    pub z: f32,
    /// The f32 result there.
    pub computed: f32,
    /// The error recomputed against the arbitrary-precision reference.
    pub reference_error: JsonF64,
}

/// Maxima against one exact function, resolved to inputs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Judged {
    /// What located the maxima and decided the flush counts: always the engine.
    pub truth: Truth,
    /// Max error in f32 ulps of the true value.
    pub ulps: Option<Worst>,
    /// Max absolute error.
    pub abs: Option<Worst>,
    /// Max |ln F - ln P| where F > 0 and P is a normal f32.
    pub log: Option<Worst>,
    /// Inputs where F = 0 though P rounds to a nonzero f32.
    pub flushed_to_zero: u64,
    /// Inputs where F = 1 though P rounds below 1.
    pub flushed_to_one: u64,
}

/// Where an f32 CDF is exactly 0 or 1.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Edge {
    /// The largest z with F = 0 (or the smallest with F = 1).
    pub z: Option<f32>,
    /// The true tail there, Phi(z) (or 1 - Phi(z)), from the reference.
    pub true_tail: Option<JsonF64>,
    /// Whether the set is a clean half-line: no F > 0 at or below the zero edge (no F < 1 at or above
    /// the one edge).
    pub clean: bool,
}

/// A decrease of the computed CDF between two adjacent float32 inputs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Decrease {
    /// `F(previous float) - F(z)`.
    pub by: JsonF64,
    /// The input after the step.
    pub z: f32,
}

/// The figures of one f32 variant over every input.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VariantResult {
    /// The variant.
    pub cdf: Cdf,
    /// Non-NaN inputs scanned (2^32 - 2^24 + 2).
    pub inputs: u64,
    /// NaN inputs and how many gave NaN.
    pub nan_inputs: u64,
    /// See `nan_inputs`.
    pub nan_outputs: u64,
    /// F(-inf) and F(+inf).
    pub at_infinities: (JsonF64, JsonF64),
    /// Against the true Phi.
    pub vs_phi: Judged,
    /// Against the exact tanh formula (rounding alone; tanh only).
    pub vs_formula: Option<Judged>,
    /// Where F becomes exactly 0.
    pub zero: Edge,
    /// Where F becomes exactly 1.
    pub one: Edge,
    /// Steps in increasing z where F decreases (0: monotone over all floats).
    pub decreases: u64,
    /// The largest decrease and the input where it happens.
    pub max_drop: Option<Decrease>,
    /// Always `exhaustive`.
    pub label: Label,
}

/// Where the scan's truth is farthest from the reference.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TruthOff {
    /// `|truth - reference|` in f64 ulps of the reference value.
    pub ulps: JsonF64,
    /// The input.
    pub z: f32,
}

/// The scan's truth measured against the reference on a sample of the inputs it judged in full.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TruthCheck {
    /// Every this-many-th key judged in full was compared ([`TRUTH_STRIDE`]).
    pub stride: u32,
    /// Inputs compared.
    pub points: u64,
    /// The Phi truth's largest error.
    pub phi: Option<TruthOff>,
    /// The exact tanh formula truth's largest error.
    pub formula: Option<TruthOff>,
}

impl TruthCheck {
    /// The larger of the two truths' largest errors, in f64 ulps (NaN worst).
    pub fn max_ulps(&self) -> f64 {
        [&self.phi, &self.formula].into_iter().flatten().map(|o| o.ulps.0).fold(0.0, worse)
    }
}

/// The merged exhaustive result (`exhaustive.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Exhaustive {
    /// [`FORMAT`].
    pub format: String,
    /// The code that produced the figures ([`Fingerprint`]).
    pub fingerprint: Fingerprint,
    /// sha256 of the figures (`shortcut_bounds`, `truth_check`, `variants` as compact JSON): an edit by
    /// hand shows.
    pub results_sha256: String,
    /// Shards merged.
    pub shards: u32,
    /// Wall-clock seconds of the slowest shard (the whole scan when unsharded).
    pub wall_seconds: f64,
    /// Sum of the shards' wall-clock seconds.
    pub total_seconds: f64,
    /// Worker threads per shard.
    pub threads: Vec<usize>,
    /// Error bounds of the short-circuited tail regions (absolute, ulps, log).
    pub shortcut_bounds: (f64, f64, f64),
    /// The truth against the reference.
    pub truth_check: TruthCheck,
    /// Erf, then tanh.
    pub variants: Vec<VariantResult>,
}

/// A maximum of `cdf` against `variant` by `measure`, resolved to its input and valued by the reference.
fn worst(cdf: Cdf, variant: Variant, measure: Measure, max: Max) -> Result<Worst, Error> {
    let z = float_of_key(max.key);
    let computed = cdf.eval(z);
    let t = reference_truth(variant, z.into())?;
    let reference_error = error(measure, Precision::F32, computed.into(), t).unwrap_or(f64::NAN);
    Ok(Worst { error: JsonF64(max.value), z, computed, reference_error: JsonF64(reference_error) })
}

/// Resolves maxima to inputs and values each with the reference, against Phi or (for `Tanh`) the exact
/// tanh formula.
fn judged(cdf: Cdf, m: &Maxima, variant: Variant) -> Result<Judged, Error> {
    let resolve =
        |max: Option<Max>, measure: Measure| max.map(|max| worst(cdf, variant, measure, max)).transpose();
    Ok(Judged {
        truth: Truth::Engine,
        ulps: resolve(m.ulps, Measure::Ulps)?,
        abs: resolve(m.abs, Measure::Abs)?,
        log: resolve(m.log, Measure::Log)?,
        flushed_to_zero: m.flushed_to_zero,
        flushed_to_one: m.flushed_to_one,
    })
}

/// Where a CDF becomes exactly 0 (or, `upper`, exactly 1), with the true tail there from the reference.
fn edge(key: Option<u32>, upper: bool, clean: bool) -> Result<Edge, Error> {
    let z = key.map(float_of_key);
    let true_tail = match z {
        Some(z) => Some(JsonF64(reference::phi(if upper { -f64::from(z) } else { z.into() })?.value)),
        None => None,
    };
    Ok(Edge { z, true_tail, clean })
}

/// The figures of one variant from its complete scan.
pub(crate) fn variant_result(cdf: Cdf, s: &VariantScan) -> Result<VariantResult, Error> {
    let zero_clean = match (s.last_zero, s.first_positive) {
        (Some(zero), Some(pos)) => pos > zero,
        _ => true,
    };
    let one_clean = match (s.first_one, s.last_below_one) {
        (Some(one), Some(below)) => below < one,
        _ => true,
    };
    Ok(VariantResult {
        cdf,
        inputs: s.inputs,
        nan_inputs: s.nan_inputs,
        nan_outputs: s.nan_outputs,
        at_infinities: (JsonF64(cdf.eval(f32::NEG_INFINITY).into()), JsonF64(cdf.eval(f32::INFINITY).into())),
        vs_phi: judged(cdf, &s.vs_phi, Variant::Gaussian)?,
        vs_formula: match cdf {
            Cdf::Tanh => Some(judged(cdf, &s.vs_formula, Variant::Tanh)?),
            Cdf::Erf => None,
        },
        zero: edge(s.last_zero, false, zero_clean)?,
        one: edge(s.first_one, true, one_clean)?,
        decreases: s.decreases,
        max_drop: s.max_drop.map(|m| Decrease { by: JsonF64(m.value), z: float_of_key(m.key) }),
        label: Label::Exhaustive,
    })
}

/// The truth check of a complete scan.
pub(crate) fn truth_check(t: &TruthScan) -> TruthCheck {
    let off = |max: Option<Max>| max.map(|m| TruthOff { ulps: JsonF64(m.value), z: float_of_key(m.key) });
    TruthCheck { stride: TRUTH_STRIDE, points: t.points, phi: off(t.phi), formula: off(t.formula) }
}

/// The figures the file records at its own inputs, recomputed by the current code: each maximum's engine
/// error, f32 result and reference error, the true tails at the edges, F at the infinities and the truth
/// check's worst points (everything but the counts and the inputs found, which only a scan reproduces).
fn recomputed(ex: &Exhaustive) -> Result<Exhaustive, Error> {
    let mut fresh = ex.clone();
    for v in &mut fresh.variants {
        let cdf = v.cdf;
        v.at_infinities =
            (JsonF64(cdf.eval(f32::NEG_INFINITY).into()), JsonF64(cdf.eval(f32::INFINITY).into()));
        let judgements = [(Variant::Gaussian, Some(&mut v.vs_phi)), (Variant::Tanh, v.vs_formula.as_mut())];
        for (variant, judged) in judgements {
            let Some(judged) = judged else { continue };
            for (measure, slot) in [
                (Measure::Ulps, &mut judged.ulps),
                (Measure::Abs, &mut judged.abs),
                (Measure::Log, &mut judged.log),
            ] {
                let Some(w) = slot.as_mut() else { continue };
                let key = key_of_float(w.z);
                let truth = truth(w.z.into());
                let mut at = Maxima::default();
                at.record(
                    key,
                    cdf.eval(w.z).into(),
                    if variant == Variant::Gaussian { truth.0 } else { truth.1 },
                );
                let value = match measure {
                    Measure::Ulps => at.ulps,
                    Measure::Abs => at.abs,
                    Measure::Log => at.log,
                }
                .map_or(f64::NAN, |m| m.value);
                *w = worst(cdf, variant, measure, Max { value, key })?;
            }
        }
        v.zero = edge(v.zero.z.map(key_of_float), false, v.zero.clean)?;
        v.one = edge(v.one.z.map(key_of_float), true, v.one.clean)?;
    }
    let tc = &mut fresh.truth_check;
    if let Some(o) = tc.phi.as_mut() {
        o.ulps = JsonF64(ulps_off(truth(o.z.into()).0, reference::phi(o.z.into())));
    }
    if let Some(o) = tc.formula.as_mut() {
        o.ulps = JsonF64(ulps_off(truth(o.z.into()).1, reference::tanh_cdf(o.z.into())));
    }
    Ok(fresh)
}

#[cfg(test)]
mod tests {
    use super::scan::scan_range;
    use super::*;
    use crate::audit::merge::merge;

    fn shard(shard: u32, of: u32, keys: std::ops::Range<u64>) -> Shard {
        let (scans, truth) = scan_range(keys.start, keys.end);
        Shard { format: FORMAT.into(), shard, of, seconds: 1.0, threads: 1, scans, truth }
    }

    #[test]
    fn shards_merge_into_the_figures_of_one_scan() {
        // Two adjacent key ranges around z = 5.3, merged as a 2-way split and as one piece.
        let (lo, mid, hi) = (key_of_float(5.2) as u64, key_of_float(5.35) as u64, key_of_float(5.4) as u64);
        let split = merge(vec![shard(1, 2, mid..hi), shard(0, 2, lo..mid)]).unwrap();
        let whole = merge(vec![shard(0, 1, lo..hi)]).unwrap();
        assert_eq!(
            serde_json::to_value(&split.variants).unwrap(),
            serde_json::to_value(&whole.variants).unwrap()
        );
        assert_eq!((split.shards, split.wall_seconds, split.total_seconds), (2, 1.0, 2.0));
        assert!(merge(vec![shard(0, 2, lo..mid)]).is_err(), "a missing shard must be refused");
        assert!(
            merge(vec![shard(0, 2, lo..mid), shard(0, 2, lo..mid)]).is_err(),
            "a duplicate must be refused"
        );
    }

    #[test]
    fn a_merged_result_passes_its_check_and_every_kind_of_edit_is_named() {
        // Keys around z = -5.4, where both variants reach 0 (maxima, flushes and edges all occur).
        let (lo, hi) = (key_of_float(-5.6) as u64, key_of_float(-5.3) as u64);
        let ex = merge(vec![shard(0, 1, lo..hi)]).unwrap();
        assert!(ex.truth_check.points > 0 && ex.variants[0].vs_phi.abs.is_some());
        assert_eq!(problems(&ex).unwrap(), Vec::<String>::new());
        let named = |ex: &Exhaustive, what: &str| {
            let p = problems(ex).unwrap();
            assert!(p.iter().any(|l| l.contains(what)), "expected '{what}' in {p:?}");
        };
        let mut counted = ex.clone();
        counted.variants[1].vs_phi.flushed_to_zero += 1;
        named(&counted, "do not match results_sha256");
        let mut valued = ex.clone();
        valued.variants[0].vs_phi.abs.as_mut().unwrap().error.0 *= 1.5;
        valued.results_sha256 = results_sha256(&valued);
        named(&valued, "recorded vs recomputed .variants[0].vs_phi.abs.error");
        let mut stale = ex.clone();
        stale.fingerprint.sources.insert("src/real.rs".into(), "0".repeat(64));
        named(&stale, "src/real.rs changed since the scan");
        let mut fresh = ex.clone();
        fresh.variants[0].decreases += 1;
        fresh.results_sha256 = results_sha256(&fresh);
        assert_eq!(compare(&fresh, &ex).len(), 2, "the count and the checksum differ");
    }
}
