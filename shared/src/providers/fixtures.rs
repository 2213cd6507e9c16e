//! How a provider API request maps to a fixture file name, shared by the
//! strict fake provider (which serves `tests/fixtures/<provider>/`) and the
//! clients' unit tests (which read the same files without HTTP), so both
//! always agree on which file answers which request.
//!
//! `GET /v3/athlete/activities?per_page=30&page=2` is answered by
//! `v3_athlete_activities@page=2.json` if that file exists (the first query
//! parameter with a file wins), else by `v3_athlete_activities.json`. A
//! trailing `.json` in the path (Fitbit) is dropped first.

/// Candidate file names for a request, most specific first.
pub fn candidates(path: &str, query: &[(String, String)]) -> Vec<String> {
    let base = path.trim_matches('/').trim_end_matches(".json").replace('/', "_");
    let safe = |s: &str| {
        !s.is_empty() && !s.contains("..") && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
    };
    if !safe(&base) {
        return Vec::new();
    }
    query
        .iter()
        .filter(|(name, value)| safe(name) && safe(value))
        .map(|(name, value)| format!("{base}@{name}={value}.json"))
        .chain(std::iter::once(format!("{base}.json")))
        .collect()
}

/// Splits a raw query string into decoded pairs (`%XX` and `+`).
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| char::from(b).to_digit(16);
                if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    out.push((hi * 16 + lo) as u8);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A [`super::api::Fetch`] over `tests/fixtures/<provider>/`, for the
/// clients' unit tests: same file rule as the fake, and it remembers every
/// request so a test can check paging and headers.
#[cfg(test)]
pub mod testing {
    use std::path::PathBuf;
    use std::sync::Mutex;

    use super::candidates;
    use crate::providers::api::{ApiError, Fetch, Request};

    pub struct FixtureFetch {
        pub provider: &'static str,
        pub dir: PathBuf,
        pub seen: Mutex<Vec<Request>>,
    }

    impl FixtureFetch {
        /// Serves `tests/fixtures/<provider>/` of this repository.
        pub fn new(provider: &'static str) -> Self {
            Self {
                provider,
                dir: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures")).join(provider),
                seen: Mutex::new(Vec::new()),
            }
        }

        /// The requests made so far.
        pub fn requests(&self) -> Vec<Request> {
            self.seen.lock().unwrap().clone()
        }
    }

    /// The part of the provider's `api_base` path the fake's `/api/` stands
    /// for: Strava's base is `.../api/v3` (the tests point it at the fake's
    /// `/api/v3`), so its client asks for `/athlete` and the fixture is
    /// `v3_athlete.json`; the other providers' paths carry their version.
    fn base_path(provider: &str) -> &'static str {
        if provider == "strava" { "/v3" } else { "" }
    }

    impl Fetch for FixtureFetch {
        async fn get(&self, request: Request) -> Result<serde_json::Value, ApiError> {
            self.seen.lock().unwrap().push(request.clone());
            let path = format!("{}{}", base_path(self.provider), request.path);
            let text = candidates(&path, &request.query)
                .into_iter()
                .find_map(|f| std::fs::read_to_string(self.dir.join(f)).ok())
                .ok_or_else(|| ApiError::Status { provider: self.provider, status: 404, path: request.path.clone() })?;
            serde_json::from_str(&text).map_err(|e| ApiError::malformed(self.provider, e))
        }
    }

    /// Runs a client future to completion in a unit test.
    pub fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_query_parameter_with_a_file_wins() {
        let q = parse_query("per_page=30&page=2");
        assert_eq!(
            candidates("/v3/athlete/activities", &q),
            [
                "v3_athlete_activities@per_page=30.json",
                "v3_athlete_activities@page=2.json",
                "v3_athlete_activities.json"
            ]
        );
        assert_eq!(candidates("/1/user/-/profile.json", &[]), ["1_user_-_profile.json"]);
        assert_eq!(candidates("/../x", &[]), Vec::<String>::new());
        let q = parse_query("page=..%2F..%2Fx&start=2026-11-20T00%3A00%3A00Z");
        assert_eq!(q[1].1, "2026-11-20T00:00:00Z");
        assert_eq!(candidates("/a", &q), ["a@start=2026-11-20T00:00:00Z.json", "a.json"]);
    }
}
