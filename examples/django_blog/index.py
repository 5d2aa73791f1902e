"""Function entry: a platform's handler setting `index.handler` points here."""
from bridge import Bridge

handler = Bridge.django("blog_site.settings")
