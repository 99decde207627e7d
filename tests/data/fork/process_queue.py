# multiprocessing.Process and a Queue between parent and child.
import multiprocessing

def produce(queue, n):
    for i in range(n):
        queue.put(i * i)
    queue.put(None)

if __name__ == "__main__":
    queue = multiprocessing.Queue()
    child = multiprocessing.Process(target=produce, args=(queue, 5))
    child.start()
    got = []
    while (item := queue.get(timeout=30)) is not None:
        got.append(item)
    child.join(30)
    print(got, child.exitcode, multiprocessing.get_start_method())
