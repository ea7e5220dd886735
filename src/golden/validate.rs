//! A golden file's own integrity, checked completely when it is read: a file that contradicts itself
//! (rows that disagree with the shape, a wrong case count or checksum, duplicate ids, inputs of another
//! helper, tolerances that cannot be bounds, nothing to judge) is refused, naming the file and field, so
//! that no verdict is ever reached on it.

use crate::functions::{Precision, Variant};
use crate::golden::catalog::{Inputs, SPECIAL};
use crate::golden::evaluate::case_inputs;
use crate::golden::format::{Bound, Case, Digits, GoldenFile, Input, Intervals, Tolerance, Values};
use crate::golden::generate::inputs_checksum;
use crate::golden::judge::intervals;
use crate::golden::recipe::Recipe;
use crate::input::{echo, tensor_len, MAX_FILE_ELEMENTS};
use crate::upstream::broadcast::broadcast_shape;
use crate::{Error, Function};
use std::collections::HashSet;

/// Checks everything a verdict relies on; `file` names the file in errors.
pub fn validate(file: &str, golden: &GoldenFile) -> Result<(), Error> {
    let unusable =
        |field: &str, problem: String| Error::Unusable { file: file.into(), field: field.into(), problem };
    if golden.cases.is_empty() {
        return Err(unusable("cases", "is empty: a golden file needs at least one case".into()));
    }
    let mut elements = 0usize;
    for case in &golden.cases {
        elements = elements
            .checked_add(validate_case(file, golden.function, case)?)
            .filter(|&n| n <= MAX_FILE_ELEMENTS)
            .ok_or_else(|| {
                unusable("cases", format!("hold more than {MAX_FILE_ELEMENTS} tensor elements (the limit)"))
            })?;
    }
    let mut ids = HashSet::new();
    if let Some(dup) = golden.cases.iter().find(|c| !ids.insert(c.id.as_str())) {
        return Err(Error::DuplicateId { file: file.into(), id: echo(&dup.id) });
    }
    if golden.provenance.case_count != golden.cases.len() {
        return Err(Error::CaseCount {
            file: file.into(),
            declared: golden.provenance.case_count,
            actual: golden.cases.len(),
        });
    }
    let computed = inputs_checksum(&golden.cases);
    if computed != golden.provenance.inputs_sha256 {
        return Err(Error::Checksum {
            file: file.into(),
            declared: echo(&golden.provenance.inputs_sha256),
            computed,
        });
    }
    for precision in Precision::ALL {
        for &variant in golden.function.variants() {
            // Cases without the precision (inputs not exact in a half type) do not count either way.
            let free = |c: &Case| !matches!(c.tolerance_for(precision, variant), Some(Tolerance::Bound(_)));
            let carried = golden.cases.iter().any(|c| c.tolerance_for(precision, variant).is_some());
            if carried && golden.cases.iter().all(free) {
                return Err(Error::AllUnconstrained {
                    file: file.into(),
                    precision: precision.name().into(),
                    variant: variant.key().into(),
                });
            }
        }
    }
    Ok(())
}

/// Whether `v` is a float32 value (NaN included), as every golden input is.
fn is_f32(v: f64) -> bool {
    v.is_nan() || f64::from(v as f32) == v
}

/// The row count of a one-or-rows field: `None` for one value.
fn rows_of_values(v: &Values) -> Option<usize> {
    match v {
        Values::One(_) => None,
        Values::Rows(r) => Some(r.len()),
    }
}

fn rows_of_digits(d: &Digits) -> Option<usize> {
    match d {
        Digits::One(_) => None,
        Digits::Rows(r) => Some(r.len()),
    }
}

fn describe_rows(rows: Option<usize>) -> String {
    rows.map_or("one value (a scalar case)".into(), |n| format!("{n} rows"))
}

/// Checks one case; returns its number of tensor elements (0 for scalar helpers).
fn validate_case(file: &str, function: Function, case: &Case) -> Result<usize, Error> {
    let at = format!("cases[\"{}\"]", echo(&case.id));
    let unusable = |field: String, problem: String| Error::Unusable {
        file: file.into(),
        field: format!("{at}.{field}"),
        problem,
    };
    if case.tags.is_empty() {
        return Err(unusable("tags".into(), "is empty; tags[0] names the case's family".into()));
    }
    let names = function.inputs();
    if let Some(extra) = case.inputs.keys().find(|k| !names.contains(&k.as_str())) {
        return Err(unusable(
            format!("inputs.{}", echo(extra)),
            format!("is not an input of {function} (its inputs are {})", names.join(", ")),
        ));
    }
    if let Some(missing) = names.iter().find(|n| !case.inputs.contains_key(**n)) {
        return Err(unusable(
            format!("inputs.{missing}"),
            format!("is missing (a {function} case takes {})", names.join(", ")),
        ));
    }
    // Rows of the result: one value for the scalar helpers, shape[0] for mean_flat.
    let (rows, elements) = if function == Function::MeanFlat {
        let Some(Input::Shape(shape)) = case.inputs.get("shape") else {
            return Err(unusable("inputs.shape".into(), "must be a list of axis lengths".into()));
        };
        let n = tensor_len(shape).map_err(|p| unusable("inputs.shape".into(), p))?;
        match case.inputs.get("data") {
            Some(Input::Data(values)) => {
                if values.len() != n {
                    return Err(unusable(
                        "inputs.data".into(),
                        format!("has {} values but shape {shape:?} holds {n}", values.len()),
                    ));
                }
                if let Some(v) = values.iter().find(|v| !is_f32(v.0)) {
                    return Err(unusable(
                        "inputs.data".into(),
                        format!("holds {}, which is not a float32 value", v.0),
                    ));
                }
            }
            Some(Input::Recipe(r)) => {
                if !r.is_known() {
                    return Err(unusable(
                        "inputs.data.generator".into(),
                        format!(
                            "is \"{}\" (seed {}); this tool knows \"{}\" and \"{}\" (seed 0)",
                            echo(&r.generator),
                            r.seed,
                            Recipe::UNIFORM,
                            Recipe::LINEAR
                        ),
                    ));
                }
                if r.len != n {
                    return Err(unusable(
                        "inputs.data.len".into(),
                        format!("is {} but shape {shape:?} holds {n}", r.len),
                    ));
                }
            }
            _ => return Err(unusable("inputs.data".into(), "must be a list of numbers or a recipe".into())),
        }
        (Some(shape[0]), n)
    } else if function == Function::NormalKl && case.inputs.values().any(|v| matches!(v, Input::Tensor(_))) {
        // A broadcast call: every argument a tensor (shape [] for a Python scalar), exact in float32.
        let mut shapes = Vec::new();
        for name in names {
            let Some(Input::Tensor(t)) = case.inputs.get(*name) else {
                return Err(unusable(
                    format!("inputs.{name}"),
                    "must be a tensor {\"shape\", \"data\"} like the case's other arguments".into(),
                ));
            };
            let n = if t.shape.is_empty() {
                1
            } else {
                tensor_len(&t.shape).map_err(|p| unusable(format!("inputs.{name}.shape"), p))?
            };
            if t.data.len() != n {
                return Err(unusable(
                    format!("inputs.{name}.data"),
                    format!("has {} values but shape {:?} holds {n}", t.data.len(), t.shape),
                ));
            }
            if let Some(v) = t.data.iter().find(|v| !is_f32(v.0)) {
                return Err(unusable(
                    format!("inputs.{name}.data"),
                    format!("holds {}, which is not a float32 value", v.0),
                ));
            }
            shapes.push(t.shape.as_slice());
        }
        let shape =
            broadcast_shape("normal_kl", &shapes).map_err(|e| unusable("inputs".into(), e.to_string()))?;
        let n = if shape.is_empty() {
            1
        } else {
            tensor_len(&shape).map_err(|p| unusable("inputs".into(), p))?
        };
        (Some(n), n)
    } else if function.is_diffusion() {
        // The flat result: every element (plus, for the posterior, its variance and clipped
        // log-variance per batch element).
        let decoded = case_inputs(function, case).map_err(|e| unusable("inputs".into(), e.to_string()))?;
        let n = match decoded {
            Inputs::Diffusion(call) => call.result_len(),
            _ => 0,
        };
        (Some(n), n)
    } else if !function.has_float_inputs() {
        // One value per step: the betas, or one derived array.
        let decoded = case_inputs(function, case).map_err(|e| unusable("inputs".into(), e.to_string()))?;
        let steps = match decoded {
            Inputs::BetaSchedule { steps, .. } | Inputs::DerivedArray { steps, .. } => steps as usize,
            _ => 0,
        };
        (Some(steps), steps)
    } else {
        for name in names {
            match case.inputs.get(*name) {
                Some(Input::Scalar(v)) if is_f32(v.0) => {}
                Some(Input::Scalar(v)) => {
                    return Err(unusable(
                        format!("inputs.{name}"),
                        format!("is {}, which is not a float32 value", v.0),
                    ))
                }
                _ => {
                    return Err(unusable(
                        format!("inputs.{name}"),
                        "must be a number, \"nan\", \"inf\" or \"-inf\"".into(),
                    ))
                }
            }
        }
        (None, 0)
    };
    let row_count = |field: String, got: Option<usize>| -> Result<(), Error> {
        if got == rows {
            return Ok(());
        }
        let got = got.map_or("one value".into(), |n| format!("a list of {n}"));
        Err(Error::RowCount {
            file: file.into(),
            field: format!("{at}.{field}"),
            expected: describe_rows(rows),
            got,
        })
    };
    let keys = |variants: &mut dyn Iterator<Item = Variant>| -> Vec<&str> {
        let mut keys: Vec<&str> = variants.map(Variant::key).collect();
        keys.dedup();
        keys
    };
    let expected_keys = keys(&mut function.variants().iter().map(|&v| function.expected_variant(v)));
    check_keys(&case.expected.keys().map(String::as_str).collect::<Vec<_>>(), &expected_keys)
        .map_err(|(key, problem)| unusable(format!("expected.{key}"), problem))?;
    for (key, e) in &case.expected {
        row_count(format!("expected.{key}.value"), rows_of_values(&e.value))?;
        row_count(format!("expected.{key}.digits"), rows_of_digits(&e.digits))?;
    }
    // The family: `special` exactly for the cases with a NaN or infinite input (verify reports them apart).
    let decoded = case_inputs(function, case).map_err(|e| unusable("inputs".into(), e.to_string()))?;
    if decoded.is_special() != (case.tags[0] == SPECIAL) {
        let problem = if decoded.is_special() {
            format!(
                "is \"{}\" but the case has a NaN or infinite input: its family is \"{SPECIAL}\"",
                echo(&case.tags[0])
            )
        } else {
            format!("is \"{SPECIAL}\" but no input is NaN or infinite")
        };
        return Err(unusable("tags[0]".into(), problem));
    }
    // f32 and f64 always; a half type exactly where the helper is judged in it and every input is one
    // of its values.
    let precisions: Vec<&str> =
        function.precisions().iter().copied().filter(|&p| decoded.exact_in(p)).map(Precision::name).collect();
    check_keys(&case.tolerance.keys().map(String::as_str).collect::<Vec<_>>(), &precisions)
        .map_err(|(key, problem)| unusable(format!("tolerance.{key}"), problem))?;
    for (precision, by_variant) in &case.tolerance {
        check_keys(
            &by_variant.keys().map(String::as_str).collect::<Vec<_>>(),
            &keys(&mut function.variants().iter().copied()),
        )
        .map_err(|(key, problem)| unusable(format!("tolerance.{key}"), problem))?;
        for (variant, tolerance) in by_variant {
            let Tolerance::Bound(bound) = tolerance else { continue };
            let field = format!("tolerance.{precision}.{variant}");
            validate_bound(case, function, variant, bound, rows)
                .map_err(|(sub, problem)| unusable(format!("{field}{sub}"), problem))?;
            let alternative = bound.alternative.as_ref().map(|a| (a.abs.0, "alternative.abs"));
            let abs = bound.abs.iter().flat_map(crate::golden::judge::values).map(|a| (a, "abs"));
            if let Some((a, name)) = abs.chain(alternative).find(|(a, _)| !(a.is_finite() && *a >= 0.0)) {
                return Err(Error::Tolerance {
                    file: file.into(),
                    field: format!("{at}.{field}.{name}"),
                    found: format!("{a:e}"),
                });
            }
        }
    }
    Ok(elements)
}

/// Checks the shape of one bound: `abs` and `interval` with one entry per row (or one value), an
/// alternative only beside an `abs`, intervals `lo <= hi` without NaN, and null exactly where the
/// expected value is NaN. On failure the subfield and the problem.
fn validate_bound(
    case: &Case,
    function: Function,
    variant: &str,
    bound: &Bound,
    rows: Option<usize>,
) -> Result<(), (String, String)> {
    let count = |name: &str, got: Option<usize>| {
        if got == rows {
            return Ok(());
        }
        let got = got.map_or("one value".into(), |n| format!("a list of {n}"));
        Err((format!(".{name}"), format!("has {got} but the case has {}", describe_rows(rows))))
    };
    if let Some(abs) = &bound.abs {
        count("abs", rows_of_values(abs))?;
    } else if bound.alternative.is_some() {
        return Err((".alternative".into(), "needs an abs bound beside it".into()));
    }
    count("interval", rows_of_intervals(&bound.interval))?;
    let nan_rows: Vec<bool> = Variant::from_key(variant)
        .and_then(|v| case.expected_for(function, v))
        .map(|e| crate::golden::judge::values(&e.value).iter().map(|v| v.is_nan()).collect())
        .unwrap_or_default();
    for (i, (interval, nan)) in intervals(&bound.interval).iter().zip(nan_rows).enumerate() {
        let sub = if rows.is_some() { format!(".interval[{i}]") } else { ".interval".into() };
        match interval {
            None if !nan => {
                return Err((sub, "is null (NaN only) but the expected value is a number".into()))
            }
            Some(_) if nan => return Err((sub, "must be null: the expected value is NaN".into())),
            Some([lo, hi]) if lo.0.is_nan() || hi.0.is_nan() || lo.0 > hi.0 => {
                return Err((sub, format!("is [{}, {}], not an interval with lo <= hi", lo.0, hi.0)))
            }
            _ => {}
        }
    }
    Ok(())
}

fn rows_of_intervals(v: &Intervals) -> Option<usize> {
    match v {
        Intervals::One(_) => None,
        Intervals::Rows(r) => Some(r.len()),
    }
}

/// Checks that `keys` are exactly `wanted` (any order); on failure the offending key and the problem.
fn check_keys(keys: &[&str], wanted: &[&str]) -> Result<(), (String, String)> {
    if let Some(extra) = keys.iter().find(|k| !wanted.contains(k)) {
        return Err((echo(extra), format!("is not expected here (the keys are {})", wanted.join(", "))));
    }
    if let Some(missing) = wanted.iter().find(|w| !keys.contains(w)) {
        return Err((missing.to_string(), format!("is missing (the keys are {})", wanted.join(", "))));
    }
    Ok(())
}
