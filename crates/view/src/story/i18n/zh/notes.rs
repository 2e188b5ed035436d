//! The explanations in Chinese.

use super::side;
use crate::story::notes::Note;
use synack_core::trace::RecoveryCause;

/// One explanation.
pub(super) fn note(n: &Note) -> String {
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
