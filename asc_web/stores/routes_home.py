"""The Amazon Stores view and adding a store."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from .. import clock, htmx
from ..auth.wall import require_manager
from ..connect import check_runs
from ..db import reads_first, write_transaction
from ..extensions import db
from ..models.status import store_status
from . import answers, bp, listing, services, tasks
from .forms import StoreForm

RESULTS_TARGET = "section#store-results"


@bp.get("/")
def home():
    """The Amazon Stores view: filtered, paginated store cards, or an invitation to add one."""
    filters = listing.Filters.from_args(request.args)
    page = listing.load(filters, clock.utcnow(), listing.Cursor.from_args(request.args))
    # The Pre-Setup Tasks modal only greets the first store.
    checklist = tasks.checklist() if not page.total and current_user.can_manage else None
    context = {
        "page": page,
        "checklist": checklist,
        "countries": listing.COUNTRIES,
        "status_filters": listing.STATUS_FILTERS.items(),
        **_check_all_context(),
    }
    if htmx.wants_fragment() and request.headers.get("HX-Target") == RESULTS_TARGET:
        return render_template("stores/_results.html", **context)
    return render_template("stores/home.html", **context)


def _check_all_context() -> dict:
    """The Check all run the admin came back with (``?check_run=``), for its progress."""
    run_id = request.args.get("check_run", type=int)
    if not run_id or not current_user.is_admin:
        return {"check_run": None, "check_progress": None}
    run = check_runs.find(run_id)
    return {"check_run": run, "check_progress": check_runs.progress(run) if run else None}


@bp.get("/stores/<int:store_id>/card")
def card(store_id: int):
    """One store card: the fragment for htmx, a page around it otherwise."""
    store = answers.store_or_404(store_id)
    if htmx.wants_fragment():
        return answers.card(store)
    status = store_status(store, clock.utcnow())
    return render_template("stores/card.html", store=store, status=status)


@bp.get("/stores/figures")
def figures():
    """The import figures of a page's cards (its figures poller's ``id`` values, at most a
    page of them; a value that is no store id is ignored): a poller for those still
    importing, each card's figures as an htmx partial, and the removal of the card of a
    store deleted meanwhile. Only htmx asks: a browser opening it (or htmx restoring
    history) goes to the home page."""
    if not htmx.wants_fragment():
        return redirect(url_for("stores.home"))
    asked = list(dict.fromkeys(int(v) for v in request.args.getlist("id") if _is_id(v)))
    asked = asked[: listing.PER_PAGE]
    now = clock.utcnow()
    cards = [(store, store_status(store, now)) for store in listing.by_id(asked)]
    found = {store.id for store, _status in cards}
    gone = [store_id for store_id in asked if store_id not in found]
    return render_template("stores/_figures_answer.html", cards=cards, gone=gone)


def _is_id(value: str) -> bool:
    """Whether a query value is a store id: digits only, fewer than 10 (a 32-bit integer)."""
    return value.isascii() and value.isdigit() and len(value) < 10


@bp.get("/stores/pre-setup")
def pre_setup():
    """The Pre-Setup Tasks as a page: the modal's stand-in without JavaScript."""
    return render_template("stores/pre_setup.html", checklist=tasks.checklist())


@bp.route("/stores/new", methods=["GET", "POST"])
@reads_first
@require_manager
def new():
    """Add Amazon sales channel: the form, then the new card on the home page."""
    form = StoreForm()
    if form.validate_on_submit():
        try:
            # Only the insert waits for SQLite's write lock; the checks above ran without
            # it, and the database refuses a name taken meanwhile (StoreNameTaken).
            with write_transaction(db.session):
                store = services.create_store(
                    name=form.name.data,
                    email=form.email.data,
                    marketplace_code=form.country.data,
                    website_id=form.website.data,
                    product_id_type=form.product_id_type.data,
                    attribute_id=form.attribute.data,
                    user=current_user,
                )
                name = store.name
                db.session.commit()
        except (services.StoreNameTaken, services.ChoiceGone) as exc:
            db.session.rollback()
            form[getattr(exc, "field", "name")].errors.append(str(exc))
        else:
            resume = _resume_amazon_login(store)
            if resume:
                flash(f"The Amazon store “{name}” was added. Continue to Amazon to connect it.",
                      "success")  # fmt: skip
                return redirect(resume, 303)
            flash(
                f"The Amazon store “{name}” was added. Select Connect store on its card "
                "to connect it to Amazon Seller Central.",
                "success",
            )
            return redirect(url_for("stores.home"), 303)
    status = 422 if form.errors else 200
    return render_template("stores/new.html", form=form), status


def _resume_amazon_login(store) -> str | None:
    """The Login URI page to go back to when the store was added on the way from it."""
    pending = session.get("amazon_login")
    if not isinstance(pending, dict) or pending.get("until", 0) < clock.utcnow().timestamp():
        return None
    if pending.get("region") != store.marketplace.region:
        return None
    session.pop("amazon_login", None)
    return f"{pending['url']}&store_id={int(store.id)}"


@bp.post("/stores/new/check/<field>")
@require_manager
def check(field: str):
    """Validate the add form as the merchant leaves ``field``; answer that field only."""
    form = StoreForm()
    if field not in form or field == "csrf_token":
        abort(404)
    form.validate()
    return render_template("stores/_new_field.html", form=form, name=field)
