//! Provider access tokens after the sign-in: keeping them fresh and
//! spending them within the provider's rate limits.
//!
//! - [`refresher`]: one refresh at a time per (user, provider), rotation
//!   written before it is used, `invalid_grant` turned into `needs_reconnect`.
//! - [`budgets`]: the provider's rate-limit windows and `Retry-After`, per
//!   app and per user, which `tokens.get` consults before handing a token out.

pub mod budgets;
pub mod refresher;
