//! The encrypted token vault (being built).
