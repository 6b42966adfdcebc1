"""Agencies: unique names drawn from place-name characters and department lists, with the
place they cover, how they refer to themselves, their size and the habits of their website.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tools.synth.vocabulary import (
    CITY_DEPARTMENTS,
    COUNTY_DEPARTMENTS,
    PLACE_FIRST,
    PLACE_SECOND,
    PROVINCE_DEPARTMENTS,
    PROVINCES,
    ROADS,
    SELF_BY_SUFFIX,
)


@dataclass(slots=True)
class Entity:
    """One agency: its name, place, size and the habits of its website."""

    agency: str
    level: str
    place: str  # the area it covers, as the text names it (清河县)
    province: str
    subject: str  # who the figures are about in sentences (全县, 我局)
    self_ref: str  # how it calls itself (我县, 我局)
    office: str  # whom to contact
    site: str
    url: str
    address: str
    scale: float  # mean number of requests a year
    old_style: str  # national | shandong | guizhou
    table_from: int  # pre-2019 years from this one print the old table, earlier ones prose
    names_itself: float  # probability a report names the agency


class Agencies:
    """Draws agencies with unique names (two agencies never share a name)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def _place(self) -> tuple[str, str]:
        rng = self.rng
        while True:
            a, b = rng.choice(PLACE_FIRST), rng.choice(PLACE_SECOND)
            if a[0] != b[0]:
                return a[0] + b[0], a[1:] + b[1:]

    def draw(self, first_year: int) -> Entity:
        for _ in range(1000):
            entity = self._candidate(first_year)
            if entity.agency not in self.used:
                self.used.add(entity.agency)
                return entity
        raise RuntimeError("could not draw a new agency name")  # pragma: no cover

    def _candidate(self, first_year: int) -> Entity:
        rng = self.rng
        # the provincial forms of the old table belong to their provinces
        old_style = rng.choices(("national", "shandong", "guizhou"), weights=(6, 2, 2))[0]
        province = {"shandong": "山东省", "guizhou": "贵州省"}.get(old_style) or rng.choice(
            PROVINCES
        )
        city, city_py = self._place()
        county, county_py = self._place()
        county_suffix = rng.choices("县区市", weights=(6, 3, 1))[0]
        city_name, county_name = f"{city}市", f"{county}{county_suffix}"
        roll = rng.random()
        if roll < 0.006:
            level, place, py = "province_gov", province, city_py
            agency, scale = f"{province}人民政府", 1500.0
        elif roll < 0.03:
            level, place, py = "city_gov", city_name, city_py
            agency, scale = f"{city_name}人民政府", 400.0
        elif roll < 0.16:
            level, place, py = "county_gov", county_name, county_py
            agency, scale = f"{county_name}人民政府", 100.0
        elif roll < 0.30:
            town, town_py = self._place()
            kind = rng.choices(("镇", "乡", "街道", "苗族乡"), weights=(6, 3, 3, 1))[0]
            body = "街道办事处" if kind == "街道" else f"{kind}人民政府"
            level, place, py = "township", county_name, county_py + town_py
            agency, scale = f"{town}{body}", 1.0
            if rng.random() < 0.3:
                agency = f"{county_name}{agency}"
        elif roll < 0.34:
            level, place, py = "department", province, city_py
            agency, scale = f"{province}{rng.choice(PROVINCE_DEPARTMENTS)}", 60.0
        elif roll < 0.52:
            level, place, py = "department", city_name, city_py
            agency, scale = f"{city_name}{rng.choice(CITY_DEPARTMENTS)}", 20.0
        else:
            level, place, py = "department", county_name, county_py
            agency, scale = f"{county_name}{rng.choice(COUNTY_DEPARTMENTS)}", 4.0
        if level == "department":
            self_ref = next(s for suffix, s in SELF_BY_SUFFIX if agency.endswith(suffix))
            subject = self_ref
            office = f"{agency}办公室" if not agency.endswith("办公室") else agency
            site = f"{place}人民政府网"
        elif level == "township":
            self_ref = "我街道" if agency.endswith("办事处") else "我" + agency[-5]
            subject = "全街道" if agency.endswith("办事处") else "全" + agency[-5]
            office = f"{agency}党政办公室"
            site = f"{place}人民政府网"
        else:
            self_ref = "我" + place[-1]
            subject = "全" + place[-1]
            office = f"{agency}办公室"
            site = f"{place}政府网"
        address = f"{place}{rng.choice(ROADS)}路{rng.randint(1, 299)}号"
        if level == "province_gov" or (level == "department" and place == province):
            address = f"{province}{city_name}{rng.choice(ROADS)}路{rng.randint(1, 299)}号"
        return Entity(
            agency=agency,
            level=level,
            place=place,
            province=province,
            subject=subject,
            self_ref=self_ref,
            office=office,
            site=site,
            url=f"www.{py}.gov.cn",
            address=address,
            scale=scale * rng.lognormvariate(0.0, 0.6),
            old_style=old_style,
            # from this year on the old table; before it, figures in prose only
            table_from=rng.choice((first_year, first_year, 2019, rng.randint(first_year, 2018))),
            names_itself=rng.choice((0.0, 0.85, 0.95, 1.0)),
        )
