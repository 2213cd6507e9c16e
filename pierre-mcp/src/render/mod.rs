//! Readable renderings of tool results for `pierre-mcp call`.
//!
//! Structured output stays SI; here distances become km, durations h:mm:ss
//! and speeds paces, the way a training log shows them. Units follow the
//! metric system (the `units` setting is stored but not read here yet). A
//! result no renderer knows is printed as pretty JSON. The data tools are
//! rendered in this file, the analysis tools in [`analysis`], the settings
//! and zone tools in [`settings`].

mod analysis;
mod settings;
mod units;

pub use units::Units;

use std::fmt::Write as _;

use pierre_shared::model::{Activity, ActivitySummary, LoadMethod, Timestamp, round_to};
use rmcp::model::Tool;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::tools::activities::{ActivitiesOutput, ActivityOutput};
use crate::tools::athlete::AthleteOutput;
use crate::tools::connections::{ConnectOutput, DisconnectOutput, StatusOutput};
use crate::tools::recovery::RecoveryOutput;
use crate::tools::sleep::SleepOutput;
use crate::tools::stats::StatsOutput;

/// The readable form of one tool's structured result, in `units`.
pub fn result(tool: &str, structured: &Value, u: Units) -> String {
    let rendered = match tool {
        "get_connection_status" => typed(structured, connection_status),
        "get_athlete" => typed(structured, |o| athlete(o, u)),
        "get_activities" => typed(structured, |o| activities(o, u)),
        "get_activity" => typed(structured, |o| activity(o, u)),
        "get_stats" => typed(structured, |o| stats(o, u)),
        "get_sleep" => typed(structured, sleep),
        "get_recovery" => typed(structured, recovery),
        "get_training_load" => typed(structured, analysis::training_load),
        "get_weekly_summary" => typed(structured, |o| analysis::weekly_summary(o, u)),
        "compare_periods" => typed(structured, |o| analysis::compare(o, u)),
        "get_personal_records" => typed(structured, |o| analysis::records(o, u)),
        "get_trends" => typed(structured, analysis::trends),
        "connect_provider" => typed(structured, connect),
        "disconnect_provider" => typed(structured, disconnect),
        "get_athlete_settings" => typed(structured, settings::settings),
        "set_athlete_settings" => typed(structured, settings::set_settings),
        "get_zones" => typed(structured, |o| settings::zones(o, u)),
        _ => None,
    };
    rendered.unwrap_or_else(|| format!("{}\n", serde_json::to_string_pretty(structured).unwrap_or_default()))
}

fn typed<T: DeserializeOwned>(value: &Value, render: impl Fn(&T) -> String) -> Option<String> {
    T::deserialize(value).ok().map(|v| render(&v))
}

/// `pierre-mcp tools`: one line per tool.
pub fn tool_list(tools: &[Tool]) -> String {
    let mut table = Table::new(&["TOOL", "DESCRIPTION"]);
    for t in tools {
        table.row(vec![t.name.to_string(), t.description.as_deref().unwrap_or("").to_owned()]);
    }
    table.render()
}

/// Columns padded to their widest cell (by characters).
struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(headers: &[&str]) -> Self {
        Self { rows: vec![headers.iter().map(|h| (*h).to_owned()).collect()] }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn render(&self) -> String {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| self.rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for row in &self.rows {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                if c + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    let _ = write!(line, "{cell:<width$}  ", width = widths[c]);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

fn or_dash<T>(value: Option<T>, show: impl Fn(T) -> String) -> String {
    value.map(show).unwrap_or_else(|| "-".to_owned())
}

/// `1:02:03` or `42:07`.
fn duration(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 { format!("{h}:{m:02}:{s:02}") } else { format!("{m}:{s:02}") }
}

fn when(t: Timestamp) -> String {
    let t = t.get();
    format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute())
}

/// A training load as the tools give it: already rounded to 0.1 by
/// `analysis::load`, so shown with that one decimal and never rounded again
/// (get_activity and get_training_load must read the same).
fn load_figure(load: f64) -> String {
    format!("{load:.1}")
}

/// An activity's load and how it was found, e.g. `102.5 (power)`.
fn training_load(load: f64, method: Option<LoadMethod>) -> String {
    let method = match method {
        Some(LoadMethod::Power) => " (power)",
        Some(LoadMethod::Pace) => " (pace)",
        Some(LoadMethod::HeartRate) => " (heart rate)",
        Some(LoadMethod::None) => " (no power, pace or heart rate)",
        None => "",
    };
    format!("{}{method}", load_figure(load))
}

fn bpm(v: f64) -> String {
    format!("{v:.0}")
}

fn connection_status(out: &StatusOutput) -> String {
    let mut text = format!("Pierre user: {}\n", out.user);
    if out.connections.is_empty() {
        text.push_str("No providers connected. Run `pierre-authd login` to connect the synthetic demo provider.\n");
        return text;
    }
    let mut table = Table::new(&["PROVIDER", "STATE", "ACCOUNT", "CONNECTED"]);
    for c in &out.connections {
        let state = serde_json::to_value(c.state).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        table.row(vec![
            c.provider.clone(),
            state,
            c.account_id.clone().unwrap_or_else(|| "-".into()),
            when(c.connected_at),
        ]);
    }
    text + &table.render()
}

fn connect(out: &ConnectOutput) -> String {
    let mut text = String::new();
    if let Some(url) = &out.authorization_url {
        text.push_str(&format!("Sign in at: {url}\n"));
    }
    if let Some(account) = &out.account_id {
        text.push_str(&format!("{} account: {account}\n", out.provider));
    }
    text + &out.next_step + "\n"
}

fn disconnect(out: &DisconnectOutput) -> String {
    format!("{}\n", out.next_step)
}

/// The sentences that go with numbers: whether the data sufficed, the
/// thresholds used, the defaults assumed and what was missing.
fn notes(sufficiency: &str, thresholds: &[String], assumed: &[String], missing: &[String]) -> String {
    let mut text = format!("\n{sufficiency}\n");
    if !thresholds.is_empty() {
        text.push_str(&format!("Thresholds: {}.\n", thresholds.join("; ")));
    }
    for line in assumed {
        text.push_str(&format!("Assumed: {line}\n"));
    }
    for line in missing {
        text.push_str(&format!("Note: {line}\n"));
    }
    text
}

fn athlete(out: &AthleteOutput, u: Units) -> String {
    let a = &out.athlete;
    let t = &a.thresholds;
    let mut text = format!("{} ({}, id {})\n", a.name, out.provider, a.id);
    let mut line = |label: &str, value: String| {
        if value != "-" {
            let _ = writeln!(text, "  {label:<22}{value}");
        }
    };
    line("sex", or_dash(a.sex.clone(), |s| s));
    line("born", or_dash(a.birth_year, |y| y.to_string()));
    line("weight", or_dash(a.weight_kg, |w| format!("{w:.1} kg")));
    line("height", or_dash(a.height_m, |h| format!("{h:.2} m")));
    line("location", or_dash(a.location.clone(), |l| l));
    line("max heart rate", or_dash(t.max_heartrate_bpm, |v| format!("{} bpm", bpm(v))));
    line("resting heart rate", or_dash(t.resting_heartrate_bpm, |v| format!("{} bpm", bpm(v))));
    line("threshold heart rate", or_dash(t.threshold_heartrate_bpm, |v| format!("{} bpm", bpm(v))));
    line("FTP", or_dash(t.ftp_w, |v| format!("{v:.0} W")));
    line("threshold pace", or_dash(t.threshold_speed_mps, |v| u.pace(v)));
    line("swim threshold pace", or_dash(t.swim_threshold_speed_mps, |v| u.swim_pace(v)));
    text
}

fn activity_row(a: &ActivitySummary, u: Units) -> Vec<String> {
    vec![
        when(a.start_time),
        a.sport.to_string(),
        or_dash(a.distance_m, |d| u.distance(d)),
        duration(u64::from(a.moving_time_s)),
        or_dash(a.average_speed_mps, |v| u.speed(&a.sport, v)),
        or_dash(a.average_heartrate_bpm, bpm),
        or_dash(a.average_power_w, |w| format!("{w:.0} W")),
        a.id.clone(),
        a.name.clone(),
    ]
}

fn activities(out: &ActivitiesOutput, u: Units) -> String {
    if out.activities.is_empty() {
        return "No activities match.\n".to_owned();
    }
    let mut table = Table::new(&["START", "SPORT", "DISTANCE", "MOVING", "PACE/SPEED", "HR", "POWER", "ID", "NAME"]);
    for a in &out.activities {
        table.row(activity_row(a, u));
    }
    let mut text = table.render();
    if let Some(cursor) = &out.next_cursor {
        let _ = writeln!(text, "More: add cursor={cursor}");
    }
    text
}

fn activity(out: &ActivityOutput, u: Units) -> String {
    let Activity { summary: a, description, laps, splits, best_efforts, streams } = &out.activity;
    let mut text = format!("{} — {} ({}, id {})\n", a.name, a.sport, out.provider, a.id);
    let _ = writeln!(text, "  start      {}", when(a.start_time));
    if let Some(d) = a.distance_m {
        let _ = writeln!(text, "  distance   {}", u.distance(d));
    }
    let _ = writeln!(
        text,
        "  time       {} moving, {} elapsed",
        duration(u64::from(a.moving_time_s)),
        duration(u64::from(a.elapsed_time_s))
    );
    if let Some(v) = a.average_speed_mps {
        let _ = writeln!(text, "  average    {}", u.speed(&a.sport, v));
    }
    if let Some(gain) = a.elevation_gain_m {
        let _ = writeln!(text, "  elevation  {}", u.height(gain, true));
    }
    if let (Some(avg), Some(max)) = (a.average_heartrate_bpm, a.max_heartrate_bpm) {
        let _ = writeln!(text, "  heart rate {} avg, {} max", bpm(avg), bpm(max));
    }
    if let (Some(avg), Some(max)) = (a.average_power_w, a.max_power_w) {
        let _ = writeln!(text, "  power      {avg:.0} W avg, {max:.0} W max");
    }
    if let Some(load) = a.training_load {
        let _ = writeln!(text, "  load       {}", training_load(load, a.training_load_method));
    }
    if let Some(d) = description {
        let _ = writeln!(text, "  {d}");
    }
    if laps.len() > 1 {
        let mut table = Table::new(&["LAP", "DISTANCE", "TIME", "PACE/SPEED", "HR", "POWER"]);
        for l in laps {
            table.row(vec![
                l.index.to_string(),
                or_dash(l.distance_m, |d| u.distance(d)),
                duration(u64::from(l.elapsed_time_s)),
                or_dash(l.average_speed_mps, |v| u.speed(&a.sport, v)),
                or_dash(l.average_heartrate_bpm, bpm),
                or_dash(l.average_power_w, |w| format!("{w:.0} W")),
            ]);
        }
        text.push('\n');
        text.push_str(&table.render());
    }
    if !splits.is_empty() {
        let mut table = Table::new(&["KM", "DISTANCE", "TIME", "PACE", "ELEV", "HR"]);
        for s in splits {
            table.row(vec![
                s.index.to_string(),
                u.distance(s.distance_m),
                duration(u64::from(s.moving_time_s)),
                u.speed(&a.sport, s.average_speed_mps),
                or_dash(s.elevation_change_m, |e| u.height(round_to(e, 0), true)),
                or_dash(s.average_heartrate_bpm, bpm),
            ]);
        }
        text.push('\n');
        text.push_str(&table.render());
    }
    if !best_efforts.is_empty() {
        text.push_str("\nBest efforts: ");
        let efforts: Vec<String> =
            best_efforts.iter().map(|b| format!("{} {}", b.name, duration(u64::from(b.elapsed_time_s)))).collect();
        text.push_str(&efforts.join(", "));
        text.push('\n');
    }
    if !streams.is_empty() {
        let mut table = Table::new(&["STREAM", "MIN", "MEAN", "MAX", "TIME IN ZONES"]);
        for s in streams {
            let zones: Vec<String> = s.zones.iter().map(|z| duration(u64::from(z.time_s))).collect();
            let kind =
                serde_json::to_value(s.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            table.row(vec![
                kind,
                format!("{:.1}", s.min),
                format!("{:.1}", s.mean),
                format!("{:.1}", s.max),
                zones.join(" "),
            ]);
        }
        text.push('\n');
        text.push_str(&table.render());
    }
    text
}

fn stats(out: &StatsOutput, u: Units) -> String {
    let mut table = Table::new(&["PERIOD", "ACTIVITIES", "DISTANCE", "MOVING", "ELEVATION", "LOAD", "BY SPORT"]);
    for p in &out.periods {
        let by_sport: Vec<String> = p
            .by_sport
            .iter()
            .map(|s| format!("{} {}×/{}", s.sport, s.totals.activities, u.distance(s.totals.distance_m)))
            .collect();
        table.row(vec![
            format!("{} – {}", p.start, p.end),
            p.totals.activities.to_string(),
            u.distance(p.totals.distance_m),
            duration(p.totals.moving_time_s),
            u.height(p.totals.elevation_gain_m, false),
            load_figure(p.totals.training_load),
            by_sport.join(", "),
        ]);
    }
    table.render()
}

fn sleep(out: &SleepOutput) -> String {
    if out.nights.is_empty() {
        return "No sleep recorded in that range.\n".to_owned();
    }
    let mut table =
        Table::new(&["NIGHT OF", "BED", "ASLEEP", "DEEP", "REM", "EFFICIENCY", "SCORE", "LOWEST HR", "HRV"]);
    for n in &out.nights {
        let t = n.start_time.get();
        let stage = |f: fn(&pierre_shared::model::SleepStages) -> u32| {
            or_dash(n.stages.as_ref().map(f), |s| duration(u64::from(s)))
        };
        table.row(vec![
            n.date.to_string(),
            format!("{:02}:{:02}", t.hour(), t.minute()),
            or_dash(n.asleep_s, |s| duration(u64::from(s))),
            stage(|s| s.deep_s),
            stage(|s| s.rem_s),
            or_dash(n.efficiency, |e| format!("{:.0}%", e * 100.0)),
            or_dash(n.score, |s| s.to_string()),
            or_dash(n.lowest_heartrate_bpm, bpm),
            or_dash(n.average_hrv_ms, |v| format!("{v:.0} ms")),
        ]);
    }
    table.render()
}

fn recovery(out: &RecoveryOutput) -> String {
    if out.days.is_empty() {
        return "No recovery data in that range.\n".to_owned();
    }
    let mut table = Table::new(&["DATE", "SCORE", "HRV", "RESTING HR", "SLEEP", "LOAD 7D", "LOAD 42D"]);
    for d in &out.days {
        table.row(vec![
            d.date.to_string(),
            or_dash(d.score, |s| s.to_string()),
            or_dash(d.hrv_ms, |v| format!("{v:.0} ms")),
            or_dash(d.resting_heartrate_bpm, bpm),
            or_dash(d.sleep_score, |s| s.to_string()),
            or_dash(d.acute_load, |v| format!("{v:.0}")),
            or_dash(d.chronic_load, |v| format!("{v:.0}")),
        ]);
    }
    table.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_paces_read_like_a_training_log() {
        assert_eq!(duration(3723), "1:02:03");
        assert_eq!(duration(427), "7:07");
        let kitesurf = pierre_shared::model::SportType::Other("Kitesurf".into());
        assert_eq!(Units::Metric.speed(&kitesurf, 10.0), "36.0 km/h");
    }

    #[test]
    fn tables_align_columns() {
        let mut t = Table::new(&["A", "BB"]);
        t.row(vec!["long".into(), "x".into()]);
        assert_eq!(t.render(), "A     BB\nlong  x\n");
    }

    #[test]
    fn unknown_results_fall_back_to_json() {
        let text = result("get_something_new", &serde_json::json!({"a": 1}), Units::Metric);
        assert_eq!(text, "{\n  \"a\": 1\n}\n");
    }
}
