//! Login sessions known to be live, remembered for a moment.
//!
//! Every authenticated request must know that its token's login session has not been
//! ended and its account not disabled. Asking the database each time was the one read
//! left on the check-in path, paid per request while the writer's statements are shared
//! by a whole batch. So a positive answer is kept for `FASCIA_SESSION_CACHE_MS`
//! (default 1 s; 0 turns the cache off).
//!
//! Invariants:
//! - Only "live" is remembered; a refusal is always read again.
//! - Anything in this process that ends a session or changes an account calls
//!   [`LiveSessions::changed`], which forgets every entry, so within one process a
//!   logout, password change or disabled account takes effect on the next request.
//! - Another replica learns of it when its entry ages out: the staleness across replicas
//!   is bounded by the TTL (documented in the README).

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use entity::user;
use uuid::Uuid;

/// More entries than this and the map is emptied rather than grown: a cache, not a store.
const MAX_ENTRIES: usize = 50_000;

/// Generic over what is remembered so the tests need no whole account row.
pub struct LiveSessions<A = user::Model> {
    ttl: Duration,
    generation: AtomicU64,
    entries: Mutex<HashMap<Uuid, Entry<A>>>,
}

struct Entry<A> {
    user_id: Uuid,
    account: A,
    checked: Instant,
    generation: u64,
}

impl<A: Clone> LiveSessions<A> {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, generation: AtomicU64::new(0), entries: Mutex::new(HashMap::new()) }
    }

    /// The account behind session `sid`, if it was seen live within the TTL and nothing
    /// has changed since.
    pub fn get(&self, sid: Uuid, user_id: Uuid) -> Option<A> {
        if self.ttl.is_zero() {
            return None;
        }
        let generation = self.generation.load(Ordering::Acquire);
        let entries = self.entries.lock().expect("live sessions lock");
        let entry = entries.get(&sid)?;
        let fresh = entry.generation == generation && entry.checked.elapsed() < self.ttl;
        (fresh && entry.user_id == user_id).then(|| entry.account.clone())
    }

    /// Remembers that session `sid` was live with `account`, as read at `generation`
    /// (taken before the read, so a change that raced the read is not papered over).
    pub fn remember(&self, sid: Uuid, user_id: Uuid, account: &A, generation: u64) {
        if self.ttl.is_zero() || generation != self.generation.load(Ordering::Acquire) {
            return;
        }
        let mut entries = self.entries.lock().expect("live sessions lock");
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(sid, Entry { user_id, account: account.clone(), checked: Instant::now(), generation });
    }

    /// The generation a read starts at; pass it to [`Self::remember`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// A session ended or an account changed: forget everything remembered. Rare
    /// (logouts, password changes, profile edits, disabled staff), so a whole-cache flush
    /// is simpler than an index by user and costs one read per live session.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries.lock().expect("live sessions lock").clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(ttl: Duration) -> (LiveSessions<&'static str>, Uuid, Uuid) {
        (LiveSessions::new(ttl), Uuid::now_v7(), Uuid::now_v7())
    }

    #[test]
    fn a_remembered_session_is_answered_for_its_own_user_only() {
        let (cache, sid, user) = cache(Duration::from_secs(60));
        cache.remember(sid, user, &"account", cache.generation());
        assert_eq!(cache.get(sid, user), Some("account"));
        assert_eq!(cache.get(sid, Uuid::now_v7()), None);
        assert_eq!(cache.get(Uuid::now_v7(), user), None);
    }

    #[test]
    fn a_change_forgets_everything_and_refuses_a_read_that_raced_it() {
        let (cache, sid, user) = cache(Duration::from_secs(60));
        let before = cache.generation();
        cache.remember(sid, user, &"account", before);
        cache.changed();
        assert_eq!(cache.get(sid, user), None);
        // A read that began before the change must not be remembered after it.
        cache.remember(sid, user, &"account", before);
        assert_eq!(cache.get(sid, user), None);
    }

    #[test]
    fn a_zero_ttl_remembers_nothing() {
        let (cache, sid, user) = cache(Duration::ZERO);
        cache.remember(sid, user, &"account", cache.generation());
        assert_eq!(cache.get(sid, user), None);
    }
}
