//! `synthetic`: the embedded demo athlete. No OAuth, no network, no limits;
//! `pierre-mcp` generates its data and the daemon only records that a user
//! has it connected.

use super::*;

pub const DEF: ProviderDef = ProviderDef {
    name: "synthetic",
    display_name: "Synthetic athlete",
    oauth: None,
    api_base: "",
    rate_limits: &[],
    without_app: None,
    retired: None,
};
