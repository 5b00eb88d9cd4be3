"""The public pages on a phone: a citizen follows their report with the code on their receipt, and
reads the regency's figures; neither overflows a phone's width. Screenshots as test_staff_web."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tests.e2e.test_staff_web import SCREENSHOTS

PHONE = {"width": 390, "height": 844}


def _receipt_code(maker, ticket):
    from app.models import Complaint, OutboxMessage

    with maker() as session:
        complaint_id = session.scalar(select(Complaint.id).where(Complaint.ticket == ticket))
        body = session.scalar(select(OutboxMessage.body).where(OutboxMessage.complaint_id == complaint_id,
                                                               OutboxMessage.recipient_kind == "reporter"))
    return re.search(r"Kode lacak web: (\S+)", body).group(1)


def _fits(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth + 1")


def test_a_citizen_follows_a_report_and_reads_the_figures_on_a_phone(chromium, live_server, committed_app, clock,
                                                                      submit_complaint):
    from app.services.reporting import public_figures

    public_figures.forget_cache()
    tickets = [submit_complaint(30 + n, jurisdiction="banyuwangi", category="hunger", district="Glagah",
                                description="Ibu Sumi tidak punya beras hari ini",
                                reporter={"name": "Bu Sri", "phone": f"+628131111{n:04d}"}) for n in range(6)]
    code = _receipt_code(committed_app.extensions["sigap"].sessionmaker, tickets[0])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(base_url=live_server, viewport=PHONE, is_mobile=True, locale="id-ID",
                                   timezone_id="Asia/Jakarta")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/lacak")
        page.fill("input[name=ticket]", tickets[0])
        page.fill("input[name=code]", code)
        page.click("button[type=submit]")
        page.wait_for_selector("h1:has-text('%s')" % tickets[0])
        assert "Dinas Sosial" in page.content() and "Bu Sri" not in page.content()
        assert _fits(page)
        page.screenshot(path=str(SCREENSHOTS / "public-status-phone.png"), full_page=True)

        page.goto("/publik/banyuwangi")
        page.wait_for_selector("table.public-table")
        assert "Glagah" in page.content() and "Ibu Sumi" not in page.content()
        assert _fits(page)
        page.screenshot(path=str(SCREENSHOTS / "public-figures-phone.png"), full_page=True)
    finally:
        context.close()
        public_figures.forget_cache()
