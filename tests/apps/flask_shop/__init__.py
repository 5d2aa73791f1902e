"""A Flask app with blueprints, built-in converters, a custom converter and slash rules."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask.views import MethodView
from werkzeug.routing import BaseConverter


class LangConverter(BaseConverter):
    """Two lower-case letters: a language code."""

    regex = r"[a-z]{2}"


pages = Blueprint("pages", __name__)
api = Blueprint("api", __name__, url_prefix="/api")
admin = Blueprint("admin", __name__, url_prefix="/admin", subdomain="admin")


@pages.route("/")
def index():
    return "home"


@pages.route("/about", strict_slashes=False)
def about():
    return "about"


@pages.route("/docs/<path:page>")
def docs(page):
    return page


@pages.route("/<lang:lang>/welcome")
def welcome(lang):
    return lang


class ItemAPI(MethodView):
    def get(self, item_id):
        return str(item_id)

    def delete(self, item_id):
        return ""


@api.route("/items/", methods=["GET", "POST"])
def items():
    return "[]"


api.add_url_rule("/items/<int:item_id>", view_func=ItemAPI.as_view("item"))


@api.route("/orders/<uuid:order_id>")
def order(order_id):
    return str(order_id)


@api.route("/prices/<float:amount>")
def price(amount):
    return str(amount)


@admin.route("/")
def dashboard():
    return "admin"


def create_app() -> Flask:
    app = Flask(__name__)
    app.url_map.converters["lang"] = LangConverter
    app.register_blueprint(pages)
    app.register_blueprint(api)
    app.register_blueprint(admin)

    @app.route("/healthz")
    def healthz():
        return "ok"

    return app


app = create_app()
