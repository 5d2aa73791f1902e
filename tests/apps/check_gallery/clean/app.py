"""No hazard: each pattern here looks like one but is safe on a function (no finding expected)."""

import asyncio
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI

app = FastAPI()
SCRATCH = os.path.join(tempfile.gettempdir(), "scratch")
os.makedirs(SCRATCH, exist_ok=True)
with open(os.path.join(SCRATCH, "warm.txt"), "w") as warm:
    warm.write("ready")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ROUTES = {"home": "/"}


def writable(path):
    try:
        with open(os.path.join(path, ".probe"), "w"):
            pass
    except OSError:
        return False
    return True


HERE_IS_WRITABLE = writable(os.path.dirname(__file__))


async def audit(item_id):
    await asyncio.sleep(0)


@app.get("/")
async def index():
    task = asyncio.create_task(audit(1))
    with ThreadPoolExecutor() as pool:
        total = sum(pool.map(len, ROUTES))
    await task
    return {"total": total}


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app)
