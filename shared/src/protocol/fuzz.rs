//! Request and params decoding on hostile input (`protocol::fuzz`, test-only, kept in its own
//! file so `protocol/mod.rs` stays readable): serde must refuse, never panic, and
//! refuse exactly what the socket API says it refuses.
use super::*;
use proptest::prelude::*;
use serde_json::{Value, json};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{0,10}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every params type of the socket API, decoded from `v`; true when it was accepted.
fn decode_all(v: &Value) -> Vec<(&'static str, bool)> {
    fn ok<T: serde::de::DeserializeOwned>(v: &Value) -> bool {
        serde_json::from_value::<T>(v.clone()).is_ok()
    }
    vec![
        ("hello", ok::<HelloParams>(v)),
        ("users.add", ok::<UsersAddParams>(v)),
        ("users.remove", ok::<UsersRemoveParams>(v)),
        ("users.rename", ok::<UsersRenameParams>(v)),
        ("tokens.get", ok::<TokensGetParams>(v)),
        ("usage.report", ok::<UsageReportParams>(v)),
        ("connections.begin", ok::<ConnectionsBeginParams>(v)),
        ("connections.wait", ok::<ConnectionsWaitParams>(v)),
        ("connections.disconnect", ok::<ConnectionsDisconnectParams>(v)),
        ("connections.import", ok::<ConnectionsImportParams>(v)),
        ("apps.set", ok::<AppsSetParams>(v)),
        ("login.approve", ok::<LoginApproveParams>(v)),
        ("auth.resolve", ok::<AuthResolveParams>(v)),
        ("auth.token", ok::<AuthTokenParams>(v)),
        ("request", ok::<Request>(v)),
        ("response", ok::<Response>(v)),
    ]
}

/// A valid params object for each method that takes one.
fn valid() -> Vec<(&'static str, Value)> {
    vec![
        ("hello", json!({"protocol_versions": [1], "client": {"name": "t", "version": "0"}})),
        ("users.add", json!({"name": "alice"})),
        ("users.remove", json!({"target": "alice"})),
        ("users.rename", json!({"target": "a", "new_name": "b"})),
        ("tokens.get", json!({"provider": "strava"})),
        ("usage.report", json!({"provider": "strava", "status": 200})),
        ("connections.begin", json!({"provider": "strava"})),
        ("connections.wait", json!({"provider": "strava"})),
        ("connections.disconnect", json!({"provider": "strava"})),
        ("apps.set", json!({"provider": "strava", "client_id": "i", "client_secret": "s"})),
        ("login.approve", json!({"code": "ABCD"})),
        ("auth.resolve", json!({"token": "t", "resource": "r"})),
        ("auth.token", json!({})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// No JSON value makes any decoder panic.
    #[test]
    fn arbitrary_json_never_panics_any_decoder(v in arb_json()) {
        let _ = decode_all(&v);
    }

    /// Guards `deny_unknown_fields` on every params type: a typo'd member is refused
    /// (and becomes `invalid_params`), never silently ignored.
    #[test]
    fn an_unknown_member_is_refused_by_every_params_type(key in "zz[a-z_]{0,8}", value in arb_json()) {
        for (name, mut params) in valid() {
            prop_assert!(decode_all(&params).iter().any(|(n, ok)| *n == name && *ok), "{} must accept its valid params", name);
            params[key.as_str()] = value.clone();
            let accepted = decode_all(&params).into_iter().find(|(n, _)| *n == name).unwrap().1;
            prop_assert!(!accepted, "{} accepted the unknown member {}", name, key);
        }
    }

    /// Every member given the wrong type is refused (strings where numbers go, ...).
    #[test]
    fn a_member_of_the_wrong_type_is_refused(pick in any::<prop::sample::Index>(), bad in prop_oneof![Just(json!([])), Just(json!({"x": 1})), Just(json!(1.5)), Just(json!(true))]) {
        let candidates = valid();
        let (name, params) = &candidates[pick.index(candidates.len())];
        for key in params.as_object().unwrap().keys() {
            let mut broken = params.clone();
            broken[key.as_str()] = bad.clone();
            // `protocol_versions: [..]` accepts an empty array; every other member must refuse.
            if key == "protocol_versions" && bad == json!([]) {
                continue;
            }
            let accepted = decode_all(&broken).into_iter().find(|(n, _)| n == name).unwrap().1;
            prop_assert!(!accepted, "{} accepted {} = {}", name, key, bad);
        }
    }

    /// Request ids are exactly integers in i64 and strings, as the socket answers by id.
    #[test]
    fn request_ids_are_i64_or_strings(id in arb_json()) {
        let accepted = serde_json::from_value::<RequestId>(id.clone()).is_ok();
        prop_assert_eq!(accepted, id.is_i64() || id.is_string(), "{}", id);
    }

    /// An error response always carries the JSON-RPC code of its stable code, no result,
    /// and survives a round trip (what a client parses is what the daemon sent).
    #[test]
    fn error_responses_round_trip(code_name in prop::sample::select(vec!["parse_error", "invalid_request", "method_not_found", "invalid_params", "vault_corrupt", "needs_reconnect", "line_too_long"]), message in ".{0,40}", id in prop::option::of(any::<i64>())) {
        let code: crate::ErrorCode = serde_json::from_value(json!(code_name)).unwrap();
        let response = Response::err(id.map(RequestId::Number), RpcError::new(code, message.clone()));
        let wire = serde_json::to_string(&response).unwrap();
        prop_assert!(!wire.contains('\n'), "one line per response");
        let back: Value = serde_json::from_str(&wire).unwrap();
        prop_assert_eq!(&back["jsonrpc"], "2.0");
        prop_assert!(back.get("result").is_none());
        prop_assert_eq!(back["error"]["code"].as_i64(), Some(code.rpc_code()));
        prop_assert_eq!(back["error"]["data"]["code"].as_str(), Some(code_name));
        prop_assert_eq!(back["error"]["message"].as_str(), Some(message.as_str()));
        prop_assert_eq!(back["id"].as_i64(), id);
    }
}
