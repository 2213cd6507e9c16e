//! Garmin Connect web API client: not written yet (being written now).
