# os.fork() where Node runs: JS in the child fails clearly; Python goes on; the parent is unharmed.
import os
import promethean

print("parent js:", promethean.eval("js", "1 + 1"), flush=True)
pid = os.fork()
if pid == 0:
    try:
        promethean.eval("js", "2 + 2")
        os._exit(0)
    except promethean.ForeignError as e:
        print("child:", e.runtime, e.type, e.message, flush=True)
        print("child py still works:", promethean.eval("py", "3 * 3"), flush=True)
        os._exit(3)
_, status = os.waitpid(pid, 0)
print("child exit status:", os.waitstatus_to_exitcode(status))
print("parent js again:", promethean.eval("js", "5 + 5"))
