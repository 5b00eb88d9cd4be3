"""Importing regencies from the idn-area-data CSVs, and looking places up by code or name."""
from __future__ import annotations

import csv

import pytest
from sqlalchemy import func, select

from app.models import District, Jurisdiction, Village
from app.services.errors import NotFound, ValidationFailed
from app.services.reference import gazetteer, places


def _banyuwangi(session) -> Jurisdiction:
    return session.scalar(select(Jurisdiction).where(Jurisdiction.code == "banyuwangi"))


def _village_count(session, jurisdiction) -> int:
    return session.scalar(select(func.count(Village.id)).join(District)
                          .where(District.jurisdiction_id == jurisdiction.id))


def test_banyuwangi_has_its_25_kecamatan_from_pesanggaran_to_blimbingsari_and_all_villages(session):
    banyuwangi = _banyuwangi(session)
    districts = list(session.scalars(select(District).where(District.jurisdiction_id == banyuwangi.id)
                                     .order_by(District.code)))
    assert len(districts) == 25
    assert (districts[0].code, districts[0].name) == ("35.10.01", "Pesanggaran")
    assert (districts[-1].code, districts[-1].name) == ("35.10.25", "Blimbingsari")
    assert _village_count(session, banyuwangi) == 217
    assert banyuwangi.name == "Kabupaten Banyuwangi"
    assert (banyuwangi.timezone, banyuwangi.ticket_prefix, banyuwangi.regency_code) == ("Asia/Jakarta", "BWI", "35.10")


def test_importing_a_regency_again_changes_nothing(session, settings):
    result = gazetteer.import_regency(session, "35.10", gazetteer_dir=settings.gazetteer_dir)
    assert not result.changed
    assert result.jurisdiction.code == "banyuwangi"
    assert "already up to date" in result.summary()
    assert _village_count(session, result.jurisdiction) == 217


def test_a_renamed_village_is_put_back_to_its_dataset_name(session, settings):
    village = session.scalar(select(Village).where(Village.code == "35.10.01.2001"))
    village.name = "Sarongan Lama"
    session.flush()
    result = gazetteer.import_regency(session, "35.10", gazetteer_dir=settings.gazetteer_dir)
    assert (result.villages_created, result.villages_updated) == (0, 1)
    assert village.name == "Sarongan"


def test_a_regency_in_nusa_tenggara_barat_gets_wita_and_a_code_from_its_name(session, settings):
    first = gazetteer.import_regency(session, "52.01", gazetteer_dir=settings.gazetteer_dir)
    lombok = first.jurisdiction
    assert first.jurisdiction_created
    assert (lombok.code, lombok.name, lombok.timezone) == ("lombok_barat", "Kabupaten Lombok Barat", "Asia/Makassar")
    assert len(lombok.ticket_prefix) == 3 and lombok.ticket_prefix not in ("BWI", "SRJ")
    assert first.districts_created == len(lombok.districts) > 0
    assert first.villages_created == _village_count(session, lombok) > 0

    second = gazetteer.import_regency(session, "52.01", gazetteer_dir=settings.gazetteer_dir)
    assert not second.changed and second.jurisdiction.id == lombok.id


def test_a_papuan_regency_gets_wit_and_the_options_given(session, settings):
    result = gazetteer.import_regency(session, "94.01", jurisdiction_code="nabire", ticket_prefix="nbr",
                                      gazetteer_dir=settings.gazetteer_dir)
    assert (result.jurisdiction.code, result.jurisdiction.timezone, result.jurisdiction.ticket_prefix) == (
        "nabire", "Asia/Jayapura", "NBR")


def test_every_province_in_the_dataset_has_a_time_zone(settings):
    with open(settings.gazetteer_dir / "provinces.csv", newline="", encoding="utf-8") as handle:
        codes = {row["code"] for row in csv.DictReader(handle)}
    assert len(codes) == 38
    assert codes <= set(gazetteer.PROVINCE_TIMEZONES)


def test_a_ticket_prefix_already_taken_is_refused(session, settings):
    with pytest.raises(ValidationFailed, match="BWI is already used by jurisdiction banyuwangi"):
        gazetteer.import_regency(session, "52.01", ticket_prefix="BWI", gazetteer_dir=settings.gazetteer_dir)


def test_an_unknown_or_malformed_regency_code_is_a_clear_error(session, settings):
    with pytest.raises(NotFound, match="no regency with code 99.99"):
        gazetteer.import_regency(session, "99.99", gazetteer_dir=settings.gazetteer_dir)
    with pytest.raises(ValidationFailed, match="must look like 35.10"):
        gazetteer.import_regency(session, "banyuwangi", gazetteer_dir=settings.gazetteer_dir)


def test_a_missing_dataset_says_to_install_it(session, tmp_path):
    with pytest.raises(ValidationFailed, match="npm ci"):
        gazetteer.import_regency(session, "35.10", gazetteer_dir=tmp_path / "nowhere")


def test_districts_are_found_by_code_or_by_name_whatever_the_case_and_spacing(session):
    banyuwangi = _banyuwangi(session)
    by_code = places.find_district(session, banyuwangi.id, "35.10.25")
    assert by_code.name == "Blimbingsari"
    assert places.find_district(session, banyuwangi.id, "  blimbingSARI ") is by_code
    assert places.find_district(session, banyuwangi.id, "Kecamatan Blimbingsari") is by_code
    assert places.find_district(session, banyuwangi.id, "Atlantis") is None
    assert places.find_district(session, banyuwangi.id, "") is None


def test_a_village_of_another_jurisdiction_is_not_found(session):
    banyuwangi = _banyuwangi(session)
    sabu = session.scalar(select(Jurisdiction).where(Jurisdiction.code == "sabu_raijua"))
    village = places.find_village(session, banyuwangi.id, "35.10.01.2001")
    assert village.name == "Sarongan"
    assert places.find_village(session, banyuwangi.id, "desa sarongan") is village
    assert places.find_village(session, sabu.id, "35.10.01.2001") is None
    assert places.find_village(session, sabu.id, "Sarongan") is None


def test_a_village_name_found_in_two_kecamatan_is_narrowed_by_the_district(session):
    banyuwangi = _banyuwangi(session)
    twins = list(session.scalars(select(Village).join(District).where(
        District.jurisdiction_id == banyuwangi.id, Village.name == "Tamansari").order_by(Village.code)))
    assert len(twins) == 2
    assert places.find_village(session, banyuwangi.id, "tamansari") is twins[0]
    assert places.find_village(session, banyuwangi.id, "tamansari", district_id=twins[1].district_id) is twins[1]


def test_a_misspelt_village_gets_did_you_mean_suggestions(session):
    banyuwangi = _banyuwangi(session)
    assert places.find_village(session, banyuwangi.id, "Sarongn") is None
    suggestions = places.suggest_villages(session, banyuwangi.id, "Sarongn")
    assert suggestions and suggestions[0][0].name == "Sarongan"
    assert 60 <= suggestions[0][1] <= 100
    assert len(places.suggest_villages(session, banyuwangi.id, "rejo", limit=3)) <= 3
    assert places.suggest_villages(session, banyuwangi.id, "   ") == []
