//! Strava v3 client: not written yet (being written now).
