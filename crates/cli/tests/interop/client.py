"""The Linux side of synack's interop tests: plain kernel sockets.

Every subcommand prints one JSON line on stdout and exits 0 when it did
what it was asked (the test judges the figures), 1 on an error.

  upload HOST PORT FILE       send FILE, shut down writing, read until EOF
  read HOST PORT [OUT]        read until EOF (optionally into OUT), close
  echo HOST PORT CONNS BYTES SEED
                              CONNS concurrent connections, each sends BYTES
                              random bytes and reads them back, then closes
  connect HOST PORT           try to connect; report the errno name
  connects HOST PORT N        N connections one after another, each sends a
                              byte and reads it back; how many worked
  stream HOST PORT SPORT SECONDS
                              one connection from port SPORT to an echo
                              server: random chunks sent and checked as
                              they come back, for SECONDS
  blind HOST PORT SRC SPORT N blind attacks on the connection
                              SRC:SPORT -> HOST:PORT (raw socket): RSTs and
                              SYNs sweeping the sequence space in 64 KiB
                              steps (so some land in the window), and N
                              data segments at random sequence and
                              acknowledgement numbers
  synflood HOST PORT SECONDS  spoofed SYNs (raw socket, sources drawn from
                              198.19.0.0/16) as fast as it can; how many
"""

import array
import asyncio
import errno
import hashlib
import json
import random
import socket
import struct
import sys
import time

TIMEOUT = 120


def out(**kw):
    print(json.dumps(kw), flush=True)


def upload(host, port, path):
    t0 = time.monotonic()
    h = hashlib.sha256()
    sent = 0
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as s, open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            s.sendall(chunk)
            h.update(chunk)
            sent += len(chunk)
        s.shutdown(socket.SHUT_WR)
        extra = 0
        while True:
            b = s.recv(65536)
            if not b:
                break
            extra += len(b)
    out(sent=sent, sha256=h.hexdigest(), received=extra, seconds=time.monotonic() - t0)


def read(host, port, path=None):
    t0 = time.monotonic()
    h = hashlib.sha256()
    n = 0
    f = open(path, "wb") if path else None
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as s:
        while True:
            b = s.recv(1 << 16)
            if not b:
                break
            h.update(b)
            n += len(b)
            if f:
                f.write(b)
    if f:
        f.close()
    out(received=n, sha256=h.hexdigest(), seconds=time.monotonic() - t0)


async def echo_one(host, port, i, nbytes, seed):
    data = random.Random(seed * 100003 + i).randbytes(nbytes)
    r, w = await asyncio.open_connection(host, int(port))

    async def send():
        for off in range(0, len(data), 1 << 16):
            w.write(data[off:off + (1 << 16)])
            await w.drain()

    sender = asyncio.create_task(send())
    got = await r.readexactly(nbytes)
    await sender
    w.close()
    await w.wait_closed()
    return got == data


async def echo_all(host, port, conns, nbytes, seed):
    async def guarded(i):
        try:
            return (i, await echo_one(host, port, i, nbytes, seed), None)
        except Exception as e:  # report, do not stop the others
            return (i, False, f"{type(e).__name__}: {e}")

    return await asyncio.wait_for(
        asyncio.gather(*(guarded(i) for i in range(conns))), TIMEOUT)


def echo(host, port, conns, nbytes, seed):
    t0 = time.monotonic()
    results = asyncio.run(echo_all(host, port, int(conns), int(nbytes), int(seed)))
    ok = sum(1 for _, good, _ in results if good)
    failed = [{"conn": i, "error": err or "data differs"} for i, good, err in results if not good]
    out(ok=ok, failed=failed[:10], nfailed=len(failed), seconds=time.monotonic() - t0)


def connect(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect((host, int(port)))
        out(errno=None, connected=True)
    except socket.timeout:
        out(errno="TIMEOUT", connected=False)
    except OSError as e:
        out(errno=errno.errorcode.get(e.errno, str(e.errno)), connected=False)
    finally:
        s.close()


def connects(host, port, n):
    t0 = time.monotonic()
    ok, times, errors = 0, [], []
    for _ in range(int(n)):
        c0 = time.monotonic()
        try:
            with socket.create_connection((host, int(port)), timeout=20) as s:
                times.append(time.monotonic() - c0)
                s.sendall(b"q")
                if s.recv(1) == b"q":
                    ok += 1
                else:
                    errors.append("no echo")
        except OSError as e:
            errors.append(f"{type(e).__name__}: {e}")
    times.sort()
    out(ok=ok, errors=errors[:5], connect_max=times[-1] if times else None,
        connect_median=times[len(times) // 2] if times else None,
        seconds=time.monotonic() - t0)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(array.array("H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def stream(host, port, sport, seconds):
    rng = random.Random(5961)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(sport)))
    s.settimeout(20)
    s.connect((host, int(port)))
    end, total = time.monotonic() + float(seconds), 0
    try:
        while time.monotonic() < end:
            chunk = rng.randbytes(rng.randrange(1, 20000))
            s.sendall(chunk)
            got = b""
            while len(got) < len(chunk):
                b = s.recv(len(chunk) - len(got))
                if not b:
                    raise OSError("connection closed early")
                got += b
            if got != chunk:
                out(ok=False, error="echo differs", bytes=total)
                return
            total += len(chunk)
        s.shutdown(socket.SHUT_WR)
        rest = s.recv(1)
        out(ok=rest == b"", bytes=total, error=None if rest == b"" else "data after EOF")
    except OSError as e:
        out(ok=False, bytes=total, error=f"{type(e).__name__}: {e}")
    finally:
        s.close()


def tcp_segment(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
    c = checksum(pseudo + tcp)
    tcp = tcp[:16] + struct.pack("=H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 0, 0, 0x4000, 64, socket.IPPROTO_TCP, 0, src, dst)
    return ip + tcp


def blind(host, port, src_host, sport, rounds):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    src, dst = socket.inet_aton(src_host), socket.inet_aton(host)
    rng = random.Random(793)
    sent = 0

    def send(seg):
        nonlocal sent
        s.sendto(seg, (host, 0))
        sent += 1
        if sent % 500 == 0:
            time.sleep(0.001)

    base = rng.getrandbits(16)
    for flags in (0x04, 0x02):  # RST, then SYN
        for k in range(1 << 16):
            send(tcp_segment(src, dst, int(sport), int(port), (k << 16) | base,
                             rng.getrandbits(32), flags))
    for _ in range(int(rounds)):
        send(tcp_segment(src, dst, int(sport), int(port), rng.getrandbits(32),
                         rng.getrandbits(32), 0x18, b"INJECTED!"))
    out(sent=sent)


def synflood(host, port, seconds):
    dst = socket.inet_aton(host)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    rng = random.Random(4987)
    sent, end = 0, time.monotonic() + float(seconds)
    while time.monotonic() < end:
        for _ in range(256):
            src = bytes([198, 19, rng.randrange(256), rng.randrange(1, 255)])
            sport, seq = rng.randrange(1024, 65536), rng.getrandbits(32)
            # TCP: ports, seq, ack 0, offset 6 words, SYN, window, MSS 1460.
            tcp = struct.pack("!HHIIBBHHH", sport, int(port), seq, 0, 6 << 4, 0x02,
                              65535, 0, 0) + b"\x02\x04\x05\xb4"
            pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
            # The sum is taken in native byte order, so it is stored so.
            c = checksum(pseudo + tcp)
            tcp = tcp[:16] + struct.pack("=H", c) + tcp[18:]
            # IPv4: the kernel fills in the total length and the checksum.
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 0, 0, 0, 64, socket.IPPROTO_TCP, 0,
                             src, dst)
            try:
                s.sendto(ip + tcp, (host, 0))
                sent += 1
            except OSError:
                pass
    out(sent=sent, seconds=float(seconds))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    try:
        {"upload": upload, "read": read, "echo": echo, "connect": connect,
         "connects": connects, "synflood": synflood, "stream": stream,
         "blind": blind}[cmd](*args)
    except Exception as e:
        out(error=f"{type(e).__name__}: {e}")
        sys.exit(1)


if __name__ == "__main__":
    main()
