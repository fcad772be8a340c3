//! The client's address: the TCP peer, unless the peer is a trusted proxy
//! (`FASCIA_TRUSTED_PROXIES`, a list of CIDRs), in which case `X-Forwarded-For` is read
//! from the right and the first hop that is not itself a trusted proxy is the client.
//! Hops to its left were written by the client and prove nothing, so they are never
//! used; a hop that does not parse stops the walk at the last proxy seen.
//!
//! The edge middleware resolves the address once per request and leaves it in the
//! request's extensions (the login throttles and the rate limits read it from there)
//! and task-local for the request's task ([`current`]), for code that has no `Request`.

use std::{
    future::Future,
    net::{IpAddr, SocketAddr},
};

use ipnet::IpNet;
use poem::Request;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Comma-separated CIDRs or single addresses, e.g. `10.0.0.0/8, 127.0.0.1`.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{s:?} is not an address or CIDR"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }
}

tokio::task_local! {
    static CLIENT: IpAddr;
}

/// The client address of the request handled on this task, if any. Work handed to
/// another task (the writer) does not see it.
pub fn current() -> Option<IpAddr> {
    CLIENT.try_with(|ip| *ip).ok()
}

/// Runs `fut` with `ip` as the current client address.
pub async fn scope<F: Future>(ip: Option<IpAddr>, fut: F) -> F::Output {
    match ip {
        Some(ip) => CLIENT.scope(ip, fut).await,
        None => fut.await,
    }
}

/// The client address of a request, as the edge resolved it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

fn canonical(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

/// A hop as proxies write it: an address, maybe bracketed or with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| hop.strip_prefix('[').and_then(|h| h.strip_suffix(']')).and_then(|h| h.parse().ok()))
        .map(canonical)
}

/// The client address given the TCP peer and every `X-Forwarded-For` header value in
/// the order received.
pub fn resolve(peer: IpAddr, forwarded_for: &[&str], trusted: &TrustedProxies) -> IpAddr {
    let mut client = canonical(peer);
    if !trusted.contains(client) {
        return client;
    }
    let hops = forwarded_for.iter().flat_map(|v| v.split(',')).collect::<Vec<_>>();
    for hop in hops.into_iter().rev() {
        let Some(ip) = parse_hop(hop) else { break };
        client = ip;
        if !trusted.contains(ip) {
            break;
        }
    }
    client
}

/// Resolves the client address of `req` (see the module notes).
pub fn of(req: &Request, trusted: &TrustedProxies) -> Option<IpAddr> {
    let peer = req.remote_addr().as_socket_addr().map(SocketAddr::ip)?;
    if trusted.is_empty() {
        return Some(canonical(peer));
    }
    let values: Vec<&str> = req.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    Some(resolve(peer, &values, trusted))
}

/// The address the edge left on `req`, as text for throttles; empty when unknown.
pub fn text_of(req: &Request) -> String {
    req.extensions()
        .get::<ClientAddr>()
        .map(|a| a.0.to_string())
        .or_else(|| req.remote_addr().as_socket_addr().map(|a| canonical(a.ip()).to_string()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(resolve(ip("203.0.113.9"), &["1.2.3.4"], &trusted), ip("203.0.113.9"));
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let trusted = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").unwrap();
        let got = resolve(ip("10.0.0.2"), &["6.6.6.6, 198.51.100.4", "192.0.2.7"], &trusted);
        assert_eq!(got, ip("198.51.100.4"));
    }

    #[test]
    fn garbage_or_missing_hops_leave_the_last_proxy() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(resolve(ip("10.0.0.2"), &[], &trusted), ip("10.0.0.2"));
        assert_eq!(resolve(ip("10.0.0.2"), &["1.1.1.1, not-an-ip"], &trusted), ip("10.0.0.2"));
        assert_eq!(resolve(ip("10.0.0.2"), &["10.0.0.3"], &trusted), ip("10.0.0.3"));
    }

    #[test]
    fn hops_with_ports_brackets_and_mapped_addresses_parse() {
        let trusted = TrustedProxies::parse("127.0.0.1").unwrap();
        assert_eq!(resolve(ip("::ffff:127.0.0.1"), &["[2001:db8::1]"], &trusted), ip("2001:db8::1"));
        assert_eq!(resolve(ip("127.0.0.1"), &["198.51.100.4:5555"], &trusted), ip("198.51.100.4"));
    }

    #[test]
    fn bad_proxy_lists_are_refused() {
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.internal").is_err());
        assert!(TrustedProxies::parse("").unwrap().is_empty());
    }
}
