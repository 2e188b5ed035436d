//! A private network namespace for `bench tun`: created with `ip netns
//! add`, entered by re-executing synack with `ip netns exec` (no unsafe
//! `setns` here), and deleted with everything still running in it when
//! dropped.

use core::net::Ipv4Addr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A namespace, deleted on drop.
pub struct Netns {
    name: String,
    child: Option<Child>,
}

/// Whether this process can create namespaces and TUN devices; the reason
/// when it cannot.
pub fn check_privileges() -> Result<(), String> {
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("Uid:")).and_then(|l| {
                l.split_whitespace()
                    .nth(2)
                    .and_then(|u| u.parse::<u32>().ok())
            })
        });
    if uid != Some(0) {
        return Err(
            "bench tun needs root (it creates a network namespace and a TUN device)".into(),
        );
    }
    if !Path::new("/dev/net/tun").exists() {
        return Err("bench tun needs /dev/net/tun, which does not exist".into());
    }
    Ok(())
}

impl Netns {
    /// Deletes the namespaces of earlier runs whose process is gone (a run
    /// killed by a signal cannot clean up after itself), with whatever
    /// still runs in them (an orphaned inner run would skew this one's
    /// figures).
    pub fn remove_stale() {
        let list = Command::new("ip")
            .args(["netns", "list"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        for name in list.lines().filter_map(|l| l.split_whitespace().next()) {
            let Some(rest) = name.strip_prefix("synack-bench-") else {
                continue;
            };
            let pid = rest.strip_suffix("-peer").unwrap_or(rest);
            if pid.parse::<u32>().is_ok() && !Path::new(&format!("/proc/{pid}")).exists() {
                // Drop kills what runs inside, then deletes the name.
                drop(Netns {
                    name: name.to_string(),
                    child: None,
                });
            }
        }
    }

    /// Creates `synack-bench-<pid><suffix>` with its loopback up.
    pub fn create(suffix: &str) -> Result<Netns, String> {
        let name = format!("synack-bench-{}{suffix}", std::process::id());
        let out = Command::new("ip")
            .args(["netns", "add", &name])
            .output()
            .map_err(|e| format!("cannot run ip (iproute2): {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "ip netns add {name}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let ns = Netns { name, child: None };
        let ok = Command::new("ip")
            .args(["netns", "exec", &ns.name, "ip", "link", "set", "lo", "up"])
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err(format!("cannot bring up lo in {}", ns.name));
        }
        Ok(ns)
    }

    /// The namespace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Joins this namespace to `peer` with a veth pair (MTU 1500, the
    /// default), `here`/`prefix` on this end and `there`/`prefix` on the
    /// other, both up.
    pub fn veth_to(
        &self,
        peer: &Netns,
        here: Ipv4Addr,
        there: Ipv4Addr,
        prefix: u8,
    ) -> Result<(), String> {
        let (a, b) = ("veth-bench", "veth-peer");
        let here = format!("{here}/{prefix}");
        let there = format!("{there}/{prefix}");
        let steps: [&[&str]; 5] = [
            &[
                "link", "add", a, "netns", &self.name, "type", "veth", "peer", "name", b, "netns",
                &peer.name,
            ],
            &["-n", &self.name, "addr", "add", &here, "dev", a],
            &["-n", &peer.name, "addr", "add", &there, "dev", b],
            &["-n", &self.name, "link", "set", a, "up"],
            &["-n", &peer.name, "link", "set", b, "up"],
        ];
        for args in steps {
            ip(args)?;
        }
        Ok(())
    }

    /// Sets the kernel's TCP congestion control in this namespace only.
    pub fn set_congestion_control(&self, cc: &str) -> Result<(), String> {
        let key = format!("net.ipv4.tcp_congestion_control={cc}");
        let out = Command::new("ip")
            .args(["netns", "exec", &self.name, "sysctl", "-qw", &key])
            .output()
            .map_err(|e| format!("cannot run sysctl: {e}"))?;
        if out.status.success() {
            return Ok(());
        }
        let allowed = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_allowed_congestion_control")
            .unwrap_or_default();
        let why = String::from_utf8_lossy(&out.stderr);
        let why = why.lines().next().unwrap_or("").trim();
        Err(format!(
            "cannot use congestion control {cc:?} in a namespace (allowed: {}): {why}",
            allowed.trim()
        ))
    }

    /// Runs `program args...` inside the namespace with the standard
    /// streams inherited; kills it after `limit`.
    pub fn run(
        &mut self,
        program: &Path,
        args: &[&str],
        limit: Duration,
    ) -> Result<ExitStatus, String> {
        let child = Command::new("ip")
            .args(["netns", "exec", &self.name])
            .arg(program)
            .args(args)
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run ip netns exec: {e}"))?;
        let child = self.child.insert(child);
        let until = Instant::now() + limit;
        loop {
            if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
                return Ok(s);
            }
            if Instant::now() >= until {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("gave up after {} s", limit.as_secs()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            if matches!(c.try_wait(), Ok(None)) {
                let _ = c.kill();
            }
            let _ = c.wait();
        }
        for _ in 0..3 {
            let pids = Command::new("ip")
                .args(["netns", "pids", &self.name])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default();
            if pids.trim().is_empty() {
                break;
            }
            for pid in pids.split_whitespace() {
                let _ = Command::new("kill")
                    .args(["-KILL", pid])
                    .stderr(Stdio::null())
                    .status();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .stderr(Stdio::null())
            .status();
    }
}

/// Turns off segmentation and receive offloads (TSO, GSO, GRO) on `dev`,
/// in namespace `ns` (or the current one): the kernel then builds and
/// passes wire-sized segments, so a packet filter dropping one drops one
/// segment, not a 64 KiB super-packet. Needs ethtool.
pub fn segment_in_kernel(ns: Option<&str>, dev: &str) -> Result<(), String> {
    let mut cmd = match ns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns, "ethtool"]);
            c
        }
        None => Command::new("ethtool"),
    };
    let out = cmd
        .args(["-K", dev, "tso", "off", "gso", "off", "gro", "off"])
        .output()
        .map_err(|e| format!("cannot run ethtool (Debian package ethtool): {e}"))?;
    checked(&out, &format!("ethtool -K {dev}"))
}

/// Drops a share `p` of the TCP packets arriving on `dev` in namespace
/// `ns`, chosen independently per packet, at the device's ingress (an
/// nftables `netdev` table `synack_loss`): to the sender this is loss on
/// the wire. Needs nft.
pub fn drop_tcp_ingress(ns: &str, dev: &str, p: f64) -> Result<(), String> {
    let threshold = (p * 1_000_000.0).round() as u64;
    let rules = format!(
        "table netdev synack_loss {{\n\
         chain ingress {{ type filter hook ingress device \"{dev}\" priority 0; \
         meta l4proto tcp numgen random mod 1000000 < {threshold} drop; }}\n\
         }}\n"
    );
    let mut child = Command::new("ip")
        .args(["netns", "exec", ns, "nft", "-f", "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run nft (Debian package nftables): {e}"))?;
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().ok_or("nft: no stdin")?;
        stdin
            .write_all(rules.as_bytes())
            .map_err(|e| format!("nft: {e}"))?;
    }
    let out = child.wait_with_output().map_err(|e| format!("nft: {e}"))?;
    checked(&out, "nft")
}

/// A finished command's status as a result: an error names `what` and the
/// first line the command wrote on stderr.
fn checked(out: &std::process::Output, what: &str) -> Result<(), String> {
    if out.status.success() {
        return Ok(());
    }
    let why = String::from_utf8_lossy(&out.stderr);
    Err(format!(
        "{what}: {}",
        why.lines().next().unwrap_or("failed").trim()
    ))
}

/// Runs `ip ARGS`, turning a failure into a one-line error.
pub fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run ip (iproute2): {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    ))
}
