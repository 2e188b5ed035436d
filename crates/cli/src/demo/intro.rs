//! What each scenario is about, in English and Chinese: the paragraph
//! under the header of `synack demo` (the rest of the words are
//! `synack_view::story::i18n`'s).

use super::scenarios::{CLOSED_PORT, Plan, SERVER_PORT, SIM_OPEN_PORTS, Scenario};
use synack_view::Lang;
use synack_view::story::i18n::percent;

/// The intro of `p`'s scenario in `lang`.
pub fn intro(p: &Plan, lang: Lang) -> String {
    match lang {
        Lang::En => en(p),
        Lang::Zh => zh(p),
    }
}

/// In English.
fn en(p: &Plan) -> String {
    let (n, m) = (p.request, p.answer);
    match p.scenario {
        Scenario::Normal => format!(
            "The client opens a connection (three-way handshake) and sends {n} bytes; the \
             server answers with as many; then both close (four-way close) and the client \
             waits in TIME-WAIT."
        ),
        Scenario::Lossy => format!(
            "The same exchange ({n} bytes each way) over a link that loses {}% of the \
             packets in each direction: lost segments are found from SACK blocks, by time \
             (RACK) or by a probe (TLP), and sent again.",
            percent(p.loss)
        ),
        Scenario::SimultaneousOpen => format!(
            "No listener: both sides connect to each other's port ({} and {}) at the same \
             instant. The SYNs cross, and each side answers the other's SYN.",
            SIM_OPEN_PORTS.0, SIM_OPEN_PORTS.1
        ),
        Scenario::SimultaneousClose => format!(
            "After exchanging {n} bytes each way, both applications close at the same \
             instant: the FINs cross and both sides pass through CLOSING."
        ),
        Scenario::HalfClose => format!(
            "The client sends a {n}-byte request and shuts down its sending side \
             (half-close); the server reads to the end, answers with {m} bytes, then closes."
        ),
        Scenario::Reset => format!(
            "The client uploads {n} bytes; after reading {} of them the server's \
             application aborts the connection.",
            n.div_ceil(3)
        ),
        Scenario::Refused => format!(
            "The client connects to port {CLOSED_PORT}, where nothing listens (the server \
             listens on port {SERVER_PORT} only)."
        ),
        Scenario::SynTimeout => "The server's host silently drops every packet (like a \
             firewall): the client's SYN is never answered."
            .to_string(),
        Scenario::DelayedDuplicateSyn => format!(
            "RFC 9293 section 3.5, figure 8: the client's new SYN is held up in the network, \
             and an old duplicate SYN from an earlier connection (same addresses and ports, \
             older sequence number) reaches the server first. Then {n} bytes each way."
        ),
    }
}

/// In Chinese.
fn zh(p: &Plan) -> String {
    let (n, m) = (p.request, p.answer);
    match p.scenario {
        Scenario::Normal => format!(
            "客户端发起连接（三次握手）并发送 {n} 字节，服务器回送同样多的字节；随后双方关闭连接\
             （四次挥手），客户端在 TIME-WAIT 状态中等待。"
        ),
        Scenario::Lossy => format!(
            "同样的交互（每个方向 {n} 字节），但链路在每个方向上都会丢失 {}% 的报文：\
             丢失的报文段通过 SACK 块、按时间（RACK）或借助探测报文（TLP）被发现并重传。",
            percent(p.loss)
        ),
        Scenario::SimultaneousOpen => format!(
            "没有监听方：双方在同一时刻向对方的端口（{} 和 {}）发起连接。两个 SYN 在途中交错，\
             双方各自回应对方的 SYN。",
            SIM_OPEN_PORTS.0, SIM_OPEN_PORTS.1
        ),
        Scenario::SimultaneousClose => format!(
            "双方各发送 {n} 字节之后，两端的应用程序在同一时刻关闭连接：两个 FIN 在途中交错，\
             双方都经过 CLOSING 状态。"
        ),
        Scenario::HalfClose => format!(
            "客户端发送 {n} 字节的请求后关闭自己的发送方向（半关闭）；服务器读到数据末尾，\
             回送 {m} 字节后再关闭连接。"
        ),
        Scenario::Reset => format!(
            "客户端上传 {n} 字节；服务器的应用程序读取其中 {} 字节后中止（abort）了连接。",
            n.div_ceil(3)
        ),
        Scenario::Refused => format!(
            "客户端连接 {CLOSED_PORT} 端口，但那里没有任何程序监听（服务器只监听 {SERVER_PORT} 端口）。"
        ),
        Scenario::SynTimeout => {
            "服务器主机悄无声息地丢弃所有报文（就像防火墙一样）：客户端的 SYN 永远得不到回应。"
                .to_string()
        }
        Scenario::DelayedDuplicateSyn => format!(
            "RFC 9293 第 3.5 节图 8：客户端新发出的 SYN 在网络中被耽搁，而一个来自早先连接的\
             旧重复 SYN（地址和端口相同，序列号较旧）先到达了服务器。之后双方各发送 {n} 字节。"
        ),
    }
}
