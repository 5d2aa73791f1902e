"""Hazard: a WebSocket route, which an event function cannot hold open."""

from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.get("/")
def index():
    return {"hello": "world"}


@app.websocket("/ws")  # check: websocket-route
async def echo(websocket: WebSocket):
    await websocket.accept()
    await websocket.send_text(await websocket.receive_text())
