"""The page of marsedl's self-contained HTML reports: style, tables, figure embedding, the canopy section and
the page itself (one file that works offline: Plotly embedded, no CDN, no network). The nominal report is
:mod:`marsedl.report.html`, the Monte Carlo report :mod:`marsedl.report.html_montecarlo`.
"""

from __future__ import annotations

import html as _html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from marsedl.errors import MarsEDLError

#: The message on Mars 2020's parachute (NASA/JPL, 2021-02-22 press briefing): JPL's motto on the three disk
#: rings and JPL's coordinates on the band.
CANOPY_WORDS = "DARE MIGHTY THINGS"


CANOPY_BAND = "34°11'58\"N 118°10'31\"W"


_CSS = """
:root { --ink:#1b1b1b; --muted:#5a5a5a; --line:#d9d9d9; --accent:#c8102e; --bg:#fafafa; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink);
       margin: 0; background: var(--bg); }
header { background: #1f2a36; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 0; color: #cfd8e3; }
nav { position: sticky; top: 0; background: #fff; border-bottom: 1px solid var(--line); padding: 6px 28px; z-index: 5;
      font-size: 14px; }
nav a { margin-right: 16px; color: #1f5f99; text-decoration: none; }
main { max-width: 1280px; margin: 0 auto; padding: 8px 28px 40px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 18px; margin: 16px 0; }
h2 { font-size: 19px; margin: 4px 0 10px; border-bottom: 2px solid var(--accent); display: inline-block; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 10px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.card b { display: block; font-size: 20px; }
.card span { color: var(--muted); font-size: 13px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { background: #f0f3f6; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
.plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(560px, 100%), 1fr)); gap: 12px; }
.plot { min-width: 0; min-height: 420px; overflow: hidden; border: 1px solid var(--line); border-radius: 6px; }
.canopy { display: flex; flex-wrap: wrap; gap: 24px; align-items: center; }
.canopy svg { width: 320px; height: 320px; }
.message { font-size: 22px; letter-spacing: 2px; font-weight: 700; }
pre { background: #f6f6f6; border: 1px solid var(--line); padding: 10px; max-height: 420px; overflow: auto;
      font-size: 12.5px; }
.muted { color: var(--muted); }
h3 { font-size: 15px; margin: 14px 0 6px; }
.scroll { overflow-x: auto; }
@media print {
  body { background: #fff; font-size: 11pt; }
  header { background: #fff; color: #000; border-bottom: 2px solid #000; padding: 0 0 6px; }
  header p { color: #333; }
  nav { display: none; }
  main { max-width: none; padding: 0; }
  section { border: none; padding: 0; margin: 12px 0; break-inside: auto; }
  .plots { display: block; }
  .plot { break-inside: avoid; border: none; margin-bottom: 8px; }
  pre { max-height: none; overflow: visible; white-space: pre-wrap; font-size: 8.5pt; }
  a { color: #000; text-decoration: none; }
  .modebar-container { display: none !important; }
}
"""


#: Once the page is laid out, fit every plot to its final box (plots drawn before the grid is complete would
#: keep their first width).
_RESIZE = ("<script>window.addEventListener('load', function () { document.querySelectorAll('.js-plotly-plot')"
           ".forEach(function (g) { Plotly.Plots.resize(g); }); });</script>")


_PLOT_CONFIG = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"format": "png", "scale": 2}}


def _esc(x: Any) -> str:
    return _html.escape(str(x), quote=True)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, cls: str = "") -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<div class="scroll"><table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _fig_html(fig: Any, div_id: str) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=_PLOT_CONFIG,
                       default_height="440px", default_width="100%")


def _layout(fig: Any, title: str, x: str, y: str) -> None:
    fig.update_layout(title={"text": title, "x": 0.01}, template="plotly_white", margin={"l": 60, "r": 20, "t": 50,
                                                                                          "b": 50},
                      legend={"font": {"size": 11}, "orientation": "h", "y": -0.18}, hovermode="closest",
                      font={"size": 12})
    fig.update_xaxes(title_text=x)
    fig.update_yaxes(title_text=y)


def _canopy(words: str, band: str) -> tuple[str, str]:
    from marsedl.chute import decode, encode
    from marsedl.chute.draw import to_svg

    canopy = encode(words, band=band)
    svg = to_svg(canopy, size_px=320)
    svg = svg[svg.index("<svg"):]
    d = decode(canopy)
    msg = " ".join(d.words)
    coords = str(d.coordinates) if d.coordinates is not None else "(unreadable)"
    body = (f'<div class="canopy">{svg}<div><p class="muted">Decoded from the drawn pattern by '
            f'<code>marsedl.chute.decode</code> (confidence {d.confidence:.0%}):</p>'
            f'<p class="message" id="decoded-message">{_esc(msg)}</p><p>band: <b id="decoded-band">{_esc(coords)}'
            f'</b></p><p class="muted">Mars 2020\'s canopy, seen from below as the rover\'s up-look camera saw it: '
            f"red gores are 1s, white 0s; each ring's word starts at its 0000000111 marker (NASA/JPL, "
            f"2021-02-22).</p></div></div>")
    return body, msg


def _page(title: str, heading: str, subtitle_html: str, sections: Sequence[tuple[str, str, str]]) -> str:
    """The self-contained page: CSS and plotly.js inline, a sticky section index, the sections."""
    from plotly.offline import get_plotlyjs

    nav = "".join(f'<a href="#{sid}">{_esc(t)}</a>' for sid, t, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{_esc(t)}</h2>{content}</section>' for sid, t, content in sections)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_esc(title)}</title><link rel='icon' href='data:,'>"
        f"<style>{_CSS}</style><script type='text/javascript'>{get_plotlyjs()}</script></head><body>"
        f"<header><h1>{_esc(heading)}</h1><p>{subtitle_html}</p></header><nav>{nav}</nav><main>{body}</main>"
        f"{_RESIZE}</body></html>\n"
    )


def write(text: str, path: str | Path) -> Path:
    """Write the report; a path that cannot be written is a one-line error."""
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise MarsEDLError(f"report file '{path}': the name must end in .html")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise MarsEDLError(f"report file '{path}' cannot be written: {exc.strerror or exc}") from None
    return path

