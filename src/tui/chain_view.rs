//! The Received-chain view: one row per hop, delays, flags and auth results.
