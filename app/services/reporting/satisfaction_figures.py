"""Satisfaction (SKM) counted over any set of counted complaints, grouped like the performance
figures, so that it can stand beside the on-time rate: how many were asked, how many answered
(the response rate), the mean score on the 4-point scale and the share satisfied (3 or 4)."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain import performance as rules
from app.models.satisfaction import SatisfactionSurvey

SATISFIED_FROM = 3  # "puas" and "sangat puas"


def counts(session: Session, rows, keys: list) -> dict:
    """{key tuple: (asked, answered, score sum, satisfied)} over `rows` (a subquery with `id`)."""
    S = SatisfactionSurvey
    query = (select(*keys, func.count().label("asked"), func.count(S.score).label("answered"),
                    func.coalesce(func.sum(S.score), 0).label("score_sum"),
                    func.count().filter(S.score >= SATISFIED_FROM).label("satisfied"))
             .select_from(rows).join(S, S.complaint_id == rows.c.id))
    if keys:
        query = query.group_by(*keys)
    return {tuple(r[:len(keys)]): (r.asked, r.answered, int(r.score_sum), r.satisfied) for r in session.execute(query)}


def figures(asked: int, answered: int, score_sum: int, satisfied: int, min_sample: int = rules.MIN_SAMPLE) -> dict:
    return {
        "asked": asked,
        "answered": answered,
        "response_rate": rules.rate(answered, asked, min_sample),
        "mean_score": round(score_sum / answered, 2) if answered else None,
        "satisfied_share": rules.rate(satisfied, answered, min_sample),
        "too_few_to_judge": answered < min_sample,
    }


NONE = (0, 0, 0, 0)


def for_report(session: Session, jurisdictions, period, group_by: str, scope: dict,
               min_sample: int = rules.MIN_SAMPLE) -> tuple[dict, dict]:
    """({(group id,): figures}, total figures) for a performance report: the period's counted
    complaints that were asked, attributed to agency, official or kecamatan as the report's own
    rows are (the accountable one when the handle deadline fell). Reads the surveyed complaints
    only, so it costs little beside the rollups."""
    from app.models import Complaint
    from app.services.reporting import computation

    among = select(SatisfactionSurvey.complaint_id)
    where = computation.period_filter(jurisdictions, period) & Complaint.id.in_(among)
    rows = computation.attributed(session, where, among=among)
    narrowed = select(rows).where(*[rows.c[name] == value for name, value in scope.items()
                                    if value is not None and name in rows.c]).subquery("surveyed")
    grouped = counts(session, narrowed, [narrowed.c[f"{group_by}_id"]])
    whole = counts(session, narrowed, []).get((), NONE)
    return ({key: figures(*value, min_sample=min_sample) for key, value in grouped.items()},
            figures(*whole, min_sample=min_sample))


def empty(min_sample: int = rules.MIN_SAMPLE) -> dict:
    return figures(*NONE, min_sample=min_sample)
