"""The box a jurisdiction's points must fall in, from its villages' centres."""
from hypothesis import given, strategies as st

from app.domain import area
from app.domain.area import INDONESIA

GENTENG_KULON = (-8.37, 114.15)
KEMIREN = (-8.21, 114.33)


def test_the_box_is_the_villages_widened_by_the_margin():
    box = area.around([GENTENG_KULON, KEMIREN], margin=0.25)
    assert [round(v, 6) for v in (box.south, box.north, box.west, box.east)] == [-8.62, -7.96, 113.9, 114.58]
    assert box.contains(-8.5, 114.0) and box.contains(*KEMIREN)


def test_a_point_in_another_province_or_abroad_is_outside():
    box = area.around([GENTENG_KULON, KEMIREN])
    assert not box.contains(-6.2, 106.8)  # Jakarta
    assert not box.contains(-8.3, -114.2)  # the same numbers west of Greenwich
    assert not box.contains(114.2, -8.3)  # lat and lon swapped


def test_without_village_centres_the_box_is_indonesia():
    assert area.around([]) == INDONESIA
    assert area.around([(None, None), (None, 114.1)]) == INDONESIA
    assert INDONESIA.contains(-10.5, 121.8) and not INDONESIA.contains(51.5, -0.1)


def test_a_broken_centre_does_not_widen_the_box():
    box = area.around([GENTENG_KULON, (114.15, -8.37), (float("nan"), 114.0), (0.0, 0.0)])
    assert box == area.around([GENTENG_KULON])


def test_the_box_never_reaches_beyond_indonesia():
    box = area.around([(-11.0, 141.3)], margin=1.0)
    assert box.south == INDONESIA.south and box.east == INDONESIA.east


@given(st.lists(st.tuples(st.floats(-11.5, 6.5), st.floats(94, 141.5)), min_size=1, max_size=30),
       st.floats(0, 2))
def test_every_village_centre_is_inside_its_own_box(centres, margin):
    box = area.around(centres, margin=margin)
    assert all(box.contains(lat, lon) for lat, lon in centres)
    assert INDONESIA.south <= box.south <= box.north <= INDONESIA.north
    assert INDONESIA.west <= box.west <= box.east <= INDONESIA.east


def test_a_coordinate_is_a_number_or_a_forms_text_of_one_and_nothing_else():
    assert area.coordinate(-8.21, 90) == -8.21 and area.coordinate("114.33", 180) == 114.33
    assert area.coordinate(None, 90) is None and area.coordinate("", 90) is None
    for value in (True, False, [1], {"a": 1}, "north", "nan", "inf", 91, "1e308"):
        try:
            area.coordinate(value, 90)
        except ValueError:
            continue
        raise AssertionError(f"{value!r} was taken as a latitude")


def test_distances_are_great_circle_kilometres():
    assert area.distance_km(*KEMIREN, *KEMIREN) == 0
    assert round(area.distance_km(-8.0, 114.0, -8.1, 114.0), 1) == 11.1  # a tenth of a degree of latitude
    assert 26 < area.distance_km(*GENTENG_KULON, *KEMIREN) < 27
