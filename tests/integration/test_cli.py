"""The ``users create`` and ``db upgrade`` commands, through Flask's CLI runner."""

from sqlalchemy import inspect

from asc_web.extensions import db
from asc_web.models import User
from tests.conftest import PASSWORD


def test_users_create_with_password_option(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Ops@Example.com",
            "--role",
            "manager",
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created manager ops@example.com." in result.output
    with app.app_context():
        user = User.by_email("ops@example.com")
        assert user.role == "manager" and user.check_password(PASSWORD)


def test_users_create_reads_the_password_from_stdin(app, runner):
    result = runner.invoke(
        args=["users", "create", "--email", "v@example.com", "--role", "viewer"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    with app.app_context():
        assert User.by_email("v@example.com").check_password(PASSWORD)


def test_users_create_refuses_a_duplicate_email(runner):
    args = [
        "users",
        "create",
        "--email",
        "a@example.com",
        "--role",
        "admin",
        "--password",
        PASSWORD,
    ]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=[*args[:3], "A@EXAMPLE.COM", *args[4:]])
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_users_create_refuses_a_bad_role_and_a_short_password(app, runner):
    bad_role = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "b@example.com",
            "--role",
            "owner",
            "--password",
            PASSWORD,
        ]
    )
    assert bad_role.exit_code == 1
    assert "Unknown role 'owner'" in bad_role.output
    short = runner.invoke(
        args=["users", "create", "--email", "b@example.com", "--role", "viewer", "--password", "x"]
    )
    assert short.exit_code == 1
    assert "at least 10 characters" in short.output
    with app.app_context():
        assert User.count() == 0


def test_db_upgrade_builds_the_schema_on_an_empty_database(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/empty.sqlite3")
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {"users", "installation", "alembic_version"} <= tables
