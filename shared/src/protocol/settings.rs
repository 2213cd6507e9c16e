//! `settings.get` and `settings.set`: a Pierre user's athlete settings
//! ([`crate::model::settings`]), stored by the daemon with that user.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::settings::AthleteSettings;

/// `settings.get` result: the connection's (or the named) user's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsGetResult {
    pub user_id: String,
    pub settings: AthleteSettings,
}

/// `settings.set` params: field name → new value, or `null` to forget the
/// field. Every value is checked before any is stored; a refusal stores
/// nothing. Setting the same value again changes nothing (idempotent).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsSetParams {
    pub values: BTreeMap<String, Option<Value>>,
}

/// `settings.set` result: the settings after the change, and which fields
/// it changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsSetResult {
    pub user_id: String,
    pub settings: AthleteSettings,
    pub changed: Vec<String>,
}
