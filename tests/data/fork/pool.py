# multiprocessing.Pool with the default start method (spawn, children are promethean hosts).
import multiprocessing

def square(x):
    return x * x

if __name__ == "__main__":
    with multiprocessing.Pool(2) as pool:
        print(pool.map(square, range(20)))
