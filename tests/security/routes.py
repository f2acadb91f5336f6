"""Every route of the app, with who may use it: the table the access tests walk.

A route added to the app without a line here makes ``test_every_route_has_an_entry`` fail,
so each new endpoint gets an explicit decision.
"""

from __future__ import annotations

import itertools

from asc_web.extensions import db
from asc_web.models import ProductAttribute, User, Website

from .conftest import new_store

ROLES = ("anonymous", "viewer", "manager", "admin")

# Who may: everyone, anyone signed in, managers (and admins), admins only.
PUBLIC = {"anonymous": "ok", "viewer": "ok", "manager": "ok", "admin": "ok"}
SIGNED_IN = {"anonymous": "login", "viewer": "ok", "manager": "ok", "admin": "ok"}
MANAGERS = {"anonymous": "login", "viewer": "forbidden", "manager": "ok", "admin": "ok"}
ADMINS = {"anonymous": "login", "viewer": "forbidden", "manager": "forbidden", "admin": "ok"}

# "endpoint METHOD" -> expectation per role.
TABLE = {
    "static GET": PUBLIC,
    "health.healthz GET": PUBLIC,
    "auth.login GET": PUBLIC,
    "auth.login POST": PUBLIC,
    # Set-up closes once a user exists: everyone is sent to sign in.
    "auth.setup GET": {role: "login" for role in ROLES},
    "auth.setup POST": {role: "login" for role in ROLES},
    "auth.logout POST": SIGNED_IN,
    "auth.account GET": SIGNED_IN,
    "auth.change_password POST": SIGNED_IN,
    "auth.users GET": ADMINS,
    "auth.create_user POST": ADMINS,
    "auth.disable_user POST": ADMINS,
    "auth.enable_user POST": ADMINS,
    "stores.home GET": SIGNED_IN,
    "stores.card GET": SIGNED_IN,
    "stores.figures GET": SIGNED_IN,
    "stores.dashboard GET": SIGNED_IN,
    "stores.pre_setup GET": SIGNED_IN,
    "stores.learning GET": SIGNED_IN,
    "stores.task POST": MANAGERS,
    "stores.new GET": MANAGERS,
    "stores.new POST": MANAGERS,
    "stores.check POST": MANAGERS,
    "stores.settings GET": MANAGERS,
    "stores.settings POST": MANAGERS,
    "stores.activate POST": MANAGERS,
    "stores.deactivate POST": MANAGERS,
    "stores.delete GET": MANAGERS,
    "stores.delete POST": MANAGERS,
    "catalog.index GET": SIGNED_IN,
    "catalog.add POST": MANAGERS,
    "catalog.rename POST": MANAGERS,
    "catalog.remove POST": MANAGERS,
    # The callback is public: it refuses (400) anything but the starting user's browser.
    "connect.callback GET": PUBLIC,
    # The Login URI checks Amazon's parameters first: without them everyone gets 400 ("ok"
    # here); with them, anonymous people are sent to sign in and viewers get 403
    # (tests/integration/connect/test_login_uri.py).
    "connect.amazon_login GET": PUBLIC,
    "connect.amazon_login POST": PUBLIC,
    "connect.start POST": MANAGERS,
    "connect.cancel POST": MANAGERS,
    "connect.status GET": SIGNED_IN,
    "connect.check_now POST": MANAGERS,
    "connect.disconnect GET": MANAGERS,
    "connect.disconnect POST": MANAGERS,
    "connect.marketplaces GET": MANAGERS,
    "connect.marketplaces POST": MANAGERS,
    "connect.errors_log GET": ADMINS,
    # Check all queues a run; its progress is the admins' too (a run that does not exist: 404).
    "connect.check_all POST": ADMINS,
    "connect.check_run GET": {**ADMINS, "admin": 404},
    "connect.store_errors GET": SIGNED_IN,
    # Someone else's attempt: 404 for everyone signed in, as for one that does not exist.
    "connect.result GET": {**SIGNED_IN, "viewer": 404, "manager": 404, "admin": 404},
}

_names = itertools.count(1)


def url_values(app, rule) -> dict:
    """Values for the rule's variables: a fresh store, a throwaway user or website, …"""
    values = {}
    with app.app_context():
        for name in rule.arguments:
            if name == "store_id":
                values[name] = new_store(app, name=f"Access Store {next(_names)}")
            elif name == "user_id":
                user = User(email=f"target{next(_names)}@example.com", role="viewer")
                user.set_password("target password 1")
                db.session.add(user)
                db.session.commit()
                values[name] = user.id
            elif name in ("attempt_id", "run_id"):
                values[name] = 999_999
            elif name == "slug":
                values[name] = "websites"
            elif name == "row_id":
                n = next(_names)
                site = Website(code=f"site{n}", name=f"Site {n}", default_store_view="Default")
                db.session.add(site)
                db.session.commit()
                values[name] = site.id
            elif name == "field":
                values[name] = "name"
            elif name == "key":
                from asc_web.stores import tasks

                values[name] = tasks.TASKS[0].key
            elif name == "filename":
                values[name] = "css/app.css"
            else:
                raise AssertionError(f"tests/security/routes.py: no value for <{name}> yet")
        db.session.remove()
    return values


def attribute_id(app) -> int:
    """An existing product attribute."""
    with app.app_context():
        return db.session.scalar(db.select(ProductAttribute.id).order_by(ProductAttribute.id))


def rules(app):
    """Every (rule, method) the app serves, but HEAD and OPTIONS."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def key(rule, method) -> str:
    """The table's key for a rule and method."""
    return f"{rule.endpoint} {method}"
