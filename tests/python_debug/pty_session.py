# A program run in a pseudo-terminal, driven as a user at a keyboard would: wait for text, type.
import os
import pty
import select
import time


class PtySession:
    """Starts `argv` with a new pseudo-terminal as its stdin, stdout and stderr."""

    def __init__(self, argv, cwd=None):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the terminal is its controlling one
            try:
                if cwd:
                    os.chdir(cwd)
                os.execvp(argv[0], argv)
            finally:
                os._exit(127)
        self.output = b""
        self._seen = 0  # expect() looks for text after what it matched last
        self.status = None

    def _read(self, seconds):
        ready, _, _ = select.select([self.fd], [], [], seconds)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        self.output += data
        return bool(data)

    def expect(self, text, seconds=30):
        """Waits until `text` appears after the last match; AssertionError with the transcript if not."""
        wanted = text.encode()
        deadline = time.monotonic() + seconds
        while True:
            at = self.output.find(wanted, self._seen)
            if at >= 0:
                self._seen = at + len(wanted)
                return
            if time.monotonic() > deadline or not self._read(0.1):
                if self.output.find(wanted, self._seen) >= 0:
                    continue
                raise AssertionError("did not see %r; the terminal showed:\n%s" % (text, self.transcript()))

    def type(self, keys):
        os.write(self.fd, keys.encode())

    def wait(self, seconds=60):
        """Reads the rest and returns the exit status (killing the child after `seconds`)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self._read(0.1):
            pass
        while True:  # the terminal closed: the child is ending
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid != 0:
                break
            if time.monotonic() > deadline:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
                raise AssertionError("still running after %d s; the terminal showed:\n%s" % (seconds, self.transcript()))
            time.sleep(0.05)
        os.close(self.fd)
        self.status = os.waitstatus_to_exitcode(status)
        return self.status

    def transcript(self):
        return self.output.decode(errors="replace").replace("\r\n", "\n")
