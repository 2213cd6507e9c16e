//! Which Garmin sign-in a token directory holds, and what it says.
//!
//! Three writers, three layouts, each read from its writer's own source:
//!
//! - python-garminconnect 0.3 (`garminconnect/client.py`, `Client.dumps` /
//!   `Client.dump`): `garmin_tokens.json` =
//!   `{"di_token", "di_refresh_token", "di_client_id"}`, written 0600 in a
//!   0700 directory (default `~/.garminconnect`). No times: the access
//!   token is a JWT whose `exp` the client itself reads
//!   (`_token_expires_soon`), and so does Pierre.
//! - garth-ng 1.1 (`src/garth/http.py`, `Client.dump`; fields from
//!   `src/garth/auth_tokens.py`, `OAuth2Token`): `oauth2_token.json` alone,
//!   the DI token answer plus `expires_at`, `refresh_token_expires_at` and
//!   the `client_id` it was issued to (default `~/.garth`).
//! - garth (deprecated, no longer signs in): `oauth1_token.json` +
//!   `oauth2_token.json`, whose OAuth2 file has no `client_id`.
//!
//! When several are present the newest writer's wins
//! (`garmin_tokens.json`), and only its files are offered for deletion:
//! one import is one sign-in, for one Pierre user.

use std::path::Path;

use pierre_shared::protocol::{ConnectionsImportDi, ConnectionsImportLayout, GarminOauth1Token, GarminOauth2Token};
use serde::Deserialize;

use super::dir::{DirError, parse, present, shown};
use crate::oauth::client::refresh::jwt_exp;
use crate::socket::methods::import::{check, check_di};

/// python-garminconnect's token file.
pub const GARMINCONNECT_FILE: &str = "garmin_tokens.json";
/// garth's and garth-ng's OAuth2 token file.
pub const OAUTH2_FILE: &str = "oauth2_token.json";
/// garth's OAuth1 token file.
pub const OAUTH1_FILE: &str = "oauth1_token.json";

/// A sign-in read from a token directory and checked at the time given.
#[derive(Debug)]
pub enum Tokens {
    /// The legacy garth pair: imported as is, never refreshed.
    Garth { oauth1: GarminOauth1Token, oauth2: GarminOauth2Token },
    /// A DI sign-in (python-garminconnect or garth-ng): refreshed by the daemon.
    Di(ConnectionsImportDi),
}

impl Tokens {
    /// The files this sign-in came from: exactly what deletion removes.
    pub fn files(&self) -> &'static [&'static str] {
        match self {
            Tokens::Garth { .. } => &[OAUTH1_FILE, OAUTH2_FILE],
            Tokens::Di(di) => match di.layout {
                ConnectionsImportLayout::PythonGarminconnect => &[GARMINCONNECT_FILE],
                ConnectionsImportLayout::GarthNg => &[OAUTH2_FILE],
            },
        }
    }
}

/// `garmin_tokens.json`. `loads` accepts nulls, so does this; the check
/// then names what is empty. Unknown members are ignored.
#[derive(Deserialize)]
struct GarminconnectFile {
    di_token: Option<String>,
    di_refresh_token: Option<String>,
    di_client_id: Option<String>,
}

/// `oauth2_token.json`, with garth-ng's `client_id` when it is there.
#[derive(Deserialize)]
struct Oauth2File {
    #[serde(flatten)]
    token: GarminOauth2Token,
    #[serde(default)]
    client_id: Option<String>,
}

/// Finds and reads the sign-in in `dir` (already checked private).
///
/// # Errors
/// The first [`DirError`] found.
pub fn read(dir: &Path, now: i64) -> Result<Tokens, DirError> {
    let problem = |problem| DirError::Problem { dir: shown(dir), problem };
    if present(dir, GARMINCONNECT_FILE) {
        let file: GarminconnectFile = parse(dir, GARMINCONNECT_FILE)?;
        let di = garminconnect(file);
        check_di(&di, now).map_err(problem)?;
        return Ok(Tokens::Di(di));
    }
    let (has1, has2) = (present(dir, OAUTH1_FILE), present(dir, OAUTH2_FILE));
    if !has1 && !has2 {
        return Err(DirError::NoTokens(shown(dir)));
    }
    if has2 && !has1 {
        let file: Oauth2File = parse(dir, OAUTH2_FILE)?;
        let Some(di) = garth_ng(file) else {
            return Err(DirError::FileMissing { path: shown(&dir.join(OAUTH1_FILE)), dir: shown(dir) });
        };
        check_di(&di, now).map_err(problem)?;
        return Ok(Tokens::Di(di));
    }
    let oauth1: GarminOauth1Token = parse(dir, OAUTH1_FILE)?;
    let oauth2: GarminOauth2Token = parse(dir, OAUTH2_FILE)?;
    // Renewable or not is the daemon's to say (it knows whether a Garmin
    // consumer is configured); it refuses a dying pair it cannot renew.
    check(&oauth1, &oauth2, now, true).map_err(problem)?;
    Ok(Tokens::Garth { oauth1, oauth2 })
}

fn garminconnect(file: GarminconnectFile) -> ConnectionsImportDi {
    let access = file.di_token.unwrap_or_default();
    let refresh = file.di_refresh_token.unwrap_or_default();
    ConnectionsImportDi {
        layout: ConnectionsImportLayout::PythonGarminconnect,
        client_id: file.di_client_id.unwrap_or_default(),
        expires_at: jwt_exp(&access),
        // Garmin's refresh tokens may be JWTs too; when one is, its `exp`
        // is the sign-in's end.
        refresh_token_expires_at: jwt_exp(&refresh),
        access_token: access.into(),
        refresh_token: refresh.into(),
        token_type: None,
        scope: None,
    }
}

/// `None` when the file names no client id: then it is half a garth pair.
fn garth_ng(file: Oauth2File) -> Option<ConnectionsImportDi> {
    let client_id = file.client_id.filter(|id| !id.trim().is_empty())?;
    let token = file.token;
    Some(ConnectionsImportDi {
        layout: ConnectionsImportLayout::GarthNg,
        client_id,
        access_token: token.access_token,
        refresh_token: token.refresh_token.unwrap_or_default(),
        token_type: token.token_type,
        scope: token.scope,
        expires_at: Some(token.expires_at),
        refresh_token_expires_at: token.refresh_token_expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    const NOW: i64 = 1_800_000_000;
    const CLIENT: &str = "GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2";

    fn private_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        dir
    }

    fn write(dir: &Path, name: &str, text: &str) {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    fn jwt(claims: serde_json::Value) -> String {
        use base64::Engine as _;
        let b64 = |v: serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!("{}.{}.c2ln", b64(serde_json::json!({"alg": "RS256"})), b64(claims))
    }

    /// As `Client.dumps` writes it: `json.dumps` of the three members.
    fn garminconnect_text(access: &str) -> String {
        serde_json::json!({ "di_token": access, "di_refresh_token": "di-secret-refresh", "di_client_id": CLIENT })
            .to_string()
    }

    /// As garth-ng's `Client.dump` writes it: `asdict(OAuth2Token)`, indented.
    fn garth_ng_text(expires_at: f64, refresh_end: f64) -> String {
        serde_json::to_string_pretty(&serde_json::json!({
            "access_token": "ng-secret-access", "refresh_token": "ng-secret-refresh", "expires_in": 3599,
            "token_type": "Bearer", "expires_at": expires_at, "refresh_token_expires_in": 7_775_999,
            "refresh_token_expires_at": refresh_end, "scope": "CONNECT_READ CONNECT_WRITE", "jti": "j",
            "mfa_token": null, "mfa_expiration_timestamp": null, "mfa_expiration_timestamp_millis": null, "client_id": CLIENT
        }))
        .unwrap()
    }

    #[test]
    fn python_garminconnect_tokens_read_with_the_jwt_expiry() {
        let dir = private_dir();
        write(
            dir.path(),
            GARMINCONNECT_FILE,
            &garminconnect_text(&jwt(serde_json::json!({ "exp": NOW + 7200, "client_id": CLIENT }))),
        );
        let Tokens::Di(di) = read(dir.path(), NOW).unwrap() else { panic!("not a DI sign-in") };
        assert_eq!(di.layout, ConnectionsImportLayout::PythonGarminconnect);
        assert_eq!(
            (di.client_id.as_str(), di.expires_at, di.refresh_token.expose_text()),
            (CLIENT, Some(NOW + 7200), "di-secret-refresh")
        );
        assert_eq!(read(dir.path(), NOW).unwrap().files(), [GARMINCONNECT_FILE]);
    }

    #[test]
    fn an_expired_di_access_token_is_still_imported_and_an_opaque_one_has_no_known_end() {
        let dir = private_dir();
        write(dir.path(), GARMINCONNECT_FILE, &garminconnect_text(&jwt(serde_json::json!({ "exp": NOW - 60 }))));
        assert!(matches!(read(dir.path(), NOW).unwrap(), Tokens::Di(di) if di.expires_at == Some(NOW - 60)));
        write(dir.path(), GARMINCONNECT_FILE, &garminconnect_text("opaque"));
        assert!(matches!(read(dir.path(), NOW).unwrap(), Tokens::Di(di) if di.expires_at.is_none()));
    }

    #[test]
    fn a_garminconnect_file_without_a_refresh_token_is_refused_by_name() {
        let dir = private_dir();
        write(
            dir.path(),
            GARMINCONNECT_FILE,
            r#"{"di_token": "di-secret-access", "di_refresh_token": null, "di_client_id": "c"}"#,
        );
        let msg = read(dir.path(), NOW).unwrap_err().to_string();
        assert!(msg.contains("the sign-in has an empty refresh token"), "{msg}");
        assert!(!msg.contains("di-secret"), "{msg}");
        write(dir.path(), GARMINCONNECT_FILE, "[1]");
        let msg = read(dir.path(), NOW).unwrap_err().to_string();
        assert!(msg.contains("garmin_tokens.json is not a Garmin token file"), "{msg}");
    }

    #[test]
    fn garth_ng_tokens_read_with_their_client_id_and_times() {
        let dir = private_dir();
        write(dir.path(), OAUTH2_FILE, &garth_ng_text((NOW + 3599) as f64 + 0.25, (NOW + 7_775_999) as f64));
        let tokens = read(dir.path(), NOW).unwrap();
        assert_eq!(tokens.files(), [OAUTH2_FILE]);
        let Tokens::Di(di) = tokens else { panic!("not a DI sign-in") };
        assert_eq!(di.layout, ConnectionsImportLayout::GarthNg);
        assert_eq!((di.expires_at, di.refresh_token_expires_at), (Some(NOW + 3599), Some(NOW + 7_775_999)));
        assert_eq!(di.client_id, CLIENT);
        write(dir.path(), OAUTH2_FILE, &garth_ng_text(NOW as f64, (NOW - 1) as f64));
        let msg = read(dir.path(), NOW).unwrap_err().to_string();
        assert!(msg.contains("the sign-in ended on 2027-01-15 07:59 UTC"), "{msg}");
    }

    #[test]
    fn an_oauth2_file_without_client_id_or_oauth1_is_half_a_garth_pair() {
        let dir = private_dir();
        let text = garth_ng_text((NOW + 3599) as f64, (NOW + 7200) as f64).replace(CLIENT, "");
        write(dir.path(), OAUTH2_FILE, &text);
        let msg = read(dir.path(), NOW).unwrap_err().to_string();
        assert!(msg.contains("oauth1_token.json is missing"), "{msg}");
    }

    #[test]
    fn an_empty_directory_names_every_layout_and_the_sign_in() {
        let dir = private_dir();
        let msg = read(dir.path(), NOW).unwrap_err().to_string();
        assert!(
            msg.contains("holds no Garmin sign-in (no garmin_tokens.json, oauth2_token.json or oauth1_token.json)"),
            "{msg}"
        );
        assert!(msg.contains("pip install --upgrade garminconnect"), "{msg}");
    }

    #[test]
    fn the_newest_layout_wins_and_only_its_file_is_deleted() {
        let dir = private_dir();
        write(dir.path(), OAUTH1_FILE, r#"{"oauth_token": "t", "oauth_token_secret": "s"}"#);
        write(dir.path(), OAUTH2_FILE, &garth_ng_text((NOW + 3599) as f64, (NOW + 7200) as f64));
        write(dir.path(), GARMINCONNECT_FILE, &garminconnect_text("opaque"));
        assert_eq!(read(dir.path(), NOW).unwrap().files(), [GARMINCONNECT_FILE]);
        std::fs::remove_file(dir.path().join(GARMINCONNECT_FILE)).unwrap();
        // With oauth1_token.json beside it, oauth2_token.json is garth's.
        let text = garth_ng_text((NOW + 3599) as f64, (NOW + 7200) as f64);
        write(dir.path(), OAUTH2_FILE, &text);
        assert_eq!(read(dir.path(), NOW).unwrap().files(), [OAUTH1_FILE, OAUTH2_FILE]);
    }

    #[test]
    fn a_symlinked_garminconnect_file_is_refused() {
        let dir = private_dir();
        let outside = tempfile::tempdir().unwrap();
        let real = outside.path().join("real.json");
        std::fs::write(&real, garminconnect_text("opaque")).unwrap();
        std::os::unix::fs::symlink(&real, dir.path().join(GARMINCONNECT_FILE)).unwrap();
        let msg = read(dir.path(), NOW).unwrap_err().to_string();
        assert!(msg.contains("garmin_tokens.json is a symbolic link"), "{msg}");
    }
}
