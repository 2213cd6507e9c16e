//! `settings.get` and `settings.set`: the athlete settings of the request's
//! user (the connection's, or the one an owner's `user` param names). Any
//! connection may read and change its own user's settings: they are that
//! person's, local, and reversible, so no confirmation step.

use pierre_shared::ErrorCode;
use pierre_shared::model::settings::{AthleteSettings, Setting, SettingField, SettingSource};
use pierre_shared::protocol::{RpcError, SettingsGetResult, SettingsSetParams, SettingsSetResult};
use serde_json::Value;

use crate::clock::now_secs;
use crate::socket::session::RequestContext;
use crate::vault::SettingRow;

/// The stored settings of the request's user.
pub async fn get(ctx: &RequestContext<'_>) -> Result<SettingsGetResult, RpcError> {
    Ok(SettingsGetResult { user_id: ctx.user.user_id.clone(), settings: load(ctx).await? })
}

/// Checks every value first (a refusal stores nothing), then stores the
/// changed ones and forgets the `null` ones in one transaction.
pub async fn set(ctx: &RequestContext<'_>, params: SettingsSetParams) -> Result<SettingsSetResult, RpcError> {
    let invalid = |message: String| RpcError::new(ErrorCode::InvalidParams, message);
    if params.values.is_empty() {
        return Err(invalid("give at least one setting to change, e.g. {\"values\": {\"ftp_w\": 250}}".into()));
    }
    let mut settings = load(ctx).await?;
    let now = now_secs();
    let (mut set, mut clear, mut changed) = (Vec::new(), Vec::new(), Vec::new());
    for (name, value) in params.values {
        let field = SettingField::parse(&name).map_err(|e| invalid(e.to_string()))?;
        match value {
            Some(value) => {
                let value = field.check(&value).map_err(|e| invalid(e.to_string()))?;
                let same = settings.get(&field).is_some_and(|s| s.value == value && s.source == SettingSource::User);
                if same {
                    continue;
                }
                set.push(SettingRow {
                    field: name.clone(),
                    value_json: value.to_string(),
                    source: SettingSource::User.as_str().into(),
                    method: None,
                    updated_at: now,
                });
                settings.insert(field, Setting { value, source: SettingSource::User, method: None, updated_at: now });
            }
            None if settings.remove(&field).is_some() => clear.push(name.clone()),
            None => continue,
        }
        changed.push(name);
    }
    check_together(&settings).map_err(invalid)?;
    if !changed.is_empty() {
        let user_id = ctx.user.user_id.clone();
        ctx.daemon.store(move |store| store.put_athlete_settings(&user_id, &set, &clear)).await?;
        tracing::info!(user_id = %ctx.user.user_id, fields = ?changed, "athlete settings changed");
    }
    Ok(SettingsSetResult { user_id: ctx.user.user_id.clone(), settings, changed })
}

/// Rules between fields: the heart rates must be ordered as bodies order
/// them (resting < threshold < max), whichever of them the change touched.
fn check_together(settings: &AthleteSettings) -> Result<(), String> {
    let bpm = |field| settings.get(&field).and_then(|s: &Setting| s.value.as_f64());
    let ordered = [
        (SettingField::RestingHeartrateBpm, SettingField::ThresholdHeartrateBpm),
        (SettingField::ThresholdHeartrateBpm, SettingField::MaxHeartrateBpm),
        (SettingField::RestingHeartrateBpm, SettingField::MaxHeartrateBpm),
    ];
    for (low, high) in ordered {
        if let (Some(l), Some(h)) = (bpm(low), bpm(high))
            && l >= h
        {
            return Err(format!(
                "`{}` ({l}) must be below `{}` ({h}); change one of them, or forget one with null",
                low.name(),
                high.name()
            ));
        }
    }
    Ok(())
}

/// The stored rows as settings. A row this build cannot read (a field or
/// source a newer pierre-authd wrote) is skipped and logged, not fatal.
async fn load(ctx: &RequestContext<'_>) -> Result<AthleteSettings, RpcError> {
    let user_id = ctx.user.user_id.clone();
    let rows = ctx.daemon.store(move |store| store.athlete_settings(&user_id)).await?;
    let mut settings = AthleteSettings::new();
    for row in rows {
        let parsed = SettingField::parse(&row.field).ok().zip(SettingSource::parse(&row.source));
        let value = serde_json::from_str::<Value>(&row.value_json).ok();
        match (parsed, value) {
            (Some((field, source)), Some(value)) => {
                settings.insert(field, Setting { value, source, method: row.method, updated_at: row.updated_at });
            }
            _ => tracing::warn!(field = %row.field, "skipping an athlete setting this pierre-authd cannot read"),
        }
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user(value: Value) -> Setting {
        Setting { value, source: SettingSource::User, method: None, updated_at: 0 }
    }

    #[test]
    fn heart_rates_must_be_ordered() {
        let mut s = AthleteSettings::new();
        s.insert(SettingField::MaxHeartrateBpm, user(json!(180.0)));
        s.insert(SettingField::ThresholdHeartrateBpm, user(json!(170.0)));
        assert!(check_together(&s).is_ok());
        s.insert(SettingField::RestingHeartrateBpm, user(json!(175.0)));
        let err = check_together(&s).unwrap_err();
        assert!(err.contains("`resting_heartrate_bpm` (175) must be below `threshold_heartrate_bpm` (170)"), "{err}");
    }
}
