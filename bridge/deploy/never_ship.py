"""Files and folders a code package must never carry, recognised by what they are.

A name list alone misses most of them: a virtual environment called ``env-old``, a SQLite database
called ``data.bin``, a key called ``deploy``. So a folder is a virtual environment when it holds a
``pyvenv.cfg`` (https://docs.python.org/3/library/venv.html), a file is a SQLite database when it
starts with the 16-byte header ``SQLite format 3\\0`` (https://www.sqlite.org/fileformat.html), a
private key when its text holds a PEM ``-----BEGIN ... PRIVATE KEY-----`` line (RFC 7468) or an
OpenSSH/PGP private key block, and a database dump when it opens the way ``pg_dump``,
``mysqldump`` and Redis (``REDIS`` magic) write them. Names cover the rest: dotenv variants, cloud
and package-index credentials, Terraform state, shell histories, editor backups and swap files.

:func:`reason_to_leave_out` answers with the reason (shown by ``bridge package``), or ``None``.
The project's explicit ``include`` overrides it.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Optional, Tuple

# (glob on the file name, reason). Globs are fnmatch-style on the last path segment.
_NAMES: Tuple[Tuple[str, str], ...] = (
    (".git", "version control"),
    (".env", "a dotenv file (secrets)"),
    (".env.*", "a dotenv file (secrets)"),
    ("*.env", "a dotenv file (secrets)"),
    (".envrc", "a direnv file (secrets)"),
    ("id_rsa", "an SSH private key"),
    ("id_dsa", "an SSH private key"),
    ("id_ecdsa", "an SSH private key"),
    ("id_ed25519", "an SSH private key"),
    ("*.key", "a private key"),
    ("*.pem", "a key or certificate (PEM)"),
    ("*.p12", "a key store"),
    ("*.pfx", "a key store"),
    ("*.jks", "a key store"),
    (".npmrc", "package index credentials"),
    (".pypirc", "package index credentials"),
    (".netrc", "login credentials"),
    ("_netrc", "login credentials"),
    (".git-credentials", "login credentials"),
    (".pgpass", "database credentials"),
    (".my.cnf", "database credentials"),
    ("secrets.json", "a credentials file"),
    ("secrets.yaml", "a credentials file"),
    ("secrets.yml", "a credentials file"),
    ("credentials.json", "a credentials file"),
    ("client_secret*.json", "a credentials file"),
    ("service-account*.json", "a credentials file"),
    ("*.tfstate", "Terraform state (holds secrets)"),
    ("*.tfstate.backup", "Terraform state (holds secrets)"),
    ("*.tfvars", "Terraform variables (often secrets)"),
    (".*_history", "shell or REPL history"),
    (".lesshst", "shell or REPL history"),
    ("*.sqlite", "a SQLite database"),
    ("*.sqlite3", "a SQLite database"),
    ("*.db3", "a SQLite database"),
    ("*.db", "a local database"),
    ("*-journal", "a SQLite journal"),
    ("*-wal", "a SQLite write-ahead log"),
    ("*-shm", "a SQLite shared-memory file"),
    ("*.rdb", "a Redis dump"),
    ("*.aof", "a Redis append-only file"),
    ("*.dump", "a database dump"),
    ("*.sql.gz", "a database dump"),
    ("*~", "an editor backup"),
    ("*.bak", "an editor backup"),
    ("*.orig", "an editor backup"),
    ("*.swp", "an editor swap file"),
    ("*.swo", "an editor swap file"),
    (".*.sw?", "an editor swap file"),
    ("#*#", "an editor autosave file"),
    (".#*", "an editor lock file"),
)
# Folders left out whole, by name, besides any holding pyvenv.cfg.
_FOLDERS: Tuple[Tuple[str, str], ...] = (
    (".git", "version control"),
    (".hg", "version control"),
    (".svn", "version control"),
    (".terraform", "Terraform working directory (provider binaries, state)"),
    (".aws", "cloud credentials"),
    (".ssh", "SSH keys"),
    (".gnupg", "PGP keys"),
    (".docker", "registry credentials"),
    (".kube", "cluster credentials"),
)
_SQLITE_HEADER = b"SQLite format 3\x00"
_PRIVATE_KEY_MARKERS = (b"PRIVATE KEY-----", b"-----BEGIN PGP PRIVATE KEY BLOCK-----")
# Binary dumps open with a magic string; text dumps carry their tool's comment in the first lines.
_DUMP_MAGIC = ((b"PGDMP", "a PostgreSQL dump"), (b"REDIS", "a Redis dump"))
_DUMP_COMMENTS = (
    (b"-- MySQL dump", "a MySQL dump"),
    (b"-- MariaDB dump", "a MariaDB dump"),
    (b"-- PostgreSQL database dump", "a PostgreSQL dump"),
)
# A key or dump announces itself early; reading more of a large file costs time and finds nothing.
_SNIFF_BYTES = 64 * 1024


def folder_reason(path: Path) -> Optional[str]:
    """Why the folder ``path`` is left out whole, or ``None``."""
    if (path / "pyvenv.cfg").is_file():
        return "a virtual environment (holds pyvenv.cfg)"
    for pattern, reason in _FOLDERS:
        if fnmatch.fnmatchcase(path.name, pattern):
            return reason
    return None


def reason_to_leave_out(path: Path) -> Optional[str]:
    """Why the file ``path`` must not ship, or ``None``: by its name, then by its first bytes."""
    for pattern, reason in _NAMES:
        if fnmatch.fnmatchcase(path.name, pattern):
            return reason
    try:
        with open(path, "rb") as file:
            head = file.read(_SNIFF_BYTES)
    except OSError:
        return None
    if head.startswith(_SQLITE_HEADER):
        return "a SQLite database (by its header)"
    for magic, reason in _DUMP_MAGIC:
        if head.startswith(magic):
            return f"{reason} (by its content)"
    for comment, reason in _DUMP_COMMENTS:
        if comment in head[:1024]:
            return f"{reason} (by its content)"
    if b"-----BEGIN " in head and any(marker in head for marker in _PRIVATE_KEY_MARKERS):
        return "a private key (by its content)"
    if path.name == "credentials" and path.parent.name in (".aws", ".azure", "gcloud"):
        return "cloud credentials"
    return None
