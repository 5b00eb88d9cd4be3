"""INSERTs for intake's hot path without the ORM's unit of work (which costs more CPU than the
round trip for a handful of new rows): the rows go in as plain driver SQL, generated once per
table and row count, with each column's own bind processing (time zones, JSON) applied; the
instances become ordinary persistent objects of the session, as if just loaded.

Driver SQL rather than Core statements: for a 45-column INSERT, Core's per-execution work (cache
key, parameter construction) costs about as much as the database round trip. On PostgreSQL the
pending rows of several tables go in as one statement taking one JSON document per table
(`jsonb_populate_recordset`): a handful of parameters instead of a hundred, so the driver keeps
the statement's parsed form and PostgreSQL its prepared plan (psycopg caches neither for a
statement of more than 50 parameters)."""
from __future__ import annotations

import json
from datetime import date
from functools import lru_cache

from sqlalchemy import TypeDecorator, inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value


@lru_cache(maxsize=None)
def _layout(model):
    """(table, pk attribute key, pk column name, [(attribute key, column name, default)]) for a model."""
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
        fields.append((prop.key, column.name, default))
    return table, pk_key, pk_column.name, tuple(fields)


@lru_cache(maxsize=None)
def _processors(model, dialect):
    """Each column's bind processor for this dialect, in _layout order (None where there is none)."""
    table, _pk_key, _pk_name, fields = _layout(model)
    return tuple(table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for _key, name, _d in fields)


@lru_cache(maxsize=None)
def _decorators(model):
    """Each column's TypeDecorator (UtcDateTime: aware UTC only), in _layout order, else None:
    its checks apply on the JSON path too."""
    table, _pk_key, _pk_name, fields = _layout(model)
    return tuple(table.c[name].type if isinstance(table.c[name].type, TypeDecorator) else None
                 for _key, name, _d in fields)


def _placeholder(dialect) -> str:
    return "?" if dialect.paramstyle == "qmark" else "%s"


@lru_cache(maxsize=None)
def _column_names(model, with_pk: bool) -> tuple[str, ...]:
    _table, _pk_key, pk_name, fields = _layout(model)
    return tuple(name for _k, name, _d in fields) + ((pk_name,) if with_pk else ())


@lru_cache(maxsize=None)
def _insert_sql(model, dialect, rows: int, returning: bool = False, unless_conflict: bool = False,
                with_pk: bool = False) -> str:
    table, _pk_key, pk_name, _fields = _layout(model)
    q = dialect.identifier_preparer.quote
    mark = _placeholder(dialect)
    names = _column_names(model, with_pk)
    group = "(" + ", ".join(mark for _ in names) + ")"
    sql = (f"INSERT INTO {q(table.name)} ({', '.join(q(name) for name in names)}) "
           f"VALUES {', '.join(group for _ in range(rows))}")
    if unless_conflict:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += f" RETURNING {q(pk_name)}"
    return sql


@lru_cache(maxsize=None)
def _insert_json_sql(model, dialect, with_pk: bool) -> str:
    """INSERT of the rows of a JSON array of objects keyed by column name (PostgreSQL)."""
    table, _pk_key, _pk_name, _fields = _layout(model)
    q = dialect.identifier_preparer.quote
    columns = ", ".join(q(name) for name in _column_names(model, with_pk))
    return (f"INSERT INTO {q(table.name)} ({columns}) "
            f"SELECT {columns} FROM jsonb_populate_recordset(NULL::{q(table.name)}, %s::jsonb)")


def _fill(obj, fields) -> list:
    """Every column's value for a new instance (column defaults applied), also set on the instance
    so that nothing is left to load afterwards."""
    state = obj.__dict__
    row = []
    for key, _name, default in fields:
        value = state.get(key)
        if value is None and default is not None:  # as the ORM does: None lets the default apply
            value = default.arg if default.is_scalar else default.arg(None)
        if key not in state or state[key] is not value:
            state[key] = value  # a new instance has no history to keep; it is committed below
        row.append(value)
    return row


def _bound(row: list, processors) -> list:
    return [value if process is None else process(value) for value, process in zip(row, processors)]


def _json_default(value):
    if isinstance(value, date):  # datetimes too, aware UTC by then (UtcDateTime)
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot go into a JSON row")


def _json_rows(model, objs, dialect, with_pk: bool) -> str:
    _table, pk_key, _pk_name, fields = _layout(model)
    names = _column_names(model, with_pk)
    decorators = _decorators(model)
    rows = []
    for o in objs:
        values = [v if d is None else d.process_bind_param(v, dialect) for v, d in zip(_fill(o, fields), decorators)]
        if with_pk:
            values.append(o.__dict__[pk_key])
        rows.append(dict(zip(names, values)))
    return json.dumps(rows, default=_json_default, ensure_ascii=False, separators=(",", ":"))


def insert_one(session: Session, obj, *, unless_conflict: bool = False):
    """INSERT a new (transient) instance; it becomes persistent and clean in `session`.
    unless_conflict: INSERT ... ON CONFLICT DO NOTHING; None (the instance left transient) when a
    unique key is taken already (or being taken by a transaction still running: it waits for it)."""
    connection = session.connection()
    sql, params = insert_one_sql(connection.dialect, obj, unless_conflict=unless_conflict)
    return adopt(session, obj, connection.exec_driver_sql(sql, params).scalar())


def insert_one_sql(dialect, obj, *, unless_conflict: bool = False) -> tuple[str, tuple]:
    """insert_one's statement (INSERT ... RETURNING the primary key) and its parameters, for a caller that
    sends it inside a statement of its own (a data-modifying WITH on PostgreSQL); then `adopt` the
    instance with the key it returned."""
    model = type(obj)
    _table, _pk_key, _pk_name, fields = _layout(model)
    row = _bound(_fill(obj, fields), _processors(model, dialect))
    return _insert_sql(model, dialect, 1, returning=True, unless_conflict=unless_conflict), tuple(row)


def adopt(session: Session, obj, pk):
    """The instance insert_one_sql's statement inserted with primary key `pk`, now persistent and clean in
    `session`; None (it stays transient) when `pk` is None (nothing inserted: ON CONFLICT DO NOTHING)."""
    if pk is None:
        return None
    _table, pk_key, _pk_name, _fields = _layout(type(obj))
    setattr(obj, pk_key, pk)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


def _update(obj, dialect) -> tuple[str, list, list[tuple[str, object]]] | None:
    """An UPDATE of a persistent instance's changed columns, as the flush would write it (driver SQL,
    each column's bind processing), with what to mark committed afterwards; None when nothing changed."""
    model = type(obj)
    table, _pk_key, pk_name, fields = _layout(model)
    state = inspect(obj)
    q = dialect.identifier_preparer.quote
    mark = _placeholder(dialect)
    sets, params, changed = [], [], []
    for (key, name, _default), process in zip(fields, _processors(model, dialect)):
        added = state.attrs[key].history.added
        if not added:
            continue
        value = added[0]
        sets.append(f"{q(name)} = {mark}")
        params.append(value if process is None else process(value))
        changed.append((key, value))
    if not sets:
        return None
    params.append(state.identity[0])
    return f"UPDATE {q(table.name)} SET {', '.join(sets)} WHERE {q(pk_name)} = {mark}", params, changed


def insert_pending(session: Session, *models, keep=(), updating=None) -> bool:
    """INSERT the session's pending instances of `models`, in that order, and take them out of the
    session, except those of the `keep` models (whose primary key the caller has set, e.g. from
    the sequence): they stay in it as persistent, clean instances. One statement in all on
    PostgreSQL (data-modifying WITH clauses; foreign keys are checked at its end), one per model
    elsewhere. Returns False, doing nothing, when something else is pending too (then the
    caller's flush writes everything).

    updating: a persistent instance whose changed columns go in the same statement as an UPDATE
    (PostgreSQL only, and only when there are rows to insert; elsewhere the flush writes it as usual)."""
    pending = list(session.new)
    if not pending or any(type(o) not in models for o in pending):
        return False
    connection = session.connection()
    dialect = connection.dialect
    postgresql = dialect.name == "postgresql"
    statements = []
    kept = []
    for model in models:
        objs = [o for o in pending if type(o) is model]
        if not objs:
            continue
        with_pk = model in keep
        if with_pk:
            kept += objs
        if postgresql:
            statements.append((_insert_json_sql(model, dialect, with_pk), [_json_rows(model, objs, dialect, with_pk)]))
            continue
        _table, pk_key, _pk_name, fields = _layout(model)
        processors = _processors(model, dialect)
        params = []
        for o in objs:
            params += _bound(_fill(o, fields), processors) + ([o.__dict__[pk_key]] if with_pk else [])
        statements.append((_insert_sql(model, dialect, len(objs), with_pk=with_pk), params))
    for o in pending:  # out of the session first: an autoflush must not write them as well
        session.expunge(o)
    changed = ()
    if postgresql and updating is not None and statements:
        update = _update(updating, dialect)
        if update is not None:
            sql, params, changed = update
            statements.insert(len(statements) - 1, (sql, params))  # a WITH clause: the last one stays an INSERT
    if postgresql and len(statements) > 1:
        *first, (last_sql, last_params) = statements
        ctes = ", ".join(f"w{i} AS ({sql})" for i, (sql, _p) in enumerate(first))
        params = [value for _sql, p in first for value in p] + last_params
        connection.exec_driver_sql(f"WITH {ctes} {last_sql}", tuple(params))
    else:
        for sql, params in statements:
            connection.exec_driver_sql(sql, tuple(params))
    for o in kept:
        make_transient_to_detached(o)
        session.add(o)
    for key, value in changed:  # written: nothing left for the flush
        set_committed_value(updating, key, value)
    if changed:
        state = inspect(updating)
        if state.modified and not state.committed_state:
            # Every change of it is written: clean, as a flush would leave it, so that the commit's flush
            # has nothing to do (it would otherwise run the unit of work over it to find no change).
            state._commit_all(state.dict, session.identity_map)
    return True
