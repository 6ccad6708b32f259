//! The bounded hand-off from a monitor to a consumer that may be slower.

use std::collections::VecDeque;

use super::AmiEvent;

/// Default [`EventQueue`] capacity: 10 000 events.
pub const DEFAULT_EVENT_QUEUE: usize = 10_000;

/// A bounded queue of [`AmiEvent`]s that never blocks the producer: when full, new events are
/// dropped and counted, and the consumer's next [`pop`](EventQueue::pop) returns
/// [`AmiEvent::Lagged`] with the count before anything else. Loss is always reported, never
/// silent.
#[derive(Debug)]
pub struct EventQueue {
    items: VecDeque<AmiEvent>,
    capacity: usize,
    missed: u64,
    total_missed: u64,
}

impl EventQueue {
    /// A queue holding at most `capacity` events (at least one).
    pub fn new(capacity: usize) -> EventQueue {
        let capacity = capacity.max(1);
        EventQueue {
            items: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
            missed: 0,
            total_missed: 0,
        }
    }

    /// Adds an event; false when the queue was full and the event was dropped (and counted).
    pub fn push(&mut self, event: AmiEvent) -> bool {
        if self.items.len() >= self.capacity {
            self.missed += 1;
            self.total_missed += 1;
            return false;
        }
        self.items.push_back(event);
        true
    }

    /// The next event: `Lagged` first if anything was dropped since the last pop.
    pub fn pop(&mut self) -> Option<AmiEvent> {
        if self.missed > 0 {
            let missed = std::mem::take(&mut self.missed);
            return Some(AmiEvent::Lagged { missed });
        }
        self.items.pop_front()
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing waits (not even a `Lagged` report).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.missed == 0
    }

    /// True when more than half full: a producer sharing a thread with the consumer should
    /// let it run.
    pub fn more_than_half_full(&self) -> bool {
        self.items.len() > self.capacity / 2
    }

    /// Events dropped since the queue was made.
    pub fn total_missed(&self) -> u64 {
        self.total_missed
    }
}
