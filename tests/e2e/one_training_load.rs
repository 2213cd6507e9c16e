//! One training load (issue 22, item 6), through the real `pierre-mcp call`:
//! the synthetic athlete's long ride showed `training_load` 159.5 in
//! get_activities and get_activity, 102.5 in get_training_load, and a third
//! rounding in the human rendering. An activity's load must be the very
//! number it adds to its day, named by the same method and rounded once.

use crate::common;

use std::time::Duration;

use common::TestHome;
use serde_json::Value;

/// The fixed clock the pierre-mcp suites use (tests/clients/mcp_expect.py).
const NOW: &str = "2025-11-23T18:00:00+01:00";

/// `pierre-mcp call TOOL ARGS...` on the synthetic provider: stdout, or a panic with both streams.
fn call(home: &TestHome, tool: &str, args: &[&str]) -> String {
    let mut cmd = home.command("pierre-mcp");
    cmd.args(["call", tool, "provider=synthetic"]).args(args).env("PIERRE_SYNTHETIC_NOW", NOW);
    let out = common::output_within(&mut cmd, Duration::from_secs(120));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{tool} {args:?}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

fn json(home: &TestHome, tool: &str, args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    let text = call(home, tool, &args);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{tool}: not JSON ({e}): {text}"))
}

fn load_of(v: &Value) -> f64 {
    v["training_load"].as_f64().unwrap_or_else(|| panic!("no training_load: {v}"))
}

#[test]
fn an_activitys_load_is_its_share_of_the_day_in_every_tool_and_in_the_cli() {
    let home = TestHome::new();
    let rides = json(&home, "get_activities", &["sport=ride", "limit=100"]);
    let long = rides["activities"]
        .as_array()
        .expect("activities")
        .iter()
        .max_by_key(|a| a["moving_time_s"].as_u64().unwrap())
        .expect("the synthetic athlete rides")
        .clone();
    let id = long["id"].as_str().unwrap();
    let day = &long["start_time"].as_str().unwrap()[..10];
    assert_eq!(long["training_load_method"], "power", "{long}");

    let detail = json(&home, "get_activity", &[&format!("id={id}")]);
    let activity = &detail["activity"];
    assert_eq!(load_of(activity), load_of(&long), "get_activity vs get_activities");
    assert_eq!(activity["training_load_method"], long["training_load_method"]);

    let range = [format!("from={day}"), format!("to={day}")];
    let range: Vec<&str> = range.iter().map(String::as_str).collect();
    let load = json(&home, "get_training_load", &range);
    let scored = load["activities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in get_training_load: {load}"));
    assert_eq!(scored["load"].as_f64(), Some(load_of(&long)), "{scored}");
    assert_eq!(scored["method"], long["training_load_method"]);

    // The day's load is the sum of that day's activities' training_load.
    let that_day = json(&home, "get_activities", &range);
    let sum: f64 = that_day["activities"].as_array().unwrap().iter().map(load_of).sum();
    let day_load = load["days"][0]["load"].as_f64().unwrap();
    assert_eq!(load["days"][0]["date"], day);
    assert!((sum - day_load).abs() < 0.05, "activities {sum} vs day {day_load}");

    // The week's load in get_stats and get_weekly_summary is the same sum.
    let week = json(&home, "get_weekly_summary", &["weeks=1"]);
    let stats = json(&home, "get_stats", &["period=week"]);
    let (from, to) = (week["weeks"][0]["from"].as_str().unwrap(), week["weeks"][0]["to"].as_str().unwrap());
    let listed = json(&home, "get_activities", &[&format!("from={from}"), &format!("to={to}"), "limit=100"]);
    let sum: f64 = listed["activities"].as_array().unwrap().iter().map(load_of).sum();
    let weekly = week["weeks"][0]["load"].as_f64().unwrap();
    let totals = stats["periods"][0]["totals"]["training_load"].as_f64().unwrap();
    assert!((sum - weekly).abs() < 0.05 && (sum - totals).abs() < 0.05, "sum {sum}, weekly {weekly}, stats {totals}");

    // The human rendering shows the same figure with the same one decimal.
    let text = call(&home, "get_activity", &[&format!("id={id}")]);
    let line =
        text.lines().find(|l| l.trim_start().starts_with("load ")).unwrap_or_else(|| panic!("no load line:\n{text}"));
    assert_eq!(line.split_whitespace().nth(1), Some(format!("{:.1}", load_of(&long)).as_str()), "{line}");
    assert!(line.contains("(power)"), "{line}");
}
