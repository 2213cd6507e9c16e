//! The provider catalogue: one small, static definition per provider.
//!
//! Each file holds one [`ProviderDef`] with the facts DESIGN.md lists
//! (endpoints, revoke style, scopes, PKCE, token-endpoint client auth,
//! refresh-token rotation, rate-limit windows). Values here are the
//! built-in defaults; the daemon is the one place that applies overrides
//! (`PIERRE_<P>_*`, `STRAVA_CLIENT_ID`-style names, `config.toml`).

mod fitbit;
mod garmin;
mod name;
mod oura;
mod strava;
mod synthetic;
mod whoop;

pub use name::ProviderName;

/// Every provider, in the order CLIs list them.
pub const ALL: &[&ProviderDef] = &[&strava::DEF, &fitbit::DEF, &garmin::DEF, &whoop::DEF, &oura::DEF, &synthetic::DEF];

/// The definition named `name`, if the catalogue has one.
pub fn find(name: &str) -> Option<&'static ProviderDef> {
    ALL.iter().copied().find(|p| p.name == name)
}

/// The names of every provider, comma-separated, for error sentences.
pub fn names() -> String {
    ALL.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
}

/// One provider's built-in facts.
#[derive(Debug)]
pub struct ProviderDef {
    /// Catalogue name: lowercase, used in env names (`PIERRE_STRAVA_*`) and URLs.
    pub name: &'static str,
    /// How people write it.
    pub display_name: &'static str,
    /// `None` for providers that need no OAuth (`synthetic`).
    pub oauth: Option<OAuthDef>,
    /// Where API calls go (`pierre-mcp` receives it with each token).
    pub api_base: &'static str,
    /// Budgets the daemon keeps; several windows may apply at once.
    pub rate_limits: &'static [RateLimitWindow],
    /// How an individual connects without registering an app, where the
    /// provider's own app programme is closed to them (Garmin): shown by
    /// `login`, `providers` and `doctor` beside the registration advice.
    pub without_app: Option<&'static str>,
    /// Why the provider's real endpoints no longer serve (Fitbit's Web API
    /// was switched off): connecting and reading are refused with this
    /// sentence, unless its URLs are overridden (a test double or a proxy).
    pub retired: Option<&'static str>,
}

impl ProviderDef {
    /// The env-var prefix of this provider: `PIERRE_STRAVA_`.
    pub fn env_prefix(&self) -> String {
        format!("PIERRE_{}_", self.name.to_ascii_uppercase())
    }

    /// Whether connecting needs OAuth app credentials.
    pub fn needs_app(&self) -> bool {
        self.oauth.is_some()
    }
}

/// The OAuth 2.0 facts of a provider.
#[derive(Debug)]
pub struct OAuthDef {
    pub auth_url: &'static str,
    pub token_url: &'static str,
    pub revoke_url: Option<&'static str>,
    pub revoke_style: RevokeStyle,
    /// Default scopes to request.
    pub scopes: &'static [&'static str],
    /// How the authorize request joins scopes (Strava: `,`; RFC 6749: ` `).
    pub scope_separator: &'static str,
    pub pkce: PkceSupport,
    pub client_auth: ClientAuth,
    /// A refresh returns a new refresh token and the old one stops working.
    pub rotates_refresh_tokens: bool,
    /// Where the provider's own account id comes from after the code exchange.
    pub account_id: AccountIdSource,
    /// Where a developer registers an app, and what to pick there.
    pub register_at: &'static str,
    pub register_hint: &'static str,
}

/// How tokens are revoked on disconnect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeStyle {
    /// Strava: `POST` form `access_token=...` to the deauthorize URL.
    FormAccessToken,
    /// RFC 7009 (Fitbit): `POST` form `token=...` with client authentication.
    Rfc7009,
    /// WHOOP: `DELETE` the revoke URL with the access token as bearer.
    DeleteBearer,
    /// Oura: `GET`/`POST` the revoke URL with `?access_token=...`.
    QueryAccessToken,
    /// No revoke endpoint: forget the tokens locally.
    None,
}

/// Whether the provider documents PKCE. Pierre always sends S256; this
/// says whether the provider refuses a request without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PkceSupport {
    Required,
    Supported,
    Undocumented,
}

/// How the client authenticates at the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `Authorization: Basic base64(client_id:client_secret)`.
    Basic,
    /// `client_id` and `client_secret` in the form body.
    RequestBody,
}

/// Where the provider's account id is found after connecting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountIdSource {
    /// A JSON pointer into the token response (`/athlete/id`).
    TokenResponse(&'static str),
    /// A JSON pointer into the answer of `GET api_base + path`.
    Profile { path: &'static str, pointer: &'static str },
}

/// Who shares a rate-limit budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitScope {
    /// Every user of one provider app (Strava, Garmin).
    App,
    /// Each user on their own (Fitbit).
    User,
}

/// One budget: `requests` per `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitWindow {
    pub scope: LimitScope,
    pub requests: u32,
    pub window_secs: u64,
    /// Windows aligned to the clock (Strava's quarter-hours and UTC midnight)
    /// rather than rolling from the first request.
    pub aligned: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_is_listed_once_and_found_by_name() {
        for def in ALL {
            assert_eq!(find(def.name).map(|d| d.name), Some(def.name));
            assert!(def.name.chars().all(|c| c.is_ascii_lowercase()));
        }
        assert_eq!(ALL.len(), 6);
        assert!(find("polar").is_none());
    }

    #[test]
    fn facts_design_names() {
        let whoop = find("whoop").unwrap().oauth.as_ref().unwrap();
        assert!(whoop.scopes.contains(&"offline"), "WHOOP gives no refresh token without `offline`");
        assert_eq!(whoop.revoke_style, RevokeStyle::DeleteBearer);
        let fitbit = find("fitbit").unwrap();
        assert_eq!(fitbit.oauth.as_ref().unwrap().client_auth, ClientAuth::Basic);
        assert_eq!(fitbit.rate_limits[0].scope, LimitScope::User);
        let strava = find("strava").unwrap();
        assert_eq!(strava.oauth.as_ref().unwrap().revoke_style, RevokeStyle::FormAccessToken);
        assert!(strava.rate_limits.iter().all(|w| w.scope == LimitScope::App));
        assert_eq!(find("garmin").unwrap().oauth.as_ref().unwrap().pkce, PkceSupport::Required);
        assert_eq!(find("oura").unwrap().oauth.as_ref().unwrap().revoke_style, RevokeStyle::QueryAccessToken);
        assert!(find("synthetic").unwrap().oauth.is_none());
        for def in ALL.iter().filter(|d| d.name != "synthetic" && d.name != "oura") {
            assert!(def.oauth.as_ref().unwrap().rotates_refresh_tokens, "{}", def.name);
        }
    }
}
