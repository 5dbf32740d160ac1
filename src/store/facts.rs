//! The transport facts of each message (its hops, transit, clock skew and upstream
//! Authentication-Results claims) in the `hops` and `trace_facts` tables that search reads.

use super::StoreError;
use super::types::MessageId;
use crate::mail::trace::{TransportFacts, transport_facts};
use rusqlite::{Connection, params};
use std::net::IpAddr;

/// An address as the `hops.ip` column holds it: 16 bytes, IPv4 mapped into IPv6, so
/// byte order is address order and a CIDR block is one range.
pub(crate) fn ip_key(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => v6.octets(),
    }
}

/// Store one message's facts (nothing for a message without trace fields).
pub(crate) fn insert(
    conn: &Connection,
    id: MessageId,
    facts: &TransportFacts,
) -> Result<(), StoreError> {
    if facts.is_empty() {
        return Ok(());
    }
    let mut hop = conn.prepare_cached(
        "INSERT INTO hops (message_id, position, from_host, helo, rdns, ip, tls, delay_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for (position, h) in facts.hops.iter().enumerate() {
        hop.execute(params![
            id,
            position as i64 + 1,
            h.from_host,
            h.helo,
            h.rdns,
            h.ip.map(|ip| ip_key(ip).to_vec()),
            h.tls,
            h.delay_ms,
        ])?;
    }
    conn.prepare_cached(
        "INSERT INTO trace_facts (message_id, transit_ms, skew, auth_claims)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        id,
        facts.total_transit_ms,
        facts.skew,
        facts.auth_claims.join(" ")
    ])?;
    Ok(())
}

/// Read the facts of every message already stored (schema v9).
pub(crate) fn backfill(conn: &Connection) -> Result<(), StoreError> {
    let mut select = conn.prepare("SELECT message_id, raw FROM message_raw")?;
    let mut rows = select.query([])?;
    while let Some(r) = rows.next()? {
        let raw: Vec<u8> = r.get(1)?;
        insert(conn, r.get(0)?, &transport_facts(&raw))?;
    }
    Ok(())
}
