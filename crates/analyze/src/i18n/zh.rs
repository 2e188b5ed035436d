//! 简体中文.

use super::{Header, Texts, Totals, blocks, ms, sizes};
use crate::conn::infer::Why;
use crate::notes::{Mark, Note, RetxKind, RstWhy};
use crate::summary::{Flow, Opening, Summary};
use synack_view::Side;

/// Chinese texts.
pub struct Zh;

fn flow_lines(t: &Zh, f: &Flow) -> Vec<String> {
    let c = &f.c;
    let mut v = vec![format!(
        "  {} → {}：{} 字节，{} 个报文段{}",
        t.side(f.from),
        t.side(f.from.peer()),
        f.bytes,
        c.segments,
        if f.all_acked {
            "，全部已确认"
        } else {
            "，抓包中未全部确认"
        }
    )];
    if c.retransmissions > 0 {
        v.push(format!(
            "    重传：{} 个报文段，{} 字节（快速重传 {}，超时 {}，探测 {}；不必要的 {}）",
            c.retransmissions, c.retransmitted_bytes, c.fast, c.timeout, c.probe, c.spurious
        ));
    }
    v
}

fn anomalies(t: &Zh, s: &Summary) -> String {
    let mut v = Vec::new();
    for f in &s.flows {
        let c = &f.c;
        let who = t.side(f.from);
        let mut add = |n: u64, what: &str| {
            if n > 0 {
                v.push(format!("{who}{what} {n}"));
            }
        };
        add(c.retransmissions, "重传");
        add(c.out_of_order, "乱序报文段");
        add(c.dup_acks, "重复 ACK");
        add(c.zero_windows, "零窗口");
        add(c.window_probes, "窗口探测");
        add(c.keep_alives, "保活");
        add(c.unseen_bytes, "未被抓到的字节");
    }
    if v.is_empty() {
        "无".into()
    } else {
        v.join(" · ")
    }
}

impl Texts for Zh {
    fn side(&self, s: Side) -> &'static str {
        match s {
            Side::Client => "客户端",
            Side::Server => "服务器",
        }
    }

    fn header(&self, h: &Header) -> Vec<String> {
        let mut v = vec![
            format!(
                "连接 #{} · 客户端 {} · 服务器 {}",
                h.id, h.addrs[0], h.addrs[1]
            ),
            format!(
                "{} 个报文段，始于抓包开始后 {:.3} 秒",
                h.segments, h.start_s
            ),
        ];
        let isn = |x: Option<u32>| x.map_or("未抓到".to_string(), |n| n.to_string());
        v.push(format!(
            "ISN：客户端 {} · 服务器 {}",
            isn(h.isns[0]),
            isn(h.isns[1])
        ));
        v.push(if h.absolute {
            "下面的 seq/ack 是绝对值".into()
        } else if h.mid_start {
            "下面的 seq/ack 相对于抓到的第一个序号".into()
        } else {
            "下面的 seq/ack 相对于各自的 ISN".into()
        });
        v.push(format!(
            "≈ 表示由报文段推断出的状态；窗口{}",
            if h.scaled {
                "已按 SYN 协商的比例放大"
            } else {
                "为线上原值（未知缩放）"
            }
        ));
        v
    }

    fn time_heading(&self) -> &'static str {
        "时间(秒)"
    }

    fn note(&self, n: &Note) -> String {
        match n {
            Note::Syn { side, isn } => format!(
                "SYN：{}请求建立连接，它的初始序列号（ISN）是 {isn}，随机选取，使旧连接的报文段无法冒充本连接的",
                self.side(*side)
            ),
            Note::SynOptions => "选项：mss = 本方能接收的最大报文段；ws = 窗口缩放，用于超过 64 KiB 的窗口；SACK = 能说明缺口之后收到了哪些字节；TS = 时间戳，用于测量往返时间和拒绝旧报文段".into(),
            Note::SynAck { isn, peer_isn } => format!(
                "SYN+ACK：服务器同意，并选定自己的 ISN {isn}；ack = {peer_isn} + 1 = {}：SYN 占用一个序号，所以服务器期待的下一个字节是客户端的 ISN + 1（相对 ack=1）",
                peer_isn.wrapping_add(1)
            ),
            Note::HandshakeDone => "ACK：客户端确认服务器的 ISN + 1。三次报文，双方都知道对方收到了自己的 ISN：连接建立".into(),
            Note::OldSyn => "一个 ISN 不同且更旧的 SYN：同一端口上更早连接的旧重复报文，在网络中被延迟了（RFC 9293 3.5）".into(),
            Note::SynAckForOld => "服务器回应了旧的 SYN：其 ack 不是客户端的 ISN + 1，客户端因此知道这个 SYN+ACK 不属于自己的连接，并将其复位".into(),
            Note::SimultaneousSynAck { side } => format!(
                "同时打开：双方都发送了 SYN，于是{}再次发送它的 SYN（同一个 ISN），这次带上对对方 SYN 的确认；每一方都回应对方的 SYN",
                self.side(*side)
            ),
            Note::MidStart => "抓包从连接中途开始：没有握手，所以序号相对于抓到的第一个值，窗口未缩放，并假定双方都处于 ESTABLISHED".into(),
            Note::FirstData { side, len, first } => format!(
                "{}发送第一批数据：{len} 字节，即其字节流的第 {first}–{} 字节（seq 是第一个字节的序号）",
                self.side(*side),
                first + *len as i64 - 1
            ),
            Note::AckConfirms { side, bytes, ack } => format!(
                "ack={ack}：{}已收到 {ack} 之前的全部字节（{bytes} 字节）；ACK 给出期待的下一个字节，因此一次确认之前的所有字节",
                self.side(*side)
            ),
            Note::Retransmission { side, kind, spurious, control } => {
                let what = if *control { "该报文段" } else { "这些字节" };
                let mut s = match kind {
                    RetxKind::Fast { dup_acks, sack } => format!(
                        "快速重传：{}因{}表明{what}丢失而立即重发，不等重传定时器",
                        self.side(*side),
                        match (dup_acks, sack) {
                            (0, _) => "对方的 SACK 块".to_string(),
                            (n, false) => format!(" {n} 个重复 ACK "),
                            (n, true) => format!(" {n} 个带 SACK 块的重复 ACK "),
                        }
                    ),
                    RetxKind::Timeout { quiet_ms } => format!(
                        "超时重传：{what}一直没有得到确认，{}静默 {quiet_ms} 毫秒后重传定时器到期，于是重发，并把定时器加倍",
                        self.side(*side)
                    ),
                    RetxKind::Probe { quiet_ms } => format!(
                        "仅 {quiet_ms} 毫秒后、没有重复 ACK 的重传：{}发送尾部丢失探测（RFC 8985），引出一个能说明丢了什么的 ACK",
                        self.side(*side)
                    ),
                };
                if *spurious {
                    s.push_str("；对方早已确认过这些字节，这次重传是不必要的");
                }
                s
            }
            Note::OutOfOrder { after_ms } => format!(
                "乱序：这些字节比后面的字节晚 {after_ms} 毫秒经过；接收方先保存后面的字节，直到缺口被填上"
            ),
            Note::Gap { bytes } => format!(
                "此报文段之前有 {bytes} 字节从未经过抓包点：在到达这里之前丢失了，或者抓包漏掉了"
            ),
            Note::DupAck { count: 1, ack } => format!(
                "重复 ACK：接收方重复 ack={ack}：有报文段到达，但第 {ack} 字节仍然缺失"
            ),
            Note::DupAck { count, ack } => format!(
                "对 {ack} 的第 {count} 个重复 ACK：三个重复 ACK 是发送方立即重发的信号（快速重传）"
            ),
            Note::Sack { ack, blocks: b } => format!(
                "SACK：除了 {ack} 之前的全部字节，接收方还收到了 {}；发送方只需重发缺口",
                blocks(b)
            ),
            Note::EcnAsk { side } => format!(
                "ECN 协商 SYN：{}设置 ECE 和 CWR，请求使用显式拥塞通知（RFC 3168）：路由器可以标记数据包而不是丢弃它们",
                self.side(*side)
            ),
            Note::EcnAgree { side } => format!(
                "ECN 协商 SYN+ACK：{}以 ECE（不带 CWR）回答，双方都使用 ECN：数据包以支持 ECN（ECT）的方式发出",
                self.side(*side)
            ),
            Note::CeMark { side } => format!(
                "CE 标记：途中的路由器把{}的这个包标记为“经历拥塞”，而不是丢弃；接收方用 ECE 回显",
                self.side(*side)
            ),
            Note::EcnEcho { side } => format!(
                "ECE：{}回显收到的拥塞标记；发送方像丢包时一样把窗口减半，但不需要重传",
                self.side(*side)
            ),
            Note::Cwr { side } => format!(
                "CWR：{}已减小拥塞窗口；接收方停止回显 ECE",
                self.side(*side)
            ),
            Note::ZeroWindow { side } => format!(
                "零窗口：{}的接收缓冲区满了（其应用没有读取）；对方必须停止发送，并不时探测",
                self.side(*side)
            ),
            Note::WindowProbe { side } => format!(
                "窗口探测：{}向零窗口发送一个字节（或不带数据），以得知窗口何时重新打开",
                self.side(*side)
            ),
            Note::WindowOpen { side, window } => format!(
                "窗口更新：{}又有空间了（{window} 字节），可以继续发送",
                self.side(*side)
            ),
            Note::KeepAlive => "保活：静默一段时间后发送一个旧字节（或不带数据），检查对方是否还在；对方以 ACK 回答".into(),
            Note::Rst { side, why } => match why {
                RstWhy::Refused => format!(
                    "RST：{}的这个端口上没有程序监听，于是拒绝 SYN（连接被拒绝）；其 ack 是客户端的 ISN + 1，让客户端知道这是对它的 SYN 的回答",
                    self.side(*side)
                ),
                RstWhy::Abort => format!(
                    "RST：{}中止连接（应用在还有未读数据时关闭、设置了 SO_LINGER 为 0，或进程退出）；与 FIN 不同，途中的数据被丢弃",
                    self.side(*side)
                ),
                RstWhy::AfterClose => format!(
                    "RST：{}已经关闭；又来了没人会读的数据，或它不再等待，于是复位",
                    self.side(*side)
                ),
                RstWhy::OutOfWindow => "RST 不在接收窗口内：真实的协议栈会忽略它（或回以挑战 ACK，RFC 5961），连接继续存在".into(),
                RstWhy::OldSyn => "RST：客户端拒绝回应旧 SYN 的 SYN+ACK；服务器回到 LISTEN，三次握手阻止了旧 SYN 建立连接".into(),
                RstWhy::Stray => "针对抓包中从未见到建立的连接的 RST（旧连接，或端口扫描）".into(),
            },
            Note::Fin { side, bytes, sizes: sz, more } => {
                let parts = if sz.len() > 1 || *more {
                    format!("（{}）", sizes(sz, *more))
                } else {
                    String::new()
                };
                format!(
                    "FIN：{}没有更多数据要发送；它共发送了 {bytes} 字节{parts}，所以它的 FIN 占用序号 {}",
                    self.side(*side),
                    bytes + 1
                )
            }
            Note::FinAck { side, ack } => format!(
                "ack={ack}：{}确认 FIN；FIN 和 SYN 一样占用一个序号",
                self.side(*side)
            ),
            Note::HalfClose { side } => format!(
                "半关闭：对方已发送 FIN，{}却仍在发送；FIN 只关闭一个方向",
                self.side(*side)
            ),
            Note::TimeWait { side } => format!(
                "TIME-WAIT：{}先关闭，所以要等待 2×MSL（Linux 上为 60 秒）才忘记这个连接：丢失的最后一个 ACK 可以重发，旧报文段也会消亡",
                self.side(*side)
            ),
            Note::EndsOpen => "抓包到此结束，连接仍然打开".into(),
            Note::SynUnanswered { sent } => format!(
                "SYN（发送了 {sent} 次）在抓包中始终没有回应：主机不在或被防火墙丢弃；客户端每次重试前等待更久"
            ),
        }
    }

    fn mark(&self, m: Mark) -> String {
        match m {
            Mark::Retransmission => "↻ 重传".into(),
            Mark::OutOfOrder => "乱序".into(),
            Mark::DupAck(n) => format!("重复 ACK #{n}"),
            Mark::ZeroWindow => "零窗口".into(),
            Mark::Probe => "窗口探测".into(),
            Mark::KeepAlive => "保活".into(),
        }
    }

    fn state_line(&self, side: Side, from: &str, to: &str, why: Why) -> String {
        format!("≈ {}：{from} → {to}（{}）", self.side(side), self.why(why))
    }

    fn why(&self, w: Why) -> &'static str {
        match w {
            Why::SentSyn => "发送了 SYN",
            Why::SentSynAck => "收到 SYN，发送了 SYN+ACK",
            Why::RecvSyn => "收到 SYN",
            Why::RecvSynAck => "收到 SYN+ACK",
            Why::SynAcked => "其 SYN 被确认",
            Why::SentFin => "发送了 FIN",
            Why::RecvFin => "收到 FIN",
            Why::FinAcked => "其 FIN 被确认",
            Why::SentRst => "发送了 RST",
            Why::RecvRst => "收到 RST",
        }
    }

    fn elided(&self, n: u64) -> String {
        format!("⋮ 省略了 {n} 个普通报文段（--rows）")
    }

    fn later(&self, secs: f64) -> String {
        format!("⋮ {secs:.3} 秒后")
    }

    fn opening(&self, o: Opening) -> &'static str {
        match o {
            Opening::Handshake => "三次握手",
            Opening::Simultaneous => "同时打开",
            Opening::Refused => "被拒绝（RST）",
            Opening::Unanswered => "SYN 无回应",
            Opening::Incomplete => "握手未完成",
            Opening::BeforeCapture => "在抓包之前",
        }
    }

    fn rst_why(&self, w: RstWhy) -> &'static str {
        match w {
            RstWhy::Refused => "拒绝",
            RstWhy::Abort => "中止",
            RstWhy::AfterClose => "关闭之后",
            RstWhy::OutOfWindow => "窗口之外",
            RstWhy::Stray => "无主",
            RstWhy::OldSyn => "旧的重复 SYN",
        }
    }

    fn ending_fin(&self) -> &'static str {
        "双向 FIN"
    }

    fn ending_rst(&self, side: Side, why: RstWhy) -> String {
        format!("{}发送 RST（{}）", self.side(side), self.rst_why(why))
    }

    fn ending_open(&self) -> &'static str {
        "抓包结束时仍然打开"
    }

    fn summary(&self, s: &Summary) -> Vec<String> {
        let mut v = vec![format!(
            "小结 #{}：{:.3} 秒 · 打开：{} · 关闭：{}",
            s.id,
            s.duration_s,
            self.opening(s.opening),
            self.ending(s.ending)
        )];
        for f in &s.flows {
            v.extend(flow_lines(self, f));
        }
        v.push(match (s.rtt_min(), s.rtt_median()) {
            (Some(min), Some(med)) => format!(
                "  从抓包点测得的 RTT：最小 {} 毫秒 · 中位数 {} 毫秒 · {} 个样本",
                ms(min),
                ms(med),
                s.rtt_us.len()
            ),
            _ => "  RTT：没有样本（没有数据被确认）".into(),
        });
        v.push(format!(
            "  最终状态 ≈ 客户端 {} · 服务器 {}",
            s.final_states[0].name(),
            s.final_states[1].name()
        ));
        v.push(format!("  异常：{}", anomalies(self, s)));
        v
    }

    fn totals(&self, t: &Totals) -> String {
        format!(
            "抓包：{} 帧 · {} 个 TCP 报文段 · {} 个连接 · 跳过 {} 个损坏的包 · {} 个非 TCP",
            t.frames, t.segments, t.connections, t.damaged, t.other
        )
    }
}
