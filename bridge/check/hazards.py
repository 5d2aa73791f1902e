"""The findings both the static checks and the probe's judgments report, worded once.

A hazard seen in the code (a literal SQLite path) and the same hazard seen in the loaded settings
(the database Django really opens) read the same, and deduplicate when they land on one line.
"""

from __future__ import annotations

from .findings import Finding
from .platform_facts import PlatformFacts

_WRITE_FIX = (
    "Write scratch files under tempfile.gettempdir(); keep anything that must outlive one instance "
    "in a database or object storage."
)


def read_only_write(facts: PlatformFacts, file: str, line: int, title: str, detail: str = "") -> Finding:
    """A write the platform refuses: the code package is read-only, only the temp dir is writable."""
    return Finding(
        "breaks",
        "write-outside-tmp",
        file,
        line,
        title,
        (detail + " " if detail else "")
        + f"On {facts.title} the code package ({facts.code_dir}) is read-only and only {facts.writable} "
        "is writable: the write fails with 'Read-only file system' (or 'Permission denied').",
        _WRITE_FIX,
        facts.filesystem_doc,
    )


def sqlite_next_to_code(facts: PlatformFacts, file: str, line: int, title: str) -> Finding:
    """A SQLite database file where the platform cannot write (Zappa issue #700)."""
    return Finding(
        "breaks",
        "sqlite-file",
        file,
        line,
        title,
        "SQLite writes the database and its journal next to the file; on "
        f"{facts.title} only {facts.writable} is writable, so writes fail with 'attempt to write a "
        "readonly database' (Zappa issue #700).",
        "Use a database server every instance shares (set DATABASE_URL); a SQLite file under "
        "tempfile.gettempdir() works but its data is private to one instance.",
        facts.filesystem_doc,
    )


def per_instance(facts: PlatformFacts, file: str, line: int, what: str, rule: str) -> Finding:
    """Data kept in one instance's memory or temp dir, which other instances never see."""
    return Finding(
        "risky",
        rule,
        file,
        line,
        f"{what}: data is per instance",
        f"Each {facts.title} instance has its own memory and {facts.writable}: requests served by "
        "another instance do not see this data, and it is lost when the instance stops.",
        "Use a store every instance shares (a database server, Redis) for anything that must persist.",
        facts.filesystem_doc,
    )


def debug_on(file: str, line: int) -> Finding:
    """Debug mode left on in the deployed configuration."""
    return Finding(
        "risky",
        "debug-on",
        file,
        line,
        "DEBUG is on",
        "Error pages show tracebacks, settings and source to anyone; Django also keeps every SQL "
        "query in memory, which grows for as long as a warm instance lives.",
        "Turn it off in the deployed configuration (e.g. DEBUG = os.environ.get('DEBUG') == '1').",
        "https://docs.djangoproject.com/en/stable/howto/deployment/checklist/#debug",
    )
