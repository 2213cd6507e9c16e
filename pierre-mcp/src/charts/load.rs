//! Training load over time: fitness and fatigue as lines over the daily
//! load (bars, right axis), and form below as bars around zero, green when
//! fresh and orange when fatigued.
//!
//! The numbers are those of get_training_load:
//! `pierre_shared::analysis::load` scores each activity and
//! `analysis::fitness::form_series` runs the model.

use pierre_shared::analysis::fitness::{DayForm, form_series};
use pierre_shared::analysis::load::{ActivityLoad, LoadBasis, activity_load};
use pierre_shared::model::{ActivitySummary, Athlete, LocalDate, round_to};
use plotters::prelude::*;

use super::style::{self, Key, Swatch};
use super::{ChartError, draw_error, render_png};

const FITNESS: RGBColor = style::SERIES[0];
const FATIGUE: RGBColor = style::SERIES[3];
const LOAD: RGBColor = RGBColor(205, 205, 205);
const FRESH: RGBColor = style::SERIES[2];
const TIRED: RGBColor = style::SERIES[1];

/// What the chart shows.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadSeries {
    pub from: LocalDate,
    pub to: LocalDate,
    /// One per day from `from` to `to`, oldest first.
    pub days: Vec<DayForm>,
    /// Activities in the range.
    pub activities: usize,
    /// Defaults standing in for thresholds the profile lacks.
    pub assumed: Vec<String>,
}

/// Scores `activities` and runs the fitness model up to `to`.
///
/// Pass the history from well before `from` (months): fitness starts from
/// zero on the first activity given, so a short history reads low.
pub fn prepare(
    athlete: &Athlete,
    activities: &[ActivitySummary],
    today: LocalDate,
    from: LocalDate,
    to: LocalDate,
) -> LoadSeries {
    let basis = LoadBasis::from_athlete(athlete, today);
    let loads: Vec<ActivityLoad> = activities.iter().map(|a| activity_load(a, &basis)).collect();
    let first = loads.iter().map(|l| l.date).min().unwrap_or(from).min(from);
    let days = form_series(&loads, first, to).into_iter().filter(|d| d.date >= from).collect();
    LoadSeries {
        from,
        to,
        days,
        activities: loads.iter().filter(|l| (from..=to).contains(&l.date)).count(),
        assumed: basis.assumed,
    }
}

impl LoadSeries {
    /// Whether there is anything to draw: some load, or fitness carried
    /// into the range from before it.
    pub fn is_empty(&self) -> bool {
        self.days.iter().all(|d| d.load == 0.0 && d.fitness == 0.0 && d.fatigue == 0.0)
    }

    /// A few lines for the text block beside the image.
    pub fn summary(&self) -> String {
        let days = self.from.days_until(self.to) + 1;
        let mut text =
            format!("Training load {} to {} ({days} days, {} activities).", self.from, self.to, self.activities);
        if let Some(last) = self.days.last() {
            text.push_str(&format!(
                "\nOn {}: fitness {:.0}, fatigue {:.0}, form {:+.0}.",
                last.date,
                last.fitness,
                last.fatigue,
                round_to(last.form, 0)
            ));
        }
        if let Some(peak) = self.days.iter().max_by(|a, b| a.fitness.total_cmp(&b.fitness)) {
            let total: f64 = self.days.iter().map(|d| d.load).sum();
            text.push_str(&format!("\nPeak fitness {:.0} on {}; total load {total:.0}.", peak.fitness, peak.date));
        }
        for note in &self.assumed {
            text.push_str(&format!("\nAssumed: {note}"));
        }
        text
    }
}

/// Draws the chart as a PNG.
///
/// # Errors
/// [`ChartError`] when drawing or encoding fails (not for empty data,
/// which draws as a labelled empty chart).
pub fn render(series: &LoadSeries) -> Result<Vec<u8>, ChartError> {
    render_png(|root| {
        let title = format!("Training load, {} to {}", series.from, series.to);
        let keys = [
            Key { label: "Fitness (42-day)", colour: FITNESS, swatch: Swatch::Line },
            Key { label: "Fatigue (7-day)", colour: FATIGUE, swatch: Swatch::Line },
            Key { label: "Daily load", colour: LOAD, swatch: Swatch::Block },
            Key { label: "Form: fresh", colour: FRESH, swatch: Swatch::Block },
            Key { label: "Form: fatigued", colour: TIRED, swatch: Swatch::Block },
        ];
        let plot = style::header(root, &title, &keys)?;
        if series.is_empty() {
            return style::no_data(&plot, "No training load in this range");
        }
        let (_, height) = plot.dim_in_pixel();
        let (upper, lower) = plot.split_vertically(height * 60 / 100);
        let n = series.days.len() as f64;
        let x_range = -0.5..n - 0.5;

        let peak = series.days.iter().map(|d| d.fitness.max(d.fatigue)).fold(0.0, f64::max);
        let peak_load = series.days.iter().map(|d| d.load).fold(0.0, f64::max);
        let mut chart = ChartBuilder::on(&upper)
            .margin_top(6)
            .margin_right(12)
            .y_label_area_size(70)
            .right_y_label_area_size(70)
            .build_cartesian_2d(x_range.clone(), 0.0..style::nice_ceiling(peak * 1.05, 10.0))
            .map_err(draw_error)?
            .set_secondary_coord(x_range.clone(), 0.0..style::nice_ceiling(peak_load * 1.05, 10.0));
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(6)
            .max_light_lines(0)
            .bold_line_style(style::GRID)
            .axis_style(style::AXIS)
            .label_style(style::text(style::TICK_PX))
            .axis_desc_style(style::text(style::AXIS_DESC_PX))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()
            .map_err(draw_error)?;
        chart
            .configure_secondary_axes()
            .y_labels(6)
            .axis_style(style::AXIS)
            .label_style(style::text(style::TICK_PX))
            .axis_desc_style(style::text(style::AXIS_DESC_PX))
            .y_desc("Daily load (TSS)")
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()
            .map_err(draw_error)?;
        style::left_desc(&upper, chart.plotting_area().get_pixel_range().1, "Fitness, fatigue (TSS/day)")?;
        let half = bar_half_width(series.days.len());
        chart
            .draw_secondary_series(
                series
                    .days
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| d.load > 0.0)
                    .map(|(i, d)| Rectangle::new([(i as f64 - half, 0.0), (i as f64 + half, d.load)], LOAD.filled())),
            )
            .map_err(draw_error)?;
        for (colour, value) in [(FATIGUE, (|d: &DayForm| d.fatigue) as fn(&DayForm) -> f64), (FITNESS, |d| d.fitness)] {
            chart
                .draw_series(LineSeries::new(
                    series.days.iter().enumerate().map(|(i, d)| (i as f64, value(d))),
                    colour.stroke_width(3),
                ))
                .map_err(draw_error)?;
        }

        let swing = series.days.iter().map(|d| d.form.abs()).fold(0.0, f64::max);
        let swing = style::nice_ceiling(swing * 1.05, 10.0);
        // No right axis, but the same right edge as the panel above.
        let mut form = ChartBuilder::on(&lower)
            .margin_top(10)
            .margin_right(12 + 70)
            .margin_bottom(6)
            .x_label_area_size(34)
            .y_label_area_size(70)
            .build_cartesian_2d(x_range, -swing..swing)
            .map_err(draw_error)?;
        let first = series.from;
        form.configure_mesh()
            .disable_x_mesh()
            .x_labels(10)
            .y_labels(5)
            .max_light_lines(0)
            .bold_line_style(style::GRID)
            .axis_style(style::AXIS)
            .label_style(style::text(style::TICK_PX))
            .axis_desc_style(style::text(style::AXIS_DESC_PX))
            .y_label_formatter(&|v| style::signed(*v))
            .x_label_formatter(&|x| style::day_label(first, *x))
            .draw()
            .map_err(draw_error)?;
        style::left_desc(&lower, form.plotting_area().get_pixel_range().1, "Form (TSB)")?;
        form.draw_series(series.days.iter().enumerate().map(|(i, d)| {
            let colour = if d.form >= 0.0 { FRESH } else { TIRED };
            Rectangle::new([(i as f64 - half, 0.0), (i as f64 + half, d.form)], colour.filled())
        }))
        .map_err(draw_error)?;
        form.draw_series(LineSeries::new([(-0.5, 0.0), (n - 0.5, 0.0)], style::AXIS)).map_err(draw_error)?;
        Ok(())
    })
}

/// Half a day's bar width, in days: gaps between bars while they are wide
/// enough to see, touching bars for long ranges.
fn bar_half_width(days: usize) -> f64 {
    if days > 120 { 0.5 } else { 0.36 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testing::{count, decode, keep, synthetic, variance};
    use crate::charts::{HEIGHT, WIDTH};

    fn series(days: i64) -> LoadSeries {
        let data = synthetic();
        let today = data.today();
        prepare(data.athlete(), data.all_activities(), today, today.add_days(1 - days), today)
    }

    #[test]
    fn the_series_has_one_day_each_and_carries_fitness_in() {
        let s = series(28);
        assert_eq!(s.days.len(), 28);
        assert_eq!(s.days[0].date, s.from);
        assert_eq!(s.days[27].date, s.to);
        // A year of history before the range: fitness is well above zero
        // on its first day (it would be ~0 if the history started there).
        assert!(s.days[0].fitness > 10.0, "{:?}", s.days[0]);
        assert!(s.activities > 5);
        assert!(s.summary().contains("fitness"), "{}", s.summary());
    }

    #[test]
    fn renders_a_png_of_the_expected_size_that_is_not_blank() {
        for days in [28, 180] {
            let bytes = render(&series(days)).unwrap();
            keep(&format!("load-{days}"), &bytes);
            let (w, h, rgb) = decode(&bytes);
            assert_eq!((w, h), (WIDTH, HEIGHT));
            assert!(variance(&rgb) > 200.0, "variance {}", variance(&rgb));
            assert!(count(&rgb, FITNESS) > 500, "the fitness line is drawn");
            assert!(count(&rgb, FATIGUE) > 500, "the fatigue line is drawn");
            assert!(bytes.len() < 60_000, "{} bytes", bytes.len());
        }
    }

    #[test]
    fn no_activities_draws_a_labelled_empty_chart() {
        let data = synthetic();
        let today = data.today();
        let s = prepare(data.athlete(), &[], today, today.add_days(-27), today);
        assert!(s.is_empty());
        let bytes = render(&s).unwrap();
        keep("load-empty", &bytes);
        let (w, h, rgb) = decode(&bytes);
        assert_eq!((w, h), (WIDTH, HEIGHT));
        assert!(count(&rgb, FITNESS) < 200, "the legend only, no line");
        assert!(variance(&rgb) > 0.0, "the title and the label are there");
    }
}
