//! Request rate limits per client address (every route) and per signed-in user (every
//! authenticated operation): a token bucket per key that holds a minute's allowance and
//! refills continuously. A request that finds its bucket empty is answered 429 with
//! `Retry-After` (the seconds until one token is back) in the common error body.
//!
//! Hand-written rather than `governor`: the need is one keyed bucket with a bounded map,
//! which is a few dozen lines here, while the crate brings its own clock abstraction,
//! a concurrent map and several more dependencies into a build that is already slow.
//!
//! Buckets use the monotonic clock, not the injected one: a test's frozen clock would
//! otherwise never refill them. Counters live in this process only, so with several
//! replicas the effective limit is multiplied by their number (they hold nothing that
//! must survive). Client addresses in `exempt` (by default loopback: local tools,
//! health checks, benchmarks) are not limited at all; behind a proxy on the same host,
//! set `FASCIA_TRUSTED_PROXIES` so that the real client address is seen.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use ipnet::IpNet;

/// The limits as configured; zero turns a limit off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitSettings {
    pub per_address_per_minute: u32,
    pub per_user_per_minute: u32,
    pub exempt: Vec<IpNet>,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            per_address_per_minute: 1200,
            per_user_per_minute: 600,
            exempt: vec!["127.0.0.0/8".parse().expect("CIDR"), "::1/128".parse().expect("CIDR")],
        }
    }
}

/// The process's rate limiters.
#[derive(Debug)]
pub struct RateLimits {
    exempt: Vec<IpNet>,
    per_address: Buckets,
    per_user: Buckets,
}

impl RateLimits {
    pub fn new(settings: &RateLimitSettings) -> Self {
        Self {
            exempt: settings.exempt.clone(),
            per_address: Buckets::new(settings.per_address_per_minute),
            per_user: Buckets::new(settings.per_user_per_minute),
        }
    }

    fn is_exempt(&self, address: Option<IpAddr>) -> bool {
        address.is_some_and(|ip| self.exempt.iter().any(|net| net.contains(&ip)))
    }

    /// Seconds to wait if `address` is over its limit; takes a token otherwise.
    pub fn check_address(&self, address: Option<IpAddr>) -> Option<u64> {
        match address {
            Some(ip) if !self.is_exempt(Some(ip)) => self.per_address.take(&ip.to_string(), Instant::now()),
            _ => None,
        }
    }

    /// Seconds to wait if `user` is over its limit; takes a token otherwise.
    pub fn check_user(&self, user: uuid::Uuid, address: Option<IpAddr>) -> Option<u64> {
        if self.is_exempt(address) {
            return None;
        }
        self.per_user.take(&user.to_string(), Instant::now())
    }
}

#[derive(Debug)]
struct Buckets {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

/// Keys kept before idle full buckets are forgotten (bounds memory under a spray of
/// addresses).
const MAX_KEYS: usize = 100_000;

impl Buckets {
    fn new(per_minute: u32) -> Self {
        let capacity = f64::from(per_minute);
        Self { capacity, per_second: capacity / 60.0, buckets: Mutex::default() }
    }

    fn take(&self, key: &str, now: Instant) -> Option<u64> {
        if self.capacity <= 0.0 {
            return None;
        }
        let mut buckets = self.buckets.lock().expect("rate limit lock");
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            let (capacity, rate) = (self.capacity, self.per_second);
            buckets.retain(|_, (tokens, at)| *tokens + now.duration_since(*at).as_secs_f64() * rate < capacity);
        }
        let (tokens, at) = buckets.entry(key.to_owned()).or_insert((self.capacity, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            None
        } else {
            let wait = Duration::from_secs_f64((1.0 - *tokens) / self.per_second);
            Some(wait.as_secs().max(1) + u64::from(wait.subsec_nanos() > 0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minute_allowance_then_a_wait_for_the_next_token() {
        let b = Buckets::new(3);
        let t = Instant::now();
        assert_eq!((b.take("k", t), b.take("k", t), b.take("k", t)), (None, None, None));
        assert_eq!(b.take("k", t), Some(20));
        assert_eq!(b.take("other", t), None);
        assert_eq!(b.take("k", t + Duration::from_secs(20)), None);
        assert!(b.take("k", t + Duration::from_secs(20)).is_some());
    }

    #[test]
    fn zero_turns_the_limit_off_and_loopback_is_exempt_by_default() {
        let limits = RateLimits::new(&RateLimitSettings { per_user_per_minute: 0, ..Default::default() });
        assert!(
            (0..5000).all(|_| limits.check_user(uuid::Uuid::nil(), Some("203.0.113.1".parse().unwrap())).is_none())
        );
        assert!((0..5000).all(|_| limits.check_address(Some("127.0.0.1".parse().unwrap())).is_none()));
        assert!((0..5000).any(|_| limits.check_address(Some("203.0.113.1".parse().unwrap())).is_some()));
    }
}
