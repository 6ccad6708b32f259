//! A monitor and the simulated PBX on one virtual clock, connected by a simulated link: no
//! sockets, no sleeps, every run the same (quinn-proto's `Pair` idea).
#![allow(dead_code)]

use std::collections::VecDeque;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use yeastar_ami::calls::{CallEvent, CompletedCall, WallClock};
use yeastar_ami::monitor::{
    AmiEvent, AmiMonitor, EventQueue, LinkCommand, LinkError, MonitorConfig,
};
use yeastar_ami::session::{ActionError, Reply, SessionConfig};
use yeastar_ami::sim::{Output, PbxModel, SessionId, SimConfig};
use yeastar_ami::wire::Action;

/// Wall-clock time of the pair's start: 2026-11-26T21:33:20Z.
pub(crate) const WALL_START_SECS: u64 = 1_795_728_800;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Towards {
    Pbx,
    Monitor,
}

/// Bytes on the simulated link.
struct InFlight {
    at: Instant,
    towards: Towards,
    /// The connection they belong to: bytes of a closed connection are lost.
    connection: u64,
    bytes: Bytes,
    /// The sender closed the connection after these bytes (a FIN).
    fin: bool,
}

pub(crate) struct Pair {
    pub(crate) start: Instant,
    pub(crate) now: Instant,
    pub(crate) monitor: AmiMonitor,
    pub(crate) pbx: PbxModel,
    /// One-way delay of the link.
    pub(crate) latency: Duration,
    /// While true, connection attempts are refused (the PBX is down).
    pub(crate) pbx_down: bool,
    /// While true, nothing the PBX sends arrives (a dead link: no FIN, no data).
    pub(crate) blackhole: bool,
    session: Option<SessionId>,
    connection: u64,
    link: VecDeque<InFlight>,
    /// What the monitor reported, in order.
    pub(crate) events: Vec<AmiEvent>,
    /// When set, events go through this bounded queue first (a consumer that lags).
    pub(crate) queue: Option<EventQueue>,
}

pub(crate) fn monitor_config() -> MonitorConfig {
    let mut config = MonitorConfig::new(SessionConfig::new("ami_user", "ami_password"));
    config.reconnect.jitter = 0.0;
    config
}

impl Pair {
    pub(crate) fn new(sim: SimConfig) -> Pair {
        Pair::with_monitor(sim, monitor_config())
    }

    pub(crate) fn with_monitor(sim: SimConfig, config: MonitorConfig) -> Pair {
        let start = Instant::now();
        let wall = UNIX_EPOCH + Duration::from_secs(WALL_START_SECS);
        Pair {
            start,
            now: start,
            monitor: AmiMonitor::new(config, start, WallClock::new(start, wall)),
            pbx: PbxModel::new(sim, start, wall),
            latency: Duration::from_millis(1),
            pbx_down: false,
            blackhole: false,
            session: None,
            connection: 0,
            link: VecDeque::new(),
            events: Vec::new(),
            queue: None,
        }
    }

    /// Wall-clock time `secs` after the start.
    pub(crate) fn wall(&self, secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(WALL_START_SECS + secs)
    }

    fn transmit(&mut self, towards: Towards, bytes: Bytes) {
        self.link.push_back(InFlight {
            at: self.now + self.latency,
            towards,
            connection: self.connection,
            bytes,
            fin: false,
        });
    }

    /// Moves what both sides produced, until neither has anything more right now.
    fn drain(&mut self) {
        loop {
            let mut moved = false;
            while let Some(bytes) = self.monitor.poll_transmit() {
                moved = true;
                if self.session.is_some() {
                    self.transmit(Towards::Pbx, bytes);
                }
            }
            while let Some(command) = self.monitor.poll_command() {
                moved = true;
                match command {
                    LinkCommand::Connect if self.pbx_down => {
                        let error = LinkError::Connect("connection refused".into());
                        self.monitor.handle_connect_failed(error, self.now);
                    }
                    LinkCommand::Connect => {
                        self.connection += 1;
                        self.session = self.pbx.connect(None, None).ok();
                        self.monitor.handle_connected(self.now);
                    }
                    LinkCommand::Close => {
                        if let Some(session) = self.session.take() {
                            self.pbx.disconnect(session);
                        }
                        self.connection += 1;
                    }
                }
            }
            while let Some(event) = self.monitor.poll_event() {
                moved = true;
                match &mut self.queue {
                    Some(queue) => {
                        queue.push(event);
                    }
                    None => self.events.push(event),
                }
            }
            while let Some(output) = self.pbx.poll_output() {
                moved = true;
                match output {
                    Output::Send { session, bytes }
                        if Some(session) == self.session && !self.blackhole =>
                    {
                        self.transmit(Towards::Monitor, bytes);
                    }
                    Output::Close { session } if Some(session) == self.session => {
                        // The FIN follows the bytes sent before it.
                        self.link.push_back(InFlight {
                            at: self.now + self.latency,
                            towards: Towards::Monitor,
                            connection: self.connection,
                            bytes: Bytes::new(),
                            fin: true,
                        });
                    }
                    _ => {}
                }
            }
            if !moved {
                return;
            }
        }
    }

    /// Does one thing that is due now; false when nothing is.
    fn step(&mut self) -> bool {
        self.drain();
        let due = self
            .link
            .iter()
            .position(|f| f.at <= self.now)
            .and_then(|i| self.link.remove(i));
        if let Some(frame) = due {
            if frame.connection == self.connection && frame.fin {
                self.session = None;
                self.connection += 1;
                self.monitor
                    .handle_disconnect(LinkError::ClosedByPbx, self.now);
            } else if frame.connection == self.connection {
                match (frame.towards, self.session) {
                    (Towards::Pbx, Some(session)) => {
                        self.pbx.receive(session, &frame.bytes, self.now);
                    }
                    (Towards::Monitor, Some(_)) => {
                        self.monitor.handle_input(&frame.bytes, self.now);
                    }
                    _ => {}
                }
            }
            return true;
        }
        if self.monitor.poll_timeout().is_some_and(|t| t <= self.now) {
            self.monitor.handle_timeout(self.now);
            return true;
        }
        if self.pbx.poll_timeout().is_some_and(|t| t <= self.now) {
            self.pbx.handle_timeout(self.now);
            return true;
        }
        false
    }

    fn next_deadline(&self) -> Option<Instant> {
        let link = self.link.iter().map(|f| f.at).min();
        [link, self.monitor.poll_timeout(), self.pbx.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Runs everything due up to `until`, moving the clock from deadline to deadline.
    pub(crate) fn run_until_time(&mut self, until: Instant) {
        loop {
            while self.step() {}
            match self.next_deadline() {
                Some(next) if next <= until => self.now = self.now.max(next),
                _ => {
                    self.now = until.max(self.now);
                    while self.step() {}
                    return;
                }
            }
        }
    }

    /// Runs for `d` of virtual time.
    pub(crate) fn run_for(&mut self, d: Duration) {
        self.run_until_time(self.now + d);
    }

    /// Runs until `pred` holds for an event reported (checked after each step), at most
    /// `limit` of virtual time; the event.
    pub(crate) fn run_until(
        &mut self,
        limit: Duration,
        mut pred: impl FnMut(&AmiEvent) -> bool,
    ) -> Option<AmiEvent> {
        let end = self.now + limit;
        let mut seen = self.events.len();
        loop {
            loop {
                let more = self.step();
                if let Some(e) = self.events[seen..].iter().find(|e| pred(e)) {
                    return Some(e.clone());
                }
                seen = self.events.len();
                if !more {
                    break;
                }
            }
            match self.next_deadline() {
                Some(next) if next <= end => self.now = self.now.max(next),
                _ => return None,
            }
        }
    }

    /// Sends an action now; its id.
    pub(crate) fn send(&mut self, action: Action) -> String {
        let id = self
            .monitor
            .send(action, self.now)
            .expect("action accepted");
        self.drain();
        id
    }

    /// The reply to an action, once it has come.
    /// The answer to the action sent with `id`, once it has arrived.
    pub(crate) fn reply(&self, id: &str) -> Option<&Result<Reply, ActionError>> {
        self.events.iter().find_map(|e| match e {
            AmiEvent::Reply { action_id, result } if action_id == id => Some(&**result),
            _ => None,
        })
    }

    /// Cuts the connection from the PBX side, as a reboot or a network loss would.
    pub(crate) fn cut(&mut self) {
        self.pbx.disconnect_all();
        self.drain();
    }

    pub(crate) fn call_events(&self) -> Vec<&CallEvent> {
        self.events
            .iter()
            .filter_map(|e| match e {
                AmiEvent::Call(c) => Some(c),
                _ => None,
            })
            .collect()
    }

    pub(crate) fn names(&self) -> Vec<&'static str> {
        self.call_events().iter().map(|e| e.name()).collect()
    }

    pub(crate) fn completed(&self) -> Vec<&CompletedCall> {
        self.events
            .iter()
            .filter_map(|e| match e {
                AmiEvent::Completed(c) => Some(&**c),
                _ => None,
            })
            .collect()
    }

    pub(crate) fn count(&self, pred: impl Fn(&AmiEvent) -> bool) -> usize {
        self.events.iter().filter(|e| pred(e)).count()
    }
}
