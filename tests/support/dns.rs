//! Test support: a small authoritative UDP DNS responder on loopback, built on hickory-proto,
//! so outbound tests resolve MX and address records without the machine's resolver.

#![allow(dead_code, clippy::unwrap_used)]

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, MX, PTR, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinEncodable};
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The records a [`TestDns`] serves; names are case-insensitive, without the final dot.
#[derive(Debug, Default, Clone)]
pub struct Zone {
    records: HashMap<String, Vec<RData>>,
    servfail: HashSet<String>,
    silent: HashSet<String>,
}

fn key(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn fqdn(name: &str) -> Name {
    Name::from_ascii(format!("{}.", name.trim_end_matches('.'))).unwrap()
}

impl Zone {
    pub fn mx(mut self, domain: &str, preference: u16, host: &str) -> Self {
        let rdata = RData::MX(MX::new(preference, fqdn(host)));
        self.records.entry(key(domain)).or_default().push(rdata);
        self
    }

    /// RFC 7505: `MX 0 .`
    pub fn null_mx(mut self, domain: &str) -> Self {
        let rdata = RData::MX(MX::new(0, Name::root()));
        self.records.entry(key(domain)).or_default().push(rdata);
        self
    }

    pub fn addr(mut self, host: &str, ip: &str) -> Self {
        let rdata = match ip.parse::<IpAddr>().unwrap() {
            IpAddr::V4(v4) => RData::A(A::from(v4)),
            IpAddr::V6(v6) => RData::AAAA(AAAA::from(v6)),
        };
        self.records.entry(key(host)).or_default().push(rdata);
        self
    }

    /// A TXT record; a value longer than 255 octets is split into several strings, as
    /// zone files publish DKIM keys.
    pub fn txt(mut self, name: &str, value: &str) -> Self {
        let strings: Vec<String> = value
            .as_bytes()
            .chunks(255)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        let rdata = RData::TXT(TXT::new(strings));
        self.records.entry(key(name)).or_default().push(rdata);
        self
    }

    /// The PTR record of `ip` (its in-addr.arpa or ip6.arpa name) pointing at `host`.
    pub fn ptr(mut self, ip: &str, host: &str) -> Self {
        let ip: IpAddr = ip.parse().unwrap();
        let name = Name::from(ip).to_ascii();
        let rdata = RData::PTR(PTR(fqdn(host)));
        self.records.entry(key(&name)).or_default().push(rdata);
        self
    }

    /// A TXT record made of exactly these character-strings (each at most 255 octets).
    pub fn txt_strings(mut self, name: &str, strings: &[&str]) -> Self {
        let rdata = RData::TXT(TXT::new(strings.iter().map(|s| s.to_string()).collect()));
        self.records.entry(key(name)).or_default().push(rdata);
        self
    }

    /// Queries for `domain` are never answered (a server that has gone away).
    pub fn silent(mut self, domain: &str) -> Self {
        self.silent.insert(key(domain));
        self
    }

    /// Is this question one the server ignores?
    fn ignores(&self, request: &Message) -> bool {
        request
            .queries()
            .first()
            .is_some_and(|q| self.silent.contains(&key(&q.name().to_ascii())))
    }

    /// Every query for `domain` gets SERVFAIL.
    pub fn servfail(mut self, domain: &str) -> Self {
        self.servfail.insert(key(domain));
        self
    }

    fn answer(&self, request: &Message) -> Message {
        let mut response = Message::new();
        response
            .set_id(request.id())
            .set_message_type(MessageType::Response)
            .set_op_code(OpCode::Query)
            .set_authoritative(true)
            .set_recursion_desired(request.recursion_desired())
            .set_recursion_available(true);
        response.add_queries(request.queries().to_vec());
        let Some(query) = request.queries().first() else {
            response.set_response_code(ResponseCode::FormErr);
            return response;
        };
        let name = key(&query.name().to_ascii());
        if self.servfail.contains(&name) {
            response.set_response_code(ResponseCode::ServFail);
            return response;
        }
        let Some(records) = self.records.get(&name) else {
            response.set_response_code(ResponseCode::NXDomain);
            return response;
        };
        for rdata in records {
            if rdata.record_type() == query.query_type() || query.query_type() == RecordType::ANY {
                response.add_answer(Record::from_rdata(query.name().clone(), 60, rdata.clone()));
            }
        }
        response.set_response_code(ResponseCode::NoError);
        response
    }
}

/// A running responder; stops when dropped.
pub struct TestDns {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    queries: Arc<Mutex<Vec<(String, RecordType)>>>,
}

impl TestDns {
    pub fn start(zone: Zone) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let queries = Arc::new(Mutex::new(Vec::new()));
        let log = queries.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while !stopped.load(Ordering::SeqCst) {
                let Ok((n, peer)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                let Ok(request) = Message::from_bytes(&buf[..n]) else {
                    continue;
                };
                for q in request.queries() {
                    let name = key(&q.name().to_ascii());
                    log.lock().unwrap().push((name, q.query_type()));
                }
                if zone.ignores(&request) {
                    continue;
                }
                if let Ok(bytes) = zone.answer(&request).to_bytes() {
                    let _ = socket.send_to(&bytes, peer);
                }
            }
        });
        Self {
            addr,
            stop,
            queries,
        }
    }

    /// Every question asked so far, in arrival order: (name without the final dot, type).
    pub fn queries(&self) -> Vec<(String, RecordType)> {
        self.queries.lock().unwrap().clone()
    }

    /// `[dns]` settings that use only this server.
    pub fn config(&self) -> postie::config::DnsConfig {
        postie::config::DnsConfig {
            nameservers: vec![self.addr.to_string()],
            reverse_lookups: false,
            timeout_secs: 2,
        }
    }
}

impl Drop for TestDns {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking receive so the thread sees the flag.
        if let Ok(s) = UdpSocket::bind("127.0.0.1:0") {
            let _ = s.send_to(b"", self.addr);
        }
    }
}
