"""The Attributes page: Magento websites and product attributes, managed in place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, url_for

from .. import htmx
from ..auth.wall import require_manager
from ..extensions import db
from ..models import ProductAttribute, Store, Website
from . import bp, forms, services


@dataclass(frozen=True)
class Kind:
    """What differs between the websites and the attributes sections."""

    slug: str
    noun: str
    model: type
    add_form: type
    rename_form: type
    usage_column: object
    add: Callable
    rename: Callable
    remove: Callable
    title: str
    intro: str


KINDS = {
    "websites": Kind(
        "websites", "website", Website, forms.WebsiteForm, forms.WebsiteRenameForm,
        Store.website_id, services.add_website, services.rename_website,
        services.remove_website, "Magento websites",
        "A store lists one website's catalog; its default store view imports Amazon orders.",
    ),
    "attributes": Kind(
        "attributes", "attribute", ProductAttribute, forms.AttributeForm,
        forms.AttributeRenameForm, Store.attribute_id, services.add_attribute,
        services.rename_attribute, services.remove_attribute, "Product attributes",
        "Catalog attributes that hold an Amazon product identifier (ASIN, EAN, GCID, ISBN, UPC).",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Row:
    """One website or attribute with its rename form, usage and any refusal."""

    item: object
    form: object
    used_by: int
    error: str | None


def _section(kind: Kind, add_form=None, row_id=None, row_form=None, row_error=None) -> dict:
    """The template context of one section, keeping the posted form where it failed."""
    used = services.usage(kind.usage_column)
    rows = []
    for item in kind.model.ordered():
        mine = item.id == row_id
        form = (
            row_form
            if mine and row_form
            else kind.rename_form(formdata=None, obj=item, prefix=f"{kind.noun}-{item.id}")
        )
        rows.append(Row(item, form, used.get(item.id, 0), row_error if mine else None))
    add_form = add_form or kind.add_form(formdata=None, prefix=f"new-{kind.noun}")
    return {"kind": kind, "rows": rows, "add_form": add_form}


def _answer(kind: Kind, ok: bool, **state):
    """htmx gets the section back; a plain post a 303 (or the page with its errors)."""
    status = 200 if ok else 422
    if not ok:
        db.session.rollback()
    if htmx.is_htmx():
        return render_template("catalog/_section.html", **_section(kind, **state)), status
    if ok:
        return redirect(url_for("catalog.index") + "#" + kind.slug, 303)
    sections = [_section(k, **state) if k is kind else _section(k) for k in KINDS.values()]
    return render_template("catalog/index.html", sections=sections), status


def _kind(slug: str) -> Kind:
    """The section named in the URL."""
    if slug not in KINDS:
        abort(404)
    return KINDS[slug]


def _row(kind: Kind, row_id: int):
    """The website or attribute, or a 404 (with the current section under htmx)."""
    item = db.session.get(kind.model, row_id)
    if item is not None:
        return item
    message = f"This {kind.noun} no longer exists; it may have been removed in another tab."
    if not htmx.is_htmx():
        abort(404, message)
    raise RowGone(kind, message)


class RowGone(Exception):
    """A website or attribute is gone and htmx asked: answer with the current section."""

    def __init__(self, kind: Kind, message: str):
        super().__init__(message)
        self.kind = kind


@bp.errorhandler(RowGone)
def _gone(error: RowGone):
    """The section as it now is, with a message, instead of an error page."""
    flash(f"{error} The list is up to date again.", "error")
    return render_template("catalog/_section.html", **_section(error.kind)), 404


@bp.get("/attributes")
def index():
    """Websites and attributes; admins and managers can change them here."""
    return render_template("catalog/index.html", sections=[_section(k) for k in KINDS.values()])


@bp.post("/attributes/<slug>")
@require_manager
def add(slug: str):
    """Add a website or an attribute."""
    kind = _kind(slug)
    form = kind.add_form(prefix=f"new-{kind.noun}")
    if form.validate():
        try:
            item = kind.add(**{name: field.data for name, field in form._fields.items()})
        except services.CatalogError as exc:
            form[exc.field].errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"The {kind.noun} “{item.code}” was added.", "success")
            return _answer(kind, True)
    return _answer(kind, False, add_form=form)


@bp.post("/attributes/<slug>/<int:row_id>")
@require_manager
def rename(slug: str, row_id: int):
    """Rename a website or an attribute."""
    kind = _kind(slug)
    item = _row(kind, row_id)
    form = kind.rename_form(prefix=f"{kind.noun}-{item.id}")
    if form.validate():
        try:
            changed = kind.rename(item, **{n: f.data for n, f in form._fields.items()})
        except services.CatalogError as exc:
            form[exc.field].errors.append(str(exc))
        else:
            db.session.commit()
            if changed:
                flash(f"The {kind.noun} “{item.code}” was renamed.", "success")
            return _answer(kind, True)
    return _answer(kind, False, row_id=row_id, row_form=form)


@bp.post("/attributes/<slug>/<int:row_id>/delete")
@require_manager
def remove(slug: str, row_id: int):
    """Remove a website or an attribute that no store uses."""
    kind = _kind(slug)
    item = _row(kind, row_id)
    code = item.code
    try:
        kind.remove(item)
    except services.CatalogError as exc:
        return _answer(kind, False, row_id=row_id, row_error=str(exc))
    db.session.commit()
    flash(f"The {kind.noun} “{code}” was removed.", "success")
    return _answer(kind, True)
