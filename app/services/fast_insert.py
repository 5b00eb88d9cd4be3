"""INSERTs for intake's hot path without the ORM's unit of work (which costs more CPU than the
round trip for a handful of new rows): the rows go in with cached Core statements, and the
instances become ordinary persistent objects of the session, as if just loaded."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import insert, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached


@lru_cache(maxsize=None)
def _layout(model):
    """(pk attribute key, [(attribute key, column key, default)], INSERT ... RETURNING pk) for a model."""
    mapper = inspect(model)
    table = mapper.local_table
    pk_column = table.primary_key.columns.values()[0]
    pk_key = mapper.get_property_by_column(pk_column).key
    fields = []
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if column is pk_column:
            continue
        default = column.default
        if default is not None and not (default.is_scalar or default.is_callable):
            raise TypeError(f"{model.__name__}.{prop.key}: only scalar or callable defaults are supported here")
        fields.append((prop.key, column.key, default))
    return pk_key, fields, insert(table).returning(pk_column), insert(table)


def _values(obj, fields) -> dict:
    """Every column's value for a new instance (column defaults applied), also set on the instance
    so that nothing is left to load afterwards."""
    state = obj.__dict__
    row = {}
    for key, column_key, default in fields:
        value = state.get(key)
        if value is None and default is not None:  # as the ORM does: None lets the default apply
            value = default.arg if default.is_scalar else default.arg(None)
        if key not in state or state[key] is not value:
            setattr(obj, key, value)
        row[column_key] = value
    return row


def insert_one(session: Session, obj, *, unless_conflict: bool = False):
    """INSERT a new (transient) instance; it becomes persistent and clean in `session`.
    unless_conflict: INSERT ... ON CONFLICT DO NOTHING; None (the instance left transient) when a
    unique key is taken already (or being taken by a transaction still running: it waits for it)."""
    pk_key, fields, returning, _plain = _layout(type(obj))
    if unless_conflict:
        returning = _unless_conflict(type(obj), session.get_bind().dialect.name)
    row = _values(obj, fields)
    pk = session.execute(returning, row).scalar()
    if pk is None:
        return None
    setattr(obj, pk_key, pk)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


@lru_cache(maxsize=None)
def _unless_conflict(model, dialect: str):
    table = inspect(model).local_table
    dml = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    return dml(table).on_conflict_do_nothing().returning(*table.primary_key.columns)


def insert_pending(session: Session, *models) -> bool:
    """INSERT the session's pending instances of `models` with one statement per model (no
    RETURNING: their ids are not needed), and take them out of the session. Returns False, doing
    nothing, when something else is pending too (then the caller's flush writes everything)."""
    pending = list(session.new)
    if not pending or any(type(o) not in models for o in pending):
        return False
    batches = []
    for model in models:
        objs = [o for o in pending if type(o) is model]
        if objs:
            _pk, fields, _returning, plain = _layout(model)
            batches.append((plain, [_values(o, fields) for o in objs]))
    for o in pending:  # out of the session first: an autoflush must not write them as well
        session.expunge(o)
    for plain, rows in batches:
        session.execute(plain, rows)
    return True
