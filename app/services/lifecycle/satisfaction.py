"""The satisfaction question (SKM, Permenpan RB 14/2017): asked once per complaint, after the
citizen confirms it was handled or after the system closes it, on the citizen's own channel
(Telegram buttons; SMS and WhatsApp digits, WhatsApp as SMS text for now). A 4-point scale with
an optional comment; a citizen may ignore it, and is never asked twice for one complaint (one row
per complaint, inserted or not at all).

Steps here write in the caller's transaction and never commit."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.models import Complaint
from app.models.satisfaction import SatisfactionSurvey
from app.services.messaging import notifications

SCORES = (1, 2, 3, 4)  # tidak puas, kurang puas, puas, sangat puas
REASONS = ("confirmed", "closed")
# How long an unanswered question still takes an answer (digits by SMS, a late button press).
ANSWER_WINDOW = timedelta(days=7)
# How long after a Telegram button press the next free text is taken as the comment.
COMMENT_WINDOW = timedelta(hours=24)
MAX_COMMENT = 500


def ask(session: Session, complaint: Complaint, now: datetime, because: str) -> SatisfactionSurvey | None:
    """Queue the question for the complaint's citizen, unless they were asked before, have no
    address, said STOP or cannot be reached. Returns the new survey row, else None."""
    if because not in REASONS:
        raise ValueError(f"because must be one of {REASONS}")
    reporter = complaint.reporter
    address = notifications.reporter_address(complaint)
    if reporter is None or address is None or reporter.opted_out or reporter.unreachable:
        return None
    channel = address[0]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    survey_id = session.execute(
        insert(SatisfactionSurvey).values(
            complaint_id=complaint.id, reporter_id=reporter.id, channel=channel, asked_because=because,
            asked_at=now, state="asked")
        .on_conflict_do_nothing(index_elements=[SatisfactionSurvey.complaint_id])
        .returning(SatisfactionSurvey.id)).scalar()
    if survey_id is None:  # asked before (or by a concurrent transaction): never twice
        return None
    if channel == "telegram":
        notifications.tell_reporter(session, complaint, "survey.ask_buttons", now,
                                    extra={"ask": "satisfaction", "buttons": _buttons(complaint, reporter.language)})
    else:
        notifications.tell_reporter(session, complaint, "survey.ask_digits", now, extra={"ask": "satisfaction"})
    return session.get(SatisfactionSurvey, survey_id)


def _buttons(complaint: Complaint, language: str | None) -> list[list[dict]]:
    from app.i18n import t

    def button(score: int) -> dict:
        # The ticket, as every citizen button carries it: the handler checks the chat owns it.
        return {"text": t(f"survey.score.{score}", language), "callback_data": f"skm:{score}:{complaint.ticket}"}

    return [[button(1), button(2)], [button(3), button(4)]]


def survey_of(session: Session, complaint_id: int) -> SatisfactionSurvey | None:
    return session.scalar(select(SatisfactionSurvey).where(SatisfactionSurvey.complaint_id == complaint_id))


def waiting_for_score(session: Session, reporter_id: int, now: datetime) -> SatisfactionSurvey | None:
    """The reporter's most recent unanswered question still open for an answer, if any."""
    S = SatisfactionSurvey
    return session.scalar(select(S).where(S.reporter_id == reporter_id, S.state == "asked",
                                          S.asked_at > now - ANSWER_WINDOW)
                          .order_by(S.asked_at.desc(), S.id.desc()).limit(1))


def waiting_for_comment(session: Session, reporter_id: int, now: datetime) -> SatisfactionSurvey | None:
    S = SatisfactionSurvey
    return session.scalar(select(S).where(S.reporter_id == reporter_id, S.state == "comment",
                                          S.answered_at > now - COMMENT_WINDOW)
                          .order_by(S.answered_at.desc(), S.id.desc()).limit(1))


def record_score(survey: SatisfactionSurvey, now: datetime, score: int, comment: str | None = None,
                 *, comment_follows: bool = False) -> str:
    """"recorded", or "already" when the question was answered before (the first answer stays).
    comment_follows: the citizen may still send a comment (Telegram: their next text)."""
    if score not in SCORES:
        raise ValueError("score must be 1-4")
    if survey.score is not None or survey.state != "asked":
        return "already"
    survey.score = score
    survey.answered_at = now
    comment = _clean(comment)
    if comment:
        survey.comment = comment
    survey.state = "comment" if comment_follows and not comment else "done"
    return "recorded"


def record_comment(survey: SatisfactionSurvey, comment: str | None) -> bool:
    comment = _clean(comment)
    if survey.state != "comment" or not comment:
        return False
    survey.comment = comment
    survey.state = "done"
    return True


def _clean(comment: str | None) -> str | None:
    text = " ".join((comment or "").split())
    return text[:MAX_COMMENT] or None
