//! get_athlete_settings, set_athlete_settings and get_zones: the thresholds
//! every answer is computed with, where each comes from, and the zones
//! they draw.
//!
//! The person's own values live in the daemon (`settings.get|set`), so
//! every client and both transports see the same; a value the person set
//! beats the provider's. Setting one is local and reversible (set it back,
//! or `null` to forget it), so it needs no confirmation step.

use std::collections::BTreeMap;

use pierre_shared::analysis::zones::{self, MissingThreshold, ZoneKind, ZoneModel, ZoneSet};
use pierre_shared::model::settings::{ALL_FIELDS, AthleteSettings, SettingField, SettingSource};
use pierre_shared::model::{Athlete, Thresholds};
use pierre_shared::protocol::{SettingsSet, SettingsSetParams};
use rmcp::model::{CallToolResult, JsonObject};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Format, ProviderName, input_schema, output_schema};
use crate::server::PierreServer;

/// Arguments of get_athlete_settings.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsArgs {
    pub provider: Option<ProviderName>,
    pub format: Option<Format>,
}

/// One setting as the answers use it.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct SettingView {
    #[schemars(schema_with = "number_or_text")]
    pub value: Value,
    /// user (set by the person), provider (its profile) or default.
    pub source: SettingSource,
}

/// Result of get_athlete_settings: every setting that has a value, by name.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct SettingsOutput {
    pub provider: ProviderName,
    pub settings: BTreeMap<String, SettingView>,
    /// Settings with no value anywhere (answers then assume a default, and say so).
    pub unset: Vec<String>,
}

/// Arguments of set_athlete_settings.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetSettingsArgs {
    /// Field → new value, or null to forget it (the provider's applies again). SI units:
    /// bpm, W, m/s, kg; hr_zone_model percent_max|heart_rate_reserve|percent_lthr;
    /// units metric|imperial; time_zone e.g. Europe/Paris.
    pub values: BTreeMap<SettingField, Option<Value>>,
    pub format: Option<Format>,
}

/// Result of set_athlete_settings: the person's own values after the change.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct SetSettingsOutput {
    pub changed: Vec<String>,
    #[schemars(schema_with = "map_of_number_or_text")]
    pub settings: BTreeMap<String, Value>,
}

/// A setting's value: a number in its SI unit or a word (strict clients
/// refuse a schema of `true`, which would accept anything).
fn number_or_text(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "anyOf": [{ "type": "number" }, { "type": "string" }] })
}

fn map_of_number_or_text(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "object", "additionalProperties": { "anyOf": [{ "type": "number" }, { "type": "string" }] } })
}

/// Arguments of get_zones.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ZonesArgs {
    /// Only this kind; default all three.
    pub kind: Option<ZoneKind>,
    pub provider: Option<ProviderName>,
    pub format: Option<Format>,
}

/// Result of get_zones.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ZonesOutput {
    pub provider: ProviderName,
    pub zones: Vec<ZoneSet>,
    /// Zone sets that could not be drawn, each naming the missing threshold.
    pub missing: Vec<String>,
}

super::tool_args!(SettingsArgs, SetSettingsArgs, ZonesArgs);

#[tool_router(router = settings_tools, vis = "pub(crate)")]
impl PierreServer {
    #[tool(
        description = "The thresholds and preferences answers use (max/resting/threshold HR, FTP, threshold paces, weight, zone model, units, time zone), each with its source.",
        input_schema = input_schema::<SettingsArgs>(),
        output_schema = output_schema::<SettingsOutput>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn get_athlete_settings(&self, args: JsonObject, ctx: RequestContext<RoleServer>) -> CallToolResult {
        self.run_tool("get_athlete_settings", args, ctx, |a: SettingsArgs, progress| async move {
            let source = self.open_source(a.provider, &progress).await?;
            let athlete = source.athlete().await?;
            let (settings, unset) = merged(source.settings(), &athlete);
            Ok(SettingsOutput { provider: source.provider, settings, unset })
        })
        .await
    }

    #[tool(
        description = "Store the athlete's own thresholds or preferences (local to Pierre, reversible: null forgets a value). They beat the provider's in every answer.",
        input_schema = input_schema::<SetSettingsArgs>(),
        output_schema = output_schema::<SetSettingsOutput>(),
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = false)
    )]
    async fn set_athlete_settings(&self, args: JsonObject, ctx: RequestContext<RoleServer>) -> CallToolResult {
        self.run_tool("set_athlete_settings", args, ctx, |a: SetSettingsArgs, _progress| async move {
            let values = a.values.into_iter().map(|(field, value)| (field.name().to_string(), value)).collect();
            let done = self.sources().call::<SettingsSet>(SettingsSetParams { values }).await?;
            let settings = done.settings.into_iter().map(|(field, s)| (field.name().to_string(), s.value)).collect();
            Ok(SetSettingsOutput { changed: done.changed, settings })
        })
        .await
    }

    #[tool(
        description = "Heart-rate, power and pace training zones from the athlete's thresholds, with the model and the thresholds used.",
        input_schema = input_schema::<ZonesArgs>(),
        output_schema = output_schema::<ZonesOutput>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn get_zones(&self, args: JsonObject, ctx: RequestContext<RoleServer>) -> CallToolResult {
        self.run_tool("get_zones", args, ctx, |a: ZonesArgs, progress| async move {
            let source = self.open_source(a.provider, &progress).await?;
            let athlete = source.athlete().await?;
            let model = hr_model(source.settings());
            let (zones, missing) = draw(a.kind, model, &athlete.thresholds);
            Ok(ZonesOutput { provider: source.provider, zones, missing })
        })
        .await
    }
}

/// The heart-rate model the person chose, else % of max HR.
fn hr_model(settings: &AthleteSettings) -> ZoneModel {
    settings
        .get(&SettingField::HrZoneModel)
        .and_then(|s| s.value.as_str())
        .and_then(ZoneModel::heart_rate)
        .unwrap_or(ZoneModel::PercentMax)
}

/// The zone sets asked for, and a sentence for each that lacks its threshold.
fn draw(kind: Option<ZoneKind>, hr: ZoneModel, thresholds: &Thresholds) -> (Vec<ZoneSet>, Vec<String>) {
    let kinds = kind.map_or_else(|| vec![ZoneKind::HeartRate, ZoneKind::Power, ZoneKind::Pace], |k| vec![k]);
    let mut sets = Vec::new();
    let mut missing = Vec::new();
    for kind in kinds {
        let drawn: Result<ZoneSet, MissingThreshold> = match kind {
            ZoneKind::HeartRate => zones::heart_rate(hr, thresholds),
            ZoneKind::Power => zones::power(thresholds),
            ZoneKind::Pace => zones::pace(thresholds),
        };
        match drawn {
            Ok(set) => sets.push(set),
            Err(err) => missing.push(err.to_string()),
        }
    }
    (sets, missing)
}

/// Every setting with the value answers use: the person's, else the
/// provider's profile, else a default (zone model and units); the rest unset.
fn merged(user: &AthleteSettings, athlete: &Athlete) -> (BTreeMap<String, SettingView>, Vec<String>) {
    let t = &athlete.thresholds;
    let mut settings = BTreeMap::new();
    let mut unset = Vec::new();
    for &field in ALL_FIELDS {
        let provider = match field {
            SettingField::MaxHeartrateBpm => t.max_heartrate_bpm,
            SettingField::RestingHeartrateBpm => t.resting_heartrate_bpm,
            SettingField::ThresholdHeartrateBpm => t.threshold_heartrate_bpm,
            SettingField::FtpW => t.ftp_w,
            SettingField::ThresholdSpeedMps => t.threshold_speed_mps,
            SettingField::SwimThresholdSpeedMps => t.swim_threshold_speed_mps,
            SettingField::WeightKg => athlete.weight_kg,
            _ => None,
        };
        let default = match field {
            SettingField::HrZoneModel => Some("percent_max"),
            SettingField::Units => Some("metric"),
            _ => None,
        };
        let view = match (user.get(&field), provider, default) {
            (Some(mine), ..) => SettingView { value: mine.value.clone(), source: SettingSource::User },
            (None, Some(value), _) => SettingView { value: Value::from(value), source: SettingSource::Provider },
            (None, None, Some(value)) => SettingView { value: Value::from(value), source: SettingSource::Default },
            (None, None, None) => {
                unset.push(field.name().to_string());
                continue;
            }
        };
        settings.insert(field.name().to_string(), view);
    }
    (settings, unset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pierre_shared::model::settings::Setting;
    use serde_json::json;

    fn athlete() -> Athlete {
        Athlete {
            id: "1".into(),
            name: "A".into(),
            sex: None,
            birth_year: None,
            weight_kg: Some(70.0),
            height_m: None,
            location: None,
            thresholds: Thresholds { ftp_w: Some(250.0), max_heartrate_bpm: Some(190.0), ..Thresholds::default() },
        }
    }

    #[test]
    fn each_value_says_whose_it_is() {
        let mut user = AthleteSettings::new();
        user.insert(
            SettingField::FtpW,
            Setting { value: json!(280.0), source: SettingSource::User, method: None, updated_at: 1 },
        );
        let (settings, unset) = merged(&user, &athlete());
        assert_eq!(settings["ftp_w"].value, json!(280.0));
        assert_eq!(settings["ftp_w"].source, SettingSource::User);
        assert_eq!(settings["max_heartrate_bpm"].source, SettingSource::Provider);
        assert_eq!(settings["weight_kg"].value, json!(70.0));
        assert_eq!(settings["units"].source, SettingSource::Default);
        assert!(unset.contains(&"time_zone".to_string()) && unset.contains(&"resting_heartrate_bpm".to_string()));
    }

    #[test]
    fn zones_follow_the_chosen_model_and_name_what_is_missing() {
        let mut user = AthleteSettings::new();
        user.insert(
            SettingField::HrZoneModel,
            Setting { value: json!("heart_rate_reserve"), source: SettingSource::User, method: None, updated_at: 1 },
        );
        let model = hr_model(&user);
        assert_eq!(model, ZoneModel::HeartRateReserve);
        let (sets, missing) = draw(None, model, &athlete().thresholds);
        assert_eq!(sets.len(), 1, "power only: {missing:?}");
        assert_eq!(sets[0].kind, ZoneKind::Power);
        assert!(missing.iter().any(|m| m.contains("resting_heartrate_bpm")), "{missing:?}");
        assert!(missing.iter().any(|m| m.contains("threshold_speed_mps")), "{missing:?}");
    }
}
