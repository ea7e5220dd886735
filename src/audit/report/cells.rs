//! How figures print in the report: 3 significant digits, inputs in their shortest round-trip form, `-`
//! where a figure does not exist. Every reported maximum goes through [`judged`], which marks in the cell
//! a figure whose truth is not the reference (`[engine]`), as SciPy's xsref marks a `fallback` value.

use super::super::stats::{Fig, Summary, Truth};

/// A figure with 3 significant digits (plain notation between 1e-3 and 1e5).
pub(super) fn num(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v == 0.0 {
        return "0".into();
    }
    let mag = libm::floor(libm::log10(v.abs()));
    if (-3.0..5.0).contains(&mag) {
        let decimals = (2.0 - mag).max(0.0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.2e}")
    }
}

/// [`num`] of a figure.
pub(super) fn fig(f: Fig) -> String {
    num(f.0)
}

/// An input z (an f32) in its shortest round-trip form, in scientific notation when tiny or huge.
pub(super) fn input(z: f32) -> String {
    if z == 0.0 || (1e-4..1e6).contains(&z.abs()) {
        format!("{z}")
    } else {
        format!("{z:e}")
    }
}

/// A maximum with the mark of its truth: plain when the reference judged every input, `[engine]` when
/// the f64 engine located it (the reference valued it at the input found).
pub(super) fn judged(value: f64, truth: Truth) -> String {
    marked(num(value), truth)
}

/// Any figure decided by `truth` (a maximum, a count against a threshold), marked as in [`judged`].
pub(super) fn marked(figure: String, truth: Truth) -> String {
    match truth {
        Truth::Reference => figure,
        Truth::Engine => format!("{figure} [engine]"),
    }
}

/// A summary's maximum with the mark of its truth, `-` for an empty sweep.
pub(super) fn max<I>(s: Option<&Summary<I>>) -> String {
    s.map_or("-".into(), |s| judged(s.max.0, s.truth))
}

/// A half-open range of figures, `[from, to)`.
pub(super) fn range(from: Fig, to: Fig) -> String {
    format!("[{}, {})", fig(from), fig(to))
}

/// `f` of a value, `-` when there is none.
pub(super) fn or_dash<T>(v: Option<T>, f: impl FnOnce(T) -> String) -> String {
    v.map_or("-".into(), f)
}

/// The serialized (kebab-case) name of a unit enum variant.
pub(super) fn kebab<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_keep_three_significant_digits() {
        let shown: Vec<String> = [0.0, 1.234_5e-7, 0.001_234, 2.5, 12_345.6, 1.5e5, f64::NEG_INFINITY]
            .into_iter()
            .map(num)
            .collect();
        assert_eq!(shown, ["0", "1.23e-7", "0.00123", "2.50", "12346", "1.50e5", "-inf"]);
        assert_eq!((input(-9.522_295), input(1e-7)), ("-9.522295".into(), "1e-7".into()));
    }

    #[test]
    fn a_maximum_not_judged_by_the_reference_is_marked_in_its_cell() {
        assert_eq!(judged(6.5e-8, Truth::Reference), "6.50e-8");
        assert_eq!(judged(6.5e-8, Truth::Engine), "6.50e-8 [engine]");
    }
}
