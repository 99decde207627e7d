# os.fork() while the js runtime's loop thread runs a JS interval: the child, which has no loop
# thread (and no JS), runs Python; the parent's timers go on. The child leaves with os._exit, as
# multiprocessing's forked children do (Node's environment cannot be freed there).
import os
import time

import promethean

promethean.eval("js", "globalThis.ticks = 0; setInterval(() => { ticks++; }, 10); 0")
time.sleep(0.1)
pid = os.fork()
if pid == 0:
    try:
        promethean.eval("js", "ticks")
    except promethean.ForeignError as e:
        print("child js:", e.type, flush=True)
    print("child py:", promethean.eval("py", "6 * 7"), flush=True)
    os._exit(4)
_, status = os.waitpid(pid, 0)
print("child exit status:", os.waitstatus_to_exitcode(status))
before = promethean.eval("js", "ticks")
time.sleep(0.3)
print("parent ticks go on:", promethean.eval("js", "ticks") - before >= 10)
