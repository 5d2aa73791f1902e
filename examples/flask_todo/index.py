"""Function entry: a platform's handler setting `index.handler` points here."""
from bridge import Bridge
from todo import app

handler = Bridge(app)
initializer = handler.initialize
pre_stop = handler.pre_stop
