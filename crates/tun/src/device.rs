//! A Linux TUN device: raw IP packets (`IFF_TUN | IFF_NO_PI`), non-blocking,
//! optionally with a virtio-net header and offloads (`IFF_VNET_HDR`).

use crate::error::Error;
use crate::sys;
use crate::vnet;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;

/// The clone device every TUN interface is opened through.
pub const CLONE_DEVICE: &str = "/dev/net/tun";

/// An open TUN interface. If [`TunDevice::open`] created it, it is a
/// non-persistent interface and the kernel removes it when this value (the
/// last descriptor) is dropped, with its addresses and routes.
#[derive(Debug)]
pub struct TunDevice {
    file: File,
    name: String,
    created: bool,
    offloads: bool,
}

impl TunDevice {
    /// Opens the TUN interface `name`, creating it if this network namespace
    /// has no interface of that name. The descriptor is non-blocking.
    ///
    /// Errors are one-line explanations: missing `/dev/net/tun`, missing
    /// privileges (`CAP_NET_ADMIN`), a name taken by an interface that is not
    /// a TUN device, or a TUN device in use by another process.
    pub fn open(name: &str) -> Result<TunDevice, Error> {
        Self::open_with(name, false)
    }

    /// [`TunDevice::open`] with the offloads on: every packet read or
    /// written starts with a virtio-net header ([`crate::vnet`];
    /// `IFF_VNET_HDR`, `TUNSETVNETHDRSZ` 10), and the kernel may hand over
    /// packets with partial TCP checksums and TCP GSO super-packets of up to
    /// 64 KiB (`TUNSETOFFLOAD` with `TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6`).
    pub fn open_offloaded(name: &str) -> Result<TunDevice, Error> {
        Self::open_with(name, true)
    }

    fn open_with(name: &str, offloads: bool) -> Result<TunDevice, Error> {
        check_name(name)
            .map_err(|why| Error::Setup(format!("invalid interface name '{name}': {why}")))?;
        let existed = sys::if_index(name).is_some();
        let fail = |why: String| Error::Setup(format!("cannot open TUN device {name}: {why}"));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(CLONE_DEVICE)
            .map_err(|e| fail(describe_open_error(&e)))?;
        let actual = sys::tun_set_iff(file.as_fd(), name, offloads)
            .map_err(|e| fail(describe_setiff_error(&e, existed)))?;
        if offloads {
            sys::tun_set_vnet_hdr_size(file.as_fd(), vnet::LEN as libc::c_int)
                .map_err(|e| fail(format!("TUNSETVNETHDRSZ: {}", os_message(&e))))?;
        }
        // The offloads are a property of the interface, not of this
        // descriptor: a device an earlier process opened with them keeps
        // checksum offload and TSO, and without a virtio-net header to say
        // so the kernel would hand over packets with partial checksums (all
        // dropped as corrupt). So set exactly what this descriptor handles,
        // none of them without the header.
        sys::tun_set_offload(file.as_fd(), offload_flags(offloads))
            .map_err(|e| fail(format!("TUNSETOFFLOAD: {}", os_message(&e))))?;
        Ok(TunDevice {
            file,
            name: actual,
            created: !existed,
            offloads,
        })
    }

    /// Whether the offloads are on ([`TunDevice::open_offloaded`]): packets
    /// carry a virtio-net header.
    pub fn offloads(&self) -> bool {
        self.offloads
    }

    /// The interface's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// True if [`TunDevice::open`] created the interface (it disappears when
    /// this value is dropped); false if it existed before.
    pub fn created(&self) -> bool {
        self.created
    }

    /// The interface's MTU as the kernel has it.
    pub fn mtu(&self) -> io::Result<usize> {
        sys::if_mtu(&self.name)
    }

    /// Whether the interface is administratively up.
    pub fn is_up(&self) -> io::Result<bool> {
        sys::if_is_up(&self.name)
    }

    /// Reads one packet into `buf`; `Ok(None)` when none is waiting.
    pub fn recv(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        loop {
            match self.file.read(buf) {
                Ok(n) => return Ok(Some(n)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Writes one packet. The kernel takes or refuses the whole packet.
    pub fn send(&mut self, packet: &[u8]) -> io::Result<()> {
        loop {
            match self.file.write(packet) {
                Ok(_) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

impl AsFd for TunDevice {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

impl AsRawFd for TunDevice {
    fn as_raw_fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }
}

/// The `TUNSETOFFLOAD` flags for a descriptor with or without the
/// virtio-net header.
fn offload_flags(offloads: bool) -> libc::c_uint {
    if offloads {
        libc::TUN_F_CSUM | libc::TUN_F_TSO4 | libc::TUN_F_TSO6
    } else {
        0
    }
}

/// Checks an interface name: 1 to 15 bytes, none of `/`, `%`, `:`,
/// whitespace or control characters (what the kernel's `dev_valid_name`
/// refuses, plus `%`, which would ask the kernel to pick a number).
pub fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("it is empty");
    }
    if name.len() >= libc::IFNAMSIZ {
        return Err("it is longer than 15 bytes");
    }
    if name == "." || name == ".." {
        return Err("'.' and '..' are not interface names");
    }
    if name
        .chars()
        .any(|c| c == '/' || c == '%' || c == ':' || c.is_whitespace() || c.is_control())
    {
        return Err("it contains '/', '%', ':', a space or a control character");
    }
    Ok(())
}

fn describe_open_error(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => {
            format!("{CLONE_DEVICE} does not exist (is the tun module loaded?)")
        }
        io::ErrorKind::PermissionDenied => {
            "permission denied (needs root or CAP_NET_ADMIN)".to_string()
        }
        _ => match e.raw_os_error() {
            Some(libc::ENODEV) | Some(libc::ENXIO) => {
                format!("{CLONE_DEVICE} has no driver (is the tun module loaded?)")
            }
            _ => format!("{CLONE_DEVICE}: {}", os_message(e)),
        },
    }
}

fn describe_setiff_error(e: &io::Error, existed: bool) -> String {
    match e.raw_os_error() {
        Some(libc::EPERM) | Some(libc::EACCES) => {
            "permission denied (needs root or CAP_NET_ADMIN)".into()
        }
        Some(libc::EINVAL) if existed => {
            "an interface of that name exists and is not a TUN device in tun mode".into()
        }
        Some(libc::EBUSY) => "the device is in use by another process".into(),
        _ => os_message(e),
    }
}

/// The OS's message without Rust's ` (os error N)` suffix.
fn os_message(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_lowercase(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_name("tun0").is_ok());
        assert!(check_name("synack-dev-1").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a234567890123456").is_err());
        assert!(check_name("a/b").is_err());
        assert!(check_name("tun%d").is_err());
        assert!(check_name("a b").is_err());
        assert!(check_name("..").is_err());
    }

    #[test]
    fn error_texts_fit_one_line() {
        let e = io::Error::from_raw_os_error(libc::EPERM);
        assert_eq!(
            describe_setiff_error(&e, false),
            "permission denied (needs root or CAP_NET_ADMIN)"
        );
        let e = io::Error::from_raw_os_error(libc::ENOENT);
        assert!(describe_open_error(&e).contains("does not exist"));
        let e = io::Error::from_raw_os_error(libc::EIO);
        assert_eq!(os_message(&e), "input/output error");
    }
}
