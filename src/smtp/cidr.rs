//! CIDR network blocks (`127.0.0.0/8`, `::1/128`) for the trusted-networks relay check: a
//! thin layer over `ipnet` that adds bare addresses as host blocks and IPv4-mapped IPv6
//! clients matching IPv4 networks.

use ipnet::IpNet;
use std::net::IpAddr;
use std::str::FromStr;

/// An IP network: address plus prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr(IpNet);

/// A trusted-networks entry that is not `ADDRESS/PREFIX`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid network {0:?}: expected ADDRESS/PREFIX such as 127.0.0.0/8 or ::1/128")]
pub struct CidrError(pub String);

impl Cidr {
    /// Does `ip` lie in this network? IPv4-mapped IPv6 addresses match IPv4 networks.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip.to_canonical())
    }
}

impl FromStr for Cidr {
    type Err = CidrError;

    /// `ADDRESS/PREFIX`, or a bare address meaning that one host.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        let net = match text.parse::<IpNet>() {
            Ok(net) => net,
            Err(_) if !text.contains('/') => text
                .parse::<IpAddr>()
                .map(IpNet::from)
                .map_err(|_| CidrError(s.to_owned()))?,
            Err(_) => return Err(CidrError(s.to_owned())),
        };
        Ok(Self(net))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn loopback_block_contains_loopback_and_mapped_loopback_only() {
        let net: Cidr = "127.0.0.0/8".parse().unwrap();
        assert!(net.contains(ip("127.1.2.3")));
        assert!(net.contains(ip("::ffff:127.0.0.1")));
        assert!(!net.contains(ip("128.0.0.1")));
        assert!(!net.contains(ip("::1")));
    }

    #[test]
    fn odd_prefixes_and_ipv6_blocks_match_by_bits() {
        let net: Cidr = "192.168.4.0/22".parse().unwrap();
        assert!(net.contains(ip("192.168.7.255")));
        assert!(!net.contains(ip("192.168.8.0")));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:1::5")));
        assert!(!v6.contains(ip("2001:db9::1")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("8.8.8.8")));
        let host: Cidr = "::1".parse().unwrap();
        assert!(host.contains(ip("::1")));
        assert!(!host.contains(ip("::2")));
        let untidy: Cidr = " 10.1.2.3/8 ".parse().unwrap();
        assert!(untidy.contains(ip("10.200.0.1")));
    }

    #[test]
    fn malformed_networks_are_errors() {
        for bad in [
            "",
            "127.0.0.1/33",
            "::1/129",
            "localhost/8",
            "10.0.0.0/x",
            "10.0.0.0/",
            "/8",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }
}
