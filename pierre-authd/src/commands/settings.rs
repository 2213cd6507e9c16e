//! `settings`, `settings set FIELD=VALUE...`, `settings unset FIELD...`: a
//! user's athlete settings over the socket (`settings.get` / `settings.set`).

use std::collections::BTreeMap;
use std::process::ExitCode;

use pierre_shared::model::settings::{ALL_FIELDS, AthleteSettings, SettingField};
use pierre_shared::protocol::{
    NoParams, SettingsGet, SettingsGetResult, SettingsSet, SettingsSetParams, SettingsSetResult,
};
use serde_json::{Value, json};

use super::{CliError, connect_or_start};
use crate::cli::{SettingsAction, SettingsArgs};
use crate::config::Config;

pub async fn run(config: &Config, user: Option<String>, args: SettingsArgs) -> Result<ExitCode, CliError> {
    let client = connect_or_start(config, user).await?;
    let (settings, changed) = match args.action {
        None => {
            let got: SettingsGetResult = client.call::<SettingsGet>(&NoParams {}).await?;
            (got.settings, None)
        }
        Some(action) => {
            let values = match action {
                SettingsAction::Set { values } => parse_assignments(&values)?,
                SettingsAction::Unset { fields } => parse_fields(&fields)?,
            };
            let params = SettingsSetParams { values };
            let done: SettingsSetResult = client.call::<SettingsSet>(&params).await?;
            (done.settings, Some(done.changed))
        }
    };
    if args.json {
        println!("{}", json!({ "settings": settings, "changed": changed }));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(changed) = &changed {
        println!(
            "{}",
            if changed.is_empty() { "nothing changed".to_string() } else { format!("changed {}", changed.join(", ")) }
        );
    }
    print_table(&settings);
    Ok(ExitCode::SUCCESS)
}

/// `FIELD=VALUE` pairs, each checked here (so a typo is named before the
/// daemon is asked) and again by the daemon.
fn parse_assignments(pairs: &[String]) -> Result<BTreeMap<String, Option<Value>>, CliError> {
    let bad = CliError::BadArgument;
    let mut values = BTreeMap::new();
    for pair in pairs {
        let (name, text) = pair.split_once('=').ok_or_else(|| {
            bad(format!("`{pair}` is not FIELD=VALUE; for example `pierre-authd settings set ftp_w=250`"))
        })?;
        let field = SettingField::parse(name.trim()).map_err(|e| bad(e.to_string()))?;
        let value = field.parse_text(text).map_err(|e| bad(e.to_string()))?;
        values.insert(field.name().to_string(), Some(value));
    }
    Ok(values)
}

fn parse_fields(names: &[String]) -> Result<BTreeMap<String, Option<Value>>, CliError> {
    names
        .iter()
        .map(|name| {
            let field = SettingField::parse(name.trim()).map_err(|e| CliError::BadArgument(e.to_string()))?;
            Ok((field.name().to_string(), None))
        })
        .collect()
}

/// One line per field, set or not, so the list also says what can be set.
fn print_table(settings: &AthleteSettings) {
    for field in ALL_FIELDS {
        match settings.get(field) {
            Some(s) => {
                let value = s.value.as_str().map_or_else(|| s.value.to_string(), str::to_owned);
                println!("{:<26} {:<16} ({})", field.name(), value, s.source.as_str());
            }
            None => println!("{:<26} -", field.name()),
        }
    }
}
