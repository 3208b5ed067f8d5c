"""The e2e RayService's Serve application: GET /?n=N answers the sum of the squares of 1..N."""
from ray import serve
from starlette.requests import Request


@serve.deployment(num_replicas=1, ray_actor_options={"num_cpus": 0.5})
class SumOfSquares:
    async def __call__(self, request: Request) -> dict:
        n = int(request.query_params.get("n", "10"))
        return {"n": n, "sum_of_squares": sum(i * i for i in range(1, n + 1))}


app = SumOfSquares.bind()
