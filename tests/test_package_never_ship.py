"""Issue 14 item 7: a package never carries what must never ship, recognised by what it is.

A messy project folder with 46 planted files (virtual environments by any name, SQLite by header,
dotenv variants, keys by content, credentials, Terraform state, histories, dumps, editor leftovers)
and the app files that must still ship, including look-alikes (schema.sql, keys.py).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from _deploy_fixtures import all_in_one_plan, deployment, make_project

from bridge.deploy import build_package, get_target

PEM_KEY = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----\n"
OPENSSH_KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
)
SQLITE = b"SQLite format 3\x00" + b"\x10\x00\x01\x01" + b"\x00" * 80

# path -> content; every one must stay out of the package.
PLANTED = {
    "env-old/pyvenv.cfg": "home = /usr/bin\n",
    "env-old/lib/python3.11/site-packages/six.py": "",
    "tools/py311/pyvenv.cfg": "home = /usr/bin\n",
    "tools/py311/bin/activate": "",
    ".venv/pyvenv.cfg": "home = /usr/bin\n",
    "data.sqlite": SQLITE,
    "app.db3": SQLITE,
    "app.db3-journal": b"\x00" * 8,
    "app.db-wal": b"\x00" * 8,
    "app.db-shm": b"\x00" * 8,
    "cache.bin": SQLITE,  # a SQLite database by its header, whatever its name
    "db.sqlite3": SQLITE,
    ".env": "SECRET_KEY=x\n",
    ".env.production": "SECRET_KEY=x\n",
    "prod.env": "SECRET_KEY=x\n",
    ".envrc": "export SECRET_KEY=x\n",
    ".git": "gitdir: ../.git/worktrees/app\n",  # a worktree's .git file
    "vendor/lib/.git/config": "[core]\n",
    "id_rsa": OPENSSH_KEY,
    "deploy_identity": OPENSSH_KEY,  # a key by its content, no telling name
    "server.key": PEM_KEY,
    "cert.pem": "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n",
    "config/signing": PEM_KEY,
    ".ssh/id_ed25519": OPENSSH_KEY,
    ".aws/credentials": "[default]\naws_access_key_id = AKIA\n",
    ".npmrc": "//registry.npmjs.org/:_authToken=x\n",
    ".pypirc": "[pypi]\npassword = x\n",
    ".netrc": "machine example.com login a password b\n",
    ".git-credentials": "https://a:b@example.com\n",
    "secrets.json": "{}",
    "credentials.json": "{}",
    "client_secret_1234.apps.googleusercontent.com.json": "{}",
    "terraform.tfstate": "{}",
    "terraform.tfstate.backup": "{}",
    ".terraform/providers/registry/aws": "",
    "prod.tfvars": 'db_password = "x"\n',
    ".bash_history": "ls\n",
    ".zsh_history": "ls\n",
    ".python_history": "1+1\n",
    "backup.sql": "--\n-- PostgreSQL database dump\n--\nCREATE TABLE users (password text);\n",
    "exports/all.sql": "-- MySQL dump 10.13  Distrib 8.0\n",
    "dump.rdb": b"REDIS0009\xfa\x09redis-ver",
    "nightly.dump": b"PGDMP\x01\x0e\x00",
    "app.py~": "",
    ".app.py.swp": b"b0VIM 9.0",
    "app.py.bak": "",
    "#app.py#": "",
}
# Files that look like the above but are the app's own: they ship.
KEPT = {
    "app.py": "from hello import app\n",
    "schema.sql": "CREATE TABLE todo (id integer primary key);\n",  # read by the app's init-db
    "keys.py": "API_VERSION = 2\n",
    "environment.py": "NAME = 'prod'\n",
    "static/app.js": "console.log(1)\n",
    "templates/index.html": "<p>hi</p>\n",
    "config.json": '{"page_size": 20}\n',
    "data/words.txt": "alpha\n",
}


def plant(root: Path, files: dict) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def build(project, out: Path):
    return build_package(deployment(project, all_in_one_plan(), "fc"), get_target("fc"), out)


def test_none_of_the_planted_files_ships_and_each_is_listed_with_its_reason(tmp_path: Path) -> None:
    assert len(PLANTED) >= 44
    project = make_project(tmp_path / "p")
    plant(project.root, PLANTED)
    plant(project.root, KEPT)
    report = build(project, tmp_path / "out")
    names = set(zipfile.ZipFile(report.zip_path).namelist())
    shipped = sorted(name for name in PLANTED if name in names)
    assert shipped == []
    assert set(KEPT) <= names
    excluded = dict(report.excluded)
    # Each planted file is listed, itself or as the folder it sits in.
    for relative in PLANTED:
        parts = relative.split("/")
        folders = ["/".join(parts[:depth]) + "/" for depth in range(1, len(parts))]
        assert relative in excluded or any(folder in excluded for folder in folders), relative
    assert excluded["env-old/"] == "a virtual environment (holds pyvenv.cfg)"
    assert excluded["tools/py311/"] == "a virtual environment (holds pyvenv.cfg)"
    assert excluded["cache.bin"] == "a SQLite database (by its header)"
    assert excluded["deploy_identity"] == "a private key (by its content)"
    assert excluded["config/signing"] == "a private key (by its content)"
    assert excluded["backup.sql"] == "a PostgreSQL dump (by its content)"
    assert "schema.sql" not in excluded
    text = "\n".join(report.lines())
    assert "left out (" in text and "cache.bin: a SQLite database (by its header)" in text
    as_json = json.loads(json.dumps(report.as_dict()))
    assert {"path": "deploy_identity", "reason": "a private key (by its content)"} in as_json["excluded"]


def test_an_explicit_include_overrides(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", include=["**", "cache.bin", "certs/"])
    plant(
        project.root,
        {"cache.bin": SQLITE, "certs/ca.pem": "-----BEGIN CERTIFICATE-----\n", "id_rsa": OPENSSH_KEY},
    )
    report = build(project, tmp_path / "out")
    names = set(zipfile.ZipFile(report.zip_path).namelist())
    assert {"cache.bin", "certs/ca.pem"} <= names
    assert "id_rsa" not in names
