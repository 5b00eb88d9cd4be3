"""Open311 service definitions: the extra questions some categories ask, and checking the answers.

A category listed here has `metadata: true` in the service list; the others need no definition.
Each answer is also written into the complaint's description (so the officer sees it) and kept
with the request's Open311 details."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from app.channels.open311.formats import Open311Error


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str  # string | number | datetime | text | singlevaluelist | multivaluelist
    required: bool
    order: int
    description: dict  # language -> text
    label: dict  # language -> short label used in the complaint's description
    values: tuple = ()  # ((key, {"id": name, "en": name}), ...)
    minimum: float | None = None
    maximum: float | None = None
    datatype_description: dict = field(default_factory=dict)

    def value_names(self, lang: str) -> list[dict]:
        return [{"key": key, "name": names.get(lang) or names["id"]} for key, names in self.values]


YES_NO = (("yes", {"id": "Ya", "en": "Yes"}), ("no", {"id": "Tidak", "en": "No"}),
          ("unknown", {"id": "Tidak tahu", "en": "Don't know"}))

ATTRIBUTES: dict[str, tuple[Attribute, ...]] = {
    "hunger": (
        Attribute("people_count", "number", False, 1,
                  {"id": "Berapa orang di rumah itu yang tidak bisa makan?",
                   "en": "How many people in the household cannot eat?"},
                  {"id": "Jumlah orang", "en": "People"}, minimum=1, maximum=50,
                  datatype_description={"id": "bilangan bulat 1-50", "en": "a whole number, 1-50"}),
    ),
    "school_dropout": (
        Attribute("child_age", "number", True, 1,
                  {"id": "Berapa umur anak itu (tahun)?", "en": "How old is the child (years)?"},
                  {"id": "Umur anak", "en": "Child's age"}, minimum=3, maximum=21,
                  datatype_description={"id": "bilangan bulat 3-21", "en": "a whole number, 3-21"}),
        Attribute("school_level", "singlevaluelist", False, 2,
                  {"id": "Jenjang sekolah anak", "en": "The child's school level"},
                  {"id": "Jenjang", "en": "School level"},
                  values=(("sd", {"id": "SD", "en": "Primary (SD)"}), ("smp", {"id": "SMP", "en": "Junior high (SMP)"}),
                          ("sma", {"id": "SMA/SMK", "en": "Senior high (SMA/SMK)"}))),
    ),
    "lone_elderly": (
        Attribute("can_walk", "singlevaluelist", True, 1,
                  {"id": "Apakah lansia itu masih bisa berjalan sendiri?",
                   "en": "Can the elderly person still walk unaided?"},
                  {"id": "Bisa berjalan", "en": "Can walk"}, values=YES_NO),
    ),
}


def attributes_of(service_code: str) -> tuple[Attribute, ...]:
    return ATTRIBUTES.get(service_code, ())


def definition(service_code: str, lang: str) -> dict:
    return {
        "service_code": service_code,
        "attributes": [
            {"variable": True, "code": a.code, "datatype": a.datatype, "required": a.required,
             "datatype_description": a.datatype_description.get(lang) or a.datatype_description.get("id"),
             "order": a.order, "description": a.description.get(lang) or a.description["id"],
             "values": a.value_names(lang)}
            for a in attributes_of(service_code)
        ],
    }


def parse_form(form) -> dict[str, list[str]]:
    """attribute[code]=value and attribute[code][]=value pairs, as code -> [values] (empty ones dropped)."""
    answers: dict[str, list[str]] = {}
    for name, value in form.items(multi=True):
        if not name.startswith("attribute[") or not name.endswith("]"):
            continue
        code = name[len("attribute["):].removesuffix("[]").rstrip("]")
        value = (value or "").replace("\x00", "").strip()
        if value:
            answers.setdefault(code, []).append(value)
    return answers


def _number(attr: Attribute, raw: str):
    try:
        number = float(raw)
    except ValueError:
        raise Open311Error(400, f"attribute[{attr.code}] must be a number, got {raw!r}") from None
    if not math.isfinite(number) or (attr.minimum is not None and number < attr.minimum) or (
            attr.maximum is not None and number > attr.maximum):
        raise Open311Error(400, f"attribute[{attr.code}] must be between {attr.minimum:g} and {attr.maximum:g}")
    return int(number) if number.is_integer() else number


def check(service_code: str, answers: dict[str, list[str]]) -> dict:
    """Validated answers (code -> value, or list for multivaluelist); Open311Error 400 on any problem."""
    known = {a.code: a for a in attributes_of(service_code)}
    for code in answers:
        if code not in known:
            raise Open311Error(400, f"service_code {service_code!r} has no attribute {code!r}")
    clean: dict = {}
    for attr in known.values():
        given = answers.get(attr.code, [])
        if not given:
            if attr.required:
                raise Open311Error(400, f"attribute[{attr.code}] is required for service_code {service_code!r}")
            continue
        if attr.datatype != "multivaluelist" and len(given) > 1:
            raise Open311Error(400, f"attribute[{attr.code}] takes one value")
        raw = given[0]
        keys = [key for key, _names in attr.values]
        if attr.datatype == "number":
            clean[attr.code] = _number(attr, raw)
        elif attr.datatype == "singlevaluelist":
            if raw not in keys:
                raise Open311Error(400, f"attribute[{attr.code}] must be one of: {', '.join(keys)}")
            clean[attr.code] = raw
        elif attr.datatype == "multivaluelist":
            wrong = [v for v in given if v not in keys]
            if wrong:
                raise Open311Error(400, f"attribute[{attr.code}] must be among: {', '.join(keys)}")
            clean[attr.code] = given
        elif attr.datatype == "datetime":
            try:
                parsed = datetime.fromisoformat(raw)
            except ValueError:
                raise Open311Error(400, f"attribute[{attr.code}] must be an ISO 8601 date-time") from None
            clean[attr.code] = parsed.isoformat()
        else:
            limit = 200 if attr.datatype == "string" else 2000
            if len(raw) > limit or (attr.datatype == "string" and "\n" in raw):
                raise Open311Error(400, f"attribute[{attr.code}] must be one line of at most {limit} characters")
            clean[attr.code] = raw
    return clean


def describe(service_code: str, answers: dict, lang: str = "id") -> list[str]:
    """Lines for the complaint's description, e.g. "Umur anak: 9"."""
    lines = []
    for attr in attributes_of(service_code):
        if attr.code not in answers:
            continue
        value = answers[attr.code]
        names = {key: n.get(lang) or n["id"] for key, n in attr.values}
        shown = ", ".join(names.get(v, v) for v in value) if isinstance(value, list) else names.get(value, value)
        lines.append(f"{attr.label.get(lang) or attr.label['id']}: {shown}")
    return lines
