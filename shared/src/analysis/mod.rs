//! Sports-science analysis over the domain model: pure functions, no I/O.
//!
//! - [`load`]: one activity's training load from power, pace or heart rate.
//! - [`fitness`]: fitness, fatigue and form as exponentially weighted averages.
//! - [`summary`]: totals with load over a date range, per sport.
//! - [`compare`]: two ranges' totals as differences and percentages.
//! - [`records`]: personal records from best efforts, splits and whole activities.
//! - [`trends`]: weekly pace, heart rate and volume with a fitted change.
//! - [`zones`]: heart-rate, power and pace zones from the athlete's thresholds.
//! - [`estimates`]: thresholds estimated from the athlete's own data.

pub mod compare;
pub mod estimates;
pub mod fitness;
pub mod load;
pub mod records;
pub mod summary;
pub mod trends;
pub mod zones;
