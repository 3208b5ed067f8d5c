"""The e2e RayJob's entrypoint: the sum of the squares of 1..N, each square a Ray task."""
import sys

import ray


@ray.remote
def square(i: int) -> int:
    return i * i


if __name__ == "__main__":
    n = int(sys.argv[1])
    ray.init()
    total = sum(ray.get([square.remote(i) for i in range(1, n + 1)]))
    print(f"sum of squares 1..{n} = {total}", flush=True)
