"""/lapor with a shared Telegram location: matched to the village whose centre is nearest (the demo's
centres come from geografis; an operator's `gazetteer coordinates` file overrides them)."""
from __future__ import annotations

from sqlalchemy import select

from app.models import Complaint, OutboxMessage
from app.models.telegram import TelegramConversation

CHAT_ID = 700100200  # the chat of the `updates` fixture


def _last(session, back=0):
    return session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == str(CHAT_ID))
                           .order_by(OutboxMessage.id.desc()).offset(back).limit(1)).one()


def _matched(session):
    """The reply naming the matched village: just before the "not that village?" button."""
    hint = _last(session)
    assert hint.template == "telegram.not_this_village_hint"
    assert hint.extra["buttons"] == [[{"text": "Bukan desa ini", "callback_data": "loc:other"}]]
    return _last(session, back=1)


def _share(post_update, updates, lat, lon, category="lone_elderly"):
    post_update(updates.message("/lapor"))
    post_update(updates.callback(f"cat:{category}"))
    post_update(updates.location(lat, lon))


def _send(post_update, updates, session, description):
    post_update(updates.message(description))
    post_update(updates.callback("rep:send"))
    return session.scalars(select(Complaint).order_by(Complaint.id.desc()).limit(1)).one()


def test_a_location_in_town_is_matched_to_its_village_and_filed_there(post_update, updates, session):
    # 100 m from the centre of Kepatihan, in Banyuwangi town; Panderejo's centre is 700 m away.
    _share(post_update, updates, -8.2115, 114.3775)
    reply = _matched(session)
    assert reply.body.startswith("Lokasi: Desa/Kel. Kepatihan, Kec. Banyuwangi.")
    assert "Ceritakan apa yang terjadi" in reply.body
    complaint = _send(post_update, updates, session, "Mbah Karto tinggal sendiri dan sakit sejak kemarin.")
    assert (complaint.village.name, complaint.village.district.name) == ("Kepatihan", "Banyuwangi")
    assert (complaint.lat, complaint.lon) == (-8.2115, 114.3775)


def test_centres_loaded_by_the_operator_decide_the_match(post_update, updates, session, app, tmp_path):
    # With geografis's centres this point is nearest Banjarsari; the operator places Kemiren's
    # centre (e.g. its village office) right beside it.
    _share(post_update, updates, -8.2150, 114.3301)
    assert "Banjarsari" in _matched(session).body
    post_update(updates.message("/batal"))

    centres = tmp_path / "kantor-desa.csv"
    centres.write_text("code,lat,lon\n35.10.15.2004,-8.2148,114.3296\n", encoding="utf-8")
    loaded = app.test_cli_runner().invoke(args=["gazetteer", "coordinates", str(centres),
                                                "--jurisdiction", "banyuwangi"])
    assert loaded.exit_code == 0, loaded.output
    assert "1 village centres set" in loaded.output

    _share(post_update, updates, -8.2150, 114.3301)
    assert _matched(session).body.startswith("Lokasi: Desa/Kel. Kemiren, Kec. Glagah.")
    complaint = _send(post_update, updates, session, "Nenek Sumi hidup sendirian, rumahnya bocor.")
    assert complaint.village.code == "35.10.15.2004"


def test_a_location_far_from_every_village_keeps_the_point_and_asks_for_the_name(post_update, updates, session):
    # At sea, 38 km south of the nearest Banyuwangi village centre.
    _share(post_update, updates, -8.95, 114.30)
    assert "Lokasi tersimpan" in _last(session).body
    assert session.get(TelegramConversation, CHAT_ID).step == "location"
    post_update(updates.message("Kemiren"))
    assert "Kemiren" in _last(session).body
    complaint = _send(post_update, updates, session, "Nelayan tua tinggal sendiri di gubuk dekat pantai.")
    assert complaint.village.name == "Kemiren"
    assert (complaint.lat, complaint.lon) == (-8.95, 114.30)


def test_the_reporter_can_say_the_matched_village_is_not_theirs_and_type_it(post_update, updates, session):
    # In town, matched to Kepatihan; the reporter is in fact reporting from Kemiren, up the hill.
    _share(post_update, updates, -8.2115, 114.3775)
    assert "Kepatihan" in _matched(session).body
    post_update(updates.callback("loc:other"))
    assert _last(session).body == "Lokasi tetap tersimpan. Ketik nama desa/kelurahannya."
    post_update(updates.message("Kemiren"))
    assert _last(session).body.startswith("Lokasi: Desa/Kel. Kemiren, Kec. Glagah.")
    complaint = _send(post_update, updates, session, "Mbah Karto tinggal sendiri dan sakit sejak kemarin.")
    assert complaint.village.name == "Kemiren"
    assert (complaint.lat, complaint.lon) == (-8.2115, 114.3775)
