"""Function entry: a platform's handler setting `index.handler` points here."""
from bridge import Bridge
from todo import app

# manage=True: `bridge manage` runs the app's CLI commands through the platform's invoke API.
handler = Bridge(app, manage=True)
initializer = handler.initialize
pre_stop = handler.pre_stop
