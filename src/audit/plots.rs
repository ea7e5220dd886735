//! The report's SVG plots (plotters, SVG backend; text is left to the SVG viewer's fonts, so no font
//! library is needed): CDF error against z, log-likelihood error heatmaps, bits/dim by configuration.

use super::cdf::{self, Curve};
use super::loglik::{self, Heatmap, LoglikAudit};
use super::Precision;
use plotters::prelude::*;

/// Plot size in pixels.
const SIZE: (u32, u32) = (960, 720);
/// Floor of the log-scale error axes: zero errors are drawn here.
const FLOOR: f64 = 1e-18;

/// A plotting failure, as text (plotters' error types borrow the backend).
fn failed(e: impl std::fmt::Display) -> crate::Error {
    crate::Error::Unusable { file: "plot".into(), field: "svg".into(), problem: e.to_string() }
}

/// Line colours, one per curve.
const PALETTE: [RGBColor; 6] = [
    RGBColor(120, 120, 120),
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
];

/// Two panels (f32 above, f64 below) of error envelopes against z on a log axis.
fn error_plot(title: &str, y_label: &str, curves: &[Curve]) -> Result<String, crate::Error> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let root = root.titled(title, ("sans-serif", 22)).map_err(failed)?;
        for (panel, precision) in root.split_evenly((2, 1)).iter().zip(Precision::NATIVE) {
            let mut chart = ChartBuilder::on(panel)
                .caption(format!("evaluated in {}", precision.name()), ("sans-serif", 16))
                .margin(8)
                .margin_right(24)
                .x_label_area_size(36)
                .y_label_area_size(64)
                .build_cartesian_2d(-10.0..10.0, (FLOOR..10.0).log_scale())
                .map_err(failed)?;
            chart
                .configure_mesh()
                .x_desc("z")
                .y_desc(y_label)
                .y_labels(20)
                .y_label_formatter(&|v| format!("{v:.0e}"))
                .draw()
                .map_err(failed)?;
            // The exact tanh formula (precision None) last and thin, on top of the tanh curves it explains.
            let order = curves.iter().enumerate().filter(|(_, c)| c.precision == Some(precision));
            for (i, curve) in order.chain(curves.iter().enumerate().filter(|(_, c)| c.precision.is_none())) {
                let (color, width) =
                    if curve.precision.is_none() { (BLACK, 1) } else { (PALETTE[i % PALETTE.len()], 2) };
                // A NaN error (kept by the envelope) is drawn on the ceiling, as the worst possible.
                let points = curve
                    .points
                    .iter()
                    .map(|&(z, e)| (z, if e.is_nan() { 10.0 } else { e.clamp(FLOOR, 10.0) }));
                chart
                    .draw_series(LineSeries::new(points, color.stroke_width(width)))
                    .map_err(failed)?
                    .label(curve.name.clone())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(width))
                    });
            }
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .position(SeriesLabelPosition::UpperLeft)
                .draw()
                .map_err(failed)?;
        }
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// A colour for `t` in [0, 1] on a viridis-like ramp.
fn ramp(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let x = t.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f64;
    let mix = |a: f64, b: f64| (a + (b - a) * f).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Colour range of the heatmaps: log10 of the error in nats.
const HEAT_RANGE: (f64, f64) = (-9.0, 1.0);

/// The colour of a heatmap cell whose error is NaN (a NaN result): magenta, outside the ramp.
const NAN_COLOUR: RGBColor = RGBColor(255, 0, 255);

/// The colour of a heatmap cell: the ramp over [`HEAT_RANGE`] (errors beyond it at its ends), NaN apart.
fn heat_colour(e: f64) -> RGBColor {
    if e.is_nan() {
        NAN_COLOUR
    } else {
        ramp((libm::log10(e.max(1e-300)) - HEAT_RANGE.0) / (HEAT_RANGE.1 - HEAT_RANGE.0))
    }
}

/// One heatmap with a colour bar.
fn heatmap_plot(map: &Heatmap) -> Result<String, crate::Error> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let (main, bar) = root.split_horizontally(SIZE.0 - 110);
        let half_u = 0.5 * (map.offsets[1] - map.offsets[0]);
        let half_s = 0.5 * (map.log_scales[1] - map.log_scales[0]);
        let (u0, u1) = (map.offsets[0] - half_u, map.offsets[map.offsets.len() - 1] + half_u);
        let (s0, s1) = (map.log_scales[0] - half_s, map.log_scales[map.log_scales.len() - 1] + half_s);
        let mut chart = ChartBuilder::on(&main)
            .caption(format!("log-likelihood error, {} (interior pixels)", map.title), ("sans-serif", 20))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(u0..u1, s0..s1)
            .map_err(failed)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("(x - mean) / scale")
            .y_desc("log_scale")
            .label_style(("sans-serif", 16))
            .draw()
            .map_err(failed)?;
        let cells = map.error.iter().zip(&map.log_scales).flat_map(|(row, &s)| {
            row.iter().zip(&map.offsets).map(move |(&e, &u)| {
                Rectangle::new([(u - half_u, s - half_s), (u + half_u, s + half_s)], heat_colour(e).filled())
            })
        });
        chart.draw_series(cells).map_err(failed)?;
        // The colour bar above, the NaN swatch below it.
        let (bar, nan) = bar.split_vertically(SIZE.1 - 90);
        let mut legend = ChartBuilder::on(&bar)
            .caption("log10 nats", ("sans-serif", 14))
            .margin_top(40)
            .margin_bottom(10)
            .y_label_area_size(40)
            .build_cartesian_2d(0.0..1.0, HEAT_RANGE.0..HEAT_RANGE.1)
            .map_err(failed)?;
        legend
            .configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .y_label_style(("sans-serif", 14))
            .draw()
            .map_err(failed)?;
        let steps = 50;
        let span = HEAT_RANGE.1 - HEAT_RANGE.0;
        legend
            .draw_series((0..steps).map(|k| {
                let lo = HEAT_RANGE.0 + span * k as f64 / steps as f64;
                let hi = lo + span / steps as f64;
                Rectangle::new([(0.0, lo), (1.0, hi)], ramp((k as f64 + 0.5) / steps as f64).filled())
            }))
            .map_err(failed)?;
        nan.draw(&Rectangle::new([(45, 10), (75, 34)], NAN_COLOUR.filled())).map_err(failed)?;
        nan.draw(&Text::new("NaN", (80, 14), ("sans-serif", 14))).map_err(failed)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// Horizontal bars of |bits/dim - exact Gaussian bits/dim| per configuration and family (log axis), each
/// labelled above with its configuration and signed difference.
fn bits_plot(audit: &LoglikAudit) -> Result<String, crate::Error> {
    let mut bars: Vec<(String, f64)> = Vec::new();
    for f in &audit.families {
        let exact_tanh = f.exact_tanh_bits_per_dim.0 - f.exact_bits_per_dim.0;
        bars.push((format!("{}: tanh formula, exact", f.family.name()), exact_tanh));
        for c in &f.configs {
            bars.push((format!("{}: {}", f.family.name(), c.config.name()), c.minus_exact_gaussian.0));
        }
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let n = bars.len();
        let mut chart = ChartBuilder::on(&root)
            .caption("bits/dim minus the exact bits/dim of the true Gaussian decoder", ("sans-serif", 20))
            .margin(14)
            .margin_right(30)
            .x_label_area_size(40)
            .build_cartesian_2d((1e-16..10.0).log_scale(), 0.0..n as f64)
            .map_err(failed)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .disable_y_axis()
            .x_desc("|difference| (bits/dim); red: above exact, blue: below")
            .x_label_formatter(&|v| format!("{v:.0e}"))
            .label_style(("sans-serif", 16))
            .draw()
            .map_err(failed)?;
        for (i, (label, d)) in bars.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let len = d.abs().clamp(1e-16, 10.0);
            let color = if *d >= 0.0 { PALETTE[4] } else { PALETTE[1] };
            chart
                .draw_series([Rectangle::new([(1e-16, y + 0.1), (len, y + 0.5)], color.filled())])
                .map_err(failed)?;
            chart
                .draw_series([Text::new(
                    format!("{label}: {d:+.3e}"),
                    (1.5e-16, y + 0.93),
                    ("sans-serif", 14),
                )])
                .map_err(failed)?;
        }
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// Every plot of the report as `(file name, SVG text)`.
pub fn render(audit: &LoglikAudit) -> Result<Vec<(String, String)>, crate::Error> {
    let (abs, tail) = cdf::curves()?;
    let mut files = vec![
        (
            "cdf_abs_error.svg".to_string(),
            error_plot("|F(z) - Phi(z)| (max per bin of 0.05)", "absolute error", &abs)?,
        ),
        (
            "cdf_tail_error.svg".to_string(),
            error_plot(
                "relative error of the tail min(F, 1 - F) (max per bin of 0.05)",
                "relative error",
                &tail,
            )?,
        ),
    ];
    let names = [
        "loglik_heatmap_erf_f32.svg",
        "loglik_heatmap_tanh_f32.svg",
        "loglik_heatmap_tanh_f32_vs_gaussian.svg",
        "loglik_heatmap_stable_f32.svg",
    ];
    for (name, map) in names.iter().zip(loglik::heatmaps()?) {
        files.push((name.to_string(), heatmap_plot(&map)?));
    }
    files.push(("bits_per_dim.svg".to_string(), bits_plot(audit)?));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nan_cell_is_drawn_in_its_own_colour_with_a_legend_entry() {
        let map = Heatmap {
            title: "test".into(),
            offsets: vec![0.0, 1.0],
            log_scales: vec![-1.0, 0.0],
            error: vec![vec![1e-3, f64::NAN], vec![f64::INFINITY, 0.0]],
        };
        let svg = heatmap_plot(&map).unwrap();
        let magenta = "fill=\"#FF00FF\"";
        // One cell and the legend swatch; infinite and zero errors take the ramp's ends, not magenta.
        assert_eq!(svg.matches(magenta).count(), 2, "{svg}");
        assert!(svg.contains("\nNaN\n"), "the legend names the NaN colour");
        assert_eq!(heat_colour(f64::INFINITY), ramp(1.0));
    }
}
