"""Duplicates and incremental story clustering, without a database (real Traffy Fondue texts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from classify.clustering import Report, StoryClusterer, parse_published
from classify.dedup import DocPrint, DuplicateIndex, fix_latlon, jaccard, shingle_hashes, shingle_text

T0 = datetime(2023, 11, 27, 3, 0, tzinfo=UTC)
LIGHTS = "ไฟส่องถนนหน้ากรมสรรพกรดับเสีย สองเสาต่อเนื่อง ถนนมืดมาก อันตรายต่อคนเดินเท้า"
LIGHTS_2 = "ไฟส่องถนนหน้ากรมสรรพกร ดับเสียห้าเสาต่อเนื่อง ถนนมืดมาก"
BRIDGE = "สะพานเจริญนคร 5 ข้ามคลองบางไส้ไก่ ฝั่งขาออก ผิวจราจรเสียหาย บริเวณรอยต่อคอสะพาน เป็นหลุม"
TEMPLATE = "ยังคงพบรถจักรยานยนต์คันนี้จอดบนทางเท้า รบกวนเจ้าหน้าที่ตรวจสอบด้วยครับ"
ARI = (13.7797, 100.5446)


def report(key: str, text: str, hours: float = 0, point: tuple[float, float] | None = ARI, **kw: object) -> Report:
    return Report(key=key, text=text, when=T0 + timedelta(hours=hours), point=point, **kw)  # type: ignore[arg-type]


def test_shingles_ignore_hashtags_urls_spacing_and_thai_digits() -> None:
    assert shingle_text("ถนน  มืด #กทม https://x.co/a ๑๒") == "ถนนมืด12"
    a, b = shingle_hashes(LIGHTS), shingle_hashes(LIGHTS + " #กทม")
    assert jaccard(a, b) == 1.0
    assert jaccard(shingle_hashes(LIGHTS), shingle_hashes(BRIDGE)) < 0.1


def test_lat_lon_written_the_wrong_way_round_is_fixed() -> None:
    assert fix_latlon(100.49385, 13.75458) == (13.75458, 100.49385)
    assert fix_latlon(None, 100.5) is None and fix_latlon(0, 0) is None


def test_near_duplicate_found_and_template_elsewhere_is_not() -> None:
    index = DuplicateIndex()
    index.add(DocPrint("a", shingle_hashes(TEMPLATE), T0, (13.6960, 100.5326), None))
    near = DocPrint("b", shingle_hashes(TEMPLATE.replace("คันนี้", "คันเดิม")), T0, (13.6961, 100.5327), None)
    assert index.find(near) == "a"
    far = DocPrint("c", shingle_hashes(TEMPLATE), T0, (13.7129, 100.5268), None)  # ~2 km away: another bike
    assert index.find(far) is None
    by_district = DuplicateIndex()
    by_district.add(DocPrint("e", shingle_hashes(TEMPLATE), T0, None, "สาทร"))
    assert by_district.find(DocPrint("d", shingle_hashes(TEMPLATE), T0, None, "บางรัก")) is None
    assert by_district.find(DocPrint("f", shingle_hashes(TEMPLATE), T0, None, "สาทร")) == "e"


def test_exact_url_and_hash_are_duplicates_whatever_the_text() -> None:
    index = DuplicateIndex()
    index.add(DocPrint("a", shingle_hashes(LIGHTS), T0, None, None), "h1", "https://www.thairath.co.th/news/1")
    assert (
        index.find(DocPrint("b", shingle_hashes(BRIDGE), T0, None, None), None, "https://www.thairath.co.th/news/1")
        == "a"
    )
    assert index.find(DocPrint("c", shingle_hashes(BRIDGE), T0, None, None), "h1") == "a"


def test_reports_of_one_problem_share_a_story_and_others_do_not() -> None:
    c = StoryClusterer()
    first = c.add(report("1", LIGHTS))
    second = c.add(report("2", LIGHTS_2, hours=2, point=(13.7800, 100.5448)))
    bridge = c.add(report("3", BRIDGE, hours=3, point=(13.7225, 100.4820)))
    repost = c.add(report("4", LIGHTS + " #กทม", hours=4))
    assert first.new_story and second.story == first.story and not second.new_story
    assert bridge.story != first.story
    assert repost.duplicate_of == "1" and repost.story == first.story


def test_same_text_far_away_is_a_different_story() -> None:
    c = StoryClusterer()
    a = c.add(report("1", TEMPLATE, point=(13.6960, 100.5326)))
    b = c.add(report("2", TEMPLATE, hours=1, point=(13.7600, 100.6100)))
    assert a.story != b.story and b.duplicate_of is None


def test_a_month_later_is_a_new_story_linked_as_recurrence() -> None:
    c = StoryClusterer(open_days=7)
    first = c.add(report("1", LIGHTS))
    c.add(report("2", BRIDGE, hours=24 * 20, point=(13.7225, 100.4820)))  # time passes, the first story closes
    again = c.add(report("3", LIGHTS_2, hours=24 * 31, point=(13.7799, 100.5447)))
    assert again.new_story and again.story != first.story
    assert again.recurrence_of == first.story


def test_people_decisions_merge_and_pin() -> None:
    c = StoryClusterer(open_days=1)
    a = c.add(report("1", LIGHTS))
    b = c.add(report("2", BRIDGE, point=(13.7225, 100.4820)))
    c.merge(b.story, a.story)  # a person merged the bridge story into the lights story
    follow = c.add(report("3", BRIDGE + " ยังไม่ซ่อม", hours=1, point=(13.7225, 100.4820)))
    assert follow.story == a.story
    forced = c.add(report("4", "ต้นไม้ล้มขวางถนน", hours=2), story=b.story)  # placed by a person, merged away
    assert forced.story == a.story
    c.pin(a.story)
    c.add(report("5", "ขยะล้นถัง", hours=24 * 10, point=(13.90, 100.60)))
    assert a.story in c.stories  # pinned: the clock does not close it


def test_index_saved_and_loaded_continues_the_same_stories(tmp_path: Path) -> None:
    c = StoryClusterer()
    first = c.add(report("1", LIGHTS))
    path = tmp_path / "index.pickle"
    c.save(path)
    loaded = StoryClusterer.load(path)
    assert loaded.add(report("2", LIGHTS_2, hours=1)).story == first.story
    assert loaded.add(report("3", LIGHTS, hours=2)).duplicate_of == "1"
    assert loaded.add(report("4", BRIDGE, hours=3, point=None)).story not in {first.story}


def test_published_parsing() -> None:
    assert parse_published("2023-11-27 10:00") == datetime(2023, 11, 27, 3, 0, tzinfo=UTC)
    assert parse_published("2023-11-27T10:00:00+00:00") == datetime(2023, 11, 27, 10, 0, tzinfo=UTC)
    assert parse_published("เมื่อวาน") is None and parse_published(None) is None


def test_a_city_wide_flood_written_up_from_many_angles_is_one_story() -> None:
    """Six Daily News articles (news_th, crawled 3 June 2017) on the Bangkok flooding of late May 2017
    share hardly a word; a headline naming the flood joins them. Not joined: a pumping-station opening
    and weather forecasts (no flood in the headline), and a flood headline outside Bangkok."""
    from classify.evaluate_stories import SET_DIR, load_set, report_of

    flood = {f"news:Thai-news-retrieval-{i}" for i in (39, 12, 19, 20, 62, 67)}
    others = {f"news:Thai-news-retrieval-{i}" for i in (113, 193, 4, 96, 226, 128)}
    clusterer = StoryClusterer()
    placed = {}
    for row in load_set(SET_DIR):
        placed[row["id"]] = clusterer.add(report_of(row)).story
    assert len({placed[i] for i in flood}) == 1
    story = placed[next(iter(flood))]
    assert all(placed[i] != story for i in others)
    # the same headline in another province, or a day and a half later, starts its own story
    when = T0
    c2 = StoryClusterer()
    first = c2.add(Report("a", "ฝนตกหนักทั้งคืน กทม.", "น้ำท่วมถนนหลายสาย", when)).story
    assert c2.add(Report("b", "ผู้ว่าฯ ลงพื้นที่ กทม.", "ระบายน้ำเร่งด่วน", when + timedelta(hours=3))).story == first
    assert c2.add(Report("c", "จังหวัดอุดรธานี ฝนตกหนัก", "น้ำท่วมชุมชนเมือง", when + timedelta(hours=4))).story != first
    late = c2.add(Report("d", "กทม. ฝนตกอีกระลอก", "น้ำท่วมขังถนนรามคำแหง", when + timedelta(hours=40)))
    assert late.story != first


def test_band_buckets_keep_only_their_most_recent_documents() -> None:
    from classify.dedup import BUCKET_CAP, BandIndex, signature

    index = BandIndex()
    sig = signature(shingle_hashes(TEMPLATE))
    for i in range(BUCKET_CAP + 10):
        index.insert(i, sig)
    found = index.query(sig)
    assert found == set(range(10, BUCKET_CAP + 10))  # a much-pasted template: the latest copies only
    index.remove(BUCKET_CAP + 9)
    assert BUCKET_CAP + 9 not in index.query(sig) and len(index) == BUCKET_CAP + 9
