"""send_json to a runtime without a message handler (issue 23 item 6), in every way in
(run_python_api_tests.py runs it with test_python_api.py): that runtime prints the message's JSON
text on the process's stdout, as that language prints, and the reply is None."""

import contextlib
import os
import sys
import tempfile
import unittest

import promethean


@contextlib.contextmanager
def stdout_fd_captured(into):
    """What anything in the process (Python, a shell child, C++) writes to fd 1, into `into`."""
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile() as f:
        os.dup2(f.fileno(), 1)
        try:
            yield
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
            f.seek(0)
            into.append(f.read().decode())


class SendJsonWithoutAHandler(unittest.TestCase):
    # js and py get handlers in test_python_api.py; sh, meta and rust have none in this suite.
    def test_the_runtime_prints_the_json_and_the_reply_is_none(self):
        out = []
        with stdout_fd_captured(out):
            replies = [promethean.send_json(rt, {"msg": "hello", "lang": rt}) for rt in ("sh", "meta", "rust")]
        self.assertEqual(replies, [None, None, None])
        self.assertEqual(out[0], "".join('{"lang":"%s","msg":"hello"}\n' % rt for rt in ("sh", "meta", "rust")))


if __name__ == "__main__":
    unittest.main()
