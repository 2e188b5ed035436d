//! The demo's scenarios: what each side's application does, how the
//! network misbehaves, and the defaults that make each story readable.

use super::app::Step;
use super::{CLIENT_IP, SERVER_IP};
use core::net::SocketAddr;
use core::str::FromStr;
use core::time::Duration;
use synack_core::Instant;

/// A story the demo can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scenario {
    /// Handshake, data both ways, four-way close, TIME-WAIT.
    Normal,
    /// The same over a lossy link: retransmissions.
    Lossy,
    /// Both sides connect to each other at once.
    SimultaneousOpen,
    /// Both sides close at once: CLOSING.
    SimultaneousClose,
    /// The client shuts down its sending side; the server keeps sending.
    HalfClose,
    /// One side aborts mid-transfer: RST.
    Reset,
    /// Nobody listens: RST+ACK, connection refused.
    Refused,
    /// The server never answers: SYN retransmitted until the client gives up.
    SynTimeout,
    /// RFC 9293 figure 8: an old duplicate SYN, and why three messages.
    DelayedDuplicateSyn,
}

impl Scenario {
    /// Every scenario, in the order the help lists them.
    pub const ALL: [Scenario; 9] = [
        Scenario::Normal,
        Scenario::Lossy,
        Scenario::SimultaneousOpen,
        Scenario::SimultaneousClose,
        Scenario::HalfClose,
        Scenario::Reset,
        Scenario::Refused,
        Scenario::SynTimeout,
        Scenario::DelayedDuplicateSyn,
    ];

    /// The name on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Scenario::Normal => "normal",
            Scenario::Lossy => "lossy",
            Scenario::SimultaneousOpen => "simultaneous-open",
            Scenario::SimultaneousClose => "simultaneous-close",
            Scenario::HalfClose => "half-close",
            Scenario::Reset => "reset",
            Scenario::Refused => "refused",
            Scenario::SynTimeout => "syn-timeout",
            Scenario::DelayedDuplicateSyn => "delayed-duplicate-syn",
        }
    }
}

impl FromStr for Scenario {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Scenario::ALL
            .into_iter()
            .find(|sc| sc.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Scenario::ALL.iter().map(|s| s.name()).collect();
                format!("unknown scenario; expected one of: {}", names.join(", "))
            })
    }
}

/// The port the server listens on.
pub const SERVER_PORT: u16 = 80;
/// The port nobody listens on (refused).
pub const CLOSED_PORT: u16 = 81;
/// Fixed ports of the simultaneous open.
pub const SIM_OPEN_PORTS: (u16, u16) = (40000, 50000);
/// Payload of a full-sized segment with the default MTU (1500 - 40).
const MSS: usize = 1460;
/// Seed of the lossy scenario when none is given: with 25% loss it loses a
/// data segment (and the run still completes in a readable number of lines).
pub const LOSSY_SEED: u64 = 3;

/// Something the demo does to the network at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Put the client→server link back to normal (after delaying a SYN).
    RestoreLink,
    /// Inject an old duplicate SYN from the client's address and port.
    InjectOldSyn,
}

/// Everything a scenario needs to run.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The scenario.
    pub scenario: Scenario,
    /// Link loss probability (both directions).
    pub loss: f64,
    /// Simulation seed.
    pub seed: u64,
    /// Bytes the client sends (the request).
    pub request: usize,
    /// Bytes the server sends (the answer).
    pub answer: usize,
    /// The client's script.
    pub client: Vec<Step>,
    /// The server's script.
    pub server: Vec<Step>,
    /// The server drops every packet unseen.
    pub server_silent: bool,
    /// Extra delay of the client's first packet (the delayed SYN).
    pub delay_first_packet: Option<Duration>,
    /// Timed interventions.
    pub actions: Vec<(Instant, Action)>,
}

fn sa(ip: core::net::Ipv4Addr, port: u16) -> SocketAddr {
    SocketAddr::new(ip.into(), port)
}

/// Builds the plan for `scenario` with the user's overrides.
pub fn plan(
    scenario: Scenario,
    loss: Option<f64>,
    seed: Option<u64>,
    bytes: Option<usize>,
    rtt_ms: u64,
) -> Plan {
    use Step::*;
    let default_bytes = match scenario {
        Scenario::SimultaneousOpen
        | Scenario::SimultaneousClose
        | Scenario::DelayedDuplicateSyn => 100,
        Scenario::Reset => 10 * MSS,
        Scenario::Refused | Scenario::SynTimeout => 0,
        _ => 3 * MSS,
    };
    let n = bytes.unwrap_or(default_bytes);
    let eph = sa(CLIENT_IP, 0);
    let server = sa(SERVER_IP, SERVER_PORT);
    let connect = Connect {
        local: eph,
        remote: server,
    };
    let echo_client = vec![connect, WaitConnected, Send(n), Recv(n), Close];
    let echo_server = vec![
        Listen(SERVER_PORT),
        Accept,
        Recv(n),
        Send(n),
        RecvEof,
        Close,
    ];
    let mut p = Plan {
        scenario,
        loss: loss.unwrap_or(if scenario == Scenario::Lossy {
            0.25
        } else {
            0.0
        }),
        seed: seed.unwrap_or(if scenario == Scenario::Lossy {
            LOSSY_SEED
        } else {
            1
        }),
        request: n,
        answer: n,
        client: echo_client,
        server: echo_server,
        server_silent: false,
        delay_first_packet: None,
        actions: Vec::new(),
    };
    match scenario {
        Scenario::Normal | Scenario::Lossy => {}
        Scenario::SimultaneousOpen => {
            let (cp, sp) = SIM_OPEN_PORTS;
            p.client = vec![
                Connect {
                    local: sa(CLIENT_IP, cp),
                    remote: sa(SERVER_IP, sp),
                },
                WaitConnected,
                Send(n),
                Recv(n),
                Close,
            ];
            p.server = vec![
                Connect {
                    local: sa(SERVER_IP, sp),
                    remote: sa(CLIENT_IP, cp),
                },
                WaitConnected,
                Recv(n),
                Send(n),
                RecvEof,
                Close,
            ];
        }
        Scenario::SimultaneousClose => {
            p.client = vec![connect, WaitConnected, Send(n), Recv(n), Barrier, Close];
            p.server = vec![
                Listen(SERVER_PORT),
                Accept,
                Recv(n),
                Send(n),
                Barrier,
                Close,
            ];
        }
        Scenario::HalfClose => {
            let request = n.min(100);
            p.request = request;
            p.client = vec![
                connect,
                WaitConnected,
                Send(request),
                WaitAcked,
                Shutdown,
                RecvEof,
                Close,
            ];
            p.server = vec![
                Listen(SERVER_PORT),
                Accept,
                RecvEof,
                Send(n),
                WaitAcked,
                Close,
            ];
        }
        Scenario::Reset => {
            p.answer = 0;
            p.client = vec![connect, WaitConnected, Send(n), RecvEof, Close];
            p.server = vec![Listen(SERVER_PORT), Accept, Recv(n.div_ceil(3)), Abort];
        }
        Scenario::Refused => {
            p.request = 0;
            p.answer = 0;
            p.client = vec![
                Connect {
                    local: eph,
                    remote: sa(SERVER_IP, CLOSED_PORT),
                },
                WaitConnected,
            ];
            p.server = vec![Listen(SERVER_PORT)];
        }
        Scenario::SynTimeout => {
            p.request = 0;
            p.answer = 0;
            p.client = vec![connect, WaitConnected];
            p.server = vec![];
            p.server_silent = true;
        }
        Scenario::DelayedDuplicateSyn => {
            // The client's SYN lingers in the network for two RTTs; meanwhile
            // an old SYN arrives at the server a quarter of an RTT in.
            let rtt = Duration::from_millis(rtt_ms);
            p.delay_first_packet = Some(rtt * 2);
            p.actions = vec![
                (Instant::ZERO, Action::RestoreLink),
                (Instant::ZERO + rtt / 4, Action::InjectOldSyn),
            ];
        }
    }
    p
}
