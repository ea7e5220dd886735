//! Merging the shard files of an exhaustive scan (`audit merge`): the headers are validated before
//! anything is sized by them, keys that name a NaN input and counters that would overflow are refused,
//! so a merged result always reads back (a NaN input would be written as `null`).

use super::exhaustive::{
    float_of_key, merge_pair, overflow, results_sha256, truth_check, variant_result, Exhaustive, Fingerprint,
    Maxima, Shard, TruthScan, VariantScan,
};
use super::exhaustive::{FORMAT, SHORTCUT_BOUNDS};
use crate::input::echo;
use crate::{Cdf, Error};

/// Every input key a scan records, by field name (NaN inputs are counted, never keyed).
fn keys(scan: &VariantScan) -> [(&'static str, Option<u32>); 12] {
    let max = |m: &Maxima| [m.ulps, m.abs, m.log].map(|x| x.map(|x| x.key));
    let [pu, pa, pl] = max(&scan.vs_phi);
    let [fu, fa, fl] = max(&scan.vs_formula);
    [
        ("vs_phi.ulps", pu),
        ("vs_phi.abs", pa),
        ("vs_phi.log", pl),
        ("vs_formula.ulps", fu),
        ("vs_formula.abs", fa),
        ("vs_formula.log", fl),
        ("max_drop", scan.max_drop.map(|m| m.key)),
        ("last_zero", scan.last_zero),
        ("first_positive", scan.first_positive),
        ("first_one", scan.first_one),
        ("last_below_one", scan.last_below_one),
        ("first_key", scan.first_key),
    ]
}

/// Merges the shard files of one scan (all of `0..n`, any order) into the final figures.
pub fn merge(mut shards: Vec<Shard>) -> Result<Exhaustive, Error> {
    let bad =
        |problem: String| Error::Unusable { file: "shard files".into(), field: "shard".into(), problem };
    shards.sort_by_key(|s| s.shard);
    let of = shards.first().map(|s| s.of).ok_or_else(|| bad("no shard files given".into()))?;
    // The headers first, before anything is sized by them: one file per index of one split.
    if shards.len() as u64 != u64::from(of) {
        return Err(bad(format!("a {of}-way split needs {of} shard files, {} were given", shards.len())));
    }
    for (i, s) in shards.iter().enumerate() {
        if s.format != FORMAT {
            let format = echo(&s.format);
            return Err(bad(format!("shard {} has format '{format}', expected '{FORMAT}'", s.shard)));
        }
        if s.of != of || s.shard as usize != i {
            return Err(bad(format!(
                "need shards 0..{of} of one {of}-way split exactly once, found {}/{}",
                s.shard, s.of
            )));
        }
        if !(s.seconds.is_finite() && s.seconds >= 0.0) {
            return Err(bad(format!("shard {i}: seconds is {}, not a duration", s.seconds)));
        }
        let truth = [("phi", s.truth.phi), ("formula", s.truth.formula)].map(|(n, m)| (n, m.map(|m| m.key)));
        let scans = ["erf", "tanh"].iter().zip(&s.scans).map(|(v, scan)| (*v, keys(scan).to_vec()));
        for (what, keys) in scans.chain([("truth", truth.to_vec())]) {
            if let Some((name, key)) =
                keys.into_iter().find_map(|(n, k)| k.filter(|&k| float_of_key(k).is_nan()).map(|k| (n, k)))
            {
                return Err(bad(format!(
                    "shard {i}: {what} {name} has key {key:#x}, a NaN input (NaN inputs are counted, never keyed)"
                )));
            }
        }
    }
    let scans = shards
        .iter()
        .skip(1)
        .try_fold(shards[0].scans.clone(), |acc, s| merge_pair(&acc, &s.scans))
        .ok_or_else(|| overflow("shard files"))?;
    let truth = shards
        .iter()
        .try_fold(TruthScan::default(), |acc, s| acc.merge(&s.truth))
        .ok_or_else(|| overflow("shard files"))?;
    let total_seconds: f64 = shards.iter().map(|s| s.seconds).sum();
    if !total_seconds.is_finite() {
        return Err(bad("the shards' seconds add up to more than an f64 holds".into()));
    }
    let mut merged = Exhaustive {
        format: FORMAT.into(),
        fingerprint: Fingerprint::current(),
        results_sha256: String::new(),
        shards: of,
        wall_seconds: shards.iter().map(|s| s.seconds).fold(0.0, f64::max),
        total_seconds,
        threads: shards.iter().map(|s| s.threads).collect(),
        shortcut_bounds: SHORTCUT_BOUNDS,
        truth_check: truth_check(&truth),
        variants: vec![variant_result(Cdf::Erf, &scans[0])?, variant_result(Cdf::Tanh, &scans[1])?],
    };
    merged.results_sha256 = results_sha256(&merged);
    Ok(merged)
}
