//! Provider-shaped API routes: `GET /api/<path>` serves
//! `tests/fixtures/<provider>/<path with / as _>.json` (Strava's
//! `/api/v3/athlete/activities` → `v3_athlete_activities.json`; a trailing
//! `.json`, as in Fitbit's paths, is dropped first), with every
//! datum tagged `"pierre_test_account": "<account>"` of the token's account,
//! so a test can tell whose data a client got.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pierre_shared::providers::fixtures;
use serde_json::{Map, Value, json};

use super::state::{ApiRequestSeen, Fake, FaultKind, FaultTarget, REQUESTS_KEPT};

/// The member every served object gets.
pub const ACCOUNT_TAG: &str = "pierre_test_account";

/// Calls `f` on every record of a served value: the top object, every
/// object in a top-level array, and every object in an array one level down
/// (`records`, `activities`, `data`, ...).
fn for_each_record(value: &mut Value, mut f: impl FnMut(&mut Map<String, Value>)) {
    match value {
        Value::Array(items) => items.iter_mut().filter_map(Value::as_object_mut).for_each(f),
        Value::Object(map) => {
            for member in map.values_mut() {
                if let Value::Array(items) = member {
                    items.iter_mut().filter_map(Value::as_object_mut).for_each(&mut f);
                }
            }
            f(map);
        }
        _ => {}
    }
}

/// Tags every record (see [`for_each_record`]) with the account.
pub fn tag(value: &mut Value, account: &str) {
    for_each_record(value, |record| {
        record.insert(ACCOUNT_TAG.into(), json!(account));
    });
}

/// The provider's rate-limit headers for a 429, and `Retry-After: 60`.
fn rate_limit_headers(provider: &str) -> Vec<(String, String)> {
    let documented: &[(&str, &str)] = match provider {
        "strava" => &[
            ("x-ratelimit-limit", "200,2000"),
            ("x-ratelimit-usage", "200,450"),
            ("x-readratelimit-limit", "100,1000"),
            ("x-readratelimit-usage", "100,300"),
        ],
        "fitbit" => &[
            ("fitbit-rate-limit-limit", "150"),
            ("fitbit-rate-limit-remaining", "0"),
            ("fitbit-rate-limit-reset", "60"),
        ],
        "whoop" => &[
            ("x-ratelimit-limit", "100, 100;window=60, 10000;window=86400"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "60"),
        ],
        _ => &[],
    };
    documented
        .iter()
        .chain(&[("retry-after", "60")])
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

pub async fn serve(
    State(fake): State<Arc<Fake>>,
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let delay = {
        let mut inner = fake.lock();
        inner.counters.api += 1;
        inner.api_delay
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let query = query.unwrap_or_default();
    let (account, response) = answer(&fake, &path, &query, &headers).await;
    let mut inner = fake.lock();
    if inner.requests.len() >= REQUESTS_KEPT {
        inner.requests.pop_front();
    }
    inner.requests.push_back(ApiRequestSeen {
        path: format!("/{}", path.trim_start_matches('/')),
        query,
        accept_language: headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).map(str::to_owned),
        account,
        status: response.status().as_u16(),
    });
    response
}

/// The answer to one API request, and the account its token belonged to.
async fn answer(fake: &Fake, path: &str, query: &str, headers: &HeaderMap) -> (Option<String>, Response) {
    let provider = fake.options.provider.name;
    if let Some(kind) = fake.take_fault(FaultTarget::Api) {
        return (
            None,
            match kind {
                FaultKind::RateLimited => {
                    let mut response =
                        (StatusCode::TOO_MANY_REQUESTS, Json(json!({ "message": "Rate Limit Exceeded" })))
                            .into_response();
                    let configured = fake.lock().rate_limit_headers.clone();
                    let sent = configured.unwrap_or_else(|| rate_limit_headers(provider));
                    for (name, value) in sent {
                        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
                            response.headers_mut().insert(n, v);
                        }
                    }
                    response
                }
                FaultKind::ServerError => (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response(),
                FaultKind::Hang => {
                    tokio::time::sleep(Duration::from_secs(3_600)).await;
                    StatusCode::GATEWAY_TIMEOUT.into_response()
                }
                FaultKind::InvalidGrant | FaultKind::AccessDenied => unauthorized(),
                FaultKind::Malformed => {
                    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], "<html>").into_response()
                }
                FaultKind::Truncated => {
                    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], "[{\"id\": 1, \"na").into_response()
                }
            },
        );
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::to_string);
    let account = bearer.and_then(|token| {
        let inner = fake.lock();
        inner.access.get(&token).filter(|g| !g.revoked && g.expires > Instant::now()).map(|g| g.account.clone())
    });
    let Some(account) = account else {
        fake.refuse("api_unauthorized");
        return (None, unauthorized());
    };
    if path.contains("..") {
        return (Some(account), StatusCode::NOT_FOUND.into_response());
    }
    let Some(text) = fixture(&fake.options.fixtures.join(provider), path, query) else {
        return (
            Some(account),
            (StatusCode::NOT_FOUND, Json(json!({ "message": "Record Not Found", "path": path }))).into_response(),
        );
    };
    let Ok(mut value) = serde_json::from_str::<Value>(&text) else {
        return (Some(account), (StatusCode::INTERNAL_SERVER_ERROR, "fixture is not JSON").into_response());
    };
    if let Some(pointer) = identity_pointer(fake.options.provider, path)
        && let Some(slot) = value.pointer_mut(pointer)
    {
        *slot = account.parse::<u64>().map(Value::from).unwrap_or_else(|_| Value::from(account.clone()));
    }
    tag(&mut value, &account);
    if fake.lock().tag_names {
        tag_names(&mut value, &account);
    }
    (Some(account), Json(value).into_response())
}

/// The fixture for `path` and `query` (the rule is in
/// [`pierre_shared::providers::fixtures`]).
fn fixture(dir: &std::path::Path, path: &str, query: &str) -> Option<String> {
    fixtures::candidates(path, &fixtures::parse_query(query))
        .into_iter()
        .find_map(|file| std::fs::read_to_string(dir.join(file)).ok())
}

/// The record fields a person reads as its name; isolation tests turn on
/// `tag_names` so the account shows through any client's model
/// (never an identifier such as Garmin's `displayName`, a path parameter).
const NAME_FIELDS: &[&str] = &["name", "activityName", "sport_name", "activity", "firstname", "first_name", "fullName"];

/// Appends ` [<account>]` to the name fields of every record [`tag`] tags.
pub fn tag_names(value: &mut Value, account: &str) {
    for_each_record(value, |record| {
        for field in NAME_FIELDS {
            if let Some(Value::String(name)) = record.get_mut(*field) {
                name.push_str(&format!(" [{account}]"));
            }
        }
    });
}

/// Where a provider's profile route carries the account's own id, so the
/// profile names the token's account (the registry's account-id source,
/// plus Strava's and Fitbit's profile routes).
fn identity_pointer(def: &pierre_shared::catalogue::ProviderDef, path: &str) -> Option<&'static str> {
    let path = path.trim_matches('/').trim_end_matches(".json");
    match (def.name, path) {
        ("strava", "v3/athlete") => return Some("/id"),
        ("fitbit", "1/user/-/profile") => return Some("/user/encodedId"),
        _ => {}
    }
    match def.oauth.as_ref()?.account_id {
        pierre_shared::catalogue::AccountIdSource::Profile { path: p, pointer } if p.trim_matches('/') == path => {
            Some(pointer)
        }
        _ => None,
    }
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({ "message": "Authorization Error", "errors": [{ "resource": "Athlete", "field": "access_token", "code": "invalid" }] })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paged_fixtures_are_chosen_by_query() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("v3_athlete_activities.json"), "[1]").unwrap();
        std::fs::write(dir.path().join("v3_athlete_activities@page=2.json"), "[2]").unwrap();
        let f = |q| fixture(dir.path(), "/v3/athlete/activities", q);
        assert_eq!(f("per_page=30&page=2").as_deref(), Some("[2]"));
        assert_eq!(f("page=3").as_deref(), Some("[1]"));
        assert_eq!(f("").as_deref(), Some("[1]"));
        assert_eq!(f("page=..%2F..%2Fx").as_deref(), Some("[1]"));
    }

    #[test]
    fn names_carry_the_account_when_asked() {
        let mut v = json!({ "records": [{ "sport_name": "running" }], "name": "x" });
        tag_names(&mut v, "acct-a");
        assert_eq!(v["records"][0]["sport_name"], "running [acct-a]");
        assert_eq!(v["name"], "x [acct-a]");
    }

    #[test]
    fn tags_reach_top_level_and_listed_items() {
        let mut v = json!({ "records": [{ "id": 1 }], "next_token": null });
        tag(&mut v, "a1");
        assert_eq!(v[ACCOUNT_TAG], "a1");
        assert_eq!(v["records"][0][ACCOUNT_TAG], "a1");
        let mut list = json!([{ "id": 1 }, { "id": 2 }]);
        tag(&mut list, "a2");
        assert_eq!(list[1][ACCOUNT_TAG], "a2");
    }
}
