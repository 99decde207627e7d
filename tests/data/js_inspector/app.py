# Debugged by tests/cli/test_js_inspector.py: Python loads lib.js and calls into it, and the
# debugger attached to the embedded Node stops inside the JS function.
import os

import promethean

print("python before js", flush=True)
promethean.load("js", os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib.js"))
print("scaled:", promethean.call("js", "lib.scale", 4))
