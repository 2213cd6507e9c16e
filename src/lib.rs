//! Root package: owns tests/ and the fake provider.
