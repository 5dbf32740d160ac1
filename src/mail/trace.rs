//! Received-chain and authentication-results analysis: every hop parsed, the route put in
//! order, delays and oddities flagged, RFC 8601 results grouped by who wrote them, and
//! Microsoft's anti-spam verdict headers decoded.

pub mod antispam;
pub mod auth_results;
pub mod chain;
pub mod facts;
pub mod headers;
pub mod received;
pub mod render;
pub mod tokenizer;

pub use super::date::{self, ParsedDate, parse_date};
pub use antispam::Antispam;
pub use auth_results::{
    ArcSet, AuthResult, AuthResults, ReceivedSpf, parse_authentication_results,
};
pub use chain::{HopFlag, OriginatingIp, Trace, TraceContext, TracedHop, Trust, analyse};
pub use facts::{HopFacts, TransportFacts, newest_received_at, transport_facts};
pub use received::{Hop, ProtocolFlags, parse_received};
pub use render::render_text;

#[cfg(test)]
mod tests;
