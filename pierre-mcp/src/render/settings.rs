//! Readable renderings of the settings and zone tools: one line per
//! setting with where it came from, and each zone set as a table in the
//! units a training log uses (bpm, W, min/km).

use pierre_shared::analysis::zones::{ZoneKind, ZoneSet};
use serde_json::Value;

use super::{Table, Units};
use crate::tools::settings::{SetSettingsOutput, SettingsOutput, ZonesOutput};

pub(super) fn settings(out: &SettingsOutput) -> String {
    let mut table = Table::new(&["SETTING", "VALUE", "FROM"]);
    for (name, view) in &out.settings {
        let source = serde_json::to_value(view.source).ok().and_then(|v| v.as_str().map(str::to_owned));
        table.row(vec![name.clone(), shown(&view.value), source.unwrap_or_default()]);
    }
    let mut text = table.render();
    if !out.unset.is_empty() {
        text.push_str(&format!("\nNot set anywhere (answers assume a default): {}\n", out.unset.join(", ")));
    }
    text
}

pub(super) fn set_settings(out: &SetSettingsOutput) -> String {
    if out.changed.is_empty() {
        return "Nothing changed: every value was already set so.\n".to_owned();
    }
    let mut text = format!("Changed: {}\n", out.changed.join(", "));
    for name in &out.changed {
        let now = out.settings.get(name).map_or_else(|| "(forgotten)".to_owned(), shown);
        text.push_str(&format!("  {name} = {now}\n"));
    }
    text
}

pub(super) fn zones(out: &ZonesOutput, u: Units) -> String {
    let mut text = String::new();
    for set in &out.zones {
        text.push_str(&zone_set(set, u));
        text.push('\n');
    }
    for line in &out.missing {
        text.push_str(&format!("Note: {line}\n"));
    }
    text
}

fn zone_set(set: &ZoneSet, u: Units) -> String {
    let kind = match set.kind {
        ZoneKind::HeartRate => "Heart rate",
        ZoneKind::Power => "Power",
        ZoneKind::Pace => "Pace",
    };
    let model = serde_json::to_value(set.model).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let based: Vec<String> = set.based_on.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let mut text = format!("{kind} zones ({model}; from {})\n", based.join(", "));
    let mut table = Table::new(&["ZONE", "FROM", "TO"]);
    for z in &set.zones {
        table.row(vec![
            z.name.clone(),
            bound(set.kind, z.low, u),
            z.high.map_or_else(|| "-".to_owned(), |h| bound(set.kind, h, u)),
        ]);
    }
    text.push_str(&table.render());
    text
}

/// A zone bound: bpm and watts as whole numbers, speeds as a running pace.
fn bound(kind: ZoneKind, value: f64, u: Units) -> String {
    match kind {
        ZoneKind::HeartRate => format!("{value:.0} bpm"),
        ZoneKind::Power => format!("{value:.0} W"),
        ZoneKind::Pace => u.pace(value),
    }
}

fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn zones_read_in_bpm_watts_and_minutes_per_km() {
        let out: ZonesOutput = serde_json::from_value(json!({
            "provider": "synthetic",
            "zones": [
                {"kind": "power", "model": "coggan", "based_on": {"ftp_w": 250.0},
                 "zones": [{"name": "Z1", "low": 0.0, "high": 137.5}, {"name": "Z7", "low": 375.0}]},
                {"kind": "pace", "model": "threshold_pace", "based_on": {"threshold_speed_mps": 4.0},
                 "zones": [{"name": "Z1", "low": 0.0, "high": 3.333}, {"name": "Z2", "low": 3.333, "high": 4.0}]}
            ],
            "missing": ["No LTHR: % LTHR zones need one."]
        }))
        .unwrap();
        let text = zones(&out, Units::Metric);
        assert!(text.contains("Power zones (coggan; from ftp_w 250)"), "{text}");
        assert!(text.contains("Z7    375 W  -"), "{text}");
        assert!(text.contains("Z2    5:00/km  4:10/km"), "{text}");
        assert!(text.contains("Note: No LTHR"), "{text}");
    }
}
