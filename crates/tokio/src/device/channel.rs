//! A device made of two tokio channels of packets.

use super::{Capabilities, Device, Received};
use std::io;
use std::task::{Context, Poll};
use tokio::sync::mpsc;

/// Packets in through one channel, out through another: synack behind any
/// transport, moved by the application's own task.
#[derive(Debug)]
pub struct ChannelDevice {
    rx: mpsc::Receiver<Vec<u8>>,
    tx: mpsc::Sender<Vec<u8>>,
    mtu: usize,
}

impl ChannelDevice {
    /// A device that receives the packets sent into `rx`'s channel and
    /// sends its own into `tx`'s, carrying IP packets of up to `mtu`
    /// bytes. When `tx`'s channel is full a packet is dropped (TCP
    /// retransmits); when `rx`'s senders are all gone the stack stops.
    pub fn new(rx: mpsc::Receiver<Vec<u8>>, tx: mpsc::Sender<Vec<u8>>, mtu: usize) -> Self {
        ChannelDevice { rx, tx, mtu }
    }

    /// Two devices joined back to back (what one sends, the other
    /// receives), each direction queueing up to `capacity` packets: two
    /// stacks on one wire.
    pub fn pair(capacity: usize, mtu: usize) -> (ChannelDevice, ChannelDevice) {
        let (a_tx, b_rx) = mpsc::channel(capacity);
        let (b_tx, a_rx) = mpsc::channel(capacity);
        (
            ChannelDevice::new(a_rx, a_tx, mtu),
            ChannelDevice::new(b_rx, b_tx, mtu),
        )
    }
}

impl Device for ChannelDevice {
    fn poll_recv(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<Received>> {
        loop {
            return match self.rx.poll_recv(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(None) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "the channel device's senders are gone",
                ))),
                Poll::Ready(Some(p)) => {
                    let Some(dst) = buf.get_mut(..p.len()) else {
                        continue; // larger than any IP packet: dropped
                    };
                    dst.copy_from_slice(&p);
                    Poll::Ready(Ok(Received {
                        start: 0,
                        end: p.len(),
                        checksum_trusted: false,
                        segment_size: None,
                    }))
                }
            };
        }
    }

    fn send(&mut self, buf: &mut [u8], _segment_size: Option<usize>) -> io::Result<()> {
        self.tx.try_send(buf.to_vec()).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => {
                io::Error::new(io::ErrorKind::WouldBlock, "channel device full")
            }
            mpsc::error::TrySendError::Closed(_) => {
                io::Error::new(io::ErrorKind::BrokenPipe, "channel device closed")
            }
        })
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            headroom: 0,
            mtu: self.mtu,
            tso: false,
        }
    }
}
