"""Fast bulk inserts for set-up commands (seed_demo): COPY on PostgreSQL, executemany on SQLite.

Django's bulk_create prepares every field of every object in Python and, on SQLite, sends a few dozen rows per
statement; a million rows take many minutes. Here the columns that do not vary are prepared once from a
template instance (so fields other apps add later get their model defaults), and only the varying columns are
adapted per row. No signals are sent and no ids are returned: callers choose ids themselves and then call
`reset_id_sequence`. For trusted, generated data only.
"""

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from django.core.management.color import no_style
from django.db import connection, models


class BulkInserter:
    def __init__(self, model: type[models.Model], varying: Sequence[str], constants: dict | None = None):
        """`varying`: the attnames given per row (in this order); every other column takes `constants` or its
        model default."""
        self.model = model
        template = model(**(constants or {}))
        pk = model._meta.pk
        # Without an id per row the database numbers them (the column is left out).
        fields = [f for f in model._meta.concrete_fields if f is not pk or pk.attname in varying]
        by_attname = {f.attname: f for f in fields}
        unknown = [name for name in varying if name not in by_attname]
        if unknown:
            raise ValueError(f"{model.__name__} has no fields {unknown}")
        self.fields = fields
        self.positions = [fields.index(by_attname[name]) for name in varying]
        self.template_row = [
            None if f.attname in varying else f.get_db_prep_save(f.pre_save(template, add=True), connection)
            for f in fields
        ]
        self.sqlite = connection.vendor == "sqlite"
        self.datetime_positions = {
            i for i, pos in enumerate(self.positions) if isinstance(fields[pos], models.DateTimeField)
        }

    def _row(self, values: Sequence) -> list:
        row = list(self.template_row)
        for i, (pos, value) in enumerate(zip(self.positions, values, strict=True)):
            if self.sqlite and i in self.datetime_positions and value is not None:
                value = _sqlite_datetime(value)
            row[pos] = value
        return row

    def insert(self, rows: Iterable[Sequence]) -> None:
        """Insert rows of varying values; call inside a transaction."""
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for values in rows:
                        copy.write_row(self._row(values))
            else:
                marks = ", ".join(["%s"] * len(self.fields))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", [self._row(v) for v in rows])


def _sqlite_datetime(value: datetime) -> str:
    # What Django's SQLite backend stores for an aware datetime: naive UTC, ISO format with a space.
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1


def reset_id_sequence(model: type[models.Model]) -> None:
    """Explicit ids leave PostgreSQL's sequence behind; move it past them (SQLite follows by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), [model])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
