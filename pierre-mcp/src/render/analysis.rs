//! Readable renderings of the analysis tools' results: a table of the
//! numbers, then the sentences the model also gets (how to read them, what
//! was assumed or missing), so a person at a shell sees the same caveats.

use pierre_shared::analysis::summary::RangeSummary;

use super::{Table, Units, duration, load_figure, notes};
use crate::tools::analysis::{CompareOutput, RecordsOutput, TrainingLoadOutput, TrendsOutput, WeeklySummaryOutput};

pub(super) fn training_load(out: &TrainingLoadOutput) -> String {
    let l = &out.latest;
    let mut text = format!(
        "{}: fitness {:.1}, fatigue {:.1}, form {:+.1} — {}\n\n",
        l.date, l.fitness, l.fatigue, l.form, out.reading
    );
    let mut table = Table::new(&["DAY", "LOAD", "FITNESS", "FATIGUE", "FORM"]);
    for d in &out.days {
        table.row(vec![
            d.date.to_string(),
            load_figure(d.load),
            format!("{:.1}", d.fitness),
            format!("{:.1}", d.fatigue),
            format!("{:+.1}", d.form),
        ]);
    }
    text.push_str(&table.render());
    text.push_str(&notes(&out.sufficiency, &out.thresholds, &out.assumed, &out.missing));
    text
}

pub(super) fn weekly_summary(out: &WeeklySummaryOutput, u: Units) -> String {
    let mut table =
        Table::new(&["WEEK", "ACTIVITIES", "DISTANCE", "MOVING", "ELEVATION", "LOAD", "FORM", "RAMP", "BY SPORT"]);
    for w in &out.weeks {
        let mut row = range_cells(&w.totals, u);
        row.insert(6, format!("{:+.1}", w.form));
        row.insert(7, format!("{:+.1}", w.ramp));
        table.row(row);
    }
    let mut text = table.render();
    text.push_str(&notes(&out.sufficiency, &out.thresholds, &out.assumed, &out.missing));
    text
}

pub(super) fn compare(out: &CompareOutput, u: Units) -> String {
    let mut table = Table::new(&["", "ACTIVITIES", "DISTANCE", "MOVING", "ELEVATION", "LOAD", "BY SPORT"]);
    for (name, range) in [("period", &out.period), ("baseline", &out.baseline)] {
        let mut row = range_cells(range, u);
        row[0] = format!("{name} {}", row[0]);
        table.row(row);
    }
    let mut changes = Table::new(&["CHANGE", "ACTIVITIES", "DISTANCE", "MOVING", "LOAD"]);
    for c in &out.change {
        let pct = |v: Option<f64>| v.map(|p| format!(" ({p:+.0} %)")).unwrap_or_default();
        let sign = if c.moving_time_s < 0 { "-" } else { "+" };
        changes.row(vec![
            c.sport.clone(),
            format!("{:+}", c.activities),
            format!("{}{}", signed(u.distance(c.distance_m), c.distance_m), pct(c.distance_pct)),
            format!("{sign}{}{}", duration(c.moving_time_s.unsigned_abs()), pct(c.time_pct)),
            format!("{:+.0}{}", c.load, pct(c.load_pct)),
        ]);
    }
    let mut text = table.render();
    text.push('\n');
    text.push_str(&changes.render());
    text.push_str(&notes(&out.sufficiency, &out.thresholds, &out.assumed, &out.missing));
    text
}

pub(super) fn records(out: &RecordsOutput, u: Units) -> String {
    if out.records.is_empty() {
        return format!("No records in that range.\n{}", notes(&out.sufficiency, &[], &[], &out.missing));
    }
    let mut table = Table::new(&["RECORD", "SPORT", "DISTANCE", "TIME", "DATE", "ACTIVITY"]);
    for r in &out.records {
        let name = if r.approximate { format!("{} (approx.)", r.name) } else { r.name.clone() };
        table.row(vec![
            name,
            r.sport.clone(),
            u.distance(r.distance_m),
            duration(u64::from(r.time_s)),
            r.date.to_string(),
            r.activity_id.clone(),
        ]);
    }
    let mut text = table.render();
    text.push_str(&notes(&out.sufficiency, &[], &[], &out.missing));
    text
}

pub(super) fn trends(out: &TrendsOutput) -> String {
    let mut text = String::new();
    for t in &out.trends {
        text.push_str(&format!("{}: {}\n", t.metric, t.reading));
    }
    if out.trends.is_empty() {
        text.push_str(&format!("No {} trend to read.\n", out.sport));
    }
    text.push_str(&notes(&out.sufficiency, &[], &[], &out.missing));
    text
}

/// A distance with its sign: `+5.00 km` (a negative one carries its own).
fn signed(text: String, metres: f64) -> String {
    if metres >= 0.0 { format!("+{text}") } else { text }
}

/// A range's totals as table cells: dates, count, distance, moving time,
/// elevation, load, and the split by sport.
fn range_cells(r: &RangeSummary, u: Units) -> Vec<String> {
    let by_sport: Vec<String> =
        r.by_sport.iter().map(|s| format!("{} {}", s.sport, duration(s.moving_time_s))).collect();
    vec![
        format!("{} – {}", r.from, r.to),
        r.activities.to_string(),
        u.distance(r.distance_m),
        duration(r.moving_time_s),
        u.height(r.elevation_gain_m, false),
        load_figure(r.load),
        by_sport.join(", "),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_comparison_reads_as_two_ranges_and_signed_changes_with_its_caveats() {
        let range = |from: &str, to: &str, km: f64| {
            json!({"from": from, "to": to, "activities": 3, "distance_m": km * 1000.0, "moving_time_s": 5400,
                   "elevation_gain_m": 120.0, "load": 150.0,
                   "by_sport": [{"sport": "run", "activities": 3, "distance_m": km * 1000.0, "moving_time_s": 5400, "load": 150.0}]})
        };
        let out: CompareOutput = serde_json::from_value(json!({
            "provider": "synthetic", "sufficiency": "Enough data.",
            "period": range("2025-11-01", "2025-11-07", 30.0), "baseline": range("2025-10-25", "2025-10-31", 25.0),
            "change": [{"sport": "all", "activities": 0, "distance_m": 5000.0, "moving_time_s": -600, "load": 10.0,
                        "distance_pct": 20.0, "time_pct": -10.0}],
            "thresholds": ["FTP 250 W (set in Pierre)"], "assumed": ["resting heart rate 60 bpm"], "missing": []
        }))
        .unwrap();
        let text = compare(&out, Units::Metric);
        assert!(text.contains("period 2025-11-01 – 2025-11-07"), "{text}");
        assert!(text.contains("+5.00 km (+20 %)") && text.contains("-10:00 (-10 %)"), "{text}");
        assert!(text.contains("Thresholds: FTP 250 W (set in Pierre).") && text.contains("Assumed: resting"), "{text}");
    }
}
