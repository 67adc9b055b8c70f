"""The HTML report: self-contained (no network references), with the timeline, plots, debris and message."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from marsedl import __version__
from marsedl.errors import MarsEDLError
from marsedl.report import html
from marsedl.scenario import preset_text


class _Refs(HTMLParser):
    """Collect tag attributes that would make a browser fetch something (script bodies are not parsed)."""

    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.tags: dict[str, int] = {}
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for k, v in attrs:
            if k == "id":
                self.ids.add(v)
            if k in ("src", "href", "data", "poster", "srcset", "action") and v is not None:
                self.refs.append((tag, k, v))


@pytest.fixture(scope="module")
def page(nominal) -> str:
    return html.render_nominal(nominal)


def test_self_contained(page):
    p = _Refs()
    p.feed(page)
    external = [r for r in p.refs if r[2].lower().startswith(("http:", "https:", "//", "ftp:"))]
    assert external == []
    # scripts are inline: none has a src, and Plotly's library itself is embedded
    assert all(not (tag == "script" and k == "src") for tag, k, _ in p.refs)
    assert "@import" not in page.split("<script", 1)[0]
    assert "Plotly" in page and len(page) > 1_000_000  # plotly.js is ~4.6 MB


def test_contains_timeline_debris_and_message(nominal, page):
    for e in nominal.events:
        assert f"{e.time_s:.1f}" in page
    assert "Parachute deploy" in page and "Touchdown" in page
    for i in nominal.impacts:
        assert f"{i.distance_from_rover_m:,.0f}" in page
    # the decoded canopy message and band (JPL's motto and coordinates, NASA/JPL 2021-02-22)
    assert 'id="decoded-message">DARE MIGHTY THINGS<' in page
    assert "34°11&#x27;58&quot;N 118°10&#x27;31&quot;W" in page
    assert page.count("<path class=\"gore\"") == 4 * 80  # 3 disk rings and the band, 80 gores each


def test_inputs_sources_seed_version(page):
    text = preset_text("mars2020")
    comment = next(line for line in text.splitlines() if line.strip().startswith("#") and len(line) > 30)
    import html as std_html

    assert std_html.escape(comment.strip(), quote=True) in page
    assert f"marsedl {__version__}" in page
    assert "n/a (nominal)" in page


def test_four_interactive_plots_and_print_css(page):
    p = _Refs()
    p.feed(page)
    assert {"altitude-speed", "loads", "debris-map", "landing-site"} <= p.ids
    assert page.count("Plotly.newPlot(") == 4
    assert "@media print" in page


def test_unwritable_report_is_one_line(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")  # a file where the report's folder should be
    with pytest.raises(MarsEDLError, match="cannot be written"):
        html.write("<html></html>", blocker / "x.html")
    with pytest.raises(MarsEDLError, match=r"\.html"):
        html.write("<html></html>", tmp_path / "report.pdf")
