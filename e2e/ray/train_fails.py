"""The e2e's failing RayJob entrypoint: a training step that raises inside a Ray task."""
import ray


@ray.remote
def train_step() -> None:
    raise ValueError("e2e: the loss is NaN at step 1")


if __name__ == "__main__":
    ray.init()
    ray.get(train_step.remote())
