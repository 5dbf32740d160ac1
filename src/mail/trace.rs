//! Received-chain and authentication-results analysis (owned by the trace work).
