# Workers use promethean (js and sh) in children that are promethean hosts of their own.
import multiprocessing
import promethean

def work(x):
    # Each worker is a promethean host of its own: js starts there on first use.
    return [promethean.eval("js", f"{x} * 3"), promethean.call("sh", "echo", x)]

if __name__ == "__main__":
    promethean.eval("js", "1")  # Node runs in the parent too
    with multiprocessing.Pool(2) as pool:
        print(pool.map(work, range(4)))
    print("parent js:", promethean.eval("js", "6 * 7"))
