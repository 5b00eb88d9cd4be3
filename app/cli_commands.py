"""The remaining command groups: seed, gazetteer, users, tokens, sla, audit. Thin: parse, call a service, print."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from app.clock import in_service_years
from app.domain.local_time import local_time as clock_text
from app.extensions import state
from app.models import ROLES, Jurisdiction
from app.services.errors import ServiceError

seed_cli = AppGroup("seed", help="Demo data.")
gazetteer_cli = AppGroup("gazetteer", help="Districts and villages from the idn-area-data dataset.")
users_cli = AppGroup("users", help="Staff accounts.")
tokens_cli = AppGroup("tokens", help="API tokens.")
sla_cli = AppGroup("sla", help="SLA policy versions.")
audit_cli = AppGroup("audit", help="The hash-chained audit trail.")


# A role and where it applies: the same five options for `users create`, `users set-role` and `tokens create`.
_ROLE_SCOPE = (
    click.option("--role", required=True, type=click.Choice(ROLES)),
    click.option("--agency", "agency_code", help="Agency code (required for officer and agency_head)."),
    click.option("--jurisdiction", "jurisdiction_code",
                 help="Jurisdiction code (implied by --agency; required for supervisor, official and camat)."),
    click.option("--district", help="Kecamatan code or name (required for camat)."),
    click.option("--all-jurisdictions", is_flag=True,
                 help="Province-wide supervisor or official: sees every jurisdiction (else --jurisdiction is required)."),
)


def role_scope_options(command):
    """--role, --agency, --jurisdiction, --district and --all-jurisdictions, listed in that order."""
    for option in reversed(_ROLE_SCOPE):  # as if stacked: the first one written is applied last
        command = option(command)
    return command


@contextmanager
def unit_of_work():
    """A session and `now`; service errors become one clean line, never a traceback."""
    sigap = state()
    session = sigap.sessionmaker()
    try:
        yield session, sigap.clock.now()
    except ServiceError as exc:
        session.rollback()
        raise click.ClickException(exc.message) from None
    finally:
        session.close()


def _local(dt: datetime, tz: str) -> str:
    return clock_text(dt, tz, "iso")


def parse_local_time(text: str, tz: str) -> datetime:
    """'2027-01-01 00:00' in the jurisdiction's zone, unless the text carries its own offset or Z."""
    raw = text.strip()
    try:
        parsed = datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw)
    except ValueError:
        raise click.ClickException(
            f"cannot read {text!r} as a time: use 'YYYY-MM-DD HH:MM' (local time) or ISO 8601 with an offset"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(tz))
    if not in_service_years(parsed):  # checked before moving it to UTC, where 0001-01-01 overflows
        raise click.ClickException(f"{text!r} is outside the years Sigap serves (2000 to 2099)")
    return parsed.astimezone(timezone.utc)


@seed_cli.command("demo")
@click.option("--no-day", is_flag=True, help="Reference data and users only: no demo complaints.")
def seed_demo_command(no_day: bool) -> None:
    """Load the demo jurisdictions, gazetteer, agencies, categories, policy and users (idempotent), and on a
    database without complaints a demo working day: yesterday's and today's complaints, open, late, handled
    and disputed, in both regencies (console mode only; --no-day leaves it out)."""
    from app.services.demo import day, seed
    from app.services.sla import escalation

    settings = state().settings
    with unit_of_work() as (session, now):
        result = seed.seed_demo(session, now, settings.gazetteer_dir, story=True)
        # Made-up duty desks and camats so the demo ladder has someone to tell; never with real
        # Twilio credentials, where made-up numbers would be texted.
        contacts = 0 if settings.twilio_account_sid else escalation.add_demo_contacts(session, now)
        session.commit()
    if contacts:
        click.echo(f"added {contacts} demo escalation contacts (made-up numbers; console mode)")
    if not result.changed:
        click.echo("demo data already present: nothing to do")
    else:
        for line in result.gazetteer:
            click.echo(line)
        click.echo(result.summary())
        if result.created.get("users"):
            click.echo(f"demo users' password: {seed.DEMO_PASSWORD}")
    if no_day or settings.twilio_account_sid or settings.production:
        return
    with unit_of_work() as (session, now):
        made = day.seed_day(session, now)
    if made:
        click.echo(f"demo day: {made} complaints over the last day (open, late, handled, disputed), both regencies")


@gazetteer_cli.command("import")
@click.option("--regency", required=True, help="Kemendagri regency code, e.g. 35.10 (Banyuwangi).")
@click.option("--jurisdiction", "jurisdiction_code", help="Jurisdiction code (default: from the name, e.g. banyuwangi).")
@click.option("--name", help="Jurisdiction name (default: from the dataset, e.g. Kabupaten Banyuwangi).")
@click.option("--timezone", "tz", help="IANA time zone (default: from the province).")
@click.option("--prefix", help="Ticket prefix, e.g. BWI (default: three letters of the name).")
def gazetteer_import(regency: str, jurisdiction_code: str | None, name: str | None, tz: str | None,
                     prefix: str | None) -> None:
    """Create or update a jurisdiction with all the regency's kecamatan and villages."""
    from app.services.reference import gazetteer

    with unit_of_work() as (session, _now):
        result = gazetteer.import_regency(session, regency, jurisdiction_code=jurisdiction_code, name=name,
                                          timezone=tz, ticket_prefix=prefix,
                                          gazetteer_dir=state().settings.gazetteer_dir)
        session.commit()
        click.echo(result.summary())


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--name", required=True, help="Full name as shown to colleagues.")
@role_scope_options
@click.option("--email")
@click.option("--phone")
@click.option("--password", help="Initial password; without it one is generated and printed once.")
@click.option("--ask-password", is_flag=True, help="Prompt for the password instead.")
def users_create(username, name, role, agency_code, jurisdiction_code, district, all_jurisdictions, email, phone,
                 password, ask_password) -> None:
    """Create a staff user."""
    from app.services.access import accounts

    generated = False
    if ask_password and password is None:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    if password is None:
        password, generated = accounts.generate_password(), True
    with unit_of_work() as (session, now):
        user = accounts.create_user(session, now, username=username, name=name, role=role, password=password,
                                    agency_code=agency_code, jurisdiction_code=jurisdiction_code,
                                    email=email, phone=phone, district=district,
                                    all_jurisdictions=all_jurisdictions)
        session.commit()
        click.echo(f"created user {user.username} ({user.role}{_scope_text(session, user)})")
    if generated:
        click.echo(f"password (shown once): {password}")


def _scope_text(session, row) -> str:
    """' of bwi-dinsos', ' in banyuwangi, kecamatan Glagah', ' in every jurisdiction (province-wide)'."""
    from app.models import District, Jurisdiction

    if row.agency is not None:
        return f" of {row.agency.code}"
    if row.all_jurisdictions:
        return " in every jurisdiction (province-wide)"
    jurisdiction = session.get(Jurisdiction, row.jurisdiction_id) if row.jurisdiction_id else None
    district = session.get(District, row.district_id) if row.district_id else None
    text = f" in {jurisdiction.code}" if jurisdiction else ""
    return text + (f", kecamatan {district.name}" if district else "")


@users_cli.command("list")
def users_list() -> None:
    """Every staff user with their role and where it applies; province-wide ones say so."""
    from app.models import User

    with unit_of_work() as (session, _now):
        users = list(session.scalars(select(User).order_by(User.username)))
        for user in users:
            state = "" if user.active else " [inactive]"
            click.echo(f"{user.username}\t{user.role}{_scope_text(session, user)}\t{user.name}{state}")
        wide = [u.username for u in users if u.all_jurisdictions]
        if wide:
            click.echo(f"{len(wide)} province-wide (--all-jurisdictions): {', '.join(wide)}; give them "
                       "--jurisdiction with `users set-role` to bind them to one")


@users_cli.command("set-password")
@click.argument("username")
@click.option("--password", help="The new password; without it one is generated and printed once.")
@click.option("--ask-password", is_flag=True, help="Prompt for the password instead.")
def users_set_password(username, password, ask_password) -> None:
    """Give a user a new password; every session they have open ends."""
    from app.services.access import accounts

    generated = False
    if ask_password and password is None:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    if password is None:
        password, generated = accounts.generate_password(), True
    with unit_of_work() as (session, now):
        user = accounts.user_by_username(session, username)
        accounts.set_password(session, now, user, password)
        session.commit()
        click.echo(f"new password for {user.username}; their earlier sessions have ended")
    if generated:
        click.echo(f"password (shown once): {password}")


@users_cli.command("set-role")
@click.argument("username")
@role_scope_options
def users_set_role(username, role, agency_code, jurisdiction_code, district, all_jurisdictions) -> None:
    """Change a user's role and agency; every session they have open ends."""
    from app.services.access import accounts

    with unit_of_work() as (session, now):
        user = accounts.user_by_username(session, username)
        changed = accounts.set_role(session, now, user, role, agency_code, jurisdiction_code, district,
                                    all_jurisdictions)
        session.commit()
        scope = f" of {user.agency.code}" if user.agency else ""
        if changed:
            click.echo(f"{user.username} is now {user.role}{scope}; their earlier sessions have ended")
        else:
            click.echo(f"{user.username} already is {user.role}{scope}: nothing changed")


@users_cli.command("deactivate")
@click.argument("username")
def users_deactivate(username) -> None:
    """Stop a user signing in; every session they have open ends."""
    _set_active(username, False, "deactivated; their sessions have ended")


@users_cli.command("activate")
@click.argument("username")
def users_activate(username) -> None:
    """Let a deactivated user sign in again."""
    _set_active(username, True, "activated")


def _set_active(username: str, active: bool, done: str) -> None:
    """Activate or deactivate a user and say what happened (`done`), or that nothing changed."""
    from app.services.access import accounts

    with unit_of_work() as (session, now):
        user = accounts.user_by_username(session, username)
        changed = accounts.set_active(session, now, user, active)
        session.commit()
        click.echo(f"{user.username} {done}" if changed
                   else f"{user.username} already is {'active' if active else 'inactive'}")


@users_cli.command("sign-out")
@click.argument("username")
def users_sign_out(username) -> None:
    """End every web session of a user (e.g. a lost phone); their password stays."""
    from app.services.access import accounts

    with unit_of_work() as (session, now):
        user = accounts.user_by_username(session, username)
        accounts.end_sessions(session, user)
        session.commit()
        click.echo(f"every session of {user.username} has ended")


@users_cli.command("clear-throttle")
@click.argument("username")
def users_clear_throttle(username) -> None:
    """Forget the failed sign-ins counted against a username (existing or not), from every address."""
    from app.services.access import web_auth

    with unit_of_work() as (session, now):
        cleared = web_auth.clear_throttle(session, now, username)
        click.echo(f"sign-in throttle of {web_auth.normalise_username(username)!r} cleared "
                   f"({cleared} record(s) had failures)")


@tokens_cli.command("create")
@role_scope_options
@click.option("--name", help="What the token is for, e.g. the partner system's name.")
@click.option("--user", "username", help="Act as this staff user.")
def tokens_create(role, agency_code, jurisdiction_code, district, all_jurisdictions, name, username) -> None:
    """Create an API token and print it once; only its hash is stored."""
    from app.models import User
    from app.services.access import accounts

    with unit_of_work() as (session, now):
        user = None
        if username:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                raise click.ClickException(f"no user {username!r}")
        token, secret = accounts.create_token(session, now, role=role, agency_code=agency_code,
                                              jurisdiction_code=jurisdiction_code, name=name, user=user,
                                              district=district, all_jurisdictions=all_jurisdictions)
        session.commit()
        scope = f" for {token.agency.code}" if token.agency else ""
        click.echo(f"created {role} token {token.prefix}{scope}; it is shown once, store it now:", err=True)
    click.echo(secret)


@tokens_cli.command("revoke")
@click.argument("prefix")
def tokens_revoke(prefix: str) -> None:
    """Revoke the token whose printed prefix (e.g. sgp_AbCd1234) or full secret is PREFIX."""
    from app.services.access import accounts

    with unit_of_work() as (session, now):
        token = accounts.revoke_token(session, now, prefix)
        session.commit()
        click.echo(f"token {token.prefix} revoked")


@sla_cli.command("told-of")
@click.option("--jurisdiction", "jurisdiction_code", required=True, help="Jurisdiction code, e.g. banyuwangi.")
@click.option("--level", required=True, help="A level of the policy's ladder, e.g. camat.")
@click.option("--deadlines", required=True,
              help="Missed deadlines this level hears of at once: acknowledge,handle (or 'none').")
@click.option("--category", "category_code", help="Only this category's policy (default: the jurisdiction's default).")
def sla_told_of(jurisdiction_code, level, deadlines, category_code) -> None:
    """Set which missed deadlines a ladder level is told of at once (a new policy version from now)."""
    from app.services.sla import policies

    wanted = [] if deadlines.strip().lower() == "none" else deadlines.split(",")
    with unit_of_work() as (session, now):
        policy = policies.set_told_of(session, now, jurisdiction_code=jurisdiction_code, level=level,
                                      deadlines=wanted, category_code=category_code)
        click.echo(f"added SLA policy version #{policy.id}: {level} is told at once of missed "
                   f"{', '.join(wanted) or 'nothing (only when the climb after a breach reaches it)'}; "
                   "complaints already received keep their version")


@sla_cli.command("set-target")
@click.option("--jurisdiction", "jurisdiction_code", required=True, help="Jurisdiction code, e.g. banyuwangi.")
@click.option("--handle-minutes", type=int, required=True, help="Target to handle, e.g. 120 for the 2-hour rule.")
@click.option("--ack-minutes", type=int, help="Target to acknowledge (default: the current one).")
@click.option("--effective-from", required=True,
              help="'YYYY-MM-DD HH:MM' in the jurisdiction's local time, or ISO 8601 with an offset.")
@click.option("--category", "category_code", help="Only this category (default: the jurisdiction's default policy).")
@click.option("--note", help="Why, e.g. the regent's decree number.")
@click.option("--retroactive", is_flag=True,
              help="Allow an effective time in the past; lists the complaints it would have governed (never rewritten).")
def sla_set_target(jurisdiction_code, handle_minutes, ack_minutes, effective_from, category_code, note,
                   retroactive) -> None:
    """Add an SLA policy version; complaints already received keep their deadlines."""
    from app.services.sla import policies

    with unit_of_work() as (session, now):
        jurisdiction = session.scalar(select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code))
        if jurisdiction is None:
            raise click.ClickException(f"no jurisdiction {jurisdiction_code!r}")
        starts = parse_local_time(effective_from, jurisdiction.timezone)
        policy = policies.set_target(session, now, jurisdiction_code=jurisdiction_code,
                                     handle_minutes=handle_minutes, acknowledge_minutes=ack_minutes,
                                     effective_from=starts, category_code=category_code, note=note,
                                     retroactive=retroactive)
        affected = policies.affected_summary(session, jurisdiction, starts, policy.category)
        scope = policy.category.code if policy.category else "default"
        click.echo(f"added SLA policy version #{policy.id} for {jurisdiction.code} ({scope}): handle "
                   f"{policy.handle_minutes} min, acknowledge {policy.acknowledge_minutes} min, effective "
                   f"{_local(policy.effective_from, jurisdiction.timezone)}"
                   f"{' (already in force)' if policy.effective_from <= now else ''}")
        click.echo(f"{affected.open_complaints} open complaint(s) keep their deadlines; complaints received "
                   "from the effective time on get the new targets")
        if affected.categories_with_own_policy:
            click.echo("categories with their own policy are not changed by this: "
                       + ", ".join(affected.categories_with_own_policy))
        if policy.effective_from < now:
            governed = policies.governed_retroactively(session, policy, now)
            click.echo(f"retroactive: {len(governed)} complaint(s) received since then would have been governed "
                       "by it; their deadlines are not rewritten:")
            for complaint in governed:
                click.echo(f"  {complaint.ticket}  received {_local(complaint.received_at, jurisdiction.timezone)}"
                           f"  handle due {_local(complaint.handle_due_at, jurisdiction.timezone)}"
                           f"  (policy #{complaint.sla_policy_id}, kept)")


def _progress(what: str):
    """A progress line on stderr about every 5 seconds (and at the end): how far, how fast."""
    import time

    shown = [0.0]

    def show(p) -> None:
        now = time.monotonic()
        if now - shown[0] < 5 and p.done < p.total:
            return
        shown[0] = now
        rate = p.done / p.seconds if p.seconds > 0 else 0
        click.echo(f"{what} {p.done} of {p.total} complaints ({rate:,.0f}/s)", err=True)

    return show


@audit_cli.command("verify")
@click.option("--against", "against", type=click.Path(exists=True, dir_okay=False),
              help="A checkpoint file (`audit checkpoint`): report every chain changed since it was taken.")
@click.option("--batch", type=click.IntRange(50, 50_000), default=2000, show_default=True,
              help="Complaints read per query.")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes, each verifying a range of complaints (PostgreSQL; about one per core).")
@click.option("--quiet", is_flag=True, help="No progress lines.")
def audit_verify(against: str | None, batch: int, jobs: int, quiet: bool) -> None:
    """Check every complaint's audit trail: its keyed hash chain and head, and its complaint row and
    breaches recomputed from the chain. Each difference is named by ticket and field; exit 1 when any."""
    from app.services import audit
    from app.services.audit import checkpoint

    with unit_of_work() as (session, _now):
        mark = checkpoint.Checkpoint(against) if against else None
        failing: set[str] = set()
        count = 0
        progress = None if quiet else _progress("verified")
        if jobs > 1 and session.get_bind().dialect.name == "postgresql":
            for _head in mark.heads() if mark else ():  # the digest, read once here
                pass
            found = audit.verify_parallel(state().sessionmaker, jobs, batch=batch, against_path=against,
                                          progress=progress)
        else:
            found = audit.iter_problems(session, batch=batch, against=mark.heads() if mark else None,
                                        progress=progress)
        for problem in found:
            click.echo(str(problem))
            failing.add(problem.ticket)
            count += 1
        total = audit.count_complaints(session)
        # The posts' trails: who held each accountable post when (what attribution by tenure reads).
        posts_failing: set[str] = set()
        post_marks = mark.post_heads() if mark else None  # the file's posts part, read after its complaints
        for post_key, message in audit.iter_post_problems(session, against=post_marks):
            click.echo(f"{post_key} {message}")
            posts_failing.add(post_key)
            count += 1
    if mark is not None:
        if mark.digest_holds():
            click.echo(f"checkpoint {mark.created_at} (digest {mark.digest}) read: compare the digest with the "
                       "one published")
        else:
            click.echo(f"checkpoint file {against} does not match its own digest: the file was changed", err=True)
            sys.exit(1)
    if not failing and not posts_failing:
        click.echo(f"all {total} complaints verify" + (f" and reach checkpoint {mark.created_at}" if mark else "")
                   + ", and every post's holders match its trail")
        return
    posts_part = f", {len(posts_failing)} post(s) whose trail or holders do not verify" if posts_failing else ""
    click.echo(f"{len(failing)} of {total} complaints fail verification{posts_part} ({count} problems)", err=True)
    sys.exit(1)


@audit_cli.command("checkpoint")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: audit-checkpoint-<UTC date and time>.json here).")
def audit_checkpoint(out: str | None) -> None:
    """Write a dated digest of every complaint's chain head and every post's trail head, to publish or
    hand to the inspectorate; `audit verify --against FILE` later proves no trail changed since. Run
    `audit verify` first."""
    import os

    from app.services.audit import checkpoint

    with unit_of_work() as (session, now):
        path = out or f"audit-checkpoint-{now.strftime('%Y-%m-%dT%H%MZ')}.json"
        if os.path.exists(path):
            raise click.ClickException(f"{path} exists already: a checkpoint is never overwritten")
        try:
            with open(path, "x", encoding="utf-8") as f:
                written = checkpoint.write(session, f, now)
        except OSError as exc:
            raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from None
    click.echo(f"checkpoint of {written.complaints} complaints and {written.posts} posts' trails written to {path}")
    click.echo(f"digest (SHA-256): {written.digest}")
    if written.unkeyed:
        click.echo(f"{written.unkeyed} chain(s) are not keyed yet: run `audit rekey` and take a new checkpoint",
                   err=True)


@audit_cli.command("rekey")
@click.option("--batch", type=click.IntRange(10, 10_000), default=500, show_default=True)
def audit_rekey(batch: int) -> None:
    """Key every chain with SIGAP_AUDIT_KEY: chains written before keys (after `db upgrade` to 0016)
    and, with SIGAP_AUDIT_PREVIOUS_KEY set, chains of the key being rotated out, the accountable
    posts' trails included. Each chain is
    verified under its old scheme first; one that fails is listed and left as it is."""
    from app.services import audit

    sigap = state()
    with unit_of_work() as (session, _now):
        result = audit.rekey(session, previous_key=sigap.settings.audit_previous_key, batch=batch,
                             progress=_progress("rekeyed"))
    for problem in result.refused:
        click.echo(f"not rekeyed: {problem}")
    if result.posts_rekeyed or result.posts_already:
        click.echo(f"post trails: {result.posts_rekeyed} keyed, {result.posts_already} already keyed")
    click.echo(f"{result.rekeyed} chain(s) keyed, {result.already} already keyed"
               + (f", {len({p.ticket for p in result.refused})} refused (listed above)" if result.refused else ""))
    if result.refused:
        sys.exit(1)


def register(app: Flask) -> None:
    for group in (seed_cli, gazetteer_cli, users_cli, tokens_cli, sla_cli, audit_cli):
        app.cli.add_command(group)
