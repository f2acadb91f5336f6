"""A built wheel carries the top-level templates/ and static/ and its app finds them.

The repository keeps ``templates/`` and ``static/`` next to ``asc_web/``; an installed wheel
has them inside the package. This test builds the wheel from a copy of the sources,
installs it into a fresh virtualenv outside the checkout (the dependencies come from the
test's own environment, the package itself only from the wheel), and signs up the first
admin there: the home page renders and its stylesheet answers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("asc_web", "templates", "static", "pyproject.toml", "README.md")

# Run by the installed package's own interpreter, in a folder of its own.
CHECK = textwrap.dedent(
    """
    import json, re, sys
    from pathlib import Path
    from flask_migrate import upgrade
    import asc_web
    from asc_web.extensions import db

    instance = Path(sys.argv[1])
    app = asc_web.create_app({
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'wheel.sqlite3'}",
        "SECRET_KEY": "wheel-test-secret-key-not-for-production",
        "RATELIMIT_ENABLED": False,
        "SANDBOX_DISABLED": True,
    })
    with app.app_context():
        upgrade()
    client = app.test_client()
    setup = client.get("/setup").text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', setup).group(1)
    password = "correct horse battery"
    signed_up = client.post("/setup", data={
        "email": "owner@example.com", "password": password, "confirm": password,
        "csrf_token": token,
    })
    home = client.get("/")
    css_url = re.search(r'<link rel="stylesheet" href="([^"]+)"', home.text).group(1)
    css = client.get(css_url.replace("&amp;", "&"))
    print(json.dumps({
        "package": asc_web.__file__,
        "templates": app.template_folder,
        "static": app.static_folder,
        "setup": signed_up.status_code,
        "home": home.status_code,
        "home_text": home.text,
        "css_url": css_url,
        "css_status": css.status_code,
        "css_type": css.mimetype,
        "css_body": css.get_data(as_text=True),
    }))
    """
)


def _build_wheel(tmp_path: Path) -> Path:
    """The wheel of a copy of the sources (the checkout gets no build/ folder)."""
    source = tmp_path / "source"
    for name in SOURCES:
        origin = ROOT / name
        if origin.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
            shutil.copytree(origin, source / name, ignore=ignore)
        else:
            shutil.copy2(origin, source / name)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", wheels, source],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("asc_web-*.whl")
    return wheel


def _venv_with_wheel(tmp_path: Path, wheel: Path) -> Path:
    """A fresh virtualenv holding the wheel; it sees this environment's dependencies.

    A ``.pth`` line adds our site-packages as a plain folder: its own ``.pth`` files (the
    editable install of the checkout among them) are not run there.
    """
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", wheel],
        check=True,
        capture_output=True,
    )
    return python


def test_an_installed_wheel_renders_the_home_page_with_its_stylesheet(tmp_path):
    python = _venv_with_wheel(tmp_path, _build_wheel(tmp_path))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASC_") and k != "PYTHONPATH"}
    run = subprocess.run(
        [python, "-c", CHECK, str(elsewhere / "instance")],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    installed = str(tmp_path / "venv")
    # The app came from the wheel, with the wheel's templates and static files.
    assert seen["package"].startswith(installed)
    assert not seen["package"].startswith(str(ROOT))
    assert seen["templates"].startswith(installed)
    assert seen["static"].startswith(installed)
    assert seen["setup"] == 303
    assert seen["home"] == 200
    assert "Amazon Stores" in seen["home_text"]
    assert "owner@example.com" in seen["home_text"]
    assert "/static/css/app.css?v=" in seen["css_url"]
    assert seen["css_status"] == 200
    assert seen["css_type"] == "text/css"
    assert seen["css_body"] == (ROOT / "static" / "css" / "app.css").read_text()
