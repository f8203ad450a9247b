"""A column of two-character pieces for Chinese name search (design: "Chinese search").

On PostgreSQL it is a `tsvector` (searched with a GIN index, migration 0002); elsewhere plain text that
nothing searches: SQLite searches the subject's name directly (`xinyong.disclosure.search`).
"""

from __future__ import annotations

from django.db import models


class BigramVectorField(models.TextField):
    """`tsvector` on PostgreSQL, text elsewhere. Written only through `search_index_refresh` (raw SQL)."""

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else super().db_type(connection)
