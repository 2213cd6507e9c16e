//! [`ProviderName`]: the providers as one typed enum, so a tool argument,
//! a source and a catalogue lookup cannot disagree on a spelling.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ProviderDef;

/// A fitness provider (explained once, in the server's instructions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(description = "")]
pub enum ProviderName {
    Strava,
    Fitbit,
    Garmin,
    Whoop,
    Oura,
    Synthetic,
}

impl ProviderName {
    /// Every provider, in the catalogue's order.
    pub const ALL: [ProviderName; 6] = [
        ProviderName::Strava,
        ProviderName::Fitbit,
        ProviderName::Garmin,
        ProviderName::Whoop,
        ProviderName::Oura,
        ProviderName::Synthetic,
    ];

    /// The wire and catalogue name (`strava`).
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderName::Strava => "strava",
            ProviderName::Fitbit => "fitbit",
            ProviderName::Garmin => "garmin",
            ProviderName::Whoop => "whoop",
            ProviderName::Oura => "oura",
            ProviderName::Synthetic => "synthetic",
        }
    }

    /// The provider named `name`, if it is one.
    pub fn from_name(name: &str) -> Option<ProviderName> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// This provider's catalogue entry.
    pub fn def(self) -> &'static ProviderDef {
        match super::find(self.as_str()) {
            Some(def) => def,
            None => unreachable!("every ProviderName has a catalogue entry (tested)"),
        }
    }
}

impl std::fmt::Display for ProviderName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_enum_and_the_catalogue_name_the_same_providers() {
        let names: Vec<&str> = ProviderName::ALL.iter().map(|p| p.as_str()).collect();
        let catalogue: Vec<&str> = super::super::ALL.iter().map(|d| d.name).collect();
        assert_eq!(names, catalogue);
        for p in ProviderName::ALL {
            assert_eq!(ProviderName::from_name(p.as_str()), Some(p));
            assert_eq!(p.def().name, p.as_str());
        }
        assert_eq!(ProviderName::from_name("stravaa"), None);
    }
}
