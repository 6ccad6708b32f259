//! What every real-peer test of the workspace needs, in one place: finding the peers and their
//! files (`tests/peers/`), skipping a test whose peer is missing unless
//! `YEASTAR_REQUIRE_PEERS=1`, the machine-wide lock that keeps tests of different binaries off
//! each other's fixed ports, fresh run directories, and peer processes stopped when a test
//! ends however it ends.
//!
//! ```no_run
//! use std::time::Duration;
//! use yeastar_test_peers::{Daemon, PeerLock, RunDir, require_peer};
//!
//! let Some(_) = require_peer("kamailio") else { return };
//! let _lock = PeerLock::acquire_blocking(Duration::from_secs(300));
//! let run = RunDir::new("register");
//! let dir = run.path().join("kamailio");
//! let dir_arg = dir.to_str().unwrap();
//! let kamailio = Daemon::start("kamailio", "kamailio/start.sh", &[dir_arg], &dir, "kamailio.log");
//! # drop(kamailio);
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // failures here fail a test

use std::fs::File;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The machine-wide peer lock: a TCP listener on this address, held while a test uses peers.
pub const LOCK_ADDR: (Ipv4Addr, u16) = (Ipv4Addr::new(127, 0, 0, 3), 5069);

/// A TCP port on 127.0.0.1 nothing listens on (bound, then released).
///
/// # Panics
/// When no port can be bound on loopback.
#[must_use]
#[allow(clippy::unwrap_used)] // a test harness: no loopback port is a broken machine
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The peers' files: the workspace's `tests/peers/`.
pub fn peers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/peers")
}

/// True when `YEASTAR_REQUIRE_PEERS=1`: a missing peer fails the test instead of skipping it.
pub fn peers_required() -> bool {
    std::env::var("YEASTAR_REQUIRE_PEERS").as_deref() == Ok("1")
}

/// Says why a test is skipped, or fails it when peers are required.
pub fn skip(reason: &str) {
    if peers_required() {
        panic!("{reason} and YEASTAR_REQUIRE_PEERS=1 (see tests/peers/README.md)");
    }
    eprintln!("skipped: {reason} (see tests/peers/README.md)");
}

/// A program from `PATH`.
pub fn find_binary(binary: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(binary))
            .find(|p| p.is_file())
    })
}

/// The peer binary from `PATH`; `None` (after saying so) when it is missing, unless
/// `YEASTAR_REQUIRE_PEERS=1`, which fails the test.
pub fn require_peer(binary: &str) -> Option<PathBuf> {
    let found = find_binary(binary);
    if found.is_none() {
        skip(&format!("{binary} not installed"));
    }
    found
}

/// A machine-wide lock: a listening TCP socket on [`LOCK_ADDR`], released by the OS when the
/// process ends, however it ends.
#[derive(Debug)]
pub struct PeerLock {
    _listener: std::net::TcpListener,
}

impl PeerLock {
    /// Waits (at most `patience`) for the lock, without blocking the runtime's thread.
    pub async fn acquire(patience: Duration) -> PeerLock {
        let deadline = Instant::now() + patience;
        loop {
            if let Some(lock) = PeerLock::try_acquire(deadline, patience) {
                return lock;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits (at most `patience`) for the lock, for tests without a runtime.
    pub fn acquire_blocking(patience: Duration) -> PeerLock {
        let deadline = Instant::now() + patience;
        loop {
            if let Some(lock) = PeerLock::try_acquire(deadline, patience) {
                return lock;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn try_acquire(deadline: Instant, patience: Duration) -> Option<PeerLock> {
        match std::net::TcpListener::bind(LOCK_ADDR) {
            Ok(listener) => Some(PeerLock {
                _listener: listener,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                assert!(
                    Instant::now() < deadline,
                    "peer lock {LOCK_ADDR:?} still held after {patience:?}"
                );
                None
            }
            Err(e) => panic!("peer lock {LOCK_ADDR:?}: {e}"),
        }
    }
}

/// A fresh directory under the system's temporary directory, removed with everything in it
/// on drop.
#[derive(Debug)]
pub struct RunDir(PathBuf);

impl RunDir {
    /// `yeastar-<name>-<pid>-<nanos>`.
    pub fn new(name: &str) -> RunDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path =
            std::env::temp_dir().join(format!("yeastar-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        RunDir(path)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Copies `tests/peers/<from>` into the directory.
    pub fn copy(&self, from: &str) {
        let src = peers_dir().join(from);
        let name = src.file_name().unwrap();
        std::fs::copy(&src, self.0.join(name))
            .unwrap_or_else(|e| panic!("copy {}: {e}", src.display()));
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A peer process started by the test, killed on drop if it is still running.
#[derive(Debug)]
pub struct Peer {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Peer {
    /// Starts `command` with stdin closed and stdout/stderr in `<dir>/<name>.log`.
    pub fn spawn(name: &'static str, mut command: Command, dir: &Path) -> Peer {
        let log = dir.join(format!("{name}.log"));
        let out = File::create(&log).unwrap();
        let err = out.try_clone().unwrap();
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        Peer { name, child, log }
    }

    /// True while the process has not exited.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits (at most `limit`) for the process to exit by itself.
    pub async fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "{} still running after {limit:?}\n{}",
                self.name,
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The end of the peer's output (40 lines), without terminal colours.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read(&self.log).unwrap_or_default();
        let text = String::from_utf8_lossy(&text);
        let mut clean = String::with_capacity(text.len());
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                // Skip an ANSI escape sequence up to its final letter.
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            } else {
                clean.push(c);
            }
        }
        let lines: Vec<&str> = clean.lines().collect();
        let from = lines.len().saturating_sub(40);
        format!("--- {} output ---\n{}", self.name, lines[from..].join("\n"))
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if self.running() {
            let _ = self.child.kill();
        }
        // After SIGKILL (or a normal exit) this returns at once.
        let _ = self.child.wait();
    }
}

/// A daemon started by a script of `tests/peers/` that writes `<run>/<name>.pid` (Kamailio,
/// baresip): SIGTERM and a bounded wait on drop, SIGKILL after 5 s.
#[derive(Debug)]
pub struct Daemon {
    name: &'static str,
    pid_file: PathBuf,
    log: PathBuf,
}

impl Daemon {
    /// Runs `tests/peers/<script>` with `args`; the daemon writes its pid to
    /// `<run>/<name>.pid` and its output to `<run>/<log>`.
    pub fn start(name: &'static str, script: &str, args: &[&str], run: &Path, log: &str) -> Daemon {
        let output = Command::new("bash")
            .arg(peers_dir().join(script))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{script}: {e}"));
        let daemon = Daemon {
            name,
            pid_file: run.join(format!("{name}.pid")),
            log: run.join(log),
        };
        assert!(
            output.status.success(),
            "{script} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        daemon
    }

    /// The daemon's process id, once its pid file is written.
    pub fn pid(&self) -> Option<String> {
        std::fs::read_to_string(&self.pid_file)
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    }

    /// Everything the daemon logged so far.
    pub fn log_text(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.log).unwrap_or_default()).into_owned()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let Some(pid) = self.pid() else { return };
        let _ = Command::new("kill").arg(&pid).status();
        for _ in 0..100 {
            let alive = Command::new("kill")
                .args(["-0", &pid])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !alive {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill").args(["-9", &pid]).status();
        eprintln!("{} {pid} killed after 5 s", self.name);
    }
}

/// True when Kamailio's WebSocket module (Debian `kamailio-websocket-modules`) is installed.
pub fn kamailio_websocket_module() -> bool {
    [
        "/usr/lib/x86_64-linux-gnu/kamailio/modules/websocket.so",
        "/usr/lib/kamailio/modules/websocket.so",
    ]
    .iter()
    .any(|p| Path::new(p).is_file())
}

/// Kamailio with its WebSocket listeners (`tests/peers/kamailio`: SIP 127.0.0.2:5060,
/// TLS 5061, ws 8088, wss 8089) in a fresh run directory, stopped (by its pid file) on drop.
#[derive(Debug)]
pub struct Kamailio {
    dir: PathBuf,
    args: Vec<String>,
    _run: RunDir,
}

impl Kamailio {
    /// Starts it with extra `start.sh` arguments (`-A NAME` defines of the configuration).
    pub fn start(args: &[&str]) -> Kamailio {
        let run = RunDir::new("kamailio");
        let kamailio = Kamailio {
            dir: run.path().join("k"),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            _run: run,
        };
        kamailio.up();
        kamailio
    }

    fn script(name: &str) -> PathBuf {
        peers_dir().join("kamailio").join(name)
    }

    /// Starts it (again, after [`down`](Self::down)) in the same directory.
    pub fn up(&self) {
        let out = Command::new("bash")
            .arg(Self::script("start.sh"))
            .arg(&self.dir)
            .args(&self.args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kamailio did not start: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Stops it.
    pub fn down(&self) {
        let _ = Command::new("sh")
            .arg(Self::script("stop.sh"))
            .arg(&self.dir)
            .stdin(Stdio::null())
            .output();
    }

    /// Its run directory (configuration, certificates, control socket, log).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The test CA that signed its TLS certificate.
    pub fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// Everything it logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("kamailio.log")).unwrap_or_default()
    }

    /// The output of `kamcmd <args>` on its control socket (`ul.dump`: the registrations).
    pub fn kamcmd(&self, args: &[&str]) -> String {
        let out = Command::new("kamcmd")
            .arg("-s")
            .arg(format!("unix:{}/kamailio_ctl", self.dir.display()))
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        self.down();
    }
}
