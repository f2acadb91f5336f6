"""Forms for set-up and sign-in."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from .services import MIN_PASSWORD_LENGTH

EMAIL_RULES = [
    DataRequired(message="Enter your email address."),
    Length(max=254, message="The email address is too long (254 characters at most)."),
    Email(
        message="Enter a valid email address, such as name@example.com.", check_deliverability=False
    ),
]


class SetupForm(FlaskForm):
    """Create the first admin account."""

    email = EmailField("Email Address", validators=EMAIL_RULES)
    password = PasswordField(
        "Password",
        validators=[
            DataRequired(message="Choose a password."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=256,
                message=f"The password needs {MIN_PASSWORD_LENGTH} to 256 characters.",
            ),
        ],
    )
    confirm = PasswordField(
        "Confirm password",
        validators=[
            DataRequired(message="Type the password again."),
            EqualTo("password", message="The two passwords do not match."),
        ],
    )


class LoginForm(FlaskForm):
    """Sign in with email and password."""

    email = EmailField("Email Address", validators=EMAIL_RULES)
    password = PasswordField(
        "Password", validators=[DataRequired(message="Enter your password."), Length(max=256)]
    )
    remember = BooleanField("Remember me")
