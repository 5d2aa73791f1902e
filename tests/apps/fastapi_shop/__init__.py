"""A FastAPI app with routers, a mounted sub-app, static files and a WebSocket route."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, WebSocket
from fastapi.staticfiles import StaticFiles
from starlette.routing import Mount, Route, Router

users = APIRouter(prefix="/users", tags=["users"])
items = APIRouter(prefix="/items")


@users.get("/")
def list_users():
    return []


@users.post("/")
def create_user():
    return {}


@users.get("/{user_id:int}")
def get_user(user_id: int):
    return {}


@items.get("/{item_id}")
def get_item(item_id: str):
    return {}


@items.put("/{item_id}")
def put_item(item_id: str):
    return {}


reports = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@reports.get("/daily")
def daily():
    return []


async def legacy(request):
    from starlette.responses import PlainTextResponse

    return PlainTextResponse("legacy")


legacy_router = Router(routes=[Route("/ping", legacy, name="legacy_ping")])

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
app.include_router(users)
app.include_router(items)
app.mount("/reports", reports, name="reports")
app.router.routes.append(Mount("/legacy", app=legacy_router))
app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")


@app.get("/")
def home():
    return {}


@app.websocket("/ws")
async def ws(websocket: WebSocket):
    await websocket.accept()
    await websocket.close()
