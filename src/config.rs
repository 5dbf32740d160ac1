//! Configuration: TOML sections with defaults, validation, and where files live.
