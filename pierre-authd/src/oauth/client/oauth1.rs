//! OAuth 1.0a request signing with HMAC-SHA1 (RFC 5849 §3.4), for the one
//! OAuth1 request Pierre sends: the legacy Garmin garth exchange
//! ([`super::garmin_legacy`]).
//!
//! Written out rather than taken from a crate because it is small, and the
//! exact bytes matter: the unit tests reproduce RFC 5849's own signature
//! base string (§3.4.1.1) and example signatures byte for byte.
//! Nothing here logs; the header it builds carries a signature and the
//! token identifier, never a secret.

use std::fmt::Write as _;

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use pierre_shared::Secret;

type HmacSha1 = hmac::Hmac<sha1::Sha1>;

/// The four credentials an HMAC-SHA1 request is signed with (RFC 5849 §3.4.2).
pub struct Credentials<'a> {
    pub consumer_key: &'a str,
    pub consumer_secret: &'a str,
    pub token: &'a str,
    pub token_secret: &'a str,
}

/// RFC 5849 §3.6 percent-encoding: every byte but the unreserved
/// `ALPHA / DIGIT / "-" / "." / "_" / "~"` as `%XX` with upper-case hex.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// RFC 5849 §3.4.1.2 base string URI: scheme and host in lower case, the
/// port only when it is not the scheme's default, the path, no query.
pub fn base_uri(url: &url::Url) -> String {
    let scheme = url.scheme().to_ascii_lowercase();
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    format!("{scheme}://{host}{port}{}", url.path())
}

/// RFC 5849 §3.4.1.1 signature base string from the method, the base
/// string URI and every request parameter in its decoded form (query,
/// protocol parameters without `oauth_signature` and `realm`, and a
/// form-encoded body, §3.4.1.3.1), normalised as §3.4.1.3.2 says: each
/// name and value encoded, sorted by name then value, `name=value` joined
/// with `&`.
pub fn base_string(method: &str, base_uri: &str, params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = params.iter().map(|(k, v)| (encode(k), encode(v))).collect();
    encoded.sort();
    let normalized = encoded.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    format!("{}&{}&{}", method.to_ascii_uppercase(), encode(base_uri), encode(&normalized))
}

/// RFC 5849 §3.4.2 HMAC-SHA1 over `base`, keyed by the encoded consumer
/// secret and token secret joined with `&`; base64 (§3.4.2 last step).
pub fn hmac_sha1(base: &str, consumer_secret: &str, token_secret: &str) -> String {
    let key = Secret::from_string(format!("{}&{}", encode(consumer_secret), encode(token_secret)));
    let mut mac = <HmacSha1 as KeyInit>::new_from_slice(key.expose()).expect("HMAC takes a key of any length");
    mac.update(base.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The `Authorization: OAuth ...` header (RFC 5849 §3.5.1) for a `method`
/// request to `url` with the form-encoded `body` parameters, signed with
/// HMAC-SHA1 at `timestamp` with `nonce`, sending `oauth_version="1.0"`
/// as requests-oauthlib (garth's signer) does.
pub fn authorization(
    method: &str,
    url: &url::Url,
    body: &[(&str, &str)],
    creds: &Credentials<'_>,
    nonce: &str,
    timestamp: i64,
) -> String {
    let timestamp = timestamp.to_string();
    let protocol = [
        ("oauth_consumer_key", creds.consumer_key),
        ("oauth_nonce", nonce),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", timestamp.as_str()),
        ("oauth_token", creds.token),
        ("oauth_version", "1.0"),
    ];
    let mut params: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    params.extend(protocol.iter().chain(body).map(|(k, v)| ((*k).to_string(), (*v).to_string())));
    let signature = hmac_sha1(&base_string(method, &base_uri(url), &params), creds.consumer_secret, creds.token_secret);
    let mut header = String::from("OAuth ");
    for (name, value) in protocol.iter().chain(std::iter::once(&("oauth_signature", signature.as_str()))) {
        let _ = write!(header, "{}=\"{}\", ", encode(name), encode(value));
    }
    header.truncate(header.len() - 2);
    header
}

/// A fresh nonce: 16 random bytes, hex (RFC 5849 §3.3: unique per
/// timestamp, credentials and token).
pub fn nonce() -> String {
    let mut bytes = [0u8; 16];
    let _ = getrandom::fill(&mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect()
    }

    /// RFC 5849 §3.4.1.1's example request (`POST /request?b5=%3D%253D&a3=a&c%40=&a2=r%20b`,
    /// body `c2&a3=2+q`) and the signature base string the RFC prints for it.
    fn rfc_3_4_1_1() -> (String, Vec<(String, String)>) {
        let url = url::Url::parse("http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b").unwrap();
        let mut params: Vec<(String, String)> =
            url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        params.extend(pairs(&[
            ("c2", ""),
            ("a3", "2 q"),
            ("oauth_consumer_key", "9djdj82h48djs9d2"),
            ("oauth_token", "kkk9d7dh3k39sjv7"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131201"),
            ("oauth_nonce", "7d8f3e4a"),
        ]));
        (base_uri(&url), params)
    }

    #[test]
    fn the_base_string_of_rfc_5849_section_3_4_1_1_is_reproduced_byte_for_byte() {
        let (uri, params) = rfc_3_4_1_1();
        let expected = concat!(
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q",
            "%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_",
            "key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m",
            "ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk",
            "9d7dh3k39sjv7"
        );
        assert_eq!(base_string("post", &uri, &params), expected);
        // §3.1 signs this request with client secret "j49sk3j29djd" and token
        // secret "dh893hdasih9" and prints bYT5CMsGcbgUdFHObYMEfcx6bsw%3D, which
        // HMAC-SHA1 of the RFC's own base string does not give: Python's
        // `hmac.new(b"j49sk3j29djd&dh893hdasih9", base, sha1)` gives this value
        // too. The RFC's photos signature (§1.2, below) is reproduced as printed.
        assert_eq!(hmac_sha1(expected, "j49sk3j29djd", "dh893hdasih9"), "r6/TJjbCOr97/+UU0NsvSne7s5g=");
    }

    #[test]
    fn the_photos_example_signatures_are_reproduced_byte_for_byte() {
        let url = url::Url::parse("http://photos.example.net/photos?file=vacation.jpg&size=original").unwrap();
        let signed = |extra: &[(&str, &str)]| {
            let mut params: Vec<(String, String)> =
                url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
            params.extend(pairs(&[
                ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
                ("oauth_token", "nnch734d00sl2jdk"),
                ("oauth_signature_method", "HMAC-SHA1"),
            ]));
            params.extend(pairs(extra));
            hmac_sha1(&base_string("GET", &base_uri(&url), &params), "kd94hf93k423kf44", "pfkkdhi9sl3r4s00")
        };
        // RFC 5849 §1.2 (realm="Photos" is not signed): MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D.
        assert_eq!(
            signed(&[("oauth_timestamp", "137131202"), ("oauth_nonce", "chapoH")]),
            "MdpQcU8iPSUjWoN/UDMsK2sui9I="
        );
        // OAuth Core 1.0 Appendix A.5 (the same photos request with
        // oauth_version, the spec RFC 5849 replaced): tR3+Ty81lMeYAr/Fid0kMTYa/WM=.
        assert_eq!(
            signed(&[("oauth_timestamp", "1191242096"), ("oauth_nonce", "kllo9940pd9333jh"), ("oauth_version", "1.0")]),
            "tR3+Ty81lMeYAr/Fid0kMTYa/WM="
        );
    }

    #[test]
    fn encoding_is_rfc_3986_unreserved_only_with_upper_case_hex() {
        assert_eq!(encode("Ladies + Gentlemen"), "Ladies%20%2B%20Gentlemen");
        assert_eq!(encode("An encoded string!"), "An%20encoded%20string%21");
        assert_eq!(encode("Dogs, Cats & Mice"), "Dogs%2C%20Cats%20%26%20Mice");
        assert_eq!(encode("☃"), "%E2%98%83");
        assert_eq!(encode("a-._~Z9"), "a-._~Z9");
        assert_eq!(
            base_uri(&url::Url::parse("HTTP://EXAMPLE.COM:80/r%20v/X?id=123").unwrap()),
            "http://example.com/r%20v/X"
        );
        assert_eq!(
            base_uri(&url::Url::parse("https://www.example.net:8080/?q=1").unwrap()),
            "https://www.example.net:8080/"
        );
    }

    #[test]
    fn the_header_carries_the_protocol_parameters_and_a_signature_over_the_body_but_no_secret() {
        let url = url::Url::parse("https://connectapi.garmin.com/oauth-service/oauth/exchange/user/2.0").unwrap();
        let creds =
            Credentials { consumer_key: "ck", consumer_secret: "cs-secret", token: "t 1", token_secret: "ts-secret" };
        let header = authorization("POST", &url, &[("mfa_token", "m")], &creds, "n0", 1_700_000_000);
        assert!(header.starts_with("OAuth oauth_consumer_key=\"ck\", oauth_nonce=\"n0\", oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"1700000000\", oauth_token=\"t%201\", oauth_version=\"1.0\", oauth_signature=\""), "{header}");
        let base = base_string(
            "POST",
            "https://connectapi.garmin.com/oauth-service/oauth/exchange/user/2.0",
            &pairs(&[
                ("oauth_consumer_key", "ck"),
                ("oauth_nonce", "n0"),
                ("oauth_signature_method", "HMAC-SHA1"),
                ("oauth_timestamp", "1700000000"),
                ("oauth_token", "t 1"),
                ("oauth_version", "1.0"),
                ("mfa_token", "m"),
            ]),
        );
        assert!(
            header.ends_with(&format!("oauth_signature=\"{}\"", encode(&hmac_sha1(&base, "cs-secret", "ts-secret"))))
        );
        assert!(!header.contains("secret"));
        assert_ne!(nonce(), nonce());
    }
}
