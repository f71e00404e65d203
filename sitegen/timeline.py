"""Timelines: events, dated facts and articles in time order, and the SVG
that draws them at build time (no JavaScript)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from markupsafe import Markup

from sitegen.validate import as_day

if TYPE_CHECKING:
    from sitegen.render import Shaper

LANES = ("event", "fact", "article")
LANE_TITLES = {"event": "Events", "fact": "Facts", "article": "Articles"}


def timeline_entries(shaper: "Shaper", only: str | None = None) -> list[dict]:
    """Timeline rows, oldest first; `only` keeps what concerns one event."""
    from sitegen.render import display_date, time_text

    site, graph, urls = shaper.site, shaper.graph, shaper.urls
    rows: list[tuple] = []

    def add(day: dt.date, lane: str, title: str, url: str, detail: str, end: dt.date | None = None) -> None:
        rows.append((day, lane, title, url, detail, end))

    if only is None:
        events = [e for e in site.entities.values() if e.kind == "events"]
    else:  # the event and its parts, which its relations name (not every event of the site)
        near = (site.entities.get(entity_id) for entity_id in dict.fromkeys([only, *(r.other for r in graph.relations.get(only, ()))]))
        events = [e for e in near if e is not None and e.kind == "events" and (e.id == only or only in e.relations.get("part_of", []))]
    for event in events:
        start = event.attributes.get("date") or event.attributes.get("start")
        if start is not None:
            add(as_day(start), "event", event.name, urls.entity(event.kind, event.id), str(shaper.inline_markdown(event.summary).striptags()), as_day(event.attributes.get("end")))
    entities = [site.entities[only]] if only is not None else site.entities.values()
    for entity in entities:
        for fact in entity.facts:
            day = fact.date or fact.start
            if day is None or fact.rank == "deprecated":
                continue
            value = shaper.value_data(fact)["text"]
            add(as_day(day), "fact", f"{entity.name}: {fact.claim} — {value}", urls.entity(entity.kind, entity.id) + f"#fact-{fact.index + 1}", "" if fact.date is not None else time_text(fact))
    article_ids = graph.articles_by_date if only is None else [m.article_id for m in graph.mentions.get(only, [])]
    for article_id in article_ids:
        article = site.articles[article_id]
        add(as_day(article.date), "article", article.title, urls.article(article_id), article.publisher)
    rows.sort(key=lambda r: (r[0], LANES.index(r[1]), r[2], r[3]))
    # Entries of one day share its texts: a site's timeline has hundreds of
    # thousands of entries over a few thousand days.
    day_texts = {day: (display_date(day), day.isoformat()) for day in dict.fromkeys(row[0] for row in rows)}
    lane_titles = {lane: LANE_TITLES[lane][:-1] for lane in LANES}
    return [
        {"date": day_texts[day][0], "date_iso": day_texts[day][1], "lane": lane, "lane_title": lane_titles[lane], "title": title, "url": url, "detail": detail, "end_iso": end.isoformat() if end else ""}
        for day, lane, title, url, detail, end in rows
    ]


@dataclass(frozen=True)
class TimelineSvg:
    """The SVG of a timeline's entries, drawn when the page prints it.

    It is the size of the page's list again (tens of megabytes for a site's
    whole timeline). Drawn from the entries the page carries anyway, it is
    never held beside them while the page waits for a worker, nor sent to
    one; and a template that loops over it (`{% for part in svg %}`) prints
    it part by part, so that it is never held whole at all. Printed as it
    is (`{{ svg|safe }}`), it is the whole SVG.
    """

    entries: list[dict]

    def __html__(self) -> str:
        return timeline_svg(self.entries)

    def __str__(self) -> str:
        return self.__html__()

    def __bool__(self) -> bool:
        return bool(self.entries)

    def __iter__(self) -> Iterator[Markup]:
        """The SVG in parts of a few thousand lines, which joined make `timeline_svg`."""
        lines = _svg_lines(self.entries)
        separator = ""
        while part := list(itertools.islice(lines, SVG_PART_LINES)):
            yield Markup(separator + "\n".join(part))
            separator = "\n"


SVG_PART_LINES = 4000


def timeline_svg(entries: list[dict], width: int = 960) -> str:
    """A deterministic SVG: one lane per kind of entry, a dot (or bar) per entry, linked."""
    return "\n".join(_svg_lines(entries, width))


def _svg_lines(entries: list[dict], width: int = 960) -> Iterator[str]:
    """The lines of `timeline_svg`, made one at a time."""
    if not entries:
        return
    days = [dt.date.fromisoformat(e["date_iso"]) for e in entries]
    ends = [dt.date.fromisoformat(e["end_iso"]) for e in entries if e["end_iso"]]
    first, last = min(days), max(days + ends)
    span = max((last - first).days, 1)
    left, right, lane_height, top = 90, 20, 34, 10
    plot = width - left - right
    height = top + lane_height * len(LANES) + 30

    def x(day: dt.date) -> float:
        return round(left + plot * (day - first).days / span, 1)

    yield f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline-svg" viewBox="0 0 {width} {height}" aria-labelledby="timeline-svg-title">'
    yield f'<title id="timeline-svg-title">Timeline from {first.isoformat()} to {last.isoformat()}, {len(entries)} entries</title>'
    for index, lane in enumerate(LANES):
        y = top + lane_height * index + lane_height / 2
        yield f'<text class="lane-label" x="0" y="{y + 4}">{LANE_TITLES[lane]}</text>'
        yield f'<line class="lane" x1="{left}" y1="{y}" x2="{width - right}" y2="{y}"/>'
    axis_y = top + lane_height * len(LANES) + 4
    yield f'<line class="axis" x1="{left}" y1="{axis_y}" x2="{width - right}" y2="{axis_y}"/>'
    for tick, label in _ticks(first, last):
        yield f'<line class="tick" x1="{x(tick)}" y1="{axis_y}" x2="{x(tick)}" y2="{axis_y + 5}"/>'
        yield f'<text class="tick-label" x="{x(tick)}" y="{axis_y + 18}" text-anchor="middle">{label}</text>'
    for entry, day in zip(entries, days):
        y = top + lane_height * LANES.index(entry["lane"]) + lane_height / 2
        label = escape(f'{entry["date"]}: {entry["title"]}')
        yield f'<a href="{escape(entry["url"])}" class="mark mark-{entry["lane"]}"><title>{label}</title>'
        if entry["end_iso"]:
            end = dt.date.fromisoformat(entry["end_iso"])
            yield f'<rect x="{x(day)}" y="{y - 5}" width="{max(x(end) - x(day), 4)}" height="10" rx="5"/>'
        else:
            yield f'<circle cx="{x(day)}" cy="{y}" r="6"/>'
        yield "</a>"
    yield "</svg>"


def _ticks(first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
    span = (last - first).days
    ticks = []
    if span > 3 * 365:
        for year in range(first.year + 1, last.year + 1):
            ticks.append((dt.date(year, 1, 1), str(year)))
    elif span > 60:
        year, month = first.year, first.month
        while True:
            month += 1
            if month > 12:
                year, month = year + 1, 1
            day = dt.date(year, month, 1)
            if day > last:
                break
            ticks.append((day, day.strftime("%b %Y")))
        step = max(1, len(ticks) // 10)
        ticks = ticks[::step]
    else:
        step = max(1, span // 8)
        day = first
        while day <= last:
            ticks.append((day, f"{day.day} {day.strftime('%b')}"))
            day += dt.timedelta(days=step)
    return ticks
