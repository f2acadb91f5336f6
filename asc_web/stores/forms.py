"""The Add Amazon sales channel form and the Store Integration Settings form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from ..amazon.marketplaces import MARKETPLACES
from ..extensions import db
from ..models import PRODUCT_ID_TYPES, ProductAttribute, Website
from . import names, services

EMAIL_RULES = [
    DataRequired(message="Enter the email address to contact about this store."),
    Length(max=254, message="The email address is too long (254 characters at most)."),
    Email(
        message="Enter a valid email address, such as name@example.com.", check_deliverability=False
    ),
]
NAME_ATTRS = {"pattern": names.NAME_PATTERN, "autocomplete": "off", "spellcheck": "false"}


def _strip(value):
    """Trim text input (other values pass through)."""
    return value.strip() if isinstance(value, str) else value


def _row_id(value) -> int | None:
    """A database id from a form value; None for anything else (tampered values included)."""
    if isinstance(value, int):
        return value
    text = str(value or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    return int(text) if 0 < int(text) < 2**31 else None


def _placeholder(text: str) -> list[SelectChoice]:
    """The empty first option that asks the merchant to choose."""
    return [SelectChoice("", text)]


def _website_choices():
    """The catalog's websites, read when the form renders or validates."""
    return _placeholder("Select a website") + [
        SelectChoice(str(w.id), w.name) for w in Website.ordered()
    ]


def _attribute_choices():
    """The catalog's attributes, read when the form renders or validates."""
    return _placeholder("Select an attribute") + [
        SelectChoice(str(a.id), a.label) for a in ProductAttribute.ordered()
    ]


class NameRules:
    """Shared by both forms: the name's own rules, then uniqueness among other stores."""

    store_id: int | None = None

    def validate_name(self, field) -> None:
        """Refuse invisible characters, over-long names and a name another store has."""
        field.data = names.clean(field.data or "")
        message = names.problem(field.data)
        if message:
            raise ValidationError(message)
        clash = services.find_by_name(field.data, exclude_id=self.store_id)
        if clash is not None:
            raise ValidationError(services.taken_message(clash.name))


class StoreForm(NameRules, FlaskForm):
    """Add Amazon sales channel: the fields and labels of the product documentation."""

    website = SelectField(
        "Magento Website to use for Amazon Listing",
        choices=_website_choices,
        coerce=_row_id,
        validate_choice=False,
        validators=[InputRequired(message="Choose the Magento website to list on Amazon.")],
        description="Its catalog is listed on Amazon, and its default store view imports "
        "Amazon orders. It cannot be changed later.",
    )
    email = EmailField(
        "Email Address",
        filters=[_strip],
        validators=EMAIL_RULES,
        description="Your preferred contact email for this store.",
    )
    name = StringField(
        "New Store Name",
        validators=[DataRequired(message="Enter a store name, such as “Amazon Store USA”.")],
        render_kw=NAME_ATTRS,
        description="A reference only: it identifies the store on the home page, "
        "for example Amazon Store USA. Up to 64 characters.",
    )
    country = SelectField(
        "Amazon Marketplace Country",
        choices=_placeholder("Select a country")
        + [SelectChoice(m.code, m.country) for m in MARKETPLACES.values()],
        validate_choice=False,
        validators=[InputRequired(message="Choose the Amazon marketplace country.")],
        description="The Amazon marketplace this store sells in. It cannot be changed later.",
    )
    product_id_type = SelectField(
        "Product ID on the Amazon market",
        choices=_placeholder("Select an identifier") + [SelectChoice(t) for t in PRODUCT_ID_TYPES],
        validate_choice=False,
        validators=[InputRequired(message="Choose the Amazon product identifier.")],
        description="The identifier Amazon matches your products by.",
    )
    attribute = SelectField(
        "Map a Magento attribute",
        choices=_attribute_choices,
        coerce=_row_id,
        validate_choice=False,
        validators=[InputRequired(message="Choose the Magento attribute that holds it.")],
        description="The catalog attribute that holds that identifier.",
    )

    def validate_website(self, field) -> None:
        """Only a website of the catalog."""
        # Kept while the form lives: the new store's activity line names it, and a row
        # still in the session is not read again inside the write transaction.
        self.chosen_website = db.session.get(Website, field.data) if field.data else None
        if self.chosen_website is None:
            raise ValidationError("Choose a Magento website from the list.")

    def validate_country(self, field) -> None:
        """Only a supported marketplace."""
        if field.data not in MARKETPLACES:
            raise ValidationError(
                "Choose a country from the list: United States, Canada, Mexico or United Kingdom."
            )

    def validate_product_id_type(self, field) -> None:
        """Only an Amazon identifier type."""
        if field.data not in PRODUCT_ID_TYPES:
            raise ValidationError(
                "Choose an identifier from the list: ASIN, EAN, GCID, ISBN or UPC."
            )

    def validate_attribute(self, field) -> None:
        """Only an attribute that exists in the catalog."""
        self.chosen_attribute = (
            db.session.get(ProductAttribute, field.data) if field.data else None
        )  # kept, as the website
        if self.chosen_attribute is None:
            raise ValidationError(
                "Choose a Magento attribute from the list; the one sent does not exist."
            )


class SettingsForm(NameRules, FlaskForm):
    """Store Integration Settings: what can change once a store exists."""

    email = EmailField("Email Address", filters=[_strip], validators=EMAIL_RULES)
    name = StringField(
        "Store Name",
        validators=[DataRequired(message="Enter a store name, such as “Amazon Store USA”.")],
        render_kw=NAME_ATTRS,
    )

    email_reminders = BooleanField("Email reminders about renewing or reconnecting this store")

    def __init__(self, *args, store_id: int, **kwargs):
        """Bind the form to the store it edits (its own name is no clash)."""
        super().__init__(*args, **kwargs)
        self.store_id = store_id

    @property
    def reminders_note(self) -> str:
        """What the reminders checkbox does here, or why reminders are off altogether."""
        from ..reminders import mail

        if mail.settings() is None:
            return (
                "Email reminders are off on this ASC Web because no mail server is set up: "
                "ask your administrator to set ASC_MAIL_SERVER and ASC_MAIL_SENDER. Renewals "
                "still show on the store card."
            )
        return (
            "Reminders go to the Email Address 30, 7 and 1 days before the Amazon "
            "authorization expires, when it expires, and when Amazon reports it revoked."
        )
