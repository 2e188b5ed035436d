//! 简体中文。协议术语（SYN、ACK、FIN、RST、ISN、RTO、MSL 及 RFC 9293 的状态名）保持原样。

use super::{Header, Summary, Texts, isn_list, percent, rel};
use crate::Side;
use crate::story::notes::Note;
use crate::story::timeline::Recovery;
use synack_core::Error;
use synack_core::conn::Cause;
use synack_core::trace::{DropReason, RecoveryCause};

/// Chinese texts.
pub struct Zh;

fn side(s: Side) -> &'static str {
    match s {
        Side::Client => "客户端",
        Side::Server => "服务器",
    }
}

impl Texts for Zh {
    fn side(&self, s: Side) -> &'static str {
        side(s)
    }

    fn header(&self, h: &Header<'_>) -> Vec<String> {
        vec![
            format!("synack 演示 · 场景：{}", h.scenario),
            format!(
                "客户端 {} ⇄ 服务器 {} · RTT {} 毫秒 · 丢包率 {}% · 随机种子 {}",
                h.client,
                h.server,
                h.rtt_ms,
                percent(h.loss),
                h.seed
            ),
            format!(
                "ISN：客户端 {} · 服务器 {}",
                isn_list(&h.client_isns, "无", "，之后 "),
                isn_list(&h.server_isns, "无", "，之后 ")
            ),
            "下文的 seq/ack 均为相对于各自 ISN 的值".to_string(),
        ]
    }

    fn time_heading(&self) -> &'static str {
        "时间(秒)"
    }

    fn retransmission(&self) -> &'static str {
        "↻ 重传"
    }

    fn lost(&self) -> &'static str {
        "✗ 丢失"
    }

    fn injected(&self) -> &'static str {
        "旧的重复报文（注入）"
    }

    fn cause(&self, c: Cause) -> String {
        match c {
            Cause::AppConnect => "应用程序调用 connect",
            Cause::RecvSyn => "收到 SYN",
            Cause::SynCookie => "收到携带有效 SYN cookie 的 ACK",
            Cause::RecvSynAck => "收到 SYN+ACK",
            Cause::SimultaneousOpen => "在 SYN-SENT 状态收到 SYN",
            Cause::RecvAck => "收到 ACK",
            Cause::RecvFin => "收到 FIN",
            Cause::RecvFinAck => "收到 FIN，且本方的 FIN 已被确认",
            Cause::AppClose => "应用程序关闭连接",
            Cause::AppAbort => "应用程序中止连接",
            Cause::RecvRst => "收到 RST",
            Cause::Timeout => "重传次数达到上限",
            Cause::TimeWaitExpired => "2×MSL 已过",
            Cause::ListenerGone => "监听队列已满或监听已关闭",
            other => return other.describe().into(),
        }
        .into()
    }

    fn drop_reason(&self, r: DropReason) -> String {
        match r {
            DropReason::OutOfWindow => "不在接收窗口内",
            DropReason::BadAck => "确认了从未发送过的数据",
            DropReason::RstNotExact => "RST 的序列号不等于 RCV.NXT",
            DropReason::NoListener => "该 RST 不属于任何连接",
            DropReason::BacklogFull => "监听队列已满",
            DropReason::Duplicate => "旧的重复报文",
            DropReason::Paws => "时间戳早于 TS.Recent（PAWS）",
            DropReason::MissingTimestamp => "缺少时间戳选项",
            DropReason::SynFin => "SYN 与 FIN 同时出现",
            other => return other.describe().into(),
        }
        .into()
    }

    fn error(&self, e: Error) -> String {
        match e {
            Error::ConnectionRefused => "连接被拒绝".into(),
            Error::ConnectionReset => "连接被对端重置".into(),
            Error::TimedOut => "连接超时".into(),
            Error::Closed => "连接已关闭".into(),
            other => other.to_string(),
        }
    }

    fn state_line(&self, s: Side, from: &str, to: &str, cause: Cause) -> String {
        format!("{}：{from} → {to}（{}）", side(s), self.cause(cause))
    }

    fn dropped_line(&self, s: Side, flags: &str, reason: DropReason) -> String {
        format!("{}：丢弃 {flags}（{}）", side(s), self.drop_reason(reason))
    }

    fn swallowed_line(&self, s: Side) -> String {
        format!("{}：报文被悄悄丢弃", side(s))
    }

    fn recovery_line(&self, s: Side, r: &Recovery) -> String {
        let who = side(s);
        match *r {
            Recovery::Entered {
                cause,
                until,
                ssthresh,
            } => format!(
                "{who}：进入丢包恢复（{}），直到 ack={}；ssthresh {ssthresh}",
                cause_name(cause),
                rel(until)
            ),
            Recovery::Left { timeout: false } => format!("{who}：丢包恢复结束（全部已确认）"),
            Recovery::Left { timeout: true } => format!("{who}：丢包恢复结束（重传超时）"),
            Recovery::Lost { seq, len, cause } => format!(
                "{who}：seq={} len={len} 判定为丢失（{}）",
                rel(seq),
                cause_name(cause)
            ),
            Recovery::Probe { seq, len, new_data } => format!(
                "{who}：尾部丢失探测 seq={} len={len}（{}）",
                rel(seq),
                if new_data {
                    "新数据"
                } else {
                    "重发最后一个报文段"
                }
            ),
            Recovery::Dsack { left, right } => format!(
                "{who}：D-SACK {}-{}：{}把这些字节收到了两次",
                rel(left),
                rel(right),
                side(s.peer())
            ),
            Recovery::Undone { cwnd } => format!("{who}：这次恢复是误判；窗口恢复为 {cwnd} 字节"),
        }
    }

    fn note(&self, n: &Note) -> String {
        match *n {
            Note::Syn {
                side: s,
                simultaneous: true,
                ..
            } => format!("SYN：{}在同一时刻也请求建立连接，并带上自己的 ISN", side(s)),
            Note::Syn {
                side: s, delayed, ..
            } => format!(
                "SYN：{}请求建立连接，并选定自己的初始序列号（ISN）{}",
                side(s),
                if delayed {
                    "——这个 SYN 会在网络中滞留一段时间"
                } else {
                    ""
                }
            ),
            Note::SynAck { stale: true, .. } => {
                "SYN+ACK：服务器把旧的 SYN 当成了新的连接请求，确认的是那个旧序列号".into()
            }
            Note::SynAck {
                side: s,
                simultaneous: true,
                ..
            } => format!("SYN+ACK：{}确认收到的 SYN，并重发自己的 SYN", side(s)),
            Note::SynAck { side: s, .. } => format!(
                "SYN+ACK：{}同意建立连接，确认{}的 ISN，并发送自己的 ISN",
                side(s),
                side(s.peer())
            ),
            Note::HandshakeAck(s) => format!(
                "ACK：{}确认{}的 ISN——一共三个报文，双方都能确知对方收到了自己的 ISN",
                side(s),
                side(s.peer())
            ),
            Note::SimultaneousOpen(s) => format!(
                "{}自己的 SYN 尚未得到应答，就收到了对方的 SYN：这是同时打开，它以 SYN+ACK 作答",
                side(s)
            ),
            Note::FirstData(_) => {
                "数据：seq 从 ISN 开始按字节计数；接收方的 ack 是它期望收到的下一个字节的序号"
                    .into()
            }
            Note::HalfCloseData(s) => format!(
                "{}发出 FIN 之后，{}仍在发送数据：FIN 只关闭发送方这一个方向。这正是关闭连接需要\
                 四个报文段的原因：每个方向各有一个 FIN 和对应的 ACK",
                side(s.peer()),
                side(s)
            ),
            Note::Fin {
                side: s,
                first: true,
                ..
            } => format!("FIN：{}不再发送数据", side(s)),
            Note::Fin {
                side: s,
                crossing: true,
                ..
            } => format!("FIN：{}在同一时刻也关闭连接，两个 FIN 在途中交错", side(s)),
            Note::Fin { side: s, .. } => format!("FIN：{}也没有数据要发送了", side(s)),
            Note::FinAcked(s) => format!(
                "{p}已确认 FIN；{}进入 FIN-WAIT-2，等待{p}的 FIN",
                side(s),
                p = side(s.peer())
            ),
            Note::CloseWait(s) => format!(
                "{}得知{}不再发送数据；它确认该 FIN，在自己的应用程序关闭之前仍可继续发送",
                side(s),
                side(s.peer())
            ),
            Note::Closing(s) => format!(
                "CLOSING：{}的 FIN 先于对{}自己那个 FIN 的确认到达——双方同时关闭",
                side(s.peer()),
                side(s)
            ),
            Note::TimeWait { side: s, secs } => format!(
                "TIME-WAIT：{}等待 2×MSL（{secs} 秒），以便在最后的 ACK 丢失时能够重发，\
                 并让网络中残留的旧报文段消亡",
                side(s)
            ),
            Note::TimeWaitEnd(s) => format!("2×MSL 已过：{}彻底释放该连接", side(s)),
            Note::LastAckDone(s) => format!(
                "最后的 ACK 已到达：{}关闭连接（后关闭的一方无需经过 TIME-WAIT）",
                side(s)
            ),
            Note::Refused { side: s, port } => format!(
                "连接被拒绝：{port} 端口上没有程序监听，{}的应用程序收到错误",
                side(s)
            ),
            Note::TimedOut {
                side: s,
                syns,
                secs,
            } => format!(
                "连接超时：{syns} 个 SYN 在 {secs:.0} 秒内都没有得到回应，{}放弃连接并报告“连接超时”",
                side(s)
            ),
            Note::ResetByPeer(s) => format!(
                "连接被重置：{}立即丢弃该连接，并报告“连接被对端重置”；仍在途中的数据全部丢失",
                side(s)
            ),
            Note::Aborted(s) => format!(
                "{}的应用程序中止连接：TCP 发送 RST 并丢弃收发缓冲区，不经过关闭握手",
                side(s)
            ),
            Note::BackToListen(s) => format!(
                "{}丢弃这个半开连接，继续监听（回到 LISTEN）。如果只有两次握手，它此时已经为这个\
                 过期的请求建立了连接；正是第三个报文让客户端有机会说“这不是我的连接”",
                side(s)
            ),
            Note::RstRefuse { side: s, port } => format!(
                "RST+ACK：{port} 端口上没有监听的套接字，{}的 TCP 拒绝了这个 SYN",
                side(s)
            ),
            Note::RstBadAck(s) => format!(
                "RST：这个 SYN+ACK 确认的序列号{}从未发送过，于是用 RST 作答；它自己的连接请求\
                 仍处于 SYN-SENT",
                side(s)
            ),
            Note::RstAbort(s) => format!("RST：通知{}立即丢弃该连接", side(s.peer())),
            Note::RstNoConnection(s) => {
                format!("RST：这个报文段已不属于任何连接，{}以 RST 作答", side(s))
            }
            Note::RetransmitSyn {
                waited_ms, syn_ack, ..
            } => format!(
                "等待 {:.3} 秒（RTO）仍无应答：重发 {}；每次的等待时间都是上一次的两倍（指数退避）",
                waited_ms as f64 / 1000.0,
                if syn_ack { "SYN+ACK" } else { "SYN" }
            ),
            Note::RetransmitRto(s) => format!(
                "在重传超时（RTO）内没有收到 ACK：{}重传最早一个未被确认的报文段",
                side(s)
            ),
            Note::RetransmitFast(s) => format!(
                "重复的 ACK 或 SACK 块表明有报文段丢失：{}立即重传（快速重传），而不必等待 RTO",
                side(s)
            ),
            Note::RetransmitRack(s) => format!(
                "RACK 已把这个报文段判定为丢失：{}现在就重传，而不是等到 RTO",
                side(s)
            ),
            Note::RecoveryEntered { side: s, cause } => match cause {
                RecoveryCause::DupAcks => format!(
                    "三个重复 ACK：{}进入快速恢复（RFC 5681，NewReno 见 RFC 6582），并把发送速率降低一次",
                    side(s)
                ),
                RecoveryCause::Rack => format!(
                    "RACK（RFC 8985）：一个更晚发送的报文段已被确认，而这个报文段超过重排序窗口仍未被确认：\
                     {}按时间判定它丢失（无需数重复 ACK），并进入恢复",
                    side(s)
                ),
                RecoveryCause::Tlp => format!(
                    "探测报文的应答表明尾部确实丢了：{}进入恢复（RFC 8985 7.4）",
                    side(s)
                ),
                _ => format!(
                    "SACK 块表明缺口之后的数据已经到达：{}进入丢包恢复（RFC 6675）；它把发送速率（ssthresh）\
                     降低一次，并重传计分板标记为丢失的每个缺口，一个往返可以修补多个",
                    side(s)
                ),
            },
            Note::RecoveryLeft {
                side: s,
                timeout: false,
            } => format!(
                "恢复开始时在途的数据已全部被确认：恢复结束，{}以降低后的速率继续发送（拥塞避免）",
                side(s)
            ),
            Note::RecoveryLeft {
                side: s,
                timeout: true,
            } => format!(
                "重传超时结束了这次恢复：{}从一个报文段重新开始（慢启动）",
                side(s)
            ),
            Note::Probe(s) => format!(
                "尾部丢失探测（RFC 8985 第 7 节）：最后一个报文段的 ACK 迟迟未到（两个往返；只有一个报文段在途时为 \
                 RTO）；{}不按超时处理（那会把窗口降到一个报文段），而是发出一个探测报文，由它引出的 ACK 或 SACK \
                 说明缺了什么",
                side(s)
            ),
            Note::Dsack(s) => format!(
                "D-SACK（RFC 2883）：{}表示这些字节收到了两次，所以那次重传其实不必要",
                side(s.peer())
            ),
            Note::Undone(s) => format!(
                "这次恢复中的每次重传都是不必要的（D-SACK）：{}恢复原来的发送速率（RFC 2883 第 5 节）",
                side(s)
            ),
            Note::RetransmitNext(s) => format!(
                "ACK 向前推进了，但停在一个缺口处：{}重传下一个仍未被确认的报文段",
                side(s)
            ),
            Note::SimultaneousSynAckDropped(s) => format!(
                "这个 SYN+ACK 重复了{}已经收到的 SYN，因此落在接收窗口之外：被丢弃，但会以 ACK \
                 作答——正是这个 ACK 完成了连接的建立",
                side(s)
            ),
            Note::FirstLoss => {
                "✗ 链路丢失了这个报文段；发送方只能从缺失的或重复的 ACK 中察觉".into()
            }
            Note::SynOptions => "选项：mss = 本方能接收的最大报文段；ws = 窗口扩大，使窗口可超过 \
                 64 KiB；SACK = 可以告知缺口之后已收到哪些字节；TS = 时间戳，用于测量往返时间并拒绝旧报文段"
                .into(),
            Note::FirstSack(s) => format!(
                "sack=a-b：{}已收到缺口之后的这些字节，{}由此准确知道缺了什么（SACK，RFC 2018）",
                side(s),
                side(s.peer())
            ),
            Note::Injected => {
                "一个来自该连接早先实例的旧重复 SYN（地址和端口相同，序列号较旧）先到达了服务器"
                    .into()
            }
            Note::Swallowed(s) => {
                format!("{}主机默默丢弃了报文：既没有 SYN+ACK，也没有 RST", side(s))
            }
        }
    }

    fn arrives(&self, at: &str) -> String {
        format!("{at} 才到达")
    }

    fn later(&self, secs: f64) -> String {
        format!("⋮ {secs:.3} 秒后")
    }

    fn summary(&self, s: &Summary) -> Vec<String> {
        let mut v = vec!["总结".to_string()];
        for f in &s.flows {
            let check = if f.received == 0 {
                String::new()
            } else if f.corrupt == 0 {
                "，校验一致".into()
            } else {
                format!("，其中 {} 字节不一致", f.corrupt)
            };
            v.push(format!(
                "  {} → {}：发送 {} 字节，收到 {} 字节{check}",
                side(f.from),
                side(f.from.peer()),
                f.sent,
                f.received
            ));
        }
        v.push(format!(
            "  报文段：客户端发送 {} 个，服务器发送 {} 个（重传 {} 个，链路丢失 {} 个）",
            s.segments[0], s.segments[1], s.retransmissions, s.lost
        ));
        v.push(format!(
            "  最终状态：客户端 {}，服务器 {}",
            s.final_states[0], s.final_states[1]
        ));
        for (i, e) in s.errors.iter().enumerate() {
            if let Some(e) = e {
                v.push(format!("  {}：{}", side(Side::BOTH[i]), self.error(*e)));
            }
        }
        if let Some(limit) = s.hit_limit {
            v.push(format!(
                "  已达到虚拟时间上限（{limit} 秒），运行被中止：连接未能完成"
            ));
        }
        v.push(format!("  虚拟时间：{:.3} 秒", s.end_secs));
        v
    }
}

fn cause_name(c: RecoveryCause) -> &'static str {
    match c {
        RecoveryCause::DupAcks => "3 个重复 ACK",
        RecoveryCause::Sack => "SACK",
        RecoveryCause::Rack => "RACK",
        _ => "TLP",
    }
}
