//! Verifying any implementation's outputs against a golden file: parsing an outputs file strictly (every
//! problem names the file and the field), judging every case, and summarising the verdict.

pub mod mutants;

use crate::functions::{Function, Precision, Variant};
use crate::golden::format::{GoldenFile, Input, UniqueMap, SCHEMA};
use crate::golden::json_number;
use crate::golden::judge::{judge, Verdict};
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
            return Err(unusable(file, "precision", format!("must be \"f32\" or \"f64\", found {found}")));
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
    // Every case must be judgeable for this precision and variant: a golden file that lacks a key is
    // refused here rather than its cases skipped silently.
    for case in &golden.cases {
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
    for case in &golden.cases {
        let field = format!("outputs[\"{}\"]", echo(&case.id));
        let v = outputs.get(&case.id).ok_or_else(|| {
            let missing = golden.cases.iter().filter(|c| !outputs.contains_key(&c.id)).count();
            unusable(
                file,
                &field,
                format!("is missing ({missing} of {} case ids have no output)", golden.cases.len()),
            )
        })?;
        let parsed = if function == Function::MeanFlat {
            let rows = match case.inputs.get("shape") {
                Some(Input::Shape(s)) if !s.is_empty() => s[0],
                _ => 0,
            };
            let list =
                v.as_array().ok_or_else(|| unusable(file, &field, "must be an array (one mean per row)"))?;
            if list.len() != rows {
                return Err(unusable(
                    file,
                    &field,
                    format!("has {} values but the case has {rows} rows", list.len()),
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

/// The verdict on one case (the worst row for `mean_flat`).
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

/// Everything `verify` reports.
#[derive(Debug, Clone)]
pub struct Report {
    /// Cases judged against a bound.
    pub judged: usize,
    /// Cases whose value was outside its tolerance, worst first.
    pub failures: Vec<CaseVerdict>,
    /// Unconstrained cases per family, for this precision and variant.
    pub unconstrained: IndexMap<String, usize>,
    /// The largest error in tolerance units over passing and failing cases, and its case.
    pub worst: Option<CaseVerdict>,
}

/// Judges every case of `golden` on `outputs`; a result of the wrong length fails its case, and a run in
/// which no case is judged (all unconstrained) is refused rather than passed.
pub fn verify(golden: &GoldenFile, outputs: &Outputs) -> Result<Report, Error> {
    let bits = outputs.precision.bits();
    let mut report = Report { judged: 0, failures: Vec::new(), unconstrained: IndexMap::new(), worst: None };
    for (index, case) in golden.cases.iter().enumerate() {
        let family = case.tags.first().cloned().unwrap_or_default();
        report.unconstrained.entry(family.clone()).or_insert(0);
        let got = outputs.values.get(&case.id).cloned().unwrap_or_default();
        let (Some(expected), Some(tol)) = (
            case.expected_for(golden.function, outputs.variant),
            case.tolerance_for(outputs.precision, outputs.variant),
        ) else {
            continue;
        };
        let verdicts = judge(expected, tol, &got, bits);
        let worst = verdicts.iter().copied().max_by(|a, b| a.tol_units.total_cmp(&b.tol_units));
        let verdict = worst.unwrap_or(Verdict::WRONG_LENGTH);
        if verdict.unconstrained {
            *report.unconstrained.entry(family).or_insert(0) += 1;
            continue;
        }
        report.judged += 1;
        let cv = CaseVerdict { index, id: case.id.clone(), family, got, verdict };
        if report.worst.as_ref().is_none_or(|w| cv.verdict.tol_units > w.verdict.tol_units) {
            report.worst = Some(cv.clone());
        }
        if !verdict.pass {
            report.failures.push(cv);
        }
    }
    report.failures.sort_by(|a, b| b.verdict.tol_units.total_cmp(&a.verdict.tol_units));
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
