"""os.fork() and multiprocessing in a plain python3 that imported promethean and started JS
(test_hosted_process.py)."""

import multiprocessing
import os
import sys

import promethean


def js_square(x):
    import promethean  # a spawned child: a python3 of its own, with a host of its own
    return promethean.eval("js", f"{x} * {x}"), os.getpid()


if __name__ == "__main__":
    promethean.eval("js", "1")
    if sys.argv[1] == "fork":
        pid = os.fork()
        if pid == 0:
            try:
                promethean.eval("js", "1")
                print("child: JS answered")
            except promethean.ForeignError as e:
                print("child:", e.type, "|", e.message)
            print("child py:", promethean.eval("py", "6 * 7"), flush=True)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        print("parent:", os.waitstatus_to_exitcode(status), promethean.eval("js", "6 * 7"))
    elif sys.argv[1] == "spawn":
        with multiprocessing.get_context("spawn").Pool(2) as pool:
            results = pool.map(js_square, [2, 3, 4])
        print("squares:", [r[0] for r in results], "in", len({r[1] for r in results} - {os.getpid()}) > 0)
