//! The accuracy audit: the committed report is in step with the code, its figures are stable (snapshot),
//! and every reported worst input re-judged by the arbitrary-precision reference gives the reported error.

use ddpm_golden::audit::cdf::{self, Measure, Subject};
use ddpm_golden::audit::exhaustive::Exhaustive;
use ddpm_golden::audit::loglik::{Config, Pixel};
use ddpm_golden::audit::stats::Summary;
use ddpm_golden::audit::{run, Audit, Precision, Settings};
use ddpm_golden::reference::{self, Variant};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The committed report.
const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/accuracy");

/// The quick audit on the default settings, without the exhaustive section, run once per test binary.
fn quick() -> &'static Audit {
    static AUDIT: OnceLock<Audit> = OnceLock::new();
    AUDIT.get_or_init(|| run(&Settings::quick(), None).expect("quick audit"))
}

/// `|a - b| <= rel * |b|`, with exact agreement required for zeros.
fn close(a: f64, b: f64, rel: f64) -> bool {
    a == b || (a - b).abs() <= rel * b.abs()
}

/// A fresh directory under the system temp dir.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ddpm-golden-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn committed_report_is_up_to_date() {
    // Regenerate the quick report with the binary into a temp dir holding the committed exhaustive result
    // (the exhaustive section is read from it, as `audit` does), then compare with the committed files.
    let out = temp_dir("audit");
    let committed = Path::new(COMMITTED);
    if committed.join("exhaustive.json").exists() {
        std::fs::copy(committed.join("exhaustive.json"), out.join("exhaustive.json")).unwrap();
    }
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_ddpm-golden"))
        .args(["audit", "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    for name in ["report.md", "summary.json"] {
        let fresh = std::fs::read_to_string(out.join(name)).unwrap();
        let old = std::fs::read_to_string(committed.join(name)).unwrap_or_default();
        assert!(
            fresh == old,
            "docs/accuracy/{name} is stale: run `cargo run --release -- audit` and commit (first difference at \
             line {})",
            fresh.lines().zip(old.lines()).position(|(a, b)| a != b).unwrap_or(fresh.lines().count().min(old.lines().count())) + 1
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}

/// Rounds every number of a JSON value to 3 significant digits.
fn round3(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|f| f.fract() != 0.0 || f.abs() >= 1e15) {
                let r: f64 = format!("{f:.2e}").parse().unwrap();
                *v = serde_json::json!(r);
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(round3),
        serde_json::Value::Object(o) => o.values_mut().for_each(round3),
        _ => {}
    }
}

#[test]
fn quick_summary_snapshot() {
    let mut value = serde_json::to_value(quick()).unwrap();
    round3(&mut value);
    insta::assert_snapshot!(serde_json::to_string_pretty(&value).unwrap());
}

/// Checks a summary's maximum against `recompute(worst)` (the error by the reference): the reported
/// reference figure must agree, and the sweep's own figure too when `engine_resolves` (its truth is then
/// accurate enough to resolve the error).
fn check<I: Copy + std::fmt::Debug>(
    what: &str,
    s: &Summary<I>,
    engine_resolves: bool,
    recompute: impl Fn(I) -> f64,
) {
    let truth = recompute(s.worst);
    let reported = s.reference.expect("every maximum is re-judged").0;
    assert!(
        close(reported, truth, 1e-3),
        "{what}: reported {reported} at {:?}, reference gives {truth}",
        s.worst
    );
    if engine_resolves {
        assert!(
            close(s.max.0, truth, 1e-3),
            "{what}: sweep max {} at {:?}, reference gives {truth}",
            s.max.0,
            s.worst
        );
    }
}

/// The error of `subject` at z against `variant`'s exact CDF, by the reference.
fn cdf_error(subject: Subject, variant: Variant, measure: Measure, z: f32) -> f64 {
    let z = f64::from(z);
    let (t, log_t) = match variant {
        Variant::Gaussian => (reference::phi(z).unwrap().value, reference::log_phi(z).unwrap().value),
        Variant::Tanh => (reference::tanh_cdf(z).unwrap().value, reference::log_tanh_cdf(z).unwrap().value),
    };
    cdf::error(measure, subject.precision, subject.eval(z), t, log_t).unwrap()
}

/// The log-likelihood error of `config` at `px` against `variant`, by the reference.
fn loglik_error(config: Config, variant: Variant, px: Pixel) -> f64 {
    let exact = reference::discretized_gaussian_log_likelihood(
        px.x.into(),
        px.mean.into(),
        px.log_scale.into(),
        variant,
    )
    .unwrap()
    .value
    .value;
    (config.evaluate(px).value - exact).abs()
}

#[test]
fn worst_inputs_are_confirmed_by_the_reference() {
    let audit = quick();
    for s in &audit.cdf.subjects {
        let judged = [(Variant::Gaussian, Some(&s.vs_phi)), (Variant::Tanh, s.vs_formula.as_ref())];
        for (variant, j) in judged.iter().filter_map(|(v, j)| j.map(|j| (*v, j))) {
            let f32_precision = s.subject.precision == Precision::F32;
            for (measure, summary) in
                [(Measure::Ulps, &j.ulps), (Measure::Abs, &j.abs), (Measure::Log, &j.log)]
            {
                let what = format!("{} vs {variant:?} {measure:?}", s.subject.name());
                let summary = summary.as_ref().unwrap();
                check(&what, summary, f32_precision, |z| cdf_error(s.subject, variant, measure, z));
            }
        }
    }
    for f in &audit.loglik.families {
        for c in &f.configs {
            let resolves = c.config.precision == Precision::F32;
            let own = c.config.formula();
            for (variant, s) in [(own, &c.vs_formula), (Variant::Gaussian, &c.vs_gaussian)] {
                let Some(s) = s else { continue };
                let what = format!("{} {} vs {variant:?}", f.family.name(), c.config.name());
                check(&what, s, resolves, |px| loglik_error(c.config, variant, px));
            }
        }
        for w in &f.worst {
            let truth = loglik_error(w.config, w.config.formula(), w.pixel);
            assert!(
                close((w.computed.0 - w.exact.0).abs(), truth, 1e-3),
                "worst row {w:?}: reference error {truth}"
            );
        }
    }
    for r in &audit.normal_kl.rows {
        let Some(s) = &r.relative_error else { continue };
        let what = format!(
            "normal_kl {} {} {} d in [{}, {})",
            r.family.name(),
            r.form.name(),
            r.precision.name(),
            r.d_from.0,
            r.d_to.0
        );
        // The accurate KL is good to a few f64 ulps relative: it resolves every error well above that.
        let resolves = r.precision == Precision::F32 || s.max.0 > 1e-12;
        check(&what, s, resolves, |a| {
            let truth = a.reference().unwrap();
            ((a.fast(r.form, r.precision) - truth) / truth).abs()
        });
    }
}

#[test]
fn committed_exhaustive_maxima_are_confirmed_by_the_reference() {
    let path = Path::new(COMMITTED).join("exhaustive.json");
    let Ok(text) = std::fs::read_to_string(&path) else { return };
    let ex: Exhaustive = serde_json::from_str(&text).unwrap();
    assert_eq!(ex.variants.len(), 2);
    for v in &ex.variants {
        let subject = Subject { implementation: cdf::Implementation::from(v.cdf), precision: Precision::F32 };
        let judged = [(Variant::Gaussian, Some(&v.vs_phi)), (Variant::Tanh, v.vs_formula.as_ref())];
        for (variant, j) in judged.iter().filter_map(|(a, j)| j.map(|j| (*a, j))) {
            for (measure, w) in [(Measure::Ulps, &j.ulps), (Measure::Abs, &j.abs), (Measure::Log, &j.log)] {
                let w = w.as_ref().unwrap();
                let truth = cdf_error(subject, variant, measure, w.z);
                assert!(close(w.error.0, truth, 1e-3), "{} {variant:?} {measure:?}: {w:?} vs {truth}", v.cdf);
                assert!(close(w.reference_error.0, truth, 1e-9), "{} {variant:?} {measure:?}: {w:?}", v.cdf);
            }
        }
    }
}

#[test]
fn cli_refuses_unusable_shard_arguments() {
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ddpm-golden"))
            .args(args)
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(run(&["audit", "--shard", "0/2"]), Some(2), "--shard needs --exhaustive");
    assert_eq!(run(&["audit", "--exhaustive", "--shard", "2/2"]), Some(2), "shard index out of range");
    let out = temp_dir("merge");
    let bogus = out.join("bogus.json");
    std::fs::write(&bogus, "{}").unwrap();
    assert_eq!(run(&["audit", "merge", bogus.to_str().unwrap(), "--out", out.to_str().unwrap()]), Some(2));
    let _ = std::fs::remove_dir_all(&out);
}
