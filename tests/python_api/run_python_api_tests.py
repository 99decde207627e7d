"""Runs the Python API suite (test_python_api.py, test_python_async.py, test_python_keywords.py, test_python_errors.py,
test_python_messages.py) and exits non-zero when a test fails: the same
file under `promethean run` and under a plain python (PROMETHEAN_TEST_MODE says which is meant)."""

import faulthandler
import os
import sys
import unittest

# A hang shows where every Python thread was, before ctest's timeout kills the suite.
faulthandler.dump_traceback_later(240, exit=True)

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
suite = unittest.defaultTestLoader.loadTestsFromNames(["test_python_api", "test_python_async", "test_python_keywords", "test_python_errors",
                                                  "test_python_messages"])
result = unittest.TextTestRunner(verbosity=2).run(suite)
sys.exit(0 if result.wasSuccessful() else 1)
