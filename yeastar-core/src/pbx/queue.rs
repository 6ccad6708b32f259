//! The bounded hand-off from the pumps to the application.

use std::collections::VecDeque;

use super::Event;

/// Default [`PbxOptions::event_queue`](super::PbxOptions::event_queue): 10 000 events.
pub const DEFAULT_EVENT_QUEUE: usize = 10_000;

/// A bounded queue that never blocks a pump: when full, new events are dropped and counted,
/// and the next [`pop`](EventQueue::pop) returns [`Event::Lagged`] before anything else.
#[derive(Debug)]
pub(super) struct EventQueue {
    items: VecDeque<Event>,
    capacity: usize,
    missed: u64,
}

impl EventQueue {
    pub(super) fn new(capacity: usize) -> EventQueue {
        let capacity = capacity.max(1);
        EventQueue {
            items: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
            missed: 0,
        }
    }

    pub(super) fn push(&mut self, event: Event) {
        if self.items.len() >= self.capacity {
            self.missed += 1;
            return;
        }
        self.items.push_back(event);
    }

    pub(super) fn pop(&mut self) -> Option<Event> {
        if self.missed > 0 {
            let missed = std::mem::take(&mut self.missed);
            return Some(Event::Lagged { missed });
        }
        self.items.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_reports_what_it_dropped_first() {
        let mut q = EventQueue::new(2);
        for missed in 0..5 {
            q.push(Event::Lagged { missed });
        }
        assert!(matches!(q.pop(), Some(Event::Lagged { missed: 3 })));
        assert!(matches!(q.pop(), Some(Event::Lagged { missed: 0 })));
        assert!(matches!(q.pop(), Some(Event::Lagged { missed: 1 })));
        assert!(q.pop().is_none());
    }
}
