"""`promethean repl` on a terminal, driven through a pseudo-terminal as a user types: line editing
(a left-arrow edit, history recall with the up arrow), the languages switched by command and by
prefix, globals kept per runtime, multi-line Python and JS, values as each runtime shows them,
errors, Ctrl-C (a line cleared, running code stopped), Ctrl-D, and the history file.

Usage: test_repl_terminal.py PROMETHEAN_BINARY
"""

import os
import pty
import re
import select
import shutil
import signal
import sys
import tempfile
import time
import unittest

BINARY = None
LEFT, UP = "\x1b[D", "\x1b[A"
CTRL_C, CTRL_D = "\x03", "\x04"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]|\x07|\r")


class Session:
    """One `promethean repl` on its own pseudo-terminal (its controlling terminal, so that ^C is
    a SIGINT from the terminal, as for a user)."""

    def __init__(self, home, history):
        env = dict(os.environ, HOME=home, PROMETHEAN_HISTORY=history, TERM="xterm", LANG="C.UTF-8")
        env.pop("EDITRC", None)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(BINARY, [BINARY, "repl"], env)
        self.seen = ""  # everything shown so far, escape sequences and \r removed
        self.mark = 0   # where the next expect() starts looking

    def send(self, text):
        os.write(self.fd, text.encode())

    def line(self, text):
        self.send(text + "\r")

    def expect(self, pattern, timeout=60, at_mark=False):
        """Waits until `pattern` (a regex) shows after the mark (`at_mark`: right at it); moves the
        mark past it."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            found = (regex.match if at_mark else regex.search)(self.seen, self.mark)
            if found:
                self.mark = found.end()
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("%r did not show; the screen after the mark:\n%s" % (pattern, self.seen[self.mark:]))
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError("the REPL ended before %r showed:\n%s" % (pattern, self.seen[self.mark:]))
                self.seen += ANSI.sub("", chunk.decode("utf-8", "replace"))

    def wait(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:  # drain, so that the child never blocks writing to the terminal
                if select.select([self.fd], [], [], 0.1)[0]:
                    self.seen += ANSI.sub("", os.read(self.fd, 65536).decode("utf-8", "replace"))
            except OSError:
                pass
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        raise AssertionError("the REPL did not end:\n" + self.seen[self.mark:])


def history_lines(path):
    """The lines of libedit's history file (its header dropped, strvis escapes like \\040 decoded)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert lines and lines[0] == "_HiStOrY_V2_", lines[:1]
    return [re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line).replace("\\\\", "\\") for line in lines[1:]]


class TerminalRepl(unittest.TestCase):
    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="pm-repl-")
        self.history = os.path.join(self.home, "history")

    def tearDown(self):
        shutil.rmtree(self.home, ignore_errors=True)

    def test_a_session_in_every_language(self):
        s = Session(self.home, self.history)
        s.expect(r"meta> ")
        # meta, with a left-arrow edit: "(* 6 )", left over the ')', then "7".
        s.send("(* 6 )" + LEFT + "7\r")
        s.expect(r"\n42\nmeta> ")
        s.line("(def greeting \"hi\")")
        s.expect(r"\"hi\"\nmeta> ")
        s.line("(+ 1")  # an open list goes on
        s.expect(r"\.\.\.\.> ")
        s.line("   2)")
        s.expect(r"\n3\nmeta> ")

        # py: a block ends on an empty line; repr; globals kept; errors shown, the session goes on.
        s.line(":py")
        s.expect(r"py> ")
        s.line("def double(x):")
        s.expect(r"\.\.> ")
        s.line("    return x * 2")
        s.expect(r"\.\.> ")
        s.line("")
        s.expect(r"py> ")
        s.line("double(21)")
        s.expect(r"\n42\npy> ")
        s.line("'a' + 'b'")
        s.expect(r"\n'ab'\npy> ")
        s.line("None")  # python3 shows nothing for None
        s.expect(r"None\npy> ", at_mark=True)
        s.line("1/0")
        s.expect(r"Traceback \(most recent call last\):\n  File \"<stdin>\", line 1, in <module>\n"
                 r"ZeroDivisionError: division by zero\npy> ")
        s.line("_ * 2")  # `_` is the last value shown, as in python3
        s.expect(r"\n'abab'\npy> ")

        # js: an unclosed brace goes on; util.inspect; let/const and functions kept; errors.
        s.line(":js")
        s.expect(r"js> ")
        s.line("function add(a, b) {")
        s.expect(r"\.\.> ")
        s.line("  return a + b;")
        s.expect(r"\.\.> ")
        s.line("}")
        s.expect(r"\nundefined\njs> ")
        s.line("const base = 40")
        s.expect(r"\nundefined\njs> ")
        s.line("add(base, 2)")
        s.expect(r"\n42\njs> ")
        s.line("({ list: [1, { b: 'x' }], s: 'y' })")
        s.expect(r"\n\{ list: \[ 1, \{ b: 'x' \} \], s: 'y' \}\njs> ")
        s.line("{ a: 1 }")  # as node: an object literal, not a block
        s.expect(r"\n\{ a: 1 \}\njs> ")
        s.line("console.log('multi',")  # a call left open: "missing )" is fixed by more lines
        s.expect(r"\.\.> ")
        s.line("  'line')")
        s.expect(r"\nmulti line\nundefined\njs> ")
        s.line("`template")
        s.expect(r"\.\.> ")
        s.line("literal`")
        s.expect(r"\n'template\\nliteral'\njs> ")
        s.line("await new Promise((resolve) => setTimeout(() => resolve(base + 2), 50))")  # as node
        s.expect(r"\n42\njs> ")
        s.line("nope + 1")
        s.expect(r"Uncaught ReferenceError: nope is not defined\n")
        s.expect(r"js> ")
        s.line("foo(1 2)")  # an error more lines cannot fix is shown at once
        s.expect(r"Uncaught SyntaxError: missing \) after argument list\n")
        s.expect(r"js> ")

        # A prefix runs once in another language; the prompt stays.
        s.line(":py double(50)")
        s.expect(r"\n100\njs> ")
        s.line(":sh echo from sh; exit 3")
        s.expect(r"\nfrom sh\n\(exit status 3\)\njs> ")
        s.line(":meta (eval-in \"py\" \"double(5)\")")
        s.expect(r"\n.*10.*\njs> ")
        s.line(":meta (nope)")  # meta's error names the column as typed
        s.expect(r"<stdin>:\d+:8: meta NameError: unknown symbol 'nope'\n")
        s.expect(r"js> ")

        # sh: variables, exports and the working directory carry from line to line; an open `if`
        # goes on.
        s.line(":sh")
        s.expect(r"sh> ")
        s.line("x=41; cd /")
        s.expect(r"sh> ")
        s.line("echo $((x + 1)) $(pwd)")
        s.expect(r"\n42 /\nsh> ")
        s.line("export GREETING='a b'")
        s.expect(r"sh> ")
        s.line("sh -c 'echo \"[$GREETING]\"'")
        s.expect(r"\n\[a b\]\nsh> ")
        s.line("if [ $x = 41 ]; then")
        s.expect(r"\.\.> ")
        s.line("  echo yes")
        s.expect(r"\.\.> ")
        s.line("fi")
        s.expect(r"\nyes\nsh> ")
        s.line(":js")
        s.expect(r"js> ")

        # Ctrl-C clears the line being typed and an input left open, and the session goes on.
        s.line("add(1,")
        s.expect(r"\.\.> ")
        s.send("zzz")
        s.send(CTRL_C)
        s.expect(r"\^C\njs> ")
        s.line("add(2, 2)")
        s.expect(r"\n4\njs> ")
        # ... and stops JS that runs: JS stays usable.
        s.line("while (true) {}")
        time.sleep(0.5)
        s.send(CTRL_C)
        s.expect(r"Interrupted")
        s.expect(r"js> ")
        s.line("add(3, 3)")
        s.expect(r"\n6\njs> ")
        # ... and Python: KeyboardInterrupt, as in python3, and Python goes on.
        s.line(":py")
        s.expect(r"py> ")
        s.line("import time; time.sleep(60)")
        time.sleep(0.5)
        s.send(CTRL_C)
        s.expect(r"KeyboardInterrupt\npy> ")
        s.line("double(4)")
        s.expect(r"\n8\npy> ")

        # History: the up arrow brings the last line back.
        s.send(UP + "\r")
        s.expect(r"\n8\npy> ")
        # :help; unicode round-trips through the line editor.
        s.line(":help")
        s.expect(r":py CODE .*\n")
        s.expect(r"py> ")
        s.line("'héllo ✓'.upper()")
        s.expect(r"\n'HÉLLO ✓'\npy> ")

        s.send(CTRL_D)
        self.assertEqual(s.wait(), 0, s.seen[-2000:])

        lines = history_lines(self.history)
        for typed in ("(* 6 7)", ":py", "def double(x):", "    return x * 2", "function add(a, b) {",
                      ":sh echo from sh; exit 3", "double(4)", "'héllo ✓'.upper()"):
            self.assertIn(typed, lines)
        self.assertNotIn("zzz", lines)  # cleared by Ctrl-C, never entered

        # A new session loads the history: the up arrow recalls the last session's last line.
        s = Session(self.home, self.history)
        s.expect(r"meta> ")
        s.line(":py")
        s.expect(r"py> ")
        s.send(UP + UP + "\r")  # ":py", then the line before it: "'héllo ✓'.upper()"
        s.expect(r"\n'HÉLLO ✓'\npy> ")
        s.send(CTRL_D)
        self.assertEqual(s.wait(), 0, s.seen[-2000:])

    def test_an_exit_the_code_asks_for_is_the_status(self):
        s = Session(self.home, self.history)
        s.expect(r"meta> ")
        s.line(":py import sys; sys.exit(7)")
        self.assertEqual(s.wait(), 7, s.seen[-2000:])
        s = Session(self.home, self.history)
        s.expect(r"meta> ")
        s.line("(exit 4)")
        self.assertEqual(s.wait(), 4, s.seen[-2000:])

    def test_history_file_can_be_turned_off(self):
        s = Session(self.home, "")
        s.expect(r"meta> ")
        s.line("(+ 1 1)")
        s.expect(r"\n2\nmeta> ")
        s.send(CTRL_D)
        self.assertEqual(s.wait(), 0, s.seen[-2000:])
        self.assertEqual(os.listdir(self.home), [])


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main()
