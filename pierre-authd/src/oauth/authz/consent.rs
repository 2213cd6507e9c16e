//! Pending consents: authorization requests waiting for the owner to run
//! `pierre-authd approve CODE`.
//!
//! The browser cannot prove who the user is, so `/authorize` parks the
//! validated request here under two names: a random request id (in the
//! page's `/authorize/continue?req=ID` link, unguessable) and a short code
//! for a person to type (`ABCD-1234`). Only a same-uid socket connection can
//! approve (`login.approve`), and it picks the Pierre user. Requests live in
//! memory for [`CONSENT_LIFE`]; a daemon restart drops them, and the client
//! simply starts again. One std `Mutex`; nothing awaits while it is held.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a consent request may wait for approval.
pub const CONSENT_LIFE: Duration = Duration::from_secs(600);

/// Most requests pending at once; past it the oldest are dropped.
const MAX_PENDING: usize = 256;

/// Letters that cannot be confused with digits or with each other.
const CODE_LETTERS: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

/// A validated authorization request (RFC 6749 §4.1.1 + PKCE + RFC 8707).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRequest {
    pub client_id: String,
    pub client_name: String,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub code_challenge: String,
    pub resource: String,
    pub scope: Option<String>,
    /// Who the consent page says the tokens will name: the client's
    /// `login_hint`, else the owner; `approve --user` decides.
    pub requested_user: String,
}

/// Where a request stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Pending,
    Approved { user_id: String },
    Denied,
}

#[derive(Debug)]
struct Pending {
    request: AuthRequest,
    short_code: String,
    created: Instant,
    decision: Decision,
}

/// What `/authorize/continue` finds.
#[derive(Debug)]
pub enum Lookup {
    Pending {
        request: AuthRequest,
        short_code: String,
        left: Duration,
    },
    /// Approved or denied: taken out, so it completes once.
    Decided {
        request: AuthRequest,
        decision: Decision,
    },
    Unknown,
}

/// Why an approval failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApproveError {
    #[error(
        "no pending sign-in has the code `{0}`; codes expire after 10 minutes, so start the sign-in again in the app"
    )]
    Unknown(String),
    #[error("the sign-in with code `{0}` was already answered")]
    AlreadyDecided(String),
}

/// The pending requests.
#[derive(Debug, Default)]
pub struct Consents {
    pending: Mutex<HashMap<String, Pending>>,
}

impl Consents {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parks a request; returns its id and short code.
    pub fn add(&self, request: AuthRequest, now: Instant) -> (String, String) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending.retain(|_, p| now.duration_since(p.created) < CONSENT_LIFE);
        while pending.len() >= MAX_PENDING {
            let Some(oldest) = pending.iter().min_by_key(|(_, p)| p.created).map(|(id, _)| id.clone()) else { break };
            pending.remove(&oldest);
        }
        let id = super::random_token(24);
        let short_code = loop {
            let code = short_code();
            if !pending.values().any(|p| p.short_code == code) {
                break code;
            }
        };
        pending.insert(
            id.clone(),
            Pending { request, short_code: short_code.clone(), created: now, decision: Decision::Pending },
        );
        (id, short_code)
    }

    /// Records the owner's answer for the request with this short code
    /// (case and the dash are ignored). Returns the request.
    ///
    /// # Errors
    /// Unknown or expired code; a request already answered.
    pub fn decide(&self, code: &str, decision: Decision, now: Instant) -> Result<AuthRequest, ApproveError> {
        let wanted = normalize(code);
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let Some(entry) = pending
            .values_mut()
            .find(|p| normalize(&p.short_code) == wanted && now.duration_since(p.created) < CONSENT_LIFE)
        else {
            return Err(ApproveError::Unknown(code.to_string()));
        };
        if entry.decision != Decision::Pending {
            return Err(ApproveError::AlreadyDecided(code.to_string()));
        }
        entry.decision = decision;
        Ok(entry.request.clone())
    }

    /// The request with this id; a decided one is removed.
    pub fn lookup(&self, id: &str, now: Instant) -> Lookup {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let Some(entry) = pending.get(id) else { return Lookup::Unknown };
        let age = now.duration_since(entry.created);
        if age >= CONSENT_LIFE {
            let request = entry.request.clone();
            pending.remove(id);
            return Lookup::Decided { request, decision: Decision::Denied };
        }
        if entry.decision == Decision::Pending {
            return Lookup::Pending {
                request: entry.request.clone(),
                short_code: entry.short_code.clone(),
                left: CONSENT_LIFE - age,
            };
        }
        match pending.remove(id) {
            Some(done) => Lookup::Decided { request: done.request, decision: done.decision },
            None => Lookup::Unknown,
        }
    }
}

/// `ABCD-1234`: four unambiguous letters and four digits.
fn short_code() -> String {
    let random = uuid::Uuid::new_v4();
    // Bytes 6 and 8 carry the UUID's version and variant bits: skip them.
    let bytes = random.as_bytes();
    let letters: String = bytes[..4].iter().map(|b| CODE_LETTERS[*b as usize % CODE_LETTERS.len()] as char).collect();
    let digits: String = bytes[10..14].iter().map(|b| char::from(b'0' + b % 10)).collect();
    format!("{letters}-{digits}")
}

fn normalize(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> AuthRequest {
        AuthRequest {
            client_id: "c".into(),
            client_name: "App".into(),
            redirect_uri: "http://127.0.0.1:1/cb".into(),
            state: Some("s".into()),
            code_challenge: "x".into(),
            resource: "http://127.0.0.1:2/mcp".into(),
            scope: None,
            requested_user: "owner".into(),
        }
    }

    #[test]
    fn short_codes_look_like_abcd_1234() {
        let code = short_code();
        assert_eq!(code.len(), 9);
        assert!(code[..4].bytes().all(|b| CODE_LETTERS.contains(&b)), "{code}");
        assert_eq!(&code[4..5], "-");
        assert!(code[5..].bytes().all(|b| b.is_ascii_digit()), "{code}");
    }

    #[test]
    fn pending_until_approved_then_taken_once() {
        let consents = Consents::new();
        let now = Instant::now();
        let (id, code) = consents.add(request(), now);
        assert!(matches!(consents.lookup(&id, now), Lookup::Pending { .. }));
        let lower = code.to_lowercase().replace('-', "");
        consents.decide(&lower, Decision::Approved { user_id: "u".into() }, now).unwrap();
        assert_eq!(consents.decide(&code, Decision::Denied, now), Err(ApproveError::AlreadyDecided(code.clone())));
        match consents.lookup(&id, now) {
            Lookup::Decided { decision, .. } => assert_eq!(decision, Decision::Approved { user_id: "u".into() }),
            other => panic!("{other:?}"),
        }
        assert!(matches!(consents.lookup(&id, now), Lookup::Unknown));
    }

    #[test]
    fn expired_requests_cannot_be_approved_and_end_denied() {
        let consents = Consents::new();
        let now = Instant::now();
        let (id, code) = consents.add(request(), now);
        let later = now + CONSENT_LIFE;
        assert!(matches!(consents.decide(&code, Decision::Denied, later), Err(ApproveError::Unknown(_))));
        assert!(matches!(consents.lookup(&id, later), Lookup::Decided { decision: Decision::Denied, .. }));
    }
}
