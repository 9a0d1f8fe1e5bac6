//! The client's address behind TLS proxies. A proxy appends the address it saw to
//! `X-Forwarded-For`, so only the entries our own proxies appended can be believed: read from
//! the right, past every listed proxy, the first address that is not one is the client's.
//! Without a listed proxy as the TCP peer the header is ignored (anyone can send one). A header
//! from a listed proxy that cannot be read in full makes the client unknown, never the proxy.

use http::HeaderMap;
use std::{fmt, net::IpAddr, str::FromStr};

/// An address, or a block of them in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpBlock {
    network: IpAddr,
    prefix: u8,
}

impl IpBlock {
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                same_prefix(u32::from(net).into(), u32::from(ip).into(), self.prefix, 32)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                same_prefix(u128::from(net), u128::from(ip), self.prefix, 128)
            }
            _ => false,
        }
    }
}

fn same_prefix(a: u128, b: u128, prefix: u8, bits: u8) -> bool {
    let ignored = u32::from(bits - prefix);
    a.checked_shr(ignored).unwrap_or(0) == b.checked_shr(ignored).unwrap_or(0)
}

impl FromStr for IpBlock {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let bad = || format!("\"{text}\" is not an IP address or a CIDR block such as 10.0.0.0/8");
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network = address.parse::<IpAddr>().map_err(|_| bad())?.to_canonical();
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(bad)?,
        };
        Ok(Self { network, prefix })
    }
}

impl fmt::Display for IpBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// The proxies whose `X-Forwarded-For` is believed (`trusted_proxies`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpBlock>);

impl TrustedProxies {
    pub fn new(blocks: Vec<IpBlock>) -> Self {
        Self(blocks)
    }

    pub fn blocks(&self) -> &[IpBlock] {
        &self.0
    }

    pub fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|block| block.contains(address))
    }

    /// Who sent the request that `peer` delivered with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> ClientIp {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return ClientIp::Known(peer);
        }
        // Every header line in order, each a comma-separated list: together one chain, oldest
        // hop first. A proxy appends to what the client sent, so a line or an entry we cannot
        // read may hold the hop our proxy appended (nginx's `$proxy_add_x_forwarded_for` keeps
        // a client's non-ASCII bytes in the line it extends): skipping it would make the client
        // look like the proxy, which allow lists trust. Who sent such a request is unknown.
        let mut chain = Vec::new();
        for line in headers.get_all("x-forwarded-for") {
            let Ok(line) = line.to_str() else {
                return ClientIp::Unknown;
            };
            // An empty entry (`, 192.0.2.1` from an empty line a proxy extended) claims nothing.
            for entry in line.split(',').map(str::trim).filter(|e| !e.is_empty()) {
                match parse_hop(entry) {
                    Some(hop) => chain.push(hop),
                    None => return ClientIp::Unknown,
                }
            }
        }
        let mut nearest_trusted = peer;
        for hop in chain.into_iter().rev() {
            if !self.trusts(hop) {
                return ClientIp::Known(hop);
            }
            nearest_trusted = hop;
        }
        ClientIp::Known(nearest_trusted)
    }
}

/// `192.0.2.1`, `192.0.2.1:5000`, `2001:db8::1` or `[2001:db8::1]:5000`.
fn parse_hop(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        .map(|ip| ip.to_canonical())
}

/// Who sent a request: an address, or unknown when a trusted proxy passed on an
/// `X-Forwarded-For` that cannot be read. Unknown is no address: no allow list admits it, the
/// sign-in throttle counts every unknown client as one, and the audit trail says `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientIp {
    Known(IpAddr),
    Unknown,
}

impl ClientIp {
    /// The address, if it is known.
    pub fn address(self) -> Option<IpAddr> {
        match self {
            Self::Known(ip) => Some(ip),
            Self::Unknown => None,
        }
    }

    /// Whether the client is known to be in one of `blocks` (never when it is unknown).
    pub fn is_in(self, blocks: &[IpBlock]) -> bool {
        self.address()
            .is_some_and(|ip| blocks.iter().any(|block| block.contains(ip)))
    }
}

impl From<IpAddr> for ClientIp {
    fn from(ip: IpAddr) -> Self {
        Self::Known(ip.to_canonical())
    }
}

/// The address, or `unknown` (as the audit trail and the share views record it).
impl fmt::Display for ClientIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Known(ip) => ip.fmt(f),
            Self::Unknown => f.write_str("unknown"),
        }
    }
}

/// The client as the request-id layer (`web::request_id::assign`, the outermost) worked it
/// out through the trusted proxies, put into every request, so that handlers and the guard
/// never read the TCP peer themselves.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub ClientIp);

impl ClientAddr {
    /// The client in `extensions`; unknown where the request-id layer did not run.
    pub fn of(extensions: &axum::http::Extensions) -> ClientIp {
        extensions
            .get::<ClientAddr>()
            .map(|ClientAddr(client)| *client)
            .unwrap_or(ClientIp::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::new(list.iter().map(|b| b.parse().unwrap()).collect())
    }

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append("x-forwarded-for", value.parse().unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn blocks_parse_and_contain() {
        let block: IpBlock = "10.1.0.0/16".parse().unwrap();
        assert!(block.contains(ip("10.1.200.3")));
        assert!(!block.contains(ip("10.2.0.1")));
        assert!(block.contains(ip("::ffff:10.1.0.9")), "IPv4-mapped");
        let single: IpBlock = "192.0.2.7".parse().unwrap();
        assert_eq!(single.to_string(), "192.0.2.7/32");
        assert!(single.contains(ip("192.0.2.7")) && !single.contains(ip("192.0.2.8")));
        let v6: IpBlock = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")) && !v6.contains(ip("2001:db9::1")));
        let everything: IpBlock = "0.0.0.0/0".parse().unwrap();
        assert!(everything.contains(ip("203.0.113.1")));
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "ten",
            "10.0.0.0/",
            "10.0.0.0/x",
            "",
        ] {
            assert!(bad.parse::<IpBlock>().is_err(), "{bad}");
        }
    }

    fn known(text: &str) -> ClientIp {
        ClientIp::Known(ip(text))
    }

    /// Proxies at 10.0.0.0/8 and on this machine, and a request from the one on this machine.
    fn from_the_local_proxy() -> (TrustedProxies, IpAddr) {
        (proxies(&["10.0.0.0/8", "127.0.0.1"]), ip("127.0.0.1"))
    }

    /// A header line with bytes no `&str` holds, as a client may send them through nginx.
    fn raw_line(bytes: &[u8]) -> http::HeaderValue {
        http::HeaderValue::from_bytes(bytes).unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let trusted = proxies(&["10.0.0.1"]);
        let claims = headers(&["203.0.113.9"]);
        assert_eq!(
            trusted.client(ip("198.51.100.4"), &claims),
            known("198.51.100.4")
        );
        assert_eq!(
            TrustedProxies::default().client(ip("127.0.0.1"), &claims),
            known("127.0.0.1")
        );
        let mut unreadable = HeaderMap::new();
        unreadable.append("x-forwarded-for", raw_line(b"\xff, 203.0.113.9"));
        assert_eq!(
            trusted.client(ip("198.51.100.4"), &unreadable),
            known("198.51.100.4"),
            "an untrusted peer's header is not read at all"
        );
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client() {
        let (trusted, peer) = from_the_local_proxy();
        assert_eq!(
            trusted.client(peer, &headers(&["192.0.2.1, 203.0.113.9, 10.4.5.6"])),
            known("203.0.113.9"),
            "the client's own claim (192.0.2.1) is ignored"
        );
        assert_eq!(
            trusted.client(
                peer,
                &headers(&["192.0.2.1", "203.0.113.9:4711", "10.4.5.6"])
            ),
            known("203.0.113.9"),
            "several header lines make one chain"
        );
        assert_eq!(
            trusted.client(peer, &headers(&["[2001:db8::5]:443"])),
            known("2001:db8::5")
        );
        assert_eq!(
            trusted.client(peer, &HeaderMap::new()),
            known("127.0.0.1"),
            "no header"
        );
        assert_eq!(
            trusted.client(peer, &headers(&["10.1.1.1, 10.2.2.2"])),
            known("10.1.1.1"),
            "only proxies: the farthest one"
        );
        assert_eq!(
            trusted.client(peer, &headers(&[", 203.0.113.9"])),
            known("203.0.113.9"),
            "an empty line a proxy extended claims nothing"
        );
        assert_eq!(
            trusted.client(ip("::ffff:127.0.0.1"), &headers(&["203.0.113.9"])),
            known("203.0.113.9"),
            "an IPv4-mapped peer"
        );
    }

    #[test]
    fn an_unreadable_header_from_a_trusted_proxy_makes_the_client_unknown() {
        let (trusted, peer) = from_the_local_proxy();
        // What nginx sends for a client that put a raw 0xff in its own header: the line it
        // extended keeps the byte, and the address nginx saw sits behind it.
        let mut extended = HeaderMap::new();
        extended.append("x-forwarded-for", raw_line(b"\xff, 203.0.113.9"));
        assert_eq!(trusted.client(peer, &extended), ClientIp::Unknown);
        // A readable line beside it does not help: which hop the other one held is unknown.
        let mut two_lines = headers(&["203.0.113.9"]);
        two_lines.append("x-forwarded-for", raw_line(b"caf\xc3\xa9"));
        assert_eq!(trusted.client(peer, &two_lines), ClientIp::Unknown);
        for unparseable in [
            "garbage, 10.2.2.2",
            "203.0.113.9, garbage",
            "unknown, 203.0.113.9",
            "203.0.113.9:port",
            "unix:, 10.2.2.2",
        ] {
            assert_eq!(
                trusted.client(peer, &headers(&[unparseable])),
                ClientIp::Unknown,
                "{unparseable}"
            );
        }
    }

    #[test]
    fn unknown_is_in_no_block_and_reads_as_unknown() {
        let everything: Vec<IpBlock> = vec!["0.0.0.0/0".parse().unwrap(), "::/0".parse().unwrap()];
        assert!(!ClientIp::Unknown.is_in(&everything));
        assert!(known("127.0.0.1").is_in(&everything));
        assert!(!known("127.0.0.1").is_in(&[]));
        assert_eq!(ClientIp::Unknown.to_string(), "unknown");
        assert_eq!(known("192.0.2.1").to_string(), "192.0.2.1");
        assert_eq!(ClientIp::from(ip("::ffff:192.0.2.1")), known("192.0.2.1"));
        assert_eq!(
            ClientAddr::of(&axum::http::Extensions::new()),
            ClientIp::Unknown,
            "without the request-id layer nobody is known"
        );
    }
}
