//! Timers without scans: tables that remember which entries changed ([`Tracked`]), and a
//! min-heap of their deadlines refreshed from those entries only ([`TimerIndex`]). Finding the
//! next deadline and the due entries costs O(changed · log n), not O(n), so an endpoint with
//! thousands of live calls and transactions handles each message in constant time.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::hash::Hash;
use std::ops::Deref;
use std::time::Instant;

use super::sharded::ShardedMap;

/// The mutating operations of a map that [`Tracked`] records.
pub(crate) trait MapOps {
    type Key: Clone + Ord + Hash;
    type Value;
    fn get_mut(&mut self, key: &Self::Key) -> Option<&mut Self::Value>;
    fn insert(&mut self, key: Self::Key, value: Self::Value) -> Option<Self::Value>;
    fn remove(&mut self, key: &Self::Key) -> Option<Self::Value>;
    fn retain(&mut self, f: impl FnMut(&Self::Key, &mut Self::Value) -> bool);
}

impl<K: Clone + Ord + Hash, V> MapOps for HashMap<K, V> {
    type Key = K;
    type Value = V;
    fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        HashMap::get_mut(self, key)
    }
    fn insert(&mut self, key: K, value: V) -> Option<V> {
        HashMap::insert(self, key, value)
    }
    fn remove(&mut self, key: &K) -> Option<V> {
        HashMap::remove(self, key)
    }
    fn retain(&mut self, f: impl FnMut(&K, &mut V) -> bool) {
        HashMap::retain(self, f);
    }
}

impl<K: Clone + Ord + Hash, V> MapOps for ShardedMap<K, V> {
    type Key = K;
    type Value = V;
    fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        ShardedMap::get_mut(self, key)
    }
    fn insert(&mut self, key: K, value: V) -> Option<V> {
        ShardedMap::insert(self, key, value)
    }
    fn remove(&mut self, key: &K) -> Option<V> {
        ShardedMap::remove(self, key)
    }
    fn retain(&mut self, f: impl FnMut(&K, &mut V) -> bool) {
        ShardedMap::retain(self, f);
    }
}

impl<K: Clone + Ord + Hash, V> MapOps for BTreeMap<K, V> {
    type Key = K;
    type Value = V;
    fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        BTreeMap::get_mut(self, key)
    }
    fn insert(&mut self, key: K, value: V) -> Option<V> {
        BTreeMap::insert(self, key, value)
    }
    fn remove(&mut self, key: &K) -> Option<V> {
        BTreeMap::remove(self, key)
    }
    fn retain(&mut self, f: impl FnMut(&K, &mut V) -> bool) {
        BTreeMap::retain(self, f);
    }
}

/// Records `key` as changed, unless it is already among the last few recorded (one message
/// touches the same entry many times in a row; each record clones the key).
fn note<K: Clone + PartialEq>(changed: &mut Vec<K>, key: &K) {
    if !changed.iter().rev().take(4).any(|k| k == key) {
        changed.push(key.clone());
    }
}

/// A map that records the keys of entries handed out mutably, inserted or removed. Reads go
/// through `Deref` to the map itself.
#[derive(Debug, Default)]
pub(crate) struct Tracked<M: MapOps> {
    map: M,
    changed: RefCell<Vec<M::Key>>,
}

impl<M: MapOps> Deref for Tracked<M> {
    type Target = M;
    fn deref(&self) -> &M {
        &self.map
    }
}

impl<M: MapOps> Tracked<M> {
    pub(crate) fn new(map: M) -> Self {
        Self {
            map,
            changed: RefCell::new(Vec::new()),
        }
    }

    pub(crate) fn get_mut(&mut self, key: &M::Key) -> Option<&mut M::Value> {
        let value = self.map.get_mut(key)?;
        note(self.changed.get_mut(), key);
        Some(value)
    }

    pub(crate) fn insert(&mut self, key: M::Key, value: M::Value) -> Option<M::Value> {
        note(self.changed.get_mut(), &key);
        self.map.insert(key, value)
    }

    pub(crate) fn remove(&mut self, key: &M::Key) -> Option<M::Value> {
        let value = self.map.remove(key)?;
        note(self.changed.get_mut(), key);
        Some(value)
    }

    pub(crate) fn retain(&mut self, mut f: impl FnMut(&M::Key, &mut M::Value) -> bool) {
        let changed = self.changed.get_mut();
        self.map.retain(|k, v| {
            // Whether kept or not, the entry may have changed.
            changed.push(k.clone());
            f(k, v)
        });
    }

    fn take_changed(&self) -> Vec<M::Key> {
        std::mem::take(&mut *self.changed.borrow_mut())
    }
}

/// Deadlines of a [`Tracked`] map's entries in a min-heap. Stale heap entries (the entry's
/// deadline moved or the entry is gone) are dropped when they reach the top; the heap is
/// rebuilt when stale entries outnumber live ones.
#[derive(Debug)]
pub(crate) struct TimerIndex<K: Ord + Hash + Clone> {
    heap: RefCell<BinaryHeap<Reverse<(Instant, K)>>>,
    indexed: RefCell<ShardedMap<K, Instant>>,
}

impl<K: Ord + Hash + Clone> Default for TimerIndex<K> {
    fn default() -> Self {
        Self {
            heap: RefCell::new(BinaryHeap::new()),
            indexed: RefCell::new(ShardedMap::new()),
        }
    }
}

/// Heap entries allowed beyond twice the indexed ones before a rebuild.
const STALE_SLACK: usize = 1024;

impl<K: Ord + Hash + Clone> TimerIndex<K> {
    /// Re-reads the deadlines of the entries that changed.
    fn refresh<M: MapOps<Key = K>>(
        &self,
        map: &Tracked<M>,
        get: impl Fn(&M, &K) -> Option<Instant>,
    ) {
        let changed = map.take_changed();
        if changed.is_empty() {
            return;
        }
        let mut heap = self.heap.borrow_mut();
        let mut indexed = self.indexed.borrow_mut();
        for key in changed {
            match get(&map.map, &key) {
                Some(at) => {
                    if indexed.get(&key) != Some(&at) {
                        indexed.insert(key.clone(), at);
                        heap.push(Reverse((at, key)));
                    }
                }
                None => {
                    indexed.remove(&key);
                }
            }
        }
        if heap.len() > indexed.len() * 2 + STALE_SLACK {
            *heap = indexed
                .iter()
                .map(|(k, at)| Reverse((*at, k.clone())))
                .collect();
        }
    }

    /// The earliest deadline.
    pub(crate) fn next<M: MapOps<Key = K>>(
        &self,
        map: &Tracked<M>,
        get: impl Fn(&M, &K) -> Option<Instant>,
    ) -> Option<Instant> {
        self.refresh(map, get);
        let mut heap = self.heap.borrow_mut();
        let indexed = self.indexed.borrow();
        while let Some(Reverse((at, key))) = heap.peek() {
            if indexed.get(key) == Some(at) {
                return Some(*at);
            }
            heap.pop();
        }
        None
    }

    /// The entries due at `now`, in key order; they leave the index until they change.
    pub(crate) fn due<M: MapOps<Key = K>>(
        &self,
        map: &Tracked<M>,
        now: Instant,
        get: impl Fn(&M, &K) -> Option<Instant>,
    ) -> Vec<K> {
        self.refresh(map, get);
        let mut heap = self.heap.borrow_mut();
        let mut indexed = self.indexed.borrow_mut();
        let mut due = Vec::new();
        while let Some(Reverse((at, _))) = heap.peek() {
            if *at > now {
                break;
            }
            let Some(Reverse((at, key))) = heap.pop() else {
                break;
            };
            if indexed.get(&key) == Some(&at) {
                indexed.remove(&key);
                due.push(key);
            }
        }
        due.sort();
        due
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::time::Duration;

    #[test]
    fn deadlines_follow_changes_only() {
        let t0 = Instant::now();
        let mut map: Tracked<BTreeMap<u32, Option<Instant>>> = Tracked::new(BTreeMap::new());
        let index = TimerIndex::default();
        let get = |m: &BTreeMap<u32, Option<Instant>>, k: &u32| m.get(k).copied().flatten();
        map.insert(1, Some(t0 + Duration::from_secs(5)));
        map.insert(2, Some(t0 + Duration::from_secs(3)));
        map.insert(3, None);
        assert_eq!(index.next(&map, get), Some(t0 + Duration::from_secs(3)));
        *map.get_mut(&2).unwrap() = Some(t0 + Duration::from_secs(9));
        assert_eq!(index.next(&map, get), Some(t0 + Duration::from_secs(5)));
        map.remove(&1);
        assert_eq!(index.next(&map, get), Some(t0 + Duration::from_secs(9)));
        *map.get_mut(&3).unwrap() = Some(t0 + Duration::from_secs(1));
        assert_eq!(
            index.due(&map, t0 + Duration::from_secs(9), get),
            vec![2, 3]
        );
        // Due entries leave the index until they change again.
        assert_eq!(index.next(&map, get), None);
        let _ = map.get_mut(&2);
        assert_eq!(index.next(&map, get), Some(t0 + Duration::from_secs(9)));
    }

    #[test]
    fn stale_entries_do_not_pile_up() {
        let t0 = Instant::now();
        let mut map: Tracked<HashMap<u32, Option<Instant>>> = Tracked::new(HashMap::new());
        let index = TimerIndex::default();
        let get = |m: &HashMap<u32, Option<Instant>>, k: &u32| m.get(k).copied().flatten();
        map.insert(7, None);
        for i in 0..10_000u64 {
            *map.get_mut(&7).unwrap() = Some(t0 + Duration::from_millis(i));
            let _ = index.next(&map, get);
        }
        assert!(index.heap.borrow().len() <= 2 + STALE_SLACK);
    }
}
