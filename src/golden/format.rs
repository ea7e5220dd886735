//! The golden file format, version 2 (`"schema": "ddpm-golden/2"`), as serde types. Documented in
//! docs/golden-format.md and described for other languages by golden/schema.json.

use crate::functions::{Function, Precision, Variant};
use crate::golden::json_number::JsonF64;
use indexmap::IndexMap;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;

/// The schema tag every version-2 file carries.
pub const SCHEMA: &str = "ddpm-golden/2";

/// One golden file: all cases of one helper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldenFile {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The helper the cases exercise.
    pub function: Function,
    /// Where the values come from and how to reproduce them.
    pub provenance: Provenance,
    /// The constants of the formulas, as exact reals, by name.
    #[serde(deserialize_with = "unique_keys")]
    pub constants: IndexMap<String, String>,
    /// The cases, in catalog order.
    pub cases: Vec<Case>,
}

/// Reproduction record, as SciPy's xsref keeps beside each table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// `ddpm-golden <crate version>`.
    pub generator: String,
    /// The commit the generator ran at, if known. `generate --check` ignores this one field: a file
    /// cannot record the hash of the commit that contains it.
    pub git_commit: Option<String>,
    /// The engine behind the expected values and its rounding policy.
    pub reference: String,
    /// How tolerances were derived.
    pub error_model: String,
    /// The seed of the random cases (SplitMix64, counter-based: `golden::recipe`), logged so they can be
    /// regenerated.
    pub seed: u64,
    /// SHA-256 of the canonical JSON of every case's id and inputs.
    pub inputs_sha256: String,
    /// Number of cases in the file.
    pub case_count: usize,
}

/// One case: named inputs, exact expected values per variant, tolerance per precision and variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Stable, readable identifier, unique in the file (e.g. `edge-left/mean-offset=+0.04/log_scale=-5`).
    pub id: String,
    /// The case's family first, then finer labels.
    pub tags: Vec<String>,
    /// Why a hand-listed regression case exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Inputs named exactly as the upstream arguments.
    #[serde(deserialize_with = "unique_keys")]
    pub inputs: IndexMap<String, Input>,
    /// Exact values, keyed by variant: `erf` (true Gaussian) and `tanh` (the tanh formula) for the CDF and
    /// the log-likelihood; `upstream` for helpers without variants.
    #[serde(deserialize_with = "unique_keys")]
    pub expected: IndexMap<String, Expected>,
    /// Per precision (`f32`, `f64`, and `f16`, `bf16` where every input is exact in them), per variant:
    /// what a correct implementation may return.
    #[serde(deserialize_with = "unique_nested_keys")]
    pub tolerance: IndexMap<String, IndexMap<String, Tolerance>>,
}

impl Case {
    /// The expected value `variant` of `function` is judged against (see [`Function::expected_variant`]).
    pub fn expected_for(&self, function: Function, variant: Variant) -> Option<&Expected> {
        self.expected.get(function.expected_variant(variant).key())
    }

    /// The tolerance of `variant` in `precision`.
    pub fn tolerance_for(&self, precision: Precision, variant: Variant) -> Option<&Tolerance> {
        self.tolerance.get(precision.name()).and_then(|t| t.get(variant.key()))
    }
}

/// An input value: a scalar, a shape, inline data, a tensor argument, or a generator recipe for large
/// tensors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Input {
    /// A scalar (exactly representable in f32): one element of the batch the cases are evaluated in.
    Scalar(JsonF64),
    /// A tensor shape.
    Shape(Vec<usize>),
    /// Row-major tensor data (exactly representable in f32).
    Data(Vec<JsonF64>),
    /// An argument of its own shape (`normal_kl`'s broadcast cases; shape `[]` is a Python scalar).
    Tensor(Tensor),
    /// A recipe that regenerates large data exactly (see [`crate::golden::recipe`]).
    Recipe(crate::golden::recipe::Recipe),
    /// A name (`get_named_beta_schedule`'s `schedule_name`: `"linear"` or `"cosine"`).
    Name(String),
}

/// A tensor argument: its shape (`[]` for a 0-d scalar, passed as a Python float) and row-major data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tensor {
    /// Axis lengths.
    pub shape: Vec<usize>,
    /// Row-major values (exactly representable in f32), as many as the shape holds.
    pub data: Vec<JsonF64>,
}

/// An exact value, correctly rounded to f64, with a decimal string of at least 40 significant digits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// The correctly rounded f64 (one per row for `mean_flat`, one per element of the broadcast result
    /// for `normal_kl`'s tensor cases).
    pub value: Values,
    /// At least 40 significant digits (one per row or element, as `value`).
    pub digits: Digits,
    /// Log-likelihood only: the branch taken on exact values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<crate::upstream::loglik::Branch>,
    /// Log-likelihood only: whether the exact probability was below 1e-12 (the clamp fired).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clamped: Option<bool>,
    /// Log-likelihood only: ln of the exact probability without the clamp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_prob_unclamped: Option<JsonF64>,
}

/// One value, or one per row (`mean_flat`) or element of the result (`normal_kl`'s tensor cases).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Values {
    /// A scalar result.
    One(JsonF64),
    /// One per row or element, row-major.
    Rows(Vec<JsonF64>),
}

/// Digit strings, one or one per row or element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Digits {
    /// A scalar result.
    One(String),
    /// One per row or element.
    Rows(Vec<String>),
}

/// What a correct implementation may return in one precision and variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Tolerance {
    /// The admissible interval, and where the error model bounds it, `|got - expected|` (per row or
    /// element), with, where rounding a constant to the precision flips the branch, the alternative the
    /// precision's own comparison selects.
    Bound(Bound),
    /// `"unconstrained"`: a correct implementation may return any value, NaN included.
    Unconstrained(Unconstrained),
}

/// The constraints on a value: always the interval, and the error bound where the model gives one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bound {
    /// Largest admissible `|got - expected|`; 0 with `"nan"` expected means the result must be NaN.
    /// Absent where only the interval constrains the value ("interval-only").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abs: Option<Values>,
    /// Accepted instead, when the precision's rounded threshold selects another branch than the reals do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternative: Option<Alternative>,
    /// Every value a correct implementation can produce lies in it (a value outside fails whatever else
    /// holds).
    pub interval: Intervals,
}

/// `[lo, hi]` (bounds may be `"-inf"`, `"inf"`), or null where the result must be NaN.
pub type Interval = Option<[JsonF64; 2]>;

/// One interval, or one per row or element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Intervals {
    /// A scalar result.
    One(Interval),
    /// One per row or element.
    Rows(Vec<Interval>),
}

/// The exact value of the branch a precision's own comparison takes, and its bound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alternative {
    /// The branch taken with the threshold rounded to this precision.
    pub branch: crate::upstream::loglik::Branch,
    /// Exact value of that branch, correctly rounded.
    pub value: JsonF64,
    /// Its digits.
    pub digits: String,
    /// Largest admissible `|got - value|`.
    pub abs: JsonF64,
}

/// The string `"unconstrained"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unconstrained {
    /// The only value.
    Unconstrained,
}

/// A JSON object read into an [`IndexMap`] that refuses a key given twice, naming it. Serde's derived
/// structs already refuse a duplicate field (what `generate --check` relies on); a plain map would keep
/// the last value silently, so every map of the file formats is read through this one.
#[derive(Debug, Clone, PartialEq)]
pub struct UniqueMap<V>(pub IndexMap<String, V>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for UniqueMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct UniqueVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for UniqueVisitor<V> {
            type Value = UniqueMap<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = IndexMap::new();
                while let Some(key) = access.next_key::<String>()? {
                    if map.contains_key(&key) {
                        let key = crate::input::echo(&key);
                        return Err(serde::de::Error::custom(format!("duplicate key \"{key}\"")));
                    }
                    let value = access.next_value()?;
                    map.insert(key, value);
                }
                Ok(UniqueMap(map))
            }
        }
        d.deserialize_map(UniqueVisitor(PhantomData))
    }
}

fn unique_keys<'de, D: Deserializer<'de>, V: Deserialize<'de>>(
    d: D,
) -> Result<IndexMap<String, V>, D::Error> {
    UniqueMap::deserialize(d).map(|m| m.0)
}

fn unique_nested_keys<'de, D: Deserializer<'de>, V: Deserialize<'de>>(
    d: D,
) -> Result<IndexMap<String, IndexMap<String, V>>, D::Error> {
    let outer: IndexMap<String, UniqueMap<V>> = unique_keys(d)?;
    Ok(outer.into_iter().map(|(k, v)| (k, v.0)).collect())
}
