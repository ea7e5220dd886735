//! Verifying any implementation's outputs against a golden file: parsing an outputs file strictly (every
//! problem names the file and the field), judging every case, and summarising the verdict.

pub mod kill_table;
pub mod mutants;

use crate::functions::{Function, Precision, Variant};
use crate::golden::catalog::SPECIAL;
use crate::golden::format::{Case, GoldenFile, UniqueMap, Values, SCHEMA};
use crate::golden::json_number;
use crate::golden::judge::{judge, Class, Verdict};
use crate::golden::validate::validate;
use crate::input::{echo, echo_within};
use crate::Error;
use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;

fn unusable(file: &str, field: &str, problem: impl Into<String>) -> Error {
    Error::Unusable { file: file.into(), field: field.into(), problem: problem.into() }
}

/// A JSON parse error as one bounded line: serde's message (values in it cut) and its position; `what`
/// names the format of a well-formed JSON text that does not fit it.
fn json_error(file: &str, what: &str, e: &serde_json::Error) -> Error {
    let text = e.to_string();
    let message = text.rsplit_once(" at line ").map_or(text.as_str(), |(m, _)| m);
    let (field, what) = if e.is_data() { ("(structure)", what) } else { ("(json)", "not valid JSON") };
    let problem = format!("{what}: {} at line {} column {}", echo_within(message, 200), e.line(), e.column());
    unusable(file, field, problem)
}

/// Refuses a text that is not a JSON object before serde reads it: serde's derived structs would also
/// accept a JSON array, field by position.
fn must_be_object(file: &str, text: &str) -> Result<(), Error> {
    if text.trim_start().starts_with('{') {
        Ok(())
    } else {
        Err(unusable(file, "(top level)", "must be a JSON object"))
    }
}

/// The tag of the previous format version, refused with a message saying how to regenerate.
pub const SCHEMA_V1: &str = "ddpm-golden/1";

/// Only the schema tag, read first so that a file of another version says so (serde refuses a
/// duplicate `schema` here as it refuses every duplicate field of the typed format).
#[derive(Deserialize)]
struct SchemaTag {
    schema: Option<Value>,
}

/// Reads a golden file: the schema tag first, then the typed format (a key given twice is refused),
/// then the file's own integrity ([`validate`]): a golden file that contradicts itself is never used.
pub fn read_golden(file: &str, text: &str) -> Result<GoldenFile, Error> {
    must_be_object(file, text)?;
    let tag: SchemaTag = serde_json::from_str(text).map_err(|e| json_error(file, "not valid JSON", &e))?;
    match tag.schema {
        Some(Value::String(s)) if s == SCHEMA => {}
        Some(Value::String(s)) if s == SCHEMA_V1 => {
            let problem = format!(
                "is \"{SCHEMA_V1}\", a version-1 file without admissible intervals; this tool reads \"{SCHEMA}\": \
                 regenerate it with `ddpm-golden generate --out DIR` or take golden/*.json of this release"
            );
            return Err(unusable(file, "schema", problem));
        }
        Some(other) => {
            let found = shown(&other);
            return Err(unusable(file, "schema", format!("is {found}, this tool reads \"{SCHEMA}\"")));
        }
        None => return Err(unusable(file, "schema", format!("is missing (expected \"{SCHEMA}\")"))),
    }
    let golden: GoldenFile =
        serde_json::from_str(text).map_err(|e| json_error(file, &format!("not a {SCHEMA} file"), &e))?;
    validate(file, &golden)?;
    Ok(golden)
}

/// A parsed outputs file.
#[derive(Debug, Clone)]
pub struct Outputs {
    /// The file it was read from, as named in messages.
    pub file: String,
    /// Free text naming the implementation.
    pub implementation: String,
    /// The precision the implementation claims.
    pub precision: Precision,
    /// The variant judged.
    pub variant: Variant,
    /// Values per case id (one, or one per row for `mean_flat`).
    pub values: IndexMap<String, Vec<f64>>,
}

/// `"a", "b" or "c"`.
fn quoted_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The fields of an outputs file, typed so that serde refuses unknown and duplicate fields (and
/// [`UniqueMap`] a case id given twice); the values are checked against the golden file afterwards.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a JSON object with implementation, precision, variant and outputs")]
struct OutputsFile {
    #[serde(default)]
    implementation: Option<Value>,
    #[serde(default)]
    precision: Option<Value>,
    #[serde(default)]
    variant: Option<Value>,
    #[serde(default, deserialize_with = "outputs_map")]
    outputs: Option<UniqueMap<Value>>,
}

fn outputs_map<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<UniqueMap<Value>>, D::Error> {
    Option::<UniqueMap<Value>>::deserialize(d).map_err(|e| serde::de::Error::custom(format!("outputs: {e}")))
}

/// A JSON value as echoed in a message.
fn shown(v: &Value) -> String {
    echo(&v.to_string())
}

/// Parses an outputs file for `golden`: precision, variant, and a value of the right type for every
/// case id (no missing, no unknown).
pub fn parse_outputs(file: &str, text: &str, golden: &GoldenFile) -> Result<Outputs, Error> {
    must_be_object(file, text)?;
    let obj: OutputsFile =
        serde_json::from_str(text).map_err(|e| json_error(file, "not an outputs file", &e))?;
    let implementation = match obj.implementation {
        None => String::from("(unnamed)"),
        Some(Value::String(s)) => s,
        Some(other) => {
            return Err(unusable(
                file,
                "implementation",
                format!("must be a string, found {}", shown(&other)),
            ))
        }
    };
    let precision = match obj.precision.as_ref().and_then(Value::as_str).and_then(Precision::from_name) {
        Some(p) => p,
        None => {
            let found = obj.precision.as_ref().map_or("nothing".into(), shown);
            let names: Vec<&str> = Precision::ALL.iter().map(|p| p.name()).collect();
            return Err(unusable(
                file,
                "precision",
                format!("must be {}, found {found}", quoted_list(&names)),
            ));
        }
    };
    let function = golden.function;
    let cdf_free = !function.has_cdf_variants();
    let claimed = match obj.variant.as_ref() {
        None if cdf_free => Some(Variant::Upstream),
        // Ports of helpers without a CDF often pass their CDF choice through: "erf" names upstream's form.
        Some(Value::String(v)) => match Variant::from_key(v) {
            Some(Variant::Erf) if cdf_free => Some(Variant::Upstream),
            Some(v) if function.variants().contains(&v) => Some(v),
            _ => None,
        },
        _ => None,
    };
    let Some(variant) = claimed else {
        let mut keys: Vec<&str> = function.variants().iter().map(|v| v.key()).collect();
        if cdf_free {
            keys.insert(0, Variant::Erf.key());
        }
        let omitted = if cdf_free { "omitted, " } else { "" };
        let found = obj.variant.as_ref().map_or("nothing".into(), shown);
        return Err(unusable(
            file,
            "variant",
            format!("must be {omitted}{} for {function}, found {found}", quoted_list(&keys)),
        ));
    };
    // Every case carrying the precision must be judgeable for the variant: a golden file that lacks a
    // key is refused here rather than its cases skipped silently. A half precision is carried by the
    // cases whose inputs are exact in it (the others are not judged in it).
    if !golden.cases.is_empty() && !golden.cases.iter().any(|c| c.tolerance.contains_key(precision.name())) {
        return Err(unusable(
            file,
            "precision",
            format!("is {precision}, but no case of the golden file has inputs exact in {precision}"),
        ));
    }
    for case in golden.cases.iter().filter(|c| c.tolerance.contains_key(precision.name())) {
        if case.expected_for(function, variant).is_none() || case.tolerance_for(precision, variant).is_none()
        {
            return Err(unusable(
                file,
                "variant",
                format!(
                    "the golden file has no {precision}/{variant} tolerance for case '{}'",
                    echo(&case.id)
                ),
            ));
        }
    }
    let outputs = obj
        .outputs
        .map(|m| m.0)
        .ok_or_else(|| unusable(file, "outputs", "is missing (an object mapping case ids to values)"))?;
    let mut values = IndexMap::new();
    let required = |c: &&Case| c.tolerance.contains_key(precision.name());
    for case in &golden.cases {
        let field = format!("outputs[\"{}\"]", echo(&case.id));
        let Some(v) = outputs.get(&case.id) else {
            if !required(&case) {
                continue;
            }
            let missing =
                golden.cases.iter().filter(required).filter(|c| !outputs.contains_key(&c.id)).count();
            let carried = golden.cases.iter().filter(required).count();
            let problem =
                format!("is missing ({missing} of {carried} case ids judged in {precision} have no output)");
            return Err(unusable(file, &field, problem));
        };
        let rows = case.expected_for(function, variant).and_then(|e| match &e.value {
            Values::Rows(r) => Some(r.len()),
            Values::One(_) => None,
        });
        let parsed = if let Some(rows) = rows {
            let what = match function {
                Function::MeanFlat => "one mean per row",
                Function::GetNamedBetaSchedule => "one beta per step",
                Function::GaussianDiffusionArrays => "one element per step",
                Function::QPosteriorMeanVariance => {
                    "the mean's elements, then the variance and the clipped log-variance per batch element"
                }
                Function::PriorBpd | Function::VbTermsBpd => "one value in bits per batch element",
                _ => "the result's elements, row-major",
            };
            let list =
                v.as_array().ok_or_else(|| unusable(file, &field, format!("must be an array ({what})")))?;
            if list.len() != rows {
                let unit = match function {
                    Function::MeanFlat => "rows",
                    Function::GetNamedBetaSchedule | Function::GaussianDiffusionArrays => "steps",
                    _ => "elements",
                };
                return Err(unusable(
                    file,
                    &field,
                    format!("has {} values but the case has {rows} {unit}", list.len()),
                ));
            }
            list.iter()
                .map(|x| {
                    json_number::decode(x)
                        .ok_or_else(|| unusable(file, &field, format!("holds {}, not a number", shown(x))))
                })
                .collect::<Result<Vec<_>, _>>()?
        } else {
            vec![json_number::decode(v).ok_or_else(|| {
                let found = shown(v);
                unusable(
                    file,
                    &field,
                    format!("must be a number, \"nan\", \"inf\" or \"-inf\", found {found}"),
                )
            })?]
        };
        values.insert(case.id.clone(), parsed);
    }
    if let Some(unknown) = outputs.keys().find(|k| !values.contains_key(*k)) {
        return Err(unusable(
            file,
            &format!("outputs[\"{}\"]", echo(unknown)),
            "is not a case id of the golden file",
        ));
    }
    Ok(Outputs { file: file.into(), implementation, precision, variant, values })
}

/// The verdict on one case (the worst row or element for tensor results).
#[derive(Debug, Clone)]
pub struct CaseVerdict {
    /// The case's index in the golden file.
    pub index: usize,
    /// Case id.
    pub id: String,
    /// The case's family (`tags[0]`).
    pub family: String,
    /// The values judged.
    pub got: Vec<f64>,
    /// The worst verdict over the values.
    pub verdict: Verdict,
}

/// How `verify` treats the `special` family (cases with a NaN or infinite input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Specials {
    /// Judged like every other case (the default): NaN and infinities must propagate as in eager IEEE
    /// arithmetic.
    Strict,
    /// Judged and reported, but their failures do not fail the run: for compiled or jitted ports whose
    /// compilers rewrite expressions on infinities (XLA turns `-a + exp(a)` at a = +inf into -inf).
    Report,
}

/// Per family: how many cases fell in each class, and how many failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FamilyCounts {
    /// Cases with a bound on `|got - expected|` and an interval.
    pub judged: usize,
    /// Cases constrained by their interval only.
    pub interval_only: usize,
    /// Cases that admit anything, NaN included.
    pub unconstrained: usize,
    /// Cases not judged in this precision (inputs not exact in the half type).
    pub not_applicable: usize,
    /// Cases whose value was not admissible.
    pub failed: usize,
}

/// Everything `verify` reports.
#[derive(Debug, Clone)]
pub struct Report {
    /// Cases with a constraint (judged or interval-only) whose verdict counts, specials included unless
    /// reported apart.
    pub judged: usize,
    /// Cases whose value was not admissible, worst first (specials in report mode excluded).
    pub failures: Vec<CaseVerdict>,
    /// Special-family failures reported without failing the run (`Specials::Report`), worst first.
    pub reported_specials: Vec<CaseVerdict>,
    /// Per family, in file order.
    pub families: IndexMap<String, FamilyCounts>,
    /// The largest error in tolerance units over cases with a bound, and its case.
    pub worst: Option<CaseVerdict>,
}

/// Judges every case of `golden` on `outputs`; a result of the wrong length fails its case, and a run in
/// which no case is constrained (or, with specials reported apart, no other case) is refused rather
/// than passed.
pub fn verify(golden: &GoldenFile, outputs: &Outputs, specials: Specials) -> Result<Report, Error> {
    let mut report = Report {
        judged: 0,
        failures: Vec::new(),
        reported_specials: Vec::new(),
        families: IndexMap::new(),
        worst: None,
    };
    for (index, case) in golden.cases.iter().enumerate() {
        let family = case.tags.first().cloned().unwrap_or_default();
        let counts = report.families.entry(family.clone()).or_default();
        let (Some(expected), Some(tol)) = (
            case.expected_for(golden.function, outputs.variant),
            case.tolerance_for(outputs.precision, outputs.variant),
        ) else {
            counts.not_applicable += 1;
            continue;
        };
        let got = outputs.values.get(&case.id).cloned().unwrap_or_default();
        let verdicts = judge(expected, tol, &got, outputs.precision);
        let worst = verdicts.iter().copied().max_by(|a, b| a.tol_units.total_cmp(&b.tol_units));
        let verdict = worst.unwrap_or(Verdict::WRONG_LENGTH);
        match verdict.class {
            Class::Unconstrained => {
                counts.unconstrained += 1;
                continue;
            }
            Class::Judged => counts.judged += 1,
            Class::IntervalOnly => counts.interval_only += 1,
        }
        if !verdict.pass {
            counts.failed += 1;
        }
        let apart = specials == Specials::Report && family == SPECIAL;
        let cv = CaseVerdict { index, id: case.id.clone(), family, got, verdict };
        if apart {
            if !verdict.pass {
                report.reported_specials.push(cv);
            }
            continue;
        }
        report.judged += 1;
        let bounded = verdict.class == Class::Judged && verdict.tol_units.is_finite();
        if bounded && report.worst.as_ref().is_none_or(|w| cv.verdict.tol_units > w.verdict.tol_units) {
            report.worst = Some(cv.clone());
        }
        if !verdict.pass {
            report.failures.push(cv);
        }
    }
    let worst_first = |a: &CaseVerdict, b: &CaseVerdict| b.verdict.tol_units.total_cmp(&a.verdict.tol_units);
    report.failures.sort_by(worst_first);
    report.reported_specials.sort_by(worst_first);
    if report.judged == 0 {
        return Err(Error::NothingJudged {
            file: outputs.file.clone(),
            precision: outputs.precision.name().into(),
            variant: outputs.variant.key().into(),
            cases: golden.cases.len(),
        });
    }
    Ok(report)
}
