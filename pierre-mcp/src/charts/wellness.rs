//! Sleep and recovery over time: each night's sleep stages as stacked bars
//! (hours), and below, the morning recovery score (left axis, 0–100) and
//! HRV (right axis, ms) as lines with gaps where a day has no reading.
//!
//! HRV comes from the recovery record, else from the night's sleep (Oura
//! and Fitbit report it with sleep), so every provider draws something.

use std::collections::BTreeMap;

use pierre_shared::model::{LocalDate, Recovery, SleepSession};
use plotters::prelude::*;

use super::style::{self, Key, Swatch};
use super::{Canvas, ChartError, draw_error, render_png};

const DEEP: RGBColor = RGBColor(0, 70, 140);
const REM: RGBColor = style::SERIES[3];
const LIGHT: RGBColor = style::SERIES[4];
const AWAKE: RGBColor = style::SERIES[1];
/// A night with a duration but no stages.
const ASLEEP: RGBColor = style::SERIES[0];
const SCORE: RGBColor = style::SERIES[2];
const HRV: RGBColor = style::SERIES[5];

/// One night, in hours.
#[derive(Debug, Clone, PartialEq)]
pub struct Night {
    /// The morning it ended.
    pub date: LocalDate,
    pub asleep_h: f64,
    /// Deep, REM, light, awake: bottom to top of the bar.
    pub stages_h: Option<[f64; 4]>,
}

/// One morning's readings.
#[derive(Debug, Clone, PartialEq)]
pub struct Morning {
    pub date: LocalDate,
    pub score: Option<f64>,
    pub hrv_ms: Option<f64>,
}

/// What the chart shows.
#[derive(Debug, Clone, PartialEq)]
pub struct WellnessSeries {
    pub from: LocalDate,
    pub to: LocalDate,
    /// Oldest first; nights the provider has no record of are absent.
    pub nights: Vec<Night>,
    /// Oldest first; days with neither a score nor HRV are absent.
    pub mornings: Vec<Morning>,
}

/// Lines up sleep and recovery records of `from` to `to` by date.
pub fn prepare(sleep: &[SleepSession], recovery: &[Recovery], from: LocalDate, to: LocalDate) -> WellnessSeries {
    let hours = |s: u32| f64::from(s) / 3600.0;
    let in_range = |d: &LocalDate| (from..=to).contains(d);
    let mut nights: BTreeMap<LocalDate, Night> = BTreeMap::new();
    let mut sleep_hrv: BTreeMap<LocalDate, f64> = BTreeMap::new();
    for s in sleep.iter().filter(|s| in_range(&s.date)) {
        // A night the provider has not scored has no sleep to draw.
        let Some(asleep_s) = s.asleep_s else { continue };
        // Naps and split nights: the longest sleep of a date stands for it.
        let night = Night {
            date: s.date,
            asleep_h: hours(asleep_s),
            stages_h: s
                .stages
                .as_ref()
                .map(|st| [hours(st.deep_s), hours(st.rem_s), hours(st.light_s), hours(st.awake_s)]),
        };
        if nights.get(&s.date).is_none_or(|n| n.asleep_h < night.asleep_h) {
            nights.insert(s.date, night);
            if let Some(hrv) = s.average_hrv_ms {
                sleep_hrv.insert(s.date, hrv);
            }
        }
    }
    let mut mornings: BTreeMap<LocalDate, Morning> = BTreeMap::new();
    for r in recovery.iter().filter(|r| in_range(&r.date)) {
        mornings.insert(r.date, Morning { date: r.date, score: r.score.map(f64::from), hrv_ms: r.hrv_ms });
    }
    for (date, hrv) in sleep_hrv {
        let m = mornings.entry(date).or_insert(Morning { date, score: None, hrv_ms: None });
        m.hrv_ms = m.hrv_ms.or(Some(hrv));
    }
    WellnessSeries {
        from,
        to,
        nights: nights.into_values().collect(),
        mornings: mornings.into_values().filter(|m| m.score.is_some() || m.hrv_ms.is_some()).collect(),
    }
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0u32), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / f64::from(n))
}

impl WellnessSeries {
    pub fn is_empty(&self) -> bool {
        self.nights.is_empty() && self.mornings.is_empty()
    }

    fn x(&self, date: LocalDate) -> f64 {
        self.from.days_until(date) as f64
    }

    /// A few lines for the text block beside the image.
    pub fn summary(&self) -> String {
        let days = self.from.days_until(self.to) + 1;
        let mut text = format!("Sleep and recovery {} to {} ({days} days).", self.from, self.to);
        if let (Some(avg), Some(last)) = (mean(self.nights.iter().map(|n| n.asleep_h)), self.nights.last()) {
            text.push_str(&format!(
                "\nSleep: {} nights, {avg:.1} h asleep on average; {:.1} h the night to {}.",
                self.nights.len(),
                last.asleep_h,
                last.date
            ));
            let staged: Vec<[f64; 4]> = self.nights.iter().filter_map(|n| n.stages_h).collect();
            if let (Some(deep), Some(rem)) = (mean(staged.iter().map(|s| s[0])), mean(staged.iter().map(|s| s[1]))) {
                text.push_str(&format!(" Average deep {deep:.1} h, REM {rem:.1} h."));
            }
        } else {
            text.push_str("\nNo sleep records.");
        }
        for (name, unit, value) in [
            ("Recovery score", "", (|m: &Morning| m.score) as fn(&Morning) -> Option<f64>),
            ("HRV", " ms", |m| m.hrv_ms),
        ] {
            let last = self.mornings.iter().rev().find_map(|m| value(m).map(|v| (m.date, v)));
            match (last, mean(self.mornings.iter().filter_map(value))) {
                (Some((date, v)), Some(avg)) => {
                    text.push_str(&format!("\n{name}: {v:.0}{unit} on {date}, {avg:.0}{unit} on average."));
                }
                _ => text.push_str(&format!("\n{name}: no readings.")),
            }
        }
        text
    }
}

/// Draws the chart as a PNG.
///
/// # Errors
/// [`ChartError`] when drawing or encoding fails (not for empty data,
/// which draws as a labelled empty chart).
pub fn render(series: &WellnessSeries) -> Result<Vec<u8>, ChartError> {
    render_png(|root| {
        let title = format!("Sleep and recovery, {} to {}", series.from, series.to);
        let mut keys = Vec::new();
        if series.nights.iter().any(|n| n.stages_h.is_some()) {
            for (label, colour) in [("Deep", DEEP), ("REM", REM), ("Light", LIGHT), ("Awake", AWAKE)] {
                keys.push(Key { label, colour, swatch: Swatch::Block });
            }
        }
        if series.nights.iter().any(|n| n.stages_h.is_none()) {
            keys.push(Key { label: "Asleep", colour: ASLEEP, swatch: Swatch::Block });
        }
        keys.push(Key { label: "Recovery score", colour: SCORE, swatch: Swatch::Line });
        keys.push(Key { label: "HRV", colour: HRV, swatch: Swatch::Line });
        let plot = style::header(root, &title, &keys)?;
        if series.is_empty() {
            return style::no_data(&plot, "No sleep or recovery records in this range");
        }
        let (_, height) = plot.dim_in_pixel();
        let (upper, lower) = plot.split_vertically(height * 55 / 100);
        draw_sleep(series, &upper)?;
        draw_recovery(series, &lower)
    })
}

/// Left and right label areas, the same in both panels so their days line up.
const LABEL_AREA: u32 = 70;

fn draw_sleep(series: &WellnessSeries, area: &Canvas<'_>) -> Result<(), ChartError> {
    let days = series.from.days_until(series.to) + 1;
    let x_range = -0.5..days as f64 - 0.5;
    let tallest = series.nights.iter().map(|n| n.stages_h.map_or(n.asleep_h, |s| s.iter().sum())).fold(0.0, f64::max);
    // No right axis, but the same right edge as the panel below.
    let mut chart = ChartBuilder::on(area)
        .margin_top(6)
        .margin_right(12 + LABEL_AREA)
        .y_label_area_size(LABEL_AREA)
        .build_cartesian_2d(x_range, 0.0..style::nice_ceiling(tallest * 1.05, 8.0))
        .map_err(draw_error)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(8)
        .max_light_lines(0)
        .bold_line_style(style::GRID)
        .axis_style(style::AXIS)
        .label_style(style::text(style::TICK_PX))
        .axis_desc_style(style::text(style::AXIS_DESC_PX))
        .y_label_formatter(&|v| format!("{v}"))
        .draw()
        .map_err(draw_error)?;
    style::left_desc(area, chart.plotting_area().get_pixel_range().1, "Sleep (h)")?;
    let half = if days > 60 { 0.42 } else { 0.34 };
    let mut bars = Vec::new();
    for night in &series.nights {
        let x = series.x(night.date);
        let parts: Vec<(f64, RGBColor)> = match night.stages_h {
            Some(s) => vec![(s[0], DEEP), (s[1], REM), (s[2], LIGHT), (s[3], AWAKE)],
            None => vec![(night.asleep_h, ASLEEP)],
        };
        let mut base = 0.0;
        for (h, colour) in parts.into_iter().filter(|(h, _)| *h > 0.0) {
            bars.push(Rectangle::new([(x - half, base), (x + half, base + h)], colour.filled()));
            base += h;
        }
    }
    chart.draw_series(bars).map_err(draw_error)?;
    Ok(())
}

fn draw_recovery(series: &WellnessSeries, area: &Canvas<'_>) -> Result<(), ChartError> {
    let days = series.from.days_until(series.to) + 1;
    let x_range = -0.5..days as f64 - 0.5;
    let top_hrv = series.mornings.iter().filter_map(|m| m.hrv_ms).fold(0.0, f64::max);
    let mut chart = ChartBuilder::on(area)
        .margin_top(10)
        .margin_right(12)
        .margin_bottom(6)
        .x_label_area_size(34)
        .y_label_area_size(LABEL_AREA)
        .right_y_label_area_size(LABEL_AREA)
        .build_cartesian_2d(x_range.clone(), 0.0..100.0)
        .map_err(draw_error)?
        .set_secondary_coord(x_range, 0.0..style::nice_ceiling(top_hrv * 1.1, 20.0));
    let first = series.from;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(10)
        .y_labels(5)
        .max_light_lines(0)
        .bold_line_style(style::GRID)
        .axis_style(style::AXIS)
        .label_style(style::text(style::TICK_PX))
        .axis_desc_style(style::text(style::AXIS_DESC_PX))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .x_label_formatter(&|x| style::day_label(first, *x))
        .draw()
        .map_err(draw_error)?;
    style::left_desc(area, chart.plotting_area().get_pixel_range().1, "Recovery score (0-100)")?;
    chart
        .configure_secondary_axes()
        .y_labels(5)
        .axis_style(style::AXIS)
        .label_style(style::text(style::TICK_PX))
        .axis_desc_style(style::text(style::AXIS_DESC_PX))
        .y_desc("HRV, RMSSD (ms)")
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()
        .map_err(draw_error)?;
    let score = runs(series, |m| m.score);
    let hrv = runs(series, |m| m.hrv_ms);
    let dots = days <= 45;
    for run in score {
        chart.draw_series(LineSeries::new(run.clone(), SCORE.stroke_width(3))).map_err(draw_error)?;
        if dots || run.len() == 1 {
            chart.draw_series(run.into_iter().map(|p| Circle::new(p, 4, SCORE.filled()))).map_err(draw_error)?;
        }
    }
    for run in hrv {
        chart.draw_secondary_series(LineSeries::new(run.clone(), HRV.stroke_width(3))).map_err(draw_error)?;
        if dots || run.len() == 1 {
            chart
                .draw_secondary_series(run.into_iter().map(|p| Circle::new(p, 4, HRV.filled())))
                .map_err(draw_error)?;
        }
    }
    Ok(())
}

/// The points of one reading, split where a day has none, so a line never
/// bridges a gap in the data.
fn runs(series: &WellnessSeries, value: fn(&Morning) -> Option<f64>) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut last_x = f64::NEG_INFINITY;
    for m in &series.mornings {
        let Some(v) = value(m) else { continue };
        let x = series.x(m.date);
        match runs.last_mut() {
            Some(run) if x - last_x <= 1.0 => run.push((x, v)),
            _ => runs.push(vec![(x, v)]),
        }
        last_x = x;
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testing::{count, decode, keep, synthetic, variance};
    use crate::charts::{HEIGHT, WIDTH};

    fn series(days: i64) -> WellnessSeries {
        let data = synthetic();
        let (from, to) = (data.today().add_days(1 - days), data.today());
        prepare(&data.sleep(from, to), &data.recovery(from, to), from, to)
    }

    #[test]
    fn nights_and_mornings_line_up_oldest_first() {
        let s = series(28);
        assert!(!s.nights.is_empty() && !s.mornings.is_empty());
        assert!(s.nights.windows(2).all(|w| w[0].date < w[1].date));
        assert!(s.mornings.windows(2).all(|w| w[0].date < w[1].date));
        assert!(s.nights.iter().all(|n| (s.from..=s.to).contains(&n.date)));
        let summary = s.summary();
        assert!(summary.contains("h asleep on average"), "{summary}");
        assert!(summary.contains("HRV"), "{summary}");
    }

    #[test]
    fn a_missing_day_breaks_the_line() {
        let d = |i| LocalDate::parse("2025-11-01").unwrap().add_days(i);
        let s = WellnessSeries {
            from: d(0),
            to: d(5),
            nights: Vec::new(),
            mornings: [0, 1, 3, 4].map(|i| Morning { date: d(i), score: Some(50.0), hrv_ms: None }).into(),
        };
        assert_eq!(runs(&s, |m| m.score), vec![vec![(0.0, 50.0), (1.0, 50.0)], vec![(3.0, 50.0), (4.0, 50.0)]]);
        assert!(runs(&s, |m| m.hrv_ms).is_empty());
    }

    #[test]
    fn hrv_falls_back_to_the_nights() {
        let data = synthetic();
        let (from, to) = (data.today().add_days(-6), data.today());
        let sleep = data.sleep(from, to);
        let s = prepare(&sleep, &[], from, to);
        let with_hrv = sleep.iter().filter(|n| n.average_hrv_ms.is_some()).count();
        assert_eq!(s.mornings.len(), with_hrv);
        assert!(s.mornings.iter().all(|m| m.score.is_none()));
    }

    #[test]
    fn renders_a_png_of_the_expected_size_that_is_not_blank() {
        for days in [28, 92] {
            let bytes = render(&series(days)).unwrap();
            keep(&format!("wellness-{days}"), &bytes);
            let (w, h, rgb) = decode(&bytes);
            assert_eq!((w, h), (WIDTH, HEIGHT));
            assert!(variance(&rgb) > 200.0, "variance {}", variance(&rgb));
            assert!(count(&rgb, LIGHT) > 2_000, "light sleep bars are drawn");
            assert!(count(&rgb, SCORE) > 300, "the recovery line is drawn");
            assert!(bytes.len() < 60_000, "{} bytes", bytes.len());
        }
    }

    #[test]
    fn no_records_draw_a_labelled_empty_chart() {
        let data = synthetic();
        let s = prepare(&[], &[], data.today().add_days(-27), data.today());
        assert!(s.is_empty());
        let (w, h, rgb) = decode(&render(&s).unwrap());
        assert_eq!((w, h), (WIDTH, HEIGHT));
        assert_eq!(count(&rgb, LIGHT), 0);
        assert!(variance(&rgb) > 0.0);
    }
}
