from __future__ import annotations

import pytest

from bkkwatch.registry import Registry, RegistryError, shipped_registry
from storage.agencies import list_agencies, registry_from_db, sync_agencies


@pytest.mark.parametrize(
    "text",
    [
        "เขตบางรัก",
        "สนข.บางรัก",
        "สนข. บางรัก",
        "สำนักงานเขตบางรัก",
        "สำนักงานเขต บางรัก",
        "Bang Rak district office",
        "BANG RAK DISTRICT OFFICE",
        "เขต\u200bบางรัก",
    ],
)
def test_one_agency_many_names(text: str) -> None:
    entry = shipped_registry().resolve(text)
    assert entry is not None and entry.name_th == "สำนักงานเขตบางรัก"


def test_registry_has_every_district_and_the_outside_bodies() -> None:
    registry = shipped_registry()
    districts = registry.districts()
    assert len(districts) == 50
    assert len({d.district_code for d in districts}) == 50
    assert all(d.details.get("subdistricts") for d in districts)
    external = {e.name_en for e in registry.entries if e.external}
    for body in (
        "Metropolitan Electricity Authority",
        "Metropolitan Waterworks Authority",
        "Department of Highways",
        "Royal Thai Police",
        "State Railway of Thailand",
    ):
        assert any(body.lower() in name.lower() for name in external), body
    assert registry.resolve("กฟน.").external
    assert not registry.resolve("สำนักการระบายน้ำ").external


def test_placeholders_and_unknown_names_resolve_to_nothing() -> None:
    registry = shipped_registry()
    assert registry.resolve("กรุงเทพมหานคร") is None
    assert registry.resolve("เพื่อนชัชชาติ") is None
    assert registry.resolve("ไม่มีหน่วยงานนี้") is None
    assert registry.resolve("   ") is None


def test_traffy_organisation_strings() -> None:
    registry = shipped_registry()
    names = [e.name_th for e in registry.resolve_many("เพื่อนชัชชาติ, กรุงเทพมหานคร, เขตพระนคร, สำนักการระบายน้ำ กทม.")]
    assert names == ["สำนักงานเขตพระนคร", "สำนักการระบายน้ำ"]
    assert registry.resolve("สน.ลุมพินี").name_th == "สำนักงานตำรวจแห่งชาติ"


def test_registry_matches_geothai() -> None:
    geothai = pytest.importorskip("geothai")
    bangkok = {d.name_th.removeprefix("เขต") for d in geothai.districts("10")}
    assert {d.district_th for d in shipped_registry().districts()} == bangkok


def test_an_alias_naming_two_agencies_is_refused() -> None:
    a, b = shipped_registry().entries[:2]
    clash = type(b)(**{**b.__dict__, "aliases": (*b.aliases, a.name_th)})
    with pytest.raises(RegistryError, match="names both"):
        Registry([a, clash])


def test_sync_is_idempotent(session) -> None:  # type: ignore[no-untyped-def]
    first = sync_agencies(session)  # the fixture database was loaded already
    assert first.added == 0 and first.updated == 0
    assert first.unchanged == len(shipped_registry())
    assert len(list_agencies(session)) == len(shipped_registry())
    assert registry_from_db(session).resolve("สนข.บางรัก").name_th == "สำนักงานเขตบางรัก"
    assert len(list_agencies(session, "district")) == 50
