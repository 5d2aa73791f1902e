"""FastAPI: the tutorial's hello world, and the JSON order endpoint with pydantic models.

``STARTUPS`` counts lifespan startups: faas-bridge must run it once per instance.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any, Dict, List

from fastapi import FastAPI
from pydantic import BaseModel
from workload import price_order

STARTUPS = [0]


@asynccontextmanager
async def lifespan(app: FastAPI):
    STARTUPS[0] += 1
    yield


app = FastAPI(lifespan=lifespan)


class Item(BaseModel):
    sku: str
    name: str
    quantity: int
    unit_price: float
    tags: List[str]


class Order(BaseModel):
    order_id: str
    customer: Dict[str, Any]
    currency: str
    items: List[Item]
    shipping: Dict[str, str]
    notes: str = ""


@app.get("/")
async def hello():
    return {"message": "Hello World"}


@app.post("/orders")
async def price(order: Order):
    return price_order(order.model_dump())
