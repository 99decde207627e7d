# A small Debug Adapter Protocol client over TCP, as VS Code speaks it to debugpy: requests,
# their responses, and the events that come meanwhile.
import json
import socket
import time


class DapClient:
    def __init__(self, port, seconds=60):
        deadline = time.monotonic() + seconds
        while True:  # the debuggee opens its port once it has started
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.sock.settimeout(seconds)
        self.buffer = b""
        self.seq = 0
        self.backlog = []  # messages read while waiting for another one
        self.seen = []     # every message, for the failure report

    def request(self, command, **arguments):
        """Sends a request; returns its seq (response() waits for the answer)."""
        self.seq += 1
        body = json.dumps({"seq": self.seq, "type": "request", "command": command, "arguments": arguments}).encode()
        self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return self.seq

    def _read_message(self):
        while b"\r\n\r\n" not in self.buffer:
            self._receive()
        header, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        length = None
        for line in header.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            raise AssertionError("a DAP message without Content-Length: %r" % header)
        while len(self.buffer) < length:
            self._receive()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        message = json.loads(body)
        self.seen.append(message)
        return message

    def _receive(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("the debug adapter closed the connection")
        self.buffer += data

    def wait_for(self, matches):
        for i, message in enumerate(self.backlog):
            if matches(message):
                return self.backlog.pop(i)
        while True:
            message = self._read_message()
            if matches(message):
                return message
            self.backlog.append(message)

    def response(self, seq):
        """The response to request `seq`; AssertionError if it failed."""
        r = self.wait_for(lambda m: m.get("type") == "response" and m.get("request_seq") == seq)
        if not r.get("success"):
            raise AssertionError("%s failed: %s" % (r.get("command"), r.get("message")))
        return r

    def call(self, command, **arguments):
        return self.response(self.request(command, **arguments))

    def event(self, name):
        return self.wait_for(lambda m: m.get("type") == "event" and m.get("event") == name)

    def close(self):
        self.sock.close()
