"""Forms to add and rename websites and product attributes."""

from __future__ import annotations

import unicodedata

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from ..stores.names import INVISIBLE_CATEGORIES

CODE_RULES = [
    DataRequired(message="Enter a code, such as main_website."),
    Length(max=64, message="Shorten the code to 64 characters or fewer."),
    Regexp(
        r"^[a-z][a-z0-9_]*\Z",
        message="Use lowercase letters, digits and underscores, starting with a letter "
        "(for example, main_website).",
    ),
]


def _strip(value):
    """Trim text input (other values pass through)."""
    return value.strip() if isinstance(value, str) else value


def _visible(form, field) -> None:
    """Refuse control and invisible characters, which make two names look alike."""
    if any(unicodedata.category(ch) in INVISIBLE_CATEGORIES for ch in field.data or ""):
        raise ValidationError("Remove the invisible or control characters, then try again.")


class CatalogForm(FlaskForm):
    """Several of these share a page: CSRFProtect checks each post, so no per-form token."""

    class Meta:
        csrf = False


def _text(label: str, what: str) -> StringField:
    """A required, trimmed, visible text of at most 128 characters."""
    return StringField(
        label,
        filters=[_strip],
        validators=[
            DataRequired(message=f"Enter {what}."),
            Length(max=128, message="Shorten it to 128 characters or fewer."),
            _visible,
        ],
    )


class WebsiteForm(CatalogForm):
    """Add a Magento website."""

    code = StringField("Code", filters=[_strip], validators=CODE_RULES)
    name = _text("Name", "the website's name")
    default_store_view = _text("Default store view", "the default store view")


class WebsiteRenameForm(CatalogForm):
    """Rename a website (its code stays)."""

    name = _text("Name", "the website's name")
    default_store_view = _text("Default store view", "the default store view")


class AttributeForm(CatalogForm):
    """Add a product attribute."""

    code = StringField("Code", filters=[_strip], validators=CODE_RULES)
    label = _text("Label", "the attribute's label")


class AttributeRenameForm(CatalogForm):
    """Rename an attribute (its code stays)."""

    label = _text("Label", "the attribute's label")
