//! The bounded queue of bytes waiting for the driver.

use std::collections::VecDeque;

use super::transport::Transmit;

/// Most transmits queued between two drains. The run-loop contract drains after every input,
/// and one input produces a handful; a driver that stops draining loses the oldest, counted
/// in `dropped`.
pub const MAX_QUEUED_TRANSMITS: usize = 4096;

#[derive(Debug, Default)]
pub(crate) struct Outbox {
    queue: VecDeque<Transmit>,
    pub(crate) dropped: u64,
}

impl Outbox {
    pub(crate) fn push(&mut self, t: Transmit) {
        if self.queue.len() >= MAX_QUEUED_TRANSMITS {
            self.queue.pop_front();
            self.dropped += 1;
        }
        self.queue.push_back(t);
    }

    pub(crate) fn pop(&mut self) -> Option<Transmit> {
        self.queue.pop_front()
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }
}
