//! The system calls the standard library does not offer: `ioctl(TUNSETIFF)`
//! to create or attach a TUN interface, `TUNSETVNETHDRSZ` / `TUNSETOFFLOAD`
//! for its offloads, `SIOCGIFMTU` / `SIOCGIFFLAGS` to read
//! an interface's MTU and flags, `if_nametoindex` to learn whether an
//! interface exists, and `poll(2)` to sleep on several descriptors.
//!
//! This is the only module of synack with `unsafe` code. Every block calls
//! one libc function with pointers to values that live on this function's
//! stack for the duration of the call (or no pointer at all); nothing is
//! retained by the kernel.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// `struct ifreq` as far as these ioctls use it: the interface name and the
/// first member of the union (`ifr_flags` or `ifr_mtu`), padded to 40 bytes,
/// the size of `struct ifreq` on 64-bit Linux (32-bit Linux uses less; the
/// kernel never copies more than its own `sizeof(struct ifreq)`).
#[repr(C)]
struct IfReq {
    name: [libc::c_char; libc::IFNAMSIZ],
    /// `ifr_flags` (a short) or `ifr_mtu` (an int) at the union's start.
    value: libc::c_int,
    pad: [u8; 20],
}

const _: () = assert!(std::mem::size_of::<IfReq>() == 40);

impl IfReq {
    /// A request naming `name` (at most `IFNAMSIZ - 1` bytes, checked by the
    /// caller) with the union zeroed.
    fn new(name: &str) -> io::Result<IfReq> {
        let bytes = name.as_bytes();
        if bytes.is_empty() || bytes.len() >= libc::IFNAMSIZ || bytes.contains(&0) {
            return Err(io::Error::from(io::ErrorKind::InvalidInput));
        }
        let mut req = IfReq {
            name: [0; libc::IFNAMSIZ],
            value: 0,
            pad: [0; 20],
        };
        for (dst, &b) in req.name.iter_mut().zip(bytes) {
            *dst = b as libc::c_char;
        }
        Ok(req)
    }

    fn name(&self) -> String {
        let bytes: Vec<u8> = self
            .name
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// `TUNSETIFF` on an open `/dev/net/tun` descriptor: creates the TUN
/// interface `name` (or attaches to an existing one) with `IFF_TUN |
/// IFF_NO_PI`, plus `IFF_VNET_HDR` if `vnet_hdr` (every packet then starts
/// with a `struct virtio_net_hdr`). Returns the interface's name as the
/// kernel reports it.
pub(crate) fn tun_set_iff(fd: BorrowedFd<'_>, name: &str, vnet_hdr: bool) -> io::Result<String> {
    let mut req = IfReq::new(name)?;
    // ifr_flags is a short at the start of the union; on little- and
    // big-endian machines alike, write it as a short.
    let mut flags = libc::IFF_TUN | libc::IFF_NO_PI;
    if vnet_hdr {
        flags |= libc::IFF_VNET_HDR;
    }
    let flags = flags as libc::c_short;
    set_short(&mut req, flags);
    // SAFETY: `fd` is an open descriptor (borrowed for the call); `req` is a
    // fully initialised 40-byte `struct ifreq` on our stack that outlives the
    // call; TUNSETIFF reads and writes at most `sizeof(struct ifreq)` bytes
    // through the pointer and keeps nothing.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TUNSETIFF, &mut req as *mut IfReq) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(req.name())
}

/// `TUNSETVNETHDRSZ`: the size of the virtio-net header in front of every
/// packet (10, `struct virtio_net_hdr`; the kernel's default, set anyway so
/// a device configured otherwise by someone else cannot surprise us).
pub(crate) fn tun_set_vnet_hdr_size(fd: BorrowedFd<'_>, size: libc::c_int) -> io::Result<()> {
    let mut v = size;
    // SAFETY: `fd` is an open descriptor (borrowed for the call); `v` is an
    // initialised int on our stack that outlives the call; TUNSETVNETHDRSZ
    // reads one int through the pointer and keeps nothing.
    let r = unsafe {
        libc::ioctl(
            fd.as_raw_fd(),
            libc::TUNSETVNETHDRSZ,
            &mut v as *mut libc::c_int,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `TUNSETOFFLOAD`: which offloads the reader of the device handles
/// (`TUN_F_CSUM`, `TUN_F_TSO4`, ...): the kernel may then hand it packets
/// with partial checksums and GSO super-packets.
pub(crate) fn tun_set_offload(fd: BorrowedFd<'_>, flags: libc::c_uint) -> io::Result<()> {
    // SAFETY: `fd` is an open descriptor (borrowed for the call);
    // TUNSETOFFLOAD takes its argument by value (an unsigned long), no
    // pointer is passed.
    let r = unsafe {
        libc::ioctl(
            fd.as_raw_fd(),
            libc::TUNSETOFFLOAD,
            libc::c_ulong::from(flags),
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Writes a `short` at the start of the union (the field `ifr_flags`).
fn set_short(req: &mut IfReq, v: libc::c_short) {
    let mut bytes = req.value.to_ne_bytes();
    bytes[..2].copy_from_slice(&v.to_ne_bytes());
    req.value = libc::c_int::from_ne_bytes(bytes);
}

/// Reads a `short` at the start of the union.
fn get_short(req: &IfReq) -> libc::c_short {
    let bytes = req.value.to_ne_bytes();
    libc::c_short::from_ne_bytes([bytes[0], bytes[1]])
}

/// The interface index of `name` in this network namespace, or `None` if
/// there is no such interface.
pub(crate) fn if_index(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    // SAFETY: `c` is a NUL-terminated string that outlives the call;
    // if_nametoindex only reads it.
    let index = unsafe { libc::if_nametoindex(c.as_ptr()) };
    (index != 0).then_some(index)
}

/// A datagram socket, the handle the interface ioctls need.
fn control_socket() -> io::Result<OwnedFd> {
    // SAFETY: socket(2) takes no pointers; a non-negative result is a new
    // descriptor that nothing else owns, so OwnedFd may take it over.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by socket(2) and is owned by no one else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// One `SIOCGIF*` request on `name`; returns the filled-in request.
fn get_ifreq(name: &str, request: libc::Ioctl) -> io::Result<IfReq> {
    let sock = control_socket()?;
    let mut req = IfReq::new(name)?;
    // SAFETY: `sock` is an open socket; `req` is a fully initialised
    // `struct ifreq` on our stack that outlives the call; SIOCGIFMTU and
    // SIOCGIFFLAGS write at most `sizeof(struct ifreq)` bytes into it.
    let r = unsafe { libc::ioctl(sock.as_raw_fd(), request, &mut req as *mut IfReq) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(req)
}

/// The MTU of interface `name` (`SIOCGIFMTU`).
pub(crate) fn if_mtu(name: &str) -> io::Result<usize> {
    let req = get_ifreq(name, libc::SIOCGIFMTU as libc::Ioctl)?;
    usize::try_from(req.value).map_err(|_| io::Error::from(io::ErrorKind::InvalidData))
}

/// Whether interface `name` is administratively up (`SIOCGIFFLAGS`).
pub(crate) fn if_is_up(name: &str) -> io::Result<bool> {
    let req = get_ifreq(name, libc::SIOCGIFFLAGS as libc::Ioctl)?;
    Ok(i32::from(get_short(&req)) & libc::IFF_UP != 0)
}

/// Waits until one of `fds` is ready or `timeout_ms` passes (`-1`: no
/// limit). Returns the number of ready descriptors; `0` on timeout or when a
/// signal interrupted the wait.
pub(crate) fn poll(fds: &mut [libc::pollfd], timeout_ms: i32) -> io::Result<usize> {
    let n = libc::nfds_t::try_from(fds.len())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: `fds` is an exclusively borrowed slice of `n` initialised
    // pollfd structures; poll(2) writes only their `revents` fields and
    // keeps no pointer after returning.
    let r = unsafe { libc::poll(fds.as_mut_ptr(), n, timeout_ms) };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(0);
        }
        return Err(e);
    }
    Ok(r as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ifreq_names_are_bounded() {
        assert!(IfReq::new("").is_err());
        assert!(IfReq::new("a234567890123456").is_err());
        assert_eq!(
            IfReq::new("a23456789012345").unwrap().name(),
            "a23456789012345"
        );
        let mut r = IfReq::new("tun0").unwrap();
        set_short(&mut r, 0x1001);
        assert_eq!(get_short(&r), 0x1001);
    }

    #[test]
    fn loopback_exists_and_has_an_mtu() {
        // Every network namespace has `lo`, but it may be down.
        if if_index("lo").is_some() {
            assert!(if_mtu("lo").unwrap() >= 1280);
        }
        assert_eq!(if_index("synack-none0"), None);
    }
}
