"""Function entry: a platform's handler setting `index.handler` points here."""
from bridge import Bridge

# manage=True: `bridge manage` runs management commands through the platform's invoke API.
handler = Bridge.django("blog_site.settings", manage=True)
