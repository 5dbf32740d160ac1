//! Unit tests for outbound: reply parsing, schedule, DSN shape.
