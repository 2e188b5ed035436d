"""The far side of the relay tests: servers in a second namespace.

  http HOST PORT DIR     HTTP/1.1: GET serves the files of DIR; PUT reads
                         the body and answers with its length and SHA-256
  echo HOST PORT         sends back everything, half-close included
"""

import hashlib
import http.server
import os
import socket
import socketserver
import sys
import threading


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_PUT(self):
        n = int(self.headers.get("Content-Length", "0"))
        h = hashlib.sha256()
        left = n
        while left:
            b = self.rfile.read(min(left, 1 << 16))
            if not b:
                break
            h.update(b)
            left -= len(b)
        body = f"{n - left} {h.hexdigest()}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Threaded(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 1024


def http_main(host, port, root):
    os.chdir(root)
    Threaded((host, int(port)), Handler).serve_forever()


def echo_one(c):
    with c:
        while True:
            b = c.recv(1 << 16)
            if not b:
                break
            c.sendall(b)
        c.shutdown(socket.SHUT_WR)


def echo_main(host, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, int(port)))
    s.listen(1024)
    while True:
        c, _ = s.accept()
        threading.Thread(target=echo_one, args=(c,), daemon=True).start()


if __name__ == "__main__":
    {"http": http_main, "echo": echo_main}[sys.argv[1]](*sys.argv[2:])
