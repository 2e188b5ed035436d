//! 简体中文。协议术语（SYN、ACK、FIN、RST、ISN、RTO、MSL 及 RFC 9293 的状态名）保持原样。

mod notes;

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
        notes::note(n)
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
