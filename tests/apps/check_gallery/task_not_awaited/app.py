"""Hazard: an audit task started and never awaited; the instance freezes after the response."""

import asyncio

from fastapi import FastAPI

app = FastAPI()


async def audit(item_id: int) -> None:
    await asyncio.sleep(0.1)


@app.post("/items/{item_id}")
async def create(item_id: int):
    asyncio.create_task(audit(item_id))  # check: task-not-awaited
    return {"id": item_id}
