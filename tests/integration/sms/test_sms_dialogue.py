"""The text-protocol dialogue: menu, village "did you mean", status, opt-out, rate limits, bad input."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.domain.sms_parser import sms_segments
from app.i18n import catalogue
from app.models import Complaint, Reporter
from app.models.sms import SmsDialogue, SmsNumber
from app.services.conversations import sms_dialogue
from tests.integration.sms.conftest import CITIZEN, FROM_NUMBER, PUBLIC_BASE_URL


def count_complaints(session) -> int:
    return session.scalar(select(func.count()).select_from(Complaint))


def test_lapor_without_keyword_walks_the_menu_village_and_description(twilio, session):
    [menu] = twilio.replies("lapor")
    assert "1 Tidak bisa makan" in menu
    [ask_village] = twilio.replies("4")
    assert "desa" in ask_village.lower()
    [ask_description] = twilio.replies("kemiren")
    assert "apa yang terjadi" in ask_description
    [receipt] = twilio.replies("kakek tinggal sendiri, tidak ada yang merawat")
    complaint = session.scalar(select(Complaint))
    assert complaint.category.code == "lone_elderly"
    assert complaint.description == "kakek tinggal sendiri, tidak ada yang merawat"
    assert complaint.ticket in receipt
    assert session.get(SmsDialogue, CITIZEN) is None


@pytest.mark.parametrize("whatsapp", [False, True], ids=["sms", "whatsapp"])
def test_the_receipt_ends_with_the_status_page_link_and_fits_two_sms(twilio, session, whatsapp):
    [receipt] = twilio.replies("LAPOR MAKAN Kemiren: nenek tidak makan", whatsapp=whatsapp)
    ticket = session.scalar(select(Complaint.ticket))
    assert receipt.startswith(f"Laporan diterima. Tiket {ticket}. Diteruskan ke Dinas Sosial. Batas penanganan 13:00 WIB. "
                              f"Cek: STATUS {ticket}. Kode lacak web: ")
    # the ticket filled in, never the code (it is typed on the page, so it lands in no URL or log)
    assert receipt.endswith(f" Lacak di web: {PUBLIC_BASE_URL}/lacak?tiket={ticket}")
    assert sms_segments(receipt) == 2


def test_an_english_receipt_links_to_the_page_in_english(twilio, session):
    [receipt] = twilio.replies("REPORT HUNGER Kemiren: grandmother has not eaten for two days")
    ticket = session.scalar(select(Complaint.ticket))
    assert receipt.startswith(f"Report received. Ticket {ticket}.") and "Web tracking code: " in receipt
    assert receipt.endswith(f" Track it online: {PUBLIC_BASE_URL}/lacak?tiket={ticket}&lang=en")
    assert sms_segments(receipt) == 2


def test_the_receipts_link_opens_the_form_with_the_ticket_and_nothing_more(twilio, client, session):
    [receipt] = twilio.replies("LAPOR MAKAN Kemiren: nenek tidak makan")
    complaint = session.scalar(select(Complaint))
    link = receipt.rsplit(" ", 1)[1]
    page = client.get(link.removeprefix(PUBLIC_BASE_URL)).get_data(as_text=True)
    assert f'value="{complaint.ticket}"' in page
    for private in ("Dinas Sosial", "nenek tidak makan", "Kemiren", CITIZEN[3:]):
        assert private not in page


def test_a_description_starting_with_tidak_is_a_description_not_an_answer(twilio, session):
    twilio.replies("LAPOR MAKAN Kemiren")
    [receipt] = twilio.replies("tidak ada makanan di rumah")
    assert session.scalar(select(Complaint)).description == "tidak ada makanan di rumah"
    assert "Tiket" in receipt


def test_a_misspelt_village_gets_did_you_mean_and_a_number_picks_it(twilio, session):
    [question] = twilio.replies("LAPOR MAKAN Kemirn: nenek belum makan")
    assert "Maksud Anda" in question and "1 Kemiren" in question
    assert count_complaints(session) == 0
    [receipt] = twilio.replies("1")
    complaint = session.scalar(select(Complaint))
    assert complaint.village.name.lower() == "kemiren"
    assert complaint.description == "nenek belum makan"
    assert complaint.ticket in receipt


def test_a_report_without_colon_finds_the_village_in_the_first_words(twilio, session):
    twilio.replies("LAPOR MAKAN Kemiren nenek tidak makan")
    complaint = session.scalar(select(Complaint))
    assert complaint.village.name.lower() == "kemiren"
    assert complaint.description == "nenek tidak makan"


def test_an_unfinished_dialogue_times_out(twilio, session, clock):
    twilio.replies("lapor")
    clock.advance(minutes=31)
    [reply] = twilio.replies("1")
    assert "tidak dikenali" in reply
    assert count_complaints(session) == 0


def test_batal_cancels_the_dialogue(twilio, session):
    twilio.replies("lapor")
    [reply] = twilio.replies("BATAL")
    assert "dibatalkan" in reply
    assert session.get(SmsDialogue, CITIZEN) is None


def test_the_to_number_decides_the_jurisdiction(twilio, session):
    from app.models import Jurisdiction

    srj = session.scalar(select(Jurisdiction).where(Jurisdiction.code == "sabu_raijua"))
    session.add(SmsNumber(number=FROM_NUMBER, jurisdiction_id=srj.id))
    session.commit()
    village = srj.districts[0].villages[0].name
    [receipt] = twilio.replies(f"LAPOR BEROBAT {village}: demam tinggi tidak bisa ke puskesmas")
    complaint = session.scalar(select(Complaint))
    assert complaint.ticket.startswith("SRJ-")
    assert complaint.status == "triage"  # sabu_raijua medical_care has no routing rule
    assert "diperiksa" in receipt


def test_status_shows_only_the_reporters_own_complaint(twilio, session):
    [receipt] = twilio.replies("LAPOR MAKAN Kemiren: nenek tidak makan")
    ticket = session.scalar(select(Complaint.ticket))
    [mine] = twilio.replies(f"STATUS {ticket}")
    assert ticket in mine and "Dinas Sosial" in mine and "Kemiren" in mine
    [theirs] = twilio.replies(f"cek {ticket}", sender="+6281234500009")
    assert "tidak ditemukan" in theirs
    assert "Kemiren" not in theirs


def test_stop_opts_out_and_start_opts_back_in(twilio, session):
    [reply] = twilio.replies("BERHENTI")
    reporter = session.scalar(select(Reporter).where(Reporter.phone == CITIZEN))
    assert reporter.opted_out and reporter.opted_out_at is not None
    assert "START" in reply
    assert twilio.replies("LAPOR MAKAN Kemiren: x") == []  # silent while opted out
    [welcome] = twilio.replies("START")
    session.refresh(reporter)
    assert not reporter.opted_out
    assert "Selamat datang" in welcome


def test_twilio_opt_out_type_is_honoured_and_twilio_confirms_it(twilio, session):
    replies = twilio.replies("CANCEL", OptOutType="STOP")
    assert replies == []  # Twilio sends its own confirmation on SMS
    assert session.scalar(select(Reporter.opted_out).where(Reporter.phone == CITIZEN)) is True


@pytest.mark.parametrize("body, needle", [
    ("", "LAPOR MAKAN"), ("blablabla", "tidak dikenali"), ("你好吗", "Latin"), ("BANTUAN", "STATUS <tiket>"),
])
def test_bad_input_gets_a_helpful_reply(twilio, body, needle):
    [reply] = twilio.replies(body)
    assert needle in reply


def test_a_photo_without_text_is_asked_to_be_text(twilio):
    [reply] = twilio.replies("", NumMedia="1")
    assert "teks" in reply


def test_an_oversize_report_is_kept_not_lost(twilio, session):
    twilio.replies("LAPOR MAKAN Kemiren: " + "nenek tidak makan. " * 400)
    complaint = session.scalar(select(Complaint))
    assert complaint is not None and complaint.description.startswith("nenek tidak makan.")


def test_a_flood_gets_one_notice_then_silence(twilio, session):
    answered = [twilio.replies(f"halo {i}") for i in range(10)]
    assert all(len(r) == 1 for r in answered[:6])
    assert "Terlalu banyak" in answered[6][0]
    assert answered[7:] == [[], [], []]


def test_the_minute_limit_lifts_after_a_minute_and_the_hourly_one_after_an_hour(twilio, session, clock):
    per_minute, per_hour = sms_dialogue.MESSAGES_PER_MINUTE, sms_dialogue.MESSAGES_PER_HOUR
    for i in range(per_minute + 1):
        twilio.replies(f"halo {i}")
    clock.advance(seconds=61)
    assert len(twilio.replies("halo lagi")) == 1  # the minute's flood no longer counts
    clock.advance(hours=1)
    answered = 0
    while answered < per_hour:
        for _ in range(min(per_minute, per_hour - answered)):
            assert len(twilio.replies(f"halo {answered}")) == 1
            answered += 1
        clock.advance(seconds=61)
    assert "Terlalu banyak" in twilio.replies("satu lagi")[0]  # past the hour's limit: one notice
    assert twilio.replies("dan lagi") == []
    clock.advance(hours=1)
    assert len(twilio.replies("sudah sejam")) == 1


def test_a_flood_of_reports_creates_at_most_the_hourly_limit(twilio, session, clock):
    for i in range(8):
        twilio.replies(f"LAPOR MAKAN Kemiren: laporan nomor {i}")
        clock.advance(seconds=20)
    assert count_complaints(session) == sms_dialogue.COMPLAINTS_PER_HOUR
    clock.advance(hours=1)
    twilio.replies("LAPOR MAKAN Kemiren: satu lagi")
    assert count_complaints(session) == sms_dialogue.COMPLAINTS_PER_HOUR + 1


def test_a_sender_that_is_not_a_phone_number_is_dropped_quietly(twilio, session):
    assert twilio.replies("LAPOR MAKAN Kemiren: x", sender="SIGAPTEST") == []
    assert count_complaints(session) == 0


def test_every_reply_fits_two_gsm7_segments():
    long_params = dict(ticket="BWI-2026-000123", routing="Diteruskan ke " + "D" * 60 + ".", due="24/11 13:00 WITA",
                       agency="A" * 60, text="x" * 30, jurisdiction="Kabupaten Sabu Raijua",
                       options="1 Kemiren, 2 Kemiri Ombo, 3 Kemiri Lor", category="C" * 40, place="P" * 40,
                       status="sedang ditindaklanjuti " + "A" * 60, received="24/11 13:00 WITA",
                       when="24/11 13:00 WITA", code="ABCD-2345", village="V" * 40, district="D" * 30,
                       name="N" * 40)
    for key, texts in catalogue().items():
        if not key.startswith("sms.") or key.startswith("sms.demo."):
            continue
        for lang, template in texts.items():
            text = template.format(**long_params)
            assert sms_segments(text) <= 2, (key, lang, len(text))
            assert sms_segments(text.replace("\n", " ")) == sms_segments(text)


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.text(max_size=200))
@example(body="LAPOR MAKAN Kemiren: nenek\x00 tidak makan")
@example(body="STOP")
def test_any_body_gets_a_reply_or_a_complaint_never_an_exception(app, session, clock, body):
    clock.advance(minutes=5)  # stay under the rate limit
    before = count_complaints(session)
    result = sms_dialogue.handle_message(session, clock.now(), message_sid=f"SMprop{clock.now().timestamp()}",
                                         from_address="+6281234500077", to_address=FROM_NUMBER, body=body)
    assert result.outcome != "failed"  # a bug would be swallowed into an apology: catch it here
    assert result.replies or count_complaints(session) > before or result.outcome in ("opt_out", "opted_out")


def test_when_intake_refuses_the_citizen_gets_an_apology_and_the_message_is_kept(twilio, session):
    from app.models import Category

    hunger = session.scalar(select(Category).where(Category.code == "hunger"))
    hunger.active = False
    session.commit()
    [reply] = twilio.replies("LAPOR MAKAN Kemiren: nenek tidak makan", sid="SM" + "0f" * 16)
    assert "Maaf" in reply
    assert count_complaints(session) == 0
    from app.models.sms import SmsInboundMessage

    logged = session.scalar(select(SmsInboundMessage).where(SmsInboundMessage.message_sid == "SM" + "0f" * 16))
    assert logged.outcome == "failed" and "nenek tidak makan" in logged.body
