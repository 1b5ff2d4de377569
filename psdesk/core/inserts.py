"""Multi-row INSERTs for batches of thousands of plain rows (a sweep's notifications and outbox
messages, an estimate's lines), without the per-object, per-field work of `bulk_create`.

`bulk_create` builds a model instance per row and runs `pre_save` / `get_db_prep_save` on every
field of every row: about 0.15 ms per outbox row on SQLite, several times what the database itself
spends on it. Here the caller passes plain tuples for the columns it names; only the columns that
need adapting for the database (datetimes, decimals, JSON) are adapted, and a datetime repeated in every
row (the batch's `created_at`) is adapted once. Columns not named get their model default
(`get_default()`, read once per call, the same in every row): name every column whose value
differs between rows or whose default must be computed per row.

No signals are sent (neither does `bulk_create`). Works on SQLite (3.35+, for RETURNING) and
PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models

_MAX_PARAMS = 30_000  # below SQLite's default 32,766 bound parameters and PostgreSQL's 65,535
_MAX_ROWS = 1_000  # rows per statement: larger statements are no faster and hold more memory


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How to turn a Python value of `field` into what the database driver takes (None: as is)."""
    ops = connection.ops
    if isinstance(field, models.JSONField):
        encoder = field.encoder

        def json_value(value: Any) -> Any:
            return ops.adapt_json_value(value, encoder)

        return json_value
    if isinstance(field, models.DateTimeField):
        memo: dict[datetime, Any] = {}

        def datetime_value(value: Any) -> Any:
            if value is None:
                return None
            found = memo.get(value)
            if found is None:
                found = memo[value] = ops.adapt_datetimefield_value(value)
            return found

        return datetime_value
    if isinstance(field, models.DecimalField):
        max_digits, places = field.max_digits, field.decimal_places

        def decimal_value(value: Any) -> Any:
            return ops.adapt_decimalfield_value(value, max_digits, places)

        return decimal_value
    return None


def rows_insert(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]], *, returning: bool = False
) -> list[int]:
    """INSERT `rows` (one value per name in `columns`: field names; a foreign key by its `<name>_id`
    attribute) into `model`'s table in multi-row statements, in the caller's transaction. Returns
    the new primary keys when `returning` (in no promised order), else []. Raises the database's
    IntegrityError on a constraint violation (the caller's transaction is then unusable, as with
    `bulk_create`)."""
    opts = model._meta
    fields: list[Any] = [opts.get_field(name) for name in columns]  # get_field takes an FK's attname too
    adapters = [(i, a) for i, a in ((i, _adapter(f)) for i, f in enumerate(fields)) if a is not None]
    # every other column gets its model default, the same in every row (read once per call)
    named = {f.column for f in fields}
    rest = [f for f in opts.concrete_fields if not f.primary_key and f.column not in named]
    for f in rest:
        if f.unique and callable(f.default):
            raise ValueError(f"{opts.label}.{f.name} is unique with a callable default: name it in `columns`")
    fixed = [f.get_db_prep_save(f.get_default(), connection) for f in rest]
    fields = [*fields, *rest]
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(opts.db_table)} ({', '.join(qn(f.column) for f in fields)}) VALUES "  # noqa: S608 — names from the model
    tail = f" RETURNING {qn(str(opts.pk.column))}" if returning else ""
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, min(_MAX_ROWS, _MAX_PARAMS // len(fields)))
    ids: list[int] = []
    chunk: list[Any] = []
    n = 0

    def flush() -> None:
        sql = head + ", ".join([one] * n) + tail
        with connection.cursor() as cursor:
            cursor.execute(sql, chunk)
            if returning:
                ids.extend(int(r[0]) for r in cursor.fetchall())

    for row in rows:
        if adapters:
            values = list(row)
            for i, adapt in adapters:
                values[i] = adapt(values[i])
            chunk.extend(values)
        else:
            chunk.extend(row)
        if fixed:
            chunk.extend(fixed)
        n += 1
        if n == per_statement:
            flush()
            chunk, n = [], 0
    if n:
        flush()
    return ids
