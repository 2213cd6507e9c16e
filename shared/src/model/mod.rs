//! The provider-neutral domain model every tool answers in.
//!
//! Every type is `Serialize + Deserialize + JsonSchema`: the MCP server
//! publishes these schemas as its tools' output schemas, and provider
//! clients parse into these types. Conventions: ids are strings (providers'
//! ids overflow JSON's 2^53), units are SI with the unit in the field name,
//! instants carry their UTC offset, and values a provider does not report
//! are absent rather than zero.

pub mod activity;
pub mod athlete;
pub mod recovery;
pub mod settings;
pub mod sleep;
pub mod stats;
pub mod time;

pub use activity::{
    Activity, ActivityPage, ActivitySummary, BestEffort, Lap, LoadMethod, Split, SportKind, SportType, StreamKind,
    StreamSummary, ZoneTime, round_to,
};
pub use athlete::{Athlete, Thresholds};
pub use recovery::{Recovery, ScoreStatus};
pub use sleep::{SleepSession, SleepStages};
pub use stats::{Period, PeriodTotals, SportTotals, Totals};
pub use time::{LocalDate, Timestamp};
