//! The loopback callback listener: `GET /api/oauth/callback/<provider>`.
//!
//! Bound to 127.0.0.1 only. Refuses a foreign `Host` (DNS rebinding: a page
//! on another name that resolves to 127.0.0.1 must not drive this listener),
//! unknown, expired or reused `state`, and `error=` callbacks (RFC 6749
//! §4.1.2.1), each with a page that says what to do. On success it exchanges
//! the code, stores the tokens in that user's vault under a new
//! `connection_id`, and publishes `oauth_complete`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use pierre_shared::protocol::ConnectionState;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::state::{self, StateError};
use super::{OAuthClient, exchange};
use crate::clock::now_secs;
use crate::daemon::Daemon;
use crate::daemon::events::EventKind;
use crate::vault::{ConnectionRecord, SecretField};

const SUCCESS_PAGE: &str = include_str!("../../../../templates/oauth_success.html");
const ERROR_PAGE: &str = include_str!("../../../../templates/oauth_error.html");

/// The callback path for `provider`.
pub fn path_for(provider: &str) -> String {
    format!("/api/oauth/callback/{provider}")
}

/// Binds the listener on 127.0.0.1 (never a wildcard address).
pub async fn bind(port: u16) -> std::io::Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", port)).await
}

/// Serves callbacks until `shutdown` is cancelled.
pub async fn serve(listener: TcpListener, daemon: Arc<Daemon>, shutdown: CancellationToken) {
    let app = Router::new().route("/api/oauth/callback/{provider}", get(callback)).with_state(daemon);
    if let Err(err) = axum::serve(listener, app).with_graceful_shutdown(shutdown.cancelled_owned()).await {
        tracing::warn!(error = %err, "the OAuth callback listener stopped");
    }
}

use crate::oauth::loopback::escape_html as escape;
pub use crate::oauth::loopback::host_allowed;

/// Escapes text, then shows each `` `command` `` as a `<code>` element.
fn escape_with_code(text: &str) -> String {
    let escaped = escape(text);
    let mut out = String::with_capacity(escaped.len() + 16);
    let mut rest = escaped.as_str();
    while let Some(open) = rest.find('`') {
        let Some(len) = rest[open + 1..].find('`') else { break };
        out.push_str(&rest[..open]);
        out.push_str("<code>");
        out.push_str(&rest[open + 1..open + 1 + len]);
        out.push_str("</code>");
        rest = &rest[open + len + 2..];
    }
    out.push_str(rest);
    out
}

/// Fills a template's `{{TITLE}}`, `{{MESSAGE}}` and `{{ACTION}}`.
pub fn render(template: &str, title: &str, message: &str, action: &str) -> String {
    template
        .replace("{{TITLE}}", &escape(title))
        .replace("{{MESSAGE}}", &escape_with_code(message))
        .replace("{{ACTION}}", &escape_with_code(action))
}

/// The success page.
pub fn success_page(provider: &str, account: Option<&str>) -> String {
    let who = account.map(|a| format!(" (account {a})")).unwrap_or_default();
    render(
        SUCCESS_PAGE,
        &format!("Connected to {provider}"),
        &format!("Pierre can now read your {provider} data{who}. Your tokens are stored encrypted on this computer."),
        "You can close this tab and go back to your assistant or terminal.",
    )
}

/// An error page with its status.
fn error_page(status: StatusCode, title: &str, message: &str, action: &str) -> Response {
    let mut response = (status, Html(render(ERROR_PAGE, title, message, action))).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    response
}

fn retry(provider: &str) -> String {
    format!("Run `pierre-authd connect {provider}` in a terminal for a new link.")
}

async fn callback(
    State(daemon): State<Arc<Daemon>>,
    Path(provider): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let port = daemon.oauth.callback_addr().map_or(0, |a| a.port());
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if !host_allowed(host, port) {
        tracing::warn!(host, "OAuth callback with a foreign Host refused");
        return error_page(
            StatusCode::MISDIRECTED_REQUEST,
            "Wrong address",
            "This sign-in callback arrived under a host name Pierre does not serve, so it was refused (this protects against DNS rebinding).",
            &format!(
                "Open the sign-in link exactly as Pierre printed it; callbacks must go to http://127.0.0.1:{port}."
            ),
        );
    }
    let Some(def) = pierre_shared::catalogue::find(&provider).filter(|d| d.oauth.is_some()) else {
        return error_page(
            StatusCode::NOT_FOUND,
            "Unknown provider",
            &format!("Pierre has no provider called \u{201c}{provider}\u{201d} that signs in here."),
            &format!("Known providers: {}.", pierre_shared::catalogue::names()),
        );
    };
    let name = def.display_name;
    let Some(state_value) = query.get("state").cloned() else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Missing sign-in state",
            &format!("The answer from {name} carried no state, so Pierre cannot tell which sign-in it belongs to."),
            &retry(def.name),
        );
    };
    let now = now_secs();
    let taken = {
        let provider = def.name.to_string();
        daemon.store(move |store| Ok(state::take(store, &state_value, &provider, now))).await
    };
    let pending = match taken {
        Ok(Ok(pending)) => pending,
        Ok(Err(err)) => return state_refused(&daemon, def.name, name, err),
        Err(err) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Pierre could not finish",
                &err.message,
                &retry(def.name),
            );
        }
    };
    let user_id = pending.user_id.clone();
    if let Some(error) = query.get("error") {
        let detail = query.get("error_description").map(|d| format!(" ({d})")).unwrap_or_default();
        let message = format!("{name} did not grant access: {error}{detail}.");
        publish_error(&daemon, &user_id, def.name, "access_denied", &format!("{message} {}", retry(def.name)));
        let title = if error == "access_denied" { "Access not granted" } else { "Sign-in failed" };
        return error_page(StatusCode::BAD_REQUEST, title, &message, &retry(def.name));
    }
    let Some(code) = query.get("code").cloned() else {
        let message = format!("The answer from {name} carried no authorization code.");
        publish_error(&daemon, &user_id, def.name, "provider_error", &format!("{message} {}", retry(def.name)));
        return error_page(StatusCode::BAD_REQUEST, "Sign-in failed", &message, &retry(def.name));
    };
    // Strava reports the scopes the athlete accepted on the callback, not in the token response.
    let granted = query.get("scope").cloned();
    match finish(daemon.clone(), pending, code, granted, now).await {
        Ok((connection_id, account_id)) => {
            tracing::info!(user_id = %user_id, provider = def.name, connection_id = %connection_id, "provider connected");
            daemon.events.publish(
                &user_id,
                EventKind::OauthComplete { provider: def.name.into(), connection_id, account_id: account_id.clone() },
            );
            let mut response = Html(success_page(name, account_id.as_deref())).into_response();
            response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
            response
        }
        Err(message) => {
            tracing::warn!(user_id = %user_id, provider = def.name, reason = %message, "connect failed");
            publish_error(&daemon, &user_id, def.name, "provider_error", &format!("{message} {}", retry(def.name)));
            error_page(StatusCode::BAD_GATEWAY, "Sign-in failed", &message, &retry(def.name))
        }
    }
}

fn publish_error(daemon: &Daemon, user_id: &str, provider: &str, code: &str, message: &str) {
    daemon.events.publish(
        user_id,
        EventKind::OauthError { provider: provider.into(), code: code.into(), message: message.into() },
    );
}

fn state_refused(daemon: &Daemon, provider: &str, name: &str, err: StateError) -> Response {
    tracing::warn!(provider, reason = %err, "OAuth callback state refused");
    let (title, message) = match &err {
        StateError::UnknownOrUsed => (
            "Link already used",
            format!(
                "This {name} sign-in link was already used, or it was not issued by this Pierre daemon. Each link works once."
            ),
        ),
        StateError::Expired { .. } => (
            "Link expired",
            format!(
                "This {name} sign-in link expired (links last {} minutes).",
                daemon.oauth.state_ttl_secs().div_ceil(60)
            ),
        ),
        StateError::WrongProvider { .. } => ("Wrong provider", format!("This sign-in link was not issued for {name}.")),
        _ => ("Pierre could not finish", format!("Pierre could not read the sign-in state for {name}.")),
    };
    if let StateError::Expired { user_id } | StateError::WrongProvider { user_id } = &err {
        publish_error(daemon, user_id, provider, "timeout", &format!("{message} {}", retry(provider)));
    }
    error_page(StatusCode::BAD_REQUEST, title, &message, &retry(provider))
}

/// Exchanges the code and stores the connection. The error is a sentence
/// for the page and the CLI; it never holds a token or a response body.
async fn finish(
    daemon: Arc<Daemon>,
    pending: state::PendingAuthorization,
    code: String,
    granted_scopes: Option<String>,
    now: i64,
) -> Result<(String, Option<String>), String> {
    let resolved = daemon.oauth.resolve(&pending.provider).map_err(|e| e.message)?;
    if resolved.redirect_uri.value != pending.redirect_uri {
        return Err("the redirect URI changed since this sign-in began".into());
    }
    let name = resolved.def.display_name;
    let tokens = exchange::exchange_code(daemon.oauth.http(), &resolved, code, pending.verifier.clone(), now)
        .await
        .map_err(|e| exchange_sentence(name, &e))?;
    let account_id = exchange::account_id(daemon.oauth.http(), &resolved, &tokens).await;
    let connection_id = uuid::Uuid::new_v4().to_string();
    let record = ConnectionRecord {
        provider: pending.provider.clone(),
        state: ConnectionState::Connected,
        connection_id: connection_id.clone(),
        account_id: account_id.clone(),
        connected_at: now,
        expires_at: tokens.expires_at,
        scopes: tokens.scopes.clone().or(granted_scopes),
    };
    let mut secrets = vec![(SecretField::AccessToken, tokens.access_token)];
    if let Some(refresh) = tokens.refresh_token {
        secrets.push((SecretField::RefreshToken, refresh));
    }
    let user_id = pending.user_id.clone();
    // A refresh of the previous connection still in flight must not write
    // its tokens over this new one: take the (user, provider) refresh gate.
    let _gate = daemon.refresher.exclusive(&pending.user_id, &pending.provider).await;
    daemon.store(move |store| store.put_connection(&user_id, &record, &secrets)).await.map_err(|e| e.message)?;
    Ok((connection_id, account_id))
}

/// The sentence for a failed exchange.
fn exchange_sentence(name: &str, err: &exchange::ExchangeError) -> String {
    match err {
        exchange::ExchangeError::Refused { error, .. } if error == "invalid_client" => format!(
            "{name} refused Pierre's app credentials (invalid_client); check the client id and secret (`pierre-authd providers` shows their source) and the client authentication style"
        ),
        exchange::ExchangeError::Refused { error, .. } if error == "invalid_grant" => format!(
            "{name} refused the authorization code (invalid_grant): it expired, was already used, or the redirect URI or PKCE verifier did not match"
        ),
        other => format!("{name}: {other}"),
    }
}

impl OAuthClient {
    /// The sentence `connections.begin` gives when the callback listener's
    /// configured redirect URI points elsewhere (a common set-up mistake).
    pub fn redirect_warning(&self, redirect_uri: &str) -> Option<String> {
        let url = url::Url::parse(redirect_uri).ok()?;
        let local = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        let port = url.port_or_known_default()?;
        let ours = self.callback_addr()?.port();
        (local && port != ours).then(|| {
            format!(
                "the redirect URI {redirect_uri} does not point at this daemon's callback listener (port {ours}); set the provider's REDIRECT_URI or PIERRE_CALLBACK_PORT to match"
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_names_on_our_port_are_accepted() {
        assert!(host_allowed("127.0.0.1:8081", 8081));
        assert!(host_allowed("localhost:8081", 8081));
        assert!(host_allowed("LOCALHOST:8081", 8081));
        assert!(!host_allowed("127.0.0.1:8082", 8081));
        assert!(!host_allowed("evil.example:8081", 8081));
        assert!(!host_allowed("127.0.0.1.evil.example:8081", 8081));
        assert!(!host_allowed("127.0.0.1", 8081));
        assert!(!host_allowed("", 8081));
    }

    mod fuzz {
        //! The callback's hostile input: its query string (what a provider, or anyone who can
        //! reach 127.0.0.1, sends), its `Host` header, and the text its pages echo back.
        use super::super::*;
        use proptest::prelude::*;

        fn parse(query: &str) -> Option<HashMap<String, String>> {
            let uri: axum::http::Uri = format!("/api/oauth/callback/strava?{query}").parse().ok()?;
            Query::<HashMap<String, String>>::try_from_uri(&uri).ok().map(|Query(q)| q)
        }

        /// Characters a URI's query may hold raw, plus `%` to make broken escapes.
        fn raw_query() -> impl Strategy<Value = String> {
            "[A-Za-z0-9=&%+._~:/?@!$'()*,;-]{0,80}"
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(400))]

            /// Whatever the query, extraction answers (a map or a rejection), never a panic.
            #[test]
            fn any_raw_query_is_parsed_or_rejected(query in raw_query()) {
                let _ = parse(&query);
            }

            /// Guards the percent-decoding of `state`, `code`, `error`, `error_description`:
            /// any value (quotes, angle brackets, newlines, non-ASCII) arrives exactly as sent.
            #[test]
            fn encoded_pairs_arrive_exactly(pairs in proptest::collection::btree_map("[a-z_]{1,12}", "\\PC{0,24}|[\n\r\0<>&\"]{0,4}", 0..6)) {
                let query: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs.iter()).finish();
                let parsed = parse(&query).expect("an encoded query always parses");
                prop_assert_eq!(parsed, pairs.into_iter().collect::<HashMap<_, _>>());
            }

            /// Only `127.0.0.1`, `localhost` and `[::1]` on our own port pass the Host check.
            #[test]
            fn only_exact_loopback_hosts_pass(host in "[ -~]{0,30}", port in any::<u16>()) {
                let expected = ["127.0.0.1", "localhost", "[::1]"].iter().any(|n| host.eq_ignore_ascii_case(&format!("{n}:{port}")));
                prop_assert_eq!(host_allowed(&host, port), expected);
                let mixed_case = format!("LocalHost:{port}");
                let suffixed = format!("{host}.evil:{port}");
                prop_assert!(host_allowed(&mixed_case, port));
                prop_assert!(!host_allowed(&suffixed, port));
            }

            /// Guards the escaping of everything a page echoes (a provider name from the path,
            /// `error`/`error_description` from the query): no markup or quote of the input's
            /// survives; the only tags added are `<code>` pairs.
            #[test]
            fn pages_never_echo_markup(title in ".{0,30}", message in ".{0,60}", action in ".{0,30}") {
                let plain = render(ERROR_PAGE, "", "", "");
                let page = render(ERROR_PAGE, &title, &message, &action);
                let stripped = page.replace("<code>", "").replace("</code>", "");
                for c in ['<', '>', '"', '\''] {
                    prop_assert_eq!(stripped.matches(c).count(), plain.matches(c).count(), "{:?} leaked into the page", c);
                }
            }
        }
    }

    #[test]
    fn pages_escape_what_they_show() {
        let page = render(ERROR_PAGE, "<t>", "a \"b\" & c", "run `x`");
        assert!(page.contains("&lt;t&gt;"));
        assert!(page.contains("a &quot;b&quot; &amp; c"));
        assert!(!page.contains("{{"));
        assert!(success_page("Strava", Some("42")).contains("account 42"));
        assert_eq!(escape_with_code("run `pierre-authd connect x` now"), "run <code>pierre-authd connect x</code> now");
        assert_eq!(escape_with_code("`a` and `b<`"), "<code>a</code> and <code>b&lt;</code>");
    }
}
