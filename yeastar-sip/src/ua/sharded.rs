//! A hash map for tables that reach hundreds of thousands of entries (transactions live 32 s
//! after they end, RFC 6026): split in [`SHARDS`] tables that grow on their own, each entry
//! keeping its hash. Growing a shard moves 1/[`SHARDS`] of the entries and hashes none of
//! them again, so no insert stops the endpoint for a whole-table rehash (one `HashMap` of
//! 60 000 transactions took 70 ms to grow, every doubling).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash};

use hashbrown::HashTable;

/// Number of independent tables.
pub(crate) const SHARDS: usize = 64;

#[derive(Debug)]
struct Slot<K, V> {
    hash: u64,
    key: K,
    value: V,
}

/// The shard of a hash: bits 32..38, apart from the low bits a table indexes buckets with
/// and the top seven it keeps as tags, so entries of one shard still spread over its buckets.
fn shard_of(hash: u64) -> usize {
    ((hash >> 32) as usize) % SHARDS
}

/// A sharded hash map keyed by SipHash with a per-map random key (keys come from the network).
#[derive(Debug)]
pub(crate) struct ShardedMap<K, V> {
    shards: Box<[HashTable<Slot<K, V>>]>,
    hasher: RandomState,
    len: usize,
}

impl<K, V> Default for ShardedMap<K, V> {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| HashTable::new()).collect(),
            hasher: RandomState::new(),
            len: 0,
        }
    }
}

impl<K: Hash + Eq, V> ShardedMap<K, V> {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        let hash = self.hasher.hash_one(key);
        self.shards[shard_of(hash)]
            .find(hash, |s| s.key == *key)
            .map(|s| &s.value)
    }

    pub(crate) fn contains_key(&self, key: &K) -> bool {
        self.get(key).is_some()
    }

    pub(crate) fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let hash = self.hasher.hash_one(key);
        self.shards[shard_of(hash)]
            .find_mut(hash, |s| s.key == *key)
            .map(|s| &mut s.value)
    }

    /// Inserts or replaces; the old value is returned.
    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        let hash = self.hasher.hash_one(&key);
        let shard = &mut self.shards[shard_of(hash)];
        if let Some(slot) = shard.find_mut(hash, |s| s.key == key) {
            return Some(std::mem::replace(&mut slot.value, value));
        }
        shard.insert_unique(hash, Slot { hash, key, value }, |s| s.hash);
        self.len += 1;
        None
    }

    pub(crate) fn remove(&mut self, key: &K) -> Option<V> {
        let hash = self.hasher.hash_one(key);
        let entry = self.shards[shard_of(hash)]
            .find_entry(hash, |s| s.key == *key)
            .ok()?;
        self.len -= 1;
        Some(entry.remove().0.value)
    }

    /// Keeps the entries `keep` says yes to.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        for shard in self.shards.iter_mut() {
            shard.retain(|s| keep(&s.key, &mut s.value));
        }
        self.len = self.shards.iter().map(HashTable::len).sum();
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.shards
            .iter()
            .flat_map(|shard| shard.iter().map(|s| (&s.key, &s.value)))
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.iter().map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u16, u32),
        Remove(u16),
        GetMut(u16, u32),
        RetainEven,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (any::<u16>(), any::<u32>()).prop_map(|(k, v)| Op::Insert(k % 512, v)),
            2 => any::<u16>().prop_map(|k| Op::Remove(k % 512)),
            2 => (any::<u16>(), any::<u32>()).prop_map(|(k, v)| Op::GetMut(k % 512, v)),
            1 => Just(Op::RetainEven),
        ]
    }

    proptest! {
        /// Any sequence of operations leaves the same entries as a `HashMap` given the same.
        #[test]
        fn behaves_as_a_hash_map(ops in proptest::collection::vec(op(), 0..600)) {
            let mut ours: ShardedMap<u16, u32> = ShardedMap::new();
            let mut model: HashMap<u16, u32> = HashMap::new();
            for op in ops {
                match op {
                    Op::Insert(k, v) => prop_assert_eq!(ours.insert(k, v), model.insert(k, v)),
                    Op::Remove(k) => prop_assert_eq!(ours.remove(&k), model.remove(&k)),
                    Op::GetMut(k, v) => {
                        let a = ours.get_mut(&k).map(|x| { *x = v; *x });
                        let b = model.get_mut(&k).map(|x| { *x = v; *x });
                        prop_assert_eq!(a, b);
                    }
                    Op::RetainEven => {
                        ours.retain(|_, v| *v % 2 == 0);
                        model.retain(|_, v| *v % 2 == 0);
                    }
                }
                prop_assert_eq!(ours.len(), model.len());
                prop_assert_eq!(ours.is_empty(), model.is_empty());
            }
            let mut seen: Vec<(u16, u32)> = ours.iter().map(|(k, v)| (*k, *v)).collect();
            let mut expected: Vec<(u16, u32)> = model.into_iter().collect();
            seen.sort_unstable();
            expected.sort_unstable();
            prop_assert_eq!(seen, expected);
        }
    }

    #[test]
    fn entries_spread_over_every_shard() {
        let mut map = ShardedMap::new();
        for k in 0..(SHARDS as u32 * 64) {
            map.insert(k, ());
        }
        assert!(map.shards.iter().all(|s| s.len() > 16), "{:?}", {
            map.shards.iter().map(HashTable::len).collect::<Vec<_>>()
        });
        assert!(map.contains_key(&7) && !map.contains_key(&u32::MAX));
    }
}
