"""INSERTs for intake's hot path without the ORM's unit of work (which costs more CPU than the
round trip for a handful of new rows): the rows go in as plain driver SQL, generated once per
table and row count, with each column's own bind processing (time zones, JSON) applied; the
instances become ordinary persistent objects of the session, as if just loaded.

Driver SQL rather than Core statements: for a 45-column INSERT, Core's per-execution work (cache
key, parameter construction) costs about as much as the database round trip."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import inspect
from sqlalchemy.orm import Session, make_transient_to_detached


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


def _placeholder(dialect) -> str:
    return "?" if dialect.paramstyle == "qmark" else "%s"


@lru_cache(maxsize=None)
def _insert_sql(model, dialect, rows: int, returning: bool = False, unless_conflict: bool = False,
                with_pk: bool = False) -> str:
    table, _pk_key, pk_name, fields = _layout(model)
    q = dialect.identifier_preparer.quote
    mark = _placeholder(dialect)
    names = [name for _k, name, _d in fields] + ([pk_name] if with_pk else [])
    group = "(" + ", ".join(mark for _ in names) + ")"
    sql = (f"INSERT INTO {q(table.name)} ({', '.join(q(name) for name in names)}) "
           f"VALUES {', '.join(group for _ in range(rows))}")
    if unless_conflict:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += f" RETURNING {q(pk_name)}"
    return sql


def _values(obj, fields, processors) -> list:
    """Every column's value for a new instance (column defaults applied, also set on the
    instance so that nothing is left to load afterwards), bind-processed for the driver."""
    state = obj.__dict__
    row = []
    for (key, _name, default), process in zip(fields, processors):
        value = state.get(key)
        if value is None and default is not None:  # as the ORM does: None lets the default apply
            value = default.arg if default.is_scalar else default.arg(None)
        if key not in state or state[key] is not value:
            state[key] = value  # a new instance has no history to keep; it is committed below
        row.append(value if process is None else process(value))
    return row


def insert_one(session: Session, obj, *, unless_conflict: bool = False):
    """INSERT a new (transient) instance; it becomes persistent and clean in `session`.
    unless_conflict: INSERT ... ON CONFLICT DO NOTHING; None (the instance left transient) when a
    unique key is taken already (or being taken by a transaction still running: it waits for it)."""
    model = type(obj)
    connection = session.connection()
    dialect = connection.dialect
    _table, pk_key, _pk_name, fields = _layout(model)
    row = _values(obj, fields, _processors(model, dialect))
    sql = _insert_sql(model, dialect, 1, returning=True, unless_conflict=unless_conflict)
    pk = connection.exec_driver_sql(sql, tuple(row)).scalar()
    if pk is None:
        return None
    setattr(obj, pk_key, pk)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


def insert_pending(session: Session, *models, keep=()) -> bool:
    """INSERT the session's pending instances of `models`, in that order, and take them out of the
    session, except those of the `keep` models (whose primary key the caller has set, e.g. from
    the sequence): they stay in it as persistent, clean instances. One statement in all on
    PostgreSQL (data-modifying WITH clauses; foreign keys are checked at its end), one per model
    elsewhere. Returns False, doing nothing, when something else is pending too (then the
    caller's flush writes everything)."""
    pending = list(session.new)
    if not pending or any(type(o) not in models for o in pending):
        return False
    connection = session.connection()
    dialect = connection.dialect
    statements = []
    kept = []
    for model in models:
        objs = [o for o in pending if type(o) is model]
        if objs:
            _table, pk_key, _pk_name, fields = _layout(model)
            processors = _processors(model, dialect)
            with_pk = model in keep
            params = []
            for o in objs:
                params += _values(o, fields, processors)
                if with_pk:
                    params.append(o.__dict__[pk_key])
                    kept.append(o)
            statements.append((_insert_sql(model, dialect, len(objs), with_pk=with_pk), params))
    for o in pending:  # out of the session first: an autoflush must not write them as well
        session.expunge(o)
    if dialect.name == "postgresql" and len(statements) > 1:
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
    return True
