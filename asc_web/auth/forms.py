"""Forms for set-up, sign-in, the Account page and the Users page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from ..models import ROLES
from .services import MIN_PASSWORD_LENGTH, invisible_characters


def visible_text(form, field) -> None:
    """Refuse control, format (bidi override, zero-width) and separator characters."""
    if field.data and invisible_characters(field.data):
        raise ValidationError(
            "The email address contains invisible or control characters (such as zero-width "
            "spaces or text-direction marks). Type it again without them."
        )


EMAIL_RULES = [
    DataRequired(message="Enter your email address."),
    Length(max=254, message="The email address is too long (254 characters at most)."),
    visible_text,
    Email(
        message="Enter a valid email address, such as name@example.com.", check_deliverability=False
    ),
]


def new_password(label: str = "Password") -> PasswordField:
    """A password field with the install's length rules."""
    return PasswordField(
        label,
        validators=[
            DataRequired(message="Choose a password."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=256,
                message=f"The password needs {MIN_PASSWORD_LENGTH} to 256 characters.",
            ),
        ],
    )


def confirmation(of: str) -> PasswordField:
    """A field that must repeat the password field ``of``."""
    return PasswordField(
        "Confirm password",
        validators=[
            DataRequired(message="Type the password again."),
            EqualTo(of, message="The two passwords do not match."),
        ],
    )


class SetupForm(FlaskForm):
    """Create the first admin account."""

    email = EmailField("Email Address", validators=EMAIL_RULES)
    password = new_password()
    confirm = confirmation("password")


class LoginForm(FlaskForm):
    """Sign in with email and password."""

    email = EmailField("Email Address", validators=EMAIL_RULES)
    password = PasswordField(
        "Password", validators=[DataRequired(message="Enter your password."), Length(max=256)]
    )
    remember = BooleanField("Remember me")


class PasswordChangeForm(FlaskForm):
    """Change your own password: the current one, then the new one twice."""

    current = PasswordField(
        "Current password",
        validators=[DataRequired(message="Enter your current password."), Length(max=256)],
    )
    password = new_password("New password")
    confirm = confirmation("password")


class NewUserForm(FlaskForm):
    """An admin adds a person: email, role and a first password to hand over."""

    email = EmailField("Email Address", validators=EMAIL_RULES)
    role = SelectField(
        "Role",
        choices=[SelectChoice(r, r.capitalize()) for r in ROLES],
        default="viewer",
        validate_choice=True,
    )
    password = new_password("First password")


class ButtonForm(FlaskForm):
    """A button-only form: carries the CSRF token."""
