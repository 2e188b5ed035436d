//! A private network namespace per test, and the processes run inside it.
//!
//! [`Netns::new`] creates `synack-it-<pid>-<n>` (loopback up) and a scratch
//! directory; everything the test starts inside goes through
//! `ip netns exec NS ...` (which execs the program, so the child's id is the
//! program's own) and is recorded. On drop, whatever still runs is killed
//! (the recorded children by id, then any other process left in the
//! namespace, found by `ip netns pids`), the namespace is deleted and the
//! scratch directory removed: also when the test panics.
//!
//! Tests that cannot run (not root, no `/dev/net/tun`, `ip netns` failing, a
//! tool missing) print `SKIPPED: <reason>` and fail, unless
//! `SYNACK_ALLOW_SKIP=1`: a skip never counts as a pass.
//!
//! The namespaced tests take a lock: most hold it alone (the machine may
//! have two cores, and their time bounds are meant for one transfer at a
//! time); the lossy ones, which spend most of their time waiting for
//! retransmission timers, share it with each other ([`Netns::shared`]).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

/// The synack binary under test.
pub const SYNACK: &str = env!("CARGO_BIN_EXE_synack");
/// The TUN device synack creates in each namespace.
pub const TUN: &str = "synack0";
/// synack's address on the TUN device (`--addr`).
pub const SYNACK_ADDR: &str = "198.18.0.2/24";
/// synack's address without the prefix.
pub const SYNACK_IP: &str = "198.18.0.2";
/// The kernel's side of the TUN device (first usable address other than
/// synack's).
pub const KERNEL_IP: &str = "198.18.0.1";

static SERIAL: RwLock<()> = RwLock::new(());
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Holds the namespaced tests' lock alone (for a test that runs its own
/// namespace, like `bench tun`).
pub fn alone() -> RwLockWriteGuard<'static, ()> {
    SERIAL.write().unwrap_or_else(|p| p.into_inner())
}

/// Reports that a test cannot run: `SKIPPED: <reason>` on stderr, then a
/// panic unless `SYNACK_ALLOW_SKIP=1` (the caller returns on `None`).
pub fn skip(reason: &str) -> Option<std::convert::Infallible> {
    eprintln!("SKIPPED: {reason}");
    if std::env::var("SYNACK_ALLOW_SKIP").as_deref() == Ok("1") {
        return None;
    }
    panic!("SKIPPED: {reason} (set SYNACK_ALLOW_SKIP=1 to allow skipping)");
}

fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

fn tool_works(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Why the namespaced tests cannot run here, if they cannot.
fn missing_prerequisite(tools: &[&str]) -> Option<String> {
    if effective_uid() != Some(0) {
        return Some("not root (creating namespaces and TUN devices needs root)".into());
    }
    if std::fs::metadata("/dev/net/tun").is_err() {
        return Some("/dev/net/tun does not exist".into());
    }
    if !tool_works("ip", &["-V"]) {
        return Some("the ip command (iproute2) is not installed".into());
    }
    for &t in tools {
        let ok = match t {
            "python3" => tool_works("python3", &["-c", "pass"]),
            "curl" => tool_works("curl", &["--version"]),
            "tshark" => tool_works("tshark", &["-v"]),
            "ss" => tool_works("ss", &["-V"]),
            "sha256sum" => tool_works("sha256sum", &["--version"]),
            "setpriv" => tool_works("setpriv", &["--version"]),
            "nstat" => tool_works("nstat", &["-V"]),
            "kill" => tool_works("kill", &["-l"]),
            // It has no --version: it would start serving.
            "microsocks" => tool_works("sh", &["-c", "command -v microsocks"]),
            other => tool_works(other, &["--version"]),
        };
        if !ok {
            return Some(format!("{t} is not installed"));
        }
    }
    None
}

/// A process started in the namespace.
#[derive(Clone, Copy, Debug)]
pub struct Proc(usize);

struct Running {
    label: String,
    child: Child,
    status: Option<ExitStatus>,
}

/// A network namespace, its scratch directory and its processes.
pub struct Netns {
    /// The namespace's name.
    pub name: String,
    /// Scratch directory (removed on drop).
    pub dir: PathBuf,
    procs: Vec<Running>,
    /// Running time of the whole test is bounded by this.
    deadline: Instant,
    started: Instant,
    test: String,
    /// Further namespaces of the test ([`Netns::add_peer`]).
    peers: Vec<String>,
    _serial: Serial,
}

/// The lock a test holds while its namespace lives.
enum Serial {
    Alone(#[allow(dead_code)] RwLockWriteGuard<'static, ()>),
    Shared(#[allow(dead_code)] RwLockReadGuard<'static, ()>),
}

impl Netns {
    /// A fresh namespace for test `test`, whose whole run must end within
    /// `limit`; `tools` are the programs the test needs besides `ip` and
    /// `ss`. `None` when the test cannot run and skipping is allowed.
    pub fn new(test: &str, limit: Duration, tools: &[&str]) -> Option<Netns> {
        Self::create(test, limit, tools, false)
    }

    /// Like [`Netns::new`], for tests that may run next to each other
    /// (mostly idle: waiting for retransmission timers).
    pub fn shared(test: &str, limit: Duration, tools: &[&str]) -> Option<Netns> {
        Self::create(test, limit, tools, true)
    }

    fn create(test: &str, limit: Duration, tools: &[&str], shared: bool) -> Option<Netns> {
        let mut need = vec!["ss", "nstat", "kill", "sha256sum"];
        need.extend_from_slice(tools);
        if let Some(reason) = missing_prerequisite(&need) {
            skip(&format!("{test}: {reason}"))?;
        }
        let serial = if shared {
            Serial::Shared(SERIAL.read().unwrap_or_else(|p| p.into_inner()))
        } else {
            Serial::Alone(SERIAL.write().unwrap_or_else(|p| p.into_inner()))
        };
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("synack-it-{}-{n}", std::process::id());
        let out = Command::new("ip")
            .args(["netns", "add", &name])
            .output()
            .expect("run ip");
        if !out.status.success() {
            drop(serial);
            let never = skip(&format!(
                "{test}: 'ip netns add {name}' failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))?;
            match never {}
        }
        let dir = std::env::temp_dir().join(&name);
        let ns = Netns {
            name,
            dir,
            procs: Vec::new(),
            deadline: Instant::now() + limit,
            started: Instant::now(),
            test: test.to_string(),
            peers: Vec::new(),
            _serial: serial,
        };
        std::fs::create_dir_all(&ns.dir).expect("create scratch directory");
        ns.run_ok("ip", &["link", "set", "lo", "up"]);
        eprintln!("[{}] namespace {}", ns.test, ns.name);
        Some(ns)
    }

    /// Time left before the test's bound.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Time since the namespace was created.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// A path in the scratch directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// `ip netns exec NS program args...`
    pub fn command(&self, program: &str, args: &[&str]) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, program]).args(args);
        c.stdin(Stdio::null());
        c
    }

    /// Runs a short command and expects success; returns stdout.
    pub fn run_ok(&self, program: &str, args: &[&str]) -> String {
        let out = self
            .command(program, args)
            .output()
            .unwrap_or_else(|e| panic!("run {program}: {e}"));
        assert!(
            out.status.success(),
            "[{}] {program} {args:?} failed: {}",
            self.test,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A second namespace `<name>-<suffix>` joined to this one by a veth
    /// pair: `here` (in this namespace) with `here_addr`, `there` (in the
    /// peer) with `there_addr` (both `ADDR/PREFIX`), both up. It is
    /// cleared and deleted with this one. Returns its name.
    pub fn add_peer(
        &mut self,
        suffix: &str,
        (here, here_addr): (&str, &str),
        (there, there_addr): (&str, &str),
    ) -> String {
        let peer = format!("{}-{suffix}", self.name);
        let ok = Command::new("ip")
            .args(["netns", "add", &peer])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "[{}] ip netns add {peer}", self.test);
        self.peers.push(peer.clone());
        let ip = |args: &[&str]| {
            let out = Command::new("ip").args(args).output().expect("run ip");
            assert!(
                out.status.success(),
                "[{}] ip {args:?}: {}",
                self.test,
                String::from_utf8_lossy(&out.stderr)
            );
        };
        ip(&["-n", &peer, "link", "set", "lo", "up"]);
        ip(&[
            "link", "add", here, "netns", &self.name, "type", "veth", "peer", "name", there,
            "netns", &peer,
        ]);
        ip(&["-n", &self.name, "addr", "add", here_addr, "dev", here]);
        ip(&["-n", &peer, "addr", "add", there_addr, "dev", there]);
        ip(&["-n", &self.name, "link", "set", here, "up"]);
        ip(&["-n", &peer, "link", "set", there, "up"]);
        peer
    }

    /// Runs a short command in namespace `ns` (a peer) and expects success.
    pub fn run_in_ok(&self, ns: &str, program: &str, args: &[&str]) -> String {
        let out = Command::new("ip")
            .args(["netns", "exec", ns, program])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("run {program}: {e}"));
        assert!(
            out.status.success(),
            "[{}] {program} {args:?} in {ns} failed: {}",
            self.test,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts `program args...` in the namespace; stdout and stderr go to
    /// files in the scratch directory (`<label>.out`, `<label>.err`).
    pub fn spawn(&mut self, label: &str, program: &str, args: &[&str]) -> Proc {
        let ns = self.name.clone();
        self.spawn_in(&ns, label, program, args)
    }

    /// [`Netns::spawn`] in namespace `ns` (this one or a peer).
    pub fn spawn_in(&mut self, ns: &str, label: &str, program: &str, args: &[&str]) -> Proc {
        let out = File::create(self.dir.join(format!("{label}.out"))).expect("stdout file");
        let err = File::create(self.dir.join(format!("{label}.err"))).expect("stderr file");
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", ns, program]).args(args);
        cmd.stdin(Stdio::null());
        let child = cmd
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {program}: {e}"));
        self.procs.push(Running {
            label: label.to_string(),
            child,
            status: None,
        });
        Proc(self.procs.len() - 1)
    }

    /// Starts `synack args...` in the namespace.
    pub fn synack(&mut self, label: &str, args: &[&str]) -> Proc {
        self.spawn(label, SYNACK, args)
    }

    /// The process's id.
    pub fn pid(&self, p: Proc) -> u32 {
        self.procs[p.0].child.id()
    }

    /// What the process wrote to stdout so far.
    pub fn stdout(&self, p: Proc) -> String {
        let label = &self.procs[p.0].label;
        std::fs::read_to_string(self.dir.join(format!("{label}.out"))).unwrap_or_default()
    }

    /// What the process wrote to stderr so far.
    pub fn stderr(&self, p: Proc) -> String {
        let label = &self.procs[p.0].label;
        std::fs::read_to_string(self.dir.join(format!("{label}.err"))).unwrap_or_default()
    }

    /// Its exit status, if it has ended.
    pub fn try_wait(&mut self, p: Proc) -> Option<ExitStatus> {
        let r = &mut self.procs[p.0];
        if r.status.is_none() {
            r.status = r.child.try_wait().expect("try_wait");
        }
        r.status
    }

    /// Waits for the process to end, at most `limit` (and never beyond the
    /// test's deadline); panics with its output when it does not.
    pub fn wait(&mut self, p: Proc, limit: Duration) -> ExitStatus {
        let until = (Instant::now() + limit).min(self.deadline);
        loop {
            if let Some(s) = self.try_wait(p) {
                return s;
            }
            if Instant::now() >= until {
                let label = self.procs[p.0].label.clone();
                panic!(
                    "[{}] {label} still running after {:.1} s (test time {:.1} s)\n--- stdout:\n{}\n--- stderr:\n{}",
                    self.test,
                    limit.as_secs_f64(),
                    self.elapsed().as_secs_f64(),
                    tail(&self.stdout(p)),
                    tail(&self.stderr(p)),
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits for the process and expects exit status 0.
    pub fn wait_ok(&mut self, p: Proc, limit: Duration) {
        let s = self.wait(p, limit);
        assert!(
            s.success(),
            "[{}] {} failed ({s})\n--- stdout:\n{}\n--- stderr:\n{}",
            self.test,
            self.procs[p.0].label,
            tail(&self.stdout(p)),
            tail(&self.stderr(p)),
        );
    }

    /// Sends a signal (`INT`, `TERM`, `KILL`) to a process this test
    /// started.
    pub fn signal(&mut self, p: Proc, sig: &str) {
        if self.try_wait(p).is_some() {
            return;
        }
        let pid = self.pid(p).to_string();
        let _ = Command::new("kill")
            .args([&format!("-{sig}"), &pid])
            .stderr(Stdio::null())
            .status();
    }

    /// Polls `check` every 20 ms until it returns true, at most `limit`;
    /// stops early (panicking with its stderr) if `watched` ends meanwhile.
    pub fn poll_until(
        &mut self,
        what: &str,
        limit: Duration,
        watched: Option<Proc>,
        mut check: impl FnMut(&Netns) -> bool,
    ) {
        let until = (Instant::now() + limit).min(self.deadline);
        loop {
            if check(self) {
                return;
            }
            if let Some(p) = watched
                && let Some(s) = self.try_wait(p)
            {
                panic!(
                    "[{}] {} ended ({s}) while waiting for {what}\n--- stdout:\n{}\n--- stderr:\n{}",
                    self.test,
                    self.procs[p.0].label,
                    tail(&self.stdout(p)),
                    tail(&self.stderr(p))
                );
            }
            if Instant::now() >= until {
                let extra = watched
                    .map(|p| {
                        format!(
                            "\n--- stderr of {}:\n{}",
                            self.procs[p.0].label,
                            tail(&self.stderr(p))
                        )
                    })
                    .unwrap_or_default();
                panic!(
                    "[{}] gave up waiting for {what} after {:.1} s{extra}",
                    self.test,
                    limit.as_secs_f64()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the TUN device `TUN` is up with a carrier (synack holds
    /// it open) and the kernel's address `KERNEL_IP` is on it.
    pub fn wait_tun(&mut self, synack: Proc) {
        self.poll_until(
            "the TUN device",
            Duration::from_secs(10),
            Some(synack),
            |ns| tun_ready(ns, TUN, KERNEL_IP),
        );
    }

    /// Waits until a synack process behind the TUN device accepts on
    /// `port` (a kernel connect to synack's address succeeds).
    pub fn wait_listen_on_tun(&mut self, port: u16, watched: Proc) {
        let what = format!("synack listening on port {port}");
        let target = format!("/dev/tcp/{SYNACK_IP}/{port}");
        self.poll_until(&what, Duration::from_secs(10), Some(watched), |ns| {
            ns.command("bash", &["-c", &format!("exec 3<>{target}")])
                .status()
                .is_ok_and(|s| s.success())
        });
    }

    /// Waits until something listens on TCP port `port` in the namespace.
    pub fn wait_listen(&mut self, port: u16, watched: Proc) {
        let what = format!("a listener on port {port}");
        self.poll_until(&what, Duration::from_secs(10), Some(watched), |ns| {
            let out = ns
                .command("ss", &["-Htln", &format!("sport = :{port}")])
                .output();
            out.is_ok_and(|o| !String::from_utf8_lossy(&o.stdout).trim().is_empty())
        });
    }

    /// The kernel's counters in this namespace (`nstat -asz`: absolute
    /// values, zeros included, no history file), by name.
    pub fn kernel_counters(&self) -> std::collections::BTreeMap<String, u64> {
        self.run_ok("nstat", &["-asz"])
            .lines()
            .filter_map(|l| {
                let mut f = l.split_whitespace();
                let name = f.next()?;
                let value = f.next()?.parse().ok()?;
                Some((name.to_string(), value))
            })
            .collect()
    }

    /// The kernel's TCP sockets in the namespace (`ss -tan`), one line each
    /// (state, local, peer), listeners left out.
    pub fn kernel_sockets(&self) -> Vec<String> {
        self.run_ok("ss", &["-Htan"])
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|f| f.first().is_some_and(|s| *s != "LISTEN"))
            .map(|f| {
                format!(
                    "{} {} {}",
                    f[0],
                    f.get(3).unwrap_or(&""),
                    f.get(4).unwrap_or(&"")
                )
            })
            .collect()
    }
}

/// Whether `dev` is up, has a carrier and carries `addr`.
pub fn tun_ready(ns: &Netns, dev: &str, addr: &str) -> bool {
    let link = ns
        .command("ip", &["-o", "link", "show", "dev", dev])
        .output();
    let Ok(link) = link else { return false };
    let link = String::from_utf8_lossy(&link.stdout);
    let flags = link
        .split('<')
        .nth(1)
        .and_then(|s| s.split('>').next())
        .unwrap_or("");
    let has = |f: &str| flags.split(',').any(|x| x == f);
    if !(has("UP") && has("LOWER_UP")) {
        return false;
    }
    let a = ns
        .command("ip", &["-o", "-4", "addr", "show", "dev", dev])
        .output();
    a.is_ok_and(|a| {
        String::from_utf8_lossy(&a.stdout)
            .split_whitespace()
            .any(|w| w.split('/').next() == Some(addr))
    })
}

/// The last 40 lines of a text.
pub fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let from = lines.len().saturating_sub(40);
    lines[from..].join("\n")
}

impl Drop for Netns {
    fn drop(&mut self) {
        for r in &mut self.procs {
            if r.status.is_none() && matches!(r.child.try_wait(), Ok(None)) {
                let _ = r.child.kill();
            }
            let _ = r.child.wait();
        }
        for ns in self.peers.iter().chain(std::iter::once(&self.name)) {
            if !clear_namespace(ns) {
                eprintln!("[{}] could not delete namespace {ns}", self.test);
            }
        }
        if std::env::var("SYNACK_KEEP_SCRATCH").as_deref() == Ok("1") {
            eprintln!("[{}] scratch kept in {}", self.test, self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        eprintln!(
            "[{}] finished in {:.2} s",
            self.test,
            self.started.elapsed().as_secs_f64()
        );
    }
}

/// Kills every process left in namespace `ns` (grandchildren included)
/// and deletes it; false if it could not be deleted.
fn clear_namespace(ns: &str) -> bool {
    for _ in 0..3 {
        let pids = Command::new("ip")
            .args(["netns", "pids", ns])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        let pids: Vec<&str> = pids.split_whitespace().collect();
        if pids.is_empty() {
            break;
        }
        for pid in pids {
            let _ = Command::new("kill")
                .args(["-KILL", pid])
                .stderr(Stdio::null())
                .status();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    for _ in 0..20 {
        let ok = Command::new("ip")
            .args(["netns", "del", ns])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok || !Path::new("/run/netns").join(ns).exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}
