//! Weekly volume by sport: one stacked bar per Monday-to-Sunday week, in
//! hours of moving time.
//!
//! Hours, not kilometres: every sport has a duration, while strength,
//! yoga or a swim's distance would be missing or out of scale next to a
//! ride. The text summary gives the kilometres as well.

use std::collections::BTreeMap;

use pierre_shared::model::{ActivitySummary, LocalDate};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{self, Key, Swatch};
use super::{ChartError, draw_error, render_png};

/// Sports drawn in their own colour; the rest share "other".
const MAX_SPORTS: usize = 6;

/// Weeks up to which each bar gets its total written above it.
const LABELLED_WEEKS: usize = 26;

/// One sport's (or "other"'s) hours per week.
#[derive(Debug, Clone, PartialEq)]
pub struct SportHours {
    /// Readable name: "Trail run", "Other".
    pub label: String,
    /// Aligned with [`VolumeSeries::weeks`].
    pub hours: Vec<f64>,
    pub distance_km: f64,
    pub activities: usize,
    /// The sports past the first few, together ("Other").
    pub merged: bool,
}

/// What the chart shows.
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeSeries {
    /// First and last day of each week, oldest first.
    pub weeks: Vec<(LocalDate, LocalDate)>,
    /// Most hours first; "Other" last.
    pub sports: Vec<SportHours>,
}

/// Sums moving time per sport and week.
pub fn prepare(activities: &[ActivitySummary], weeks: &[(LocalDate, LocalDate)]) -> VolumeSeries {
    let mut by_sport: BTreeMap<String, SportHours> = BTreeMap::new();
    for a in activities {
        let day = a.start_time.local_date();
        let Some(week) = weeks.iter().position(|(start, end)| (*start..=*end).contains(&day)) else {
            continue;
        };
        let entry = by_sport.entry(a.sport.as_str().to_owned()).or_insert_with(|| SportHours {
            label: sport_label(a.sport.as_str()),
            hours: vec![0.0; weeks.len()],
            distance_km: 0.0,
            activities: 0,
            merged: false,
        });
        entry.hours[week] += f64::from(a.moving_time_s) / 3600.0;
        entry.distance_km += a.distance_m.unwrap_or(0.0) / 1000.0;
        entry.activities += 1;
    }
    let mut sports: Vec<SportHours> = by_sport.into_values().collect();
    let total = |s: &SportHours| s.hours.iter().sum::<f64>();
    sports.sort_by(|a, b| total(b).total_cmp(&total(a)));
    if sports.len() > MAX_SPORTS {
        let rest = sports.split_off(MAX_SPORTS - 1);
        let mut other = SportHours {
            label: "Other".to_owned(),
            hours: vec![0.0; weeks.len()],
            distance_km: 0.0,
            activities: 0,
            merged: true,
        };
        for s in rest {
            for (o, h) in other.hours.iter_mut().zip(&s.hours) {
                *o += h;
            }
            other.distance_km += s.distance_km;
            other.activities += s.activities;
        }
        sports.push(other);
    }
    VolumeSeries { weeks: weeks.to_vec(), sports }
}

/// "trail_run" → "Trail run"; a provider's own name is kept readable too.
fn sport_label(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Unknown".to_owned(),
    }
}

impl VolumeSeries {
    pub fn is_empty(&self) -> bool {
        self.sports.is_empty()
    }

    /// Hours of each week, all sports together.
    pub fn week_totals(&self) -> Vec<f64> {
        (0..self.weeks.len()).map(|w| self.sports.iter().map(|s| s.hours[w]).sum()).collect()
    }

    /// A few lines for the text block beside the image.
    pub fn summary(&self) -> String {
        let (Some(first), Some(last)) = (self.weeks.first(), self.weeks.last()) else {
            return "No weeks.".to_owned();
        };
        let totals = self.week_totals();
        let hours: f64 = totals.iter().sum();
        let mut text = format!(
            "Weekly moving time by sport, {} weeks from {} to {}: {hours:.1} h in all, {:.1} h a week on average.",
            self.weeks.len(),
            first.0,
            last.1,
            hours / self.weeks.len() as f64
        );
        if let Some(latest) = totals.last() {
            text.push_str(&format!("\nThe latest week (from {}): {latest:.1} h.", last.0));
        }
        let parts: Vec<String> = self
            .sports
            .iter()
            .map(|s| {
                let h: f64 = s.hours.iter().sum();
                if s.distance_km > 0.0 {
                    format!("{} {h:.1} h, {:.0} km ({})", s.label, s.distance_km, s.activities)
                } else {
                    format!("{} {h:.1} h ({})", s.label, s.activities)
                }
            })
            .collect();
        if !parts.is_empty() {
            text.push_str(&format!("\nBy sport (activities): {}.", parts.join("; ")));
        }
        text
    }
}

/// The colour of the `i`th sport: "Other" is always grey.
fn colour(series: &VolumeSeries, i: usize) -> RGBColor {
    if series.sports[i].merged { style::SERIES[6] } else { style::SERIES[i % 6] }
}

/// Draws the chart as a PNG.
///
/// # Errors
/// [`ChartError`] when drawing or encoding fails (not for empty data,
/// which draws as a labelled empty chart).
pub fn render(series: &VolumeSeries) -> Result<Vec<u8>, ChartError> {
    render_png(|root| {
        let title = match (series.weeks.first(), series.weeks.last()) {
            (Some(first), Some(last)) => {
                format!("Weekly training time by sport, {} to {}", first.0, last.1)
            }
            _ => "Weekly training time by sport".to_owned(),
        };
        let keys: Vec<Key<'_>> = series
            .sports
            .iter()
            .enumerate()
            .map(|(i, s)| Key { label: &s.label, colour: colour(series, i), swatch: Swatch::Block })
            .collect();
        let plot = style::header(root, &title, &keys)?;
        if series.is_empty() {
            return style::no_data(&plot, "No activities in these weeks");
        }
        let totals = series.week_totals();
        let n = series.weeks.len();
        let peak = totals.iter().copied().fold(0.0, f64::max);
        let mut chart = ChartBuilder::on(&plot)
            .margin_top(8)
            .margin_right(24)
            .margin_bottom(6)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5..n as f64 - 0.5, 0.0..style::nice_ceiling(peak * 1.1, 1.0))
            .map_err(draw_error)?;
        let weeks = series.weeks.clone();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.min(14))
            .y_labels(8)
            .max_light_lines(0)
            .bold_line_style(style::GRID)
            .axis_style(style::AXIS)
            .label_style(style::text(style::TICK_PX))
            .axis_desc_style(style::text(style::AXIS_DESC_PX))
            .x_desc("Week starting (Monday)")
            .y_label_formatter(&|v| format!("{v}"))
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() > 1e-6 || i < 0.0 {
                    return String::new();
                }
                weeks.get(i as usize).map(|w| style::short_date(w.0)).unwrap_or_default()
            })
            .draw()
            .map_err(draw_error)?;
        style::left_desc(&plot, chart.plotting_area().get_pixel_range().1, "Moving time (h)")?;
        let half = if n > 26 { 0.42 } else { 0.34 };
        let mut base = vec![0.0; n];
        for (i, sport) in series.sports.iter().enumerate() {
            let fill = colour(series, i).filled();
            chart
                .draw_series(sport.hours.iter().enumerate().filter(|(_, h)| **h > 0.0).map(|(w, h)| {
                    let x = w as f64;
                    let bar = Rectangle::new([(x - half, base[w]), (x + half, base[w] + h)], fill);
                    base[w] += h;
                    bar
                }))
                .map_err(draw_error)?;
        }
        if n <= LABELLED_WEEKS {
            let label = style::text(style::TICK_PX).pos(Pos::new(HPos::Center, VPos::Bottom));
            chart
                .draw_series(
                    totals
                        .iter()
                        .enumerate()
                        .filter(|(_, t)| **t > 0.0)
                        .map(|(w, t)| Text::new(format!("{t:.1}"), (w as f64, *t), label.clone())),
                )
                .map_err(draw_error)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testing::{count, decode, keep, synthetic, variance};
    use crate::charts::{HEIGHT, WIDTH};
    use pierre_shared::model::Period;

    #[test]
    fn hours_are_summed_per_sport_and_week() {
        let data = synthetic();
        let weeks = Period::Week.recent(data.today(), 12);
        let s = prepare(data.all_activities(), &weeks);
        assert!(!s.is_empty());
        assert!(s.sports.len() <= MAX_SPORTS);
        // Every activity of the 12 weeks is in exactly one bar.
        let (first, last) = (weeks[0].0, weeks[11].1);
        let expected: f64 = data
            .all_activities()
            .iter()
            .filter(|a| (first..=last).contains(&a.start_time.local_date()))
            .map(|a| f64::from(a.moving_time_s) / 3600.0)
            .sum();
        let drawn: f64 = s.week_totals().iter().sum();
        assert!((drawn - expected).abs() < 1e-9, "{drawn} vs {expected}");
        assert!(s.summary().contains("h a week"), "{}", s.summary());
    }

    #[test]
    fn names_read_as_words() {
        assert_eq!(sport_label("trail_run"), "Trail run");
        assert_eq!(sport_label("EBikeRide"), "EBikeRide");
    }

    #[test]
    fn renders_a_png_of_the_expected_size_that_is_not_blank() {
        let data = synthetic();
        for count_weeks in [12, 52] {
            let weeks = Period::Week.recent(data.today(), count_weeks);
            let s = prepare(data.all_activities(), &weeks);
            let bytes = render(&s).unwrap();
            keep(&format!("volume-{count_weeks}"), &bytes);
            let (w, h, rgb) = decode(&bytes);
            assert_eq!((w, h), (WIDTH, HEIGHT));
            assert!(variance(&rgb) > 200.0, "variance {}", variance(&rgb));
            assert!(count(&rgb, colour(&s, 0)) > 2_000, "the main sport's bars are drawn");
            assert!(bytes.len() < 60_000, "{} bytes", bytes.len());
        }
    }

    #[test]
    fn no_activities_draws_a_labelled_empty_chart() {
        let data = synthetic();
        let s = prepare(&[], &Period::Week.recent(data.today(), 12));
        assert!(s.is_empty());
        let (w, h, rgb) = decode(&render(&s).unwrap());
        assert_eq!((w, h), (WIDTH, HEIGHT));
        assert!(variance(&rgb) > 0.0);
    }
}
