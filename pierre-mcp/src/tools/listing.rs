//! Where a list stands (issue 23): how many items came back, whether more
//! exist, and the days the answer covers, so the model can tell "no run
//! this week" from "this page ended" without counting or guessing.

use pierre_shared::model::LocalDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Flattened into every list result, before the items.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
pub struct Listing {
    // `returned` and `has_more` say what they are; no doc, no schema bytes.
    pub returned: usize,
    pub has_more: bool,
    /// First day covered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<LocalDate>,
    /// Last day covered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<LocalDate>,
}

impl Listing {
    /// A complete answer for the days `from` to `to` (not paged).
    pub fn range(returned: usize, from: LocalDate, to: LocalDate) -> Self {
        Self { returned, has_more: false, from: Some(from), to: Some(to) }
    }

    /// A page of items dated `days` (any order), with or without a next page:
    /// it covers the days from its oldest item to its newest.
    pub fn page(days: impl IntoIterator<Item = LocalDate>, has_more: bool) -> Self {
        let (mut returned, mut from, mut to) = (0, None, None);
        for day in days {
            returned += 1;
            from = Some(from.map_or(day, |f: LocalDate| f.min(day)));
            to = Some(to.map_or(day, |t: LocalDate| t.max(day)));
        }
        Self { returned, has_more, from, to }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u8) -> LocalDate {
        LocalDate::new(time::Date::from_calendar_date(2026, time::Month::November, d).unwrap())
    }

    #[test]
    fn a_page_covers_its_oldest_to_its_newest_item() {
        let page = Listing::page([day(20), day(3), day(11)], true);
        assert_eq!((page.returned, page.has_more), (3, true));
        assert_eq!((page.from, page.to), (Some(day(3)), Some(day(20))));
        let empty = Listing::page([], false);
        assert_eq!((empty.returned, empty.from, empty.to), (0, None, None));
        let json = serde_json::to_value(Listing::range(2, day(1), day(7))).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"returned": 2, "has_more": false, "from": "2026-11-01", "to": "2026-11-07"})
        );
    }
}
