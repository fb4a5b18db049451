"""CONVEYOR_SOURCES_FILE: validation with errors naming the file and the entry, ${ENV}
references in headers, and a listing without secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from conveyor_sources import (
    FeedSource,
    HttpSource,
    MissingSecret,
    SourcesFileError,
    UnknownSource,
    find_source,
    load_sources,
    public_sources,
)
from conveyor_sources.secrets import expand
from tests.unit.families.sources import SourcesFile

ENERGY = {
    "name": "energy",
    "type": "http",
    "url": "https://energy.example/units/{unit}/readings?from={start}&to={end}",
    "headers": {"Authorization": "Bearer ${ENERGY_API_TOKEN}", "Accept": "application/json"},
    "records": "readings",
    "key": ["unit", "timestamp"],
    "timeouts": {"connect": 2, "read": 10},
}
CALENDAR = {"name": "holidays", "type": "ical", "url": "https://cal.example/holidays.ics"}
NEWS = {"name": "news", "type": "rss", "url": "https://news.example/feed.xml"}


def test_a_sources_file_loads_http_and_feed_sources(sources_file: SourcesFile) -> None:
    sources_file([ENERGY, CALENDAR, NEWS])
    sources = load_sources()
    assert [s.name for s in sources] == ["energy", "holidays", "news"]
    energy = sources.get("energy")
    assert isinstance(energy, HttpSource)
    assert energy.key == ["unit", "timestamp"]
    assert energy.timeouts.read == 10
    assert isinstance(sources.get("holidays"), FeedSource)


def test_without_a_sources_file_there_are_no_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONVEYOR_SOURCES_FILE", raising=False)
    assert len(load_sources()) == 0


def test_a_bad_entry_is_named_with_the_file_its_position_and_field(
    sources_file: SourcesFile,
) -> None:
    path = sources_file([CALENDAR, {**ENERGY, "url": "https://x.example/{unit}/{month}"}])
    with pytest.raises(SourcesFileError) as refused:
        load_sources()
    message = str(refused.value)
    assert message.startswith(f"{path}: sources[1] ('energy'): url:")
    assert "{unit}, {start} and {end} only" in message
    assert "['month']" in message


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({**ENERGY, "key": []}, "key:"),
        ({**ENERGY, "type": "ftp"}, "sources[0] ('energy'):"),
        ({**ENERGY, "colour": "red"}, "colour: Extra inputs are not permitted"),
        ({**CALENDAR, "url": "file:///etc/passwd"}, "url: the url must start with http"),
        ({**ENERGY, "headers": {"X-Key": "${not a name}"}}, "is not an environment variable"),
        ({**CALENDAR, "name": "Has Spaces"}, "name:"),
    ],
)
def test_each_kind_of_mistake_is_refused(
    sources_file: SourcesFile, entry: dict[str, object], expected: str
) -> None:
    sources_file([entry])
    with pytest.raises(SourcesFileError, match="sources\\[0\\]") as refused:
        load_sources()
    assert expected in str(refused.value)


def test_a_name_used_twice_is_refused(sources_file: SourcesFile) -> None:
    sources_file([CALENDAR, {**NEWS, "name": "holidays"}])
    with pytest.raises(SourcesFileError, match=r"sources\[1\]: the name 'holidays' is used twice"):
        load_sources()


def test_a_file_that_is_not_a_sources_list_is_refused(tmp_path: Path) -> None:
    for text, expected in [
        ("sources: [unclosed", "not valid YAML"),
        ("- a list\n", "one top-level key, 'sources:'"),
        ("sources: {name: x}\n", "'sources:' must be a list"),
    ]:
        path = tmp_path / "sources.yaml"
        path.write_text(text)
        with pytest.raises(SourcesFileError, match=expected):
            load_sources(path)
    with pytest.raises(SourcesFileError, match="cannot read the sources file"):
        load_sources(tmp_path / "missing.yaml")


def test_a_changed_file_is_read_again(sources_file: SourcesFile) -> None:
    path = sources_file([CALENDAR])
    assert [s.name for s in load_sources()] == ["holidays"]
    path.write_text(path.read_text().replace("holidays", "school-closures"))
    assert [s.name for s in load_sources()] == ["school-closures"]


def test_the_listing_shows_header_names_but_never_their_values(
    sources_file: SourcesFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENERGY_API_TOKEN", "s3cr3t-token")
    sources_file([ENERGY, CALENDAR])
    listed = public_sources()
    assert listed[0] == {
        "name": "energy",
        "type": "http",
        "url": ENERGY["url"],
        "headers": ["Accept", "Authorization"],
        "records": "readings",
        "key": ["unit", "timestamp"],
    }
    assert listed[1] == {"name": "holidays", "type": "ical", "url": CALENDAR["url"], "headers": []}
    assert "s3cr3t" not in repr(listed)
    assert "ENERGY_API_TOKEN" not in repr(listed)


def test_header_references_expand_from_the_environment_at_use() -> None:
    headers = {"Authorization": "Bearer ${ENERGY_API_TOKEN}"}
    assert expand("energy", headers, {"ENERGY_API_TOKEN": "abc"}) == {"Authorization": "Bearer abc"}
    with pytest.raises(MissingSecret, match=r"\$\{ENERGY_API_TOKEN\}, which is not set") as missing:
        expand("energy", headers, {})
    assert "Bearer" not in str(missing.value)


def test_finding_a_source_checks_its_name_and_type(sources_file: SourcesFile) -> None:
    sources_file([ENERGY, CALENDAR])
    assert find_source("energy", HttpSource, {"http"}).name == "energy"
    with pytest.raises(
        UnknownSource, match=r"unknown http source 'holidays' \(configured: energy\)"
    ):
        find_source("holidays", HttpSource, {"http"})
    with pytest.raises(UnknownSource, match="configured: holidays"):
        find_source("nope", FeedSource, {"ical", "rss"})
