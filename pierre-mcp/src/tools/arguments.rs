//! Reading a tool's arguments: the JSON object into its typed struct, and
//! the checks every tool shares (ids, day ranges, counts), each failing with
//! one [`ToolError`] sentence that names what is allowed.

use pierre_shared::model::LocalDate;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::ToolError;

/// Parses a tool's arguments into its typed parameters.
pub fn parse_args<T: DeserializeOwned>(tool: &'static str, args: JsonObject) -> Result<T, ToolError> {
    serde_json::from_value(serde_json::Value::Object(args)).map_err(|source| ToolError::Arguments { tool, source })
}

/// Reads an id that should be a string but may arrive as a JSON integer:
/// providers' ids look numeric, and some clients (the MCP Inspector's
/// `--tool-arg id=123`) and models send them as numbers.
pub fn string_or_integer<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Signed(i64),
        Unsigned(u64),
    }
    Ok(match Id::deserialize(d).map_err(|_| serde::de::Error::custom("`id` must be a string such as \"123\""))? {
        Id::Text(s) => s,
        Id::Signed(n) => n.to_string(),
        Id::Unsigned(n) => n.to_string(),
    })
}

/// A validated day range (inclusive): defaults to the `default_days` up to
/// `today`, at most `max_days` long.
pub fn day_range(
    from: Option<LocalDate>,
    to: Option<LocalDate>,
    today: LocalDate,
    default_days: i64,
    max_days: i64,
) -> Result<(LocalDate, LocalDate), ToolError> {
    let to = to.unwrap_or(today);
    let from = from.unwrap_or_else(|| to.add_days(1 - default_days));
    if from > to {
        return Err(ToolError::ReversedRange { from, to });
    }
    let days = from.days_until(to) + 1;
    if days > max_days {
        return Err(ToolError::RangeTooLong { from, to, days, max: max_days });
    }
    Ok((from, to))
}

/// A count argument (`limit`, `weeks`, `count`, `timeout_secs`) as the
/// caller sent it.
///
/// Read as any JSON value, not as `u32`: with `u32`, `limit=-1`, `2.5` or
/// `1e12` failed inside serde with "invalid value: integer `-1`, expected
/// u32", while `limit=0` got [`in_range`]'s sentence with the allowed range.
/// Now every value outside the range gets that one sentence. The published
/// schema stays that of `u32` (an integer, with the range the field states).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct Count(serde_json::Value);

impl Count {
    /// The whole number sent, if it is one: an integer, a float with no
    /// fraction (`5.0`), or a string holding an integer (`"5"`, as some
    /// models send numbers).
    fn whole(&self) -> Option<i128> {
        match &self.0 {
            serde_json::Value::Number(n) => n
                .as_i64()
                .map(i128::from)
                .or_else(|| n.as_u64().map(i128::from))
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e30).map(|f| f as i128)),
            serde_json::Value::String(text) => text.trim().parse().ok(),
            _ => None,
        }
    }

    /// The value as the error sentence quotes it.
    fn shown(&self) -> String {
        match self.whole() {
            Some(n) => n.to_string(),
            None => format!("{}, not a whole number", self.0),
        }
    }
}

impl JsonSchema for Count {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        u32::schema_name()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        u32::json_schema(generator)
    }
}

#[cfg(test)]
impl From<serde_json::Value> for Count {
    fn from(value: serde_json::Value) -> Self {
        Self(value)
    }
}

/// Checks a count argument against its published range: any value outside
/// it (negative, too large, fractional, not a number) gets one sentence
/// naming the range.
pub fn in_range(name: &'static str, value: Option<&Count>, default: u32, min: u32, max: u32) -> Result<u32, ToolError> {
    let Some(count) = value else {
        return Ok(default);
    };
    count
        .whole()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| ToolError::OutOfRange { name, min, max, value: count.shown() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::Format;
    use crate::tools::respond::failure;
    use serde_json::json;

    #[test]
    fn argument_errors_are_one_sentence_with_the_cause() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct A {
            format: Option<Format>,
        }
        let args = json!({"format": "yaml"}).as_object().unwrap().clone();
        let err = parse_args::<A>("get_x", args).unwrap_err();
        let text = err.sentence();
        assert!(text.starts_with("Invalid arguments for get_x: unknown variant `yaml`"), "{text}");
        assert!(text.ends_with('.'));
    }

    #[test]
    fn every_count_outside_its_range_gets_the_same_sentence() {
        let check = |sent: serde_json::Value| {
            let count = Count::from(sent);
            in_range("limit", Some(&count), 20, 1, 100).map_err(|e| e.sentence())
        };
        assert_eq!(in_range("limit", None, 20, 1, 100).unwrap(), 20);
        for (sent, ok) in [(json!(5), 5), (json!(100), 100), (json!(5.0), 5), (json!("7"), 7)] {
            assert_eq!(check(sent.clone()), Ok(ok), "{sent}");
        }
        for (sent, shown) in [
            (json!(0), "0"),
            (json!(-1), "-1"),
            (json!(101), "101"),
            (json!(1e12), "1000000000000"),
            (json!(u64::MAX), "18446744073709551615"),
            (json!(2.5), "2.5, not a whole number"),
            (json!("ten"), "\"ten\", not a whole number"),
            (json!(true), "true, not a whole number"),
        ] {
            assert_eq!(check(sent.clone()), Err(format!("`limit` must be from 1 to 100; it was {shown}.")), "{sent}");
        }
    }

    #[test]
    fn a_negative_limit_is_a_tool_error_naming_the_range_not_a_serde_error() {
        #[derive(Debug, Deserialize)]
        struct A {
            limit: Option<Count>,
        }
        let args = json!({"limit": -1}).as_object().unwrap().clone();
        let parsed: A = parse_args("get_activities", args).expect("any JSON value parses");
        let err = in_range("limit", parsed.limit.as_ref(), 20, 1, 100).unwrap_err();
        let result = failure(&err);
        assert_eq!(result.is_error, Some(true));
        let text = &result.content[0].as_text().unwrap().text;
        assert_eq!(text, "`limit` must be from 1 to 100; it was -1.");
    }

    #[test]
    fn day_ranges_default_and_refuse_nonsense() {
        let today = LocalDate::parse("2025-11-23").unwrap();
        let (from, to) = day_range(None, None, today, 7, 92).unwrap();
        assert_eq!((from.to_string(), to.to_string()), ("2025-11-17".into(), "2025-11-23".into()));
        let err = day_range(Some(today), Some(today.add_days(-1)), today, 7, 92).unwrap_err();
        assert!(err.sentence().contains("swap them"));
        assert!(matches!(
            day_range(Some(today.add_days(-100)), None, today, 7, 92),
            Err(ToolError::RangeTooLong { .. })
        ));
    }
}
