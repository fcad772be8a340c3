//! Failed-login throttling, per account and per client address.
//!
//! Counters live in this process only: with several replicas each keeps its own, so the
//! effective limit is multiplied by the replica count. That is accepted because argon2
//! already makes guessing slow, and no state that matters lives only here.

use std::{collections::HashMap, sync::Mutex};

use chrono::{DateTime, Duration, Utc};

pub struct LoginThrottle {
    window: Duration,
    max_per_account: u32,
    max_per_address: u32,
    failures: Mutex<HashMap<String, Vec<DateTime<Utc>>>>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(Duration::minutes(15), 5, 20)
    }
}

impl LoginThrottle {
    pub fn new(window: Duration, max_per_account: u32, max_per_address: u32) -> Self {
        Self { window, max_per_account, max_per_address, failures: Mutex::default() }
    }

    /// Seconds to wait before another attempt is allowed, if either key is over its limit.
    pub fn retry_after(&self, email: &str, address: &str, now: DateTime<Utc>) -> Option<u64> {
        let mut map = self.failures.lock().expect("throttle lock");
        [(format!("a:{email}"), self.max_per_account), (format!("ip:{address}"), self.max_per_address)]
            .into_iter()
            .filter_map(|(key, max)| {
                let hits = map.get_mut(&key)?;
                hits.retain(|t| *t + self.window > now);
                (hits.len() as u32 >= max).then(|| (hits[0] + self.window - now).num_seconds().max(1) as u64)
            })
            .max()
    }

    pub fn record_failure(&self, email: &str, address: &str, now: DateTime<Utc>) {
        let mut map = self.failures.lock().expect("throttle lock");
        // Bound memory under a spray of distinct keys: forget entries whose window passed.
        if map.len() > 100_000 {
            map.retain(|_, hits| hits.last().is_some_and(|t| *t + self.window > now));
        }
        for key in [format!("a:{email}"), format!("ip:{address}")] {
            map.entry(key).or_default().push(now);
        }
    }

    pub fn record_success(&self, email: &str) {
        self.failures.lock().expect("throttle lock").remove(&format!("a:{email}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_failure_in_the_window_is_throttled_until_the_first_ages_out() {
        let t = LoginThrottle::default();
        let start = Utc::now();
        for i in 0..5 {
            assert_eq!(t.retry_after("a@x", "1.1.1.1", start), None);
            t.record_failure("a@x", "1.1.1.1", start + Duration::seconds(i));
        }
        assert_eq!(t.retry_after("a@x", "1.1.1.1", start + Duration::seconds(10)), Some(890));
        assert_eq!(t.retry_after("a@x", "1.1.1.1", start + Duration::minutes(16)), None);
    }

    #[test]
    fn one_address_spraying_many_accounts_is_throttled() {
        let t = LoginThrottle::default();
        let now = Utc::now();
        for i in 0..20 {
            t.record_failure(&format!("u{i}@x"), "9.9.9.9", now);
        }
        assert!(t.retry_after("fresh@x", "9.9.9.9", now).is_some());
        assert!(t.retry_after("fresh@x", "8.8.8.8", now).is_none());
    }
}
