"""The teacher table, created and seeded as the Swift app does it: on first use, in one IMMEDIATE transaction, so
worker processes starting together seed once; WAL, synchronous=NORMAL and a busy timeout on every connection."""
import json

from django.conf import settings
from django.db import connection
from django.db.backends.signals import connection_created

SCHEMA = """
CREATE TABLE IF NOT EXISTS teacher (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    subject TEXT NOT NULL,
    email TEXT NOT NULL,
    years INTEGER NOT NULL DEFAULT 0
)
"""


def _tune(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")


connection_created.connect(_tune)


def ensure_seeded():
    """Creates the table and loads INITIAL_DATA when it is empty."""
    with open(settings.INITIAL_DATA, encoding="utf-8") as source:
        teachers = json.load(source)
    with connection.cursor() as cursor:
        cursor.execute("BEGIN IMMEDIATE")
        try:
            cursor.execute(SCHEMA)
            cursor.execute("SELECT COUNT(*) FROM teacher")
            if cursor.fetchone()[0] == 0:
                cursor.executemany(
                    "INSERT INTO teacher (name, subject, email, years) VALUES (%s, %s, %s, %s)",
                    [(t["name"], t["subject"], t["email"], t.get("years") or 0) for t in teachers],
                )
            cursor.execute("COMMIT")
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
    connection.close()
