"""Relation graphs drawn at build time as SVG (no JavaScript).

Two pictures:

- `entity_graph`: one entity in the middle, the entities it is related to
  around it (relations both ways, the events it took part in, and the
  entities it shares most articles with), each edge labelled by its
  relation. Neighbours sit in two columns, one row each, ordered by kind
  then name, so labels never overlap however long the names; at most
  `MAX_NEIGHBOURS` are drawn (events first, then other relations, then
  shared articles) and the page lists them all next to the picture.
- `site_graph`: every entity on one ring, grouped by kind in arcs and
  ordered by name within each arc, with the relations drawn as curves
  bundled through one hub per kind, so 300 entities make bundles rather
  than a hairball. A `focus` kind keeps only the edges that touch it and
  dims the entities they do not reach (the per-kind views of `/graph/`).

Layouts depend only on sorted data, never on dict or set order, and numbers
are rounded, so the same site gives byte-identical SVG. Every node is a
link to its entity's page. The SVGs carry `<title>`/`<desc>` and no `role`:
they hold links, so they are groups of links, not images.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Iterable

from sitegen.model import KIND_SINGULAR, KIND_TITLES, KINDS

if TYPE_CHECKING:
    from sitegen.render import Shaper

MAX_NEIGHBOURS = 20
"""Entities drawn around one entity at most."""
MAX_SHARED_ONLY = 12
"""Of those, at most this many are linked by shared articles alone."""
SHARED_LABEL = "shared articles"

# --------------------------------------------------------------------------
# text measurement: SVG text is laid out by the browser, so widths are
# estimated (generously) from average glyph widths of a sans-serif face.

_NARROW = set("iljtfI.,:;'’!|()[] ")
_WIDE = set("mwMWÆŒ@%")


def text_width(text: str, size: float) -> float:
    """Estimated width in px of `text` set in a sans-serif face at `size` px."""
    return _width_in_ems(text) * size


@functools.lru_cache(maxsize=1 << 16)
def _width_in_ems(text: str) -> float:
    # Cached: the same names are measured on the graph of every neighbour.
    width = 0.0
    for char in text:
        if char in _NARROW:
            width += 0.34
        elif char in _WIDE:
            width += 0.92
        elif char.isupper() or char.isdigit():
            width += 0.72
        else:
            width += 0.6
    return width


def fit(text: str, size: float, room: float) -> str:
    """`text`, cut with an ellipsis to fit `room` px."""
    if text_width(text, size) <= room:
        return text
    cut = text
    while cut and text_width(cut + "…", size) > room:
        cut = cut[:-1]
    return cut.rstrip(" ,;:-–—") + "…"


def wrap(text: str, size: float, room: float, lines: int) -> list[str]:
    """`text` broken into at most `lines` lines of `room` px (the last one cut)."""
    words = text.split()
    out: list[str] = []
    while words and len(out) < lines:
        line = words.pop(0)
        while words and text_width(line + " " + words[0], size) <= room:
            line += " " + words.pop(0)
        out.append(line)
    if words:
        out[-1] = fit(out[-1] + " " + " ".join(words), size, room)
    return [fit(line, size, room) for line in out]


@functools.lru_cache(maxsize=1 << 12)
def num(value: float) -> str:
    """A coordinate, rounded to 0.1 px and printed without a trailing '.0'."""
    # Cached: the pictures of entities are laid out on one grid, so the same
    # few hundred coordinates are printed a million times on a large site.
    text = "%.1f" % value  # rounds as round(value, 1) does, without the call
    text = text[:-2] if text.endswith(".0") else text
    return "0" if text == "-0" else text


@functools.lru_cache(maxsize=1 << 12)
def marker(kind: str, x: float, y: float, r: float) -> str:
    """The shape of a kind (colour alone does not tell kinds apart)."""
    if kind == "people":
        return f'<circle class="marker" cx="{num(x)}" cy="{num(y)}" r="{num(r)}"/>'
    if kind == "places":
        s = r * 0.9
        return f'<rect class="marker" x="{num(x - s)}" y="{num(y - s)}" width="{num(2 * s)}" height="{num(2 * s)}"/>'
    if kind == "events":
        s = r * 1.2
        return f'<path class="marker" d="M{num(x)} {num(y - s)}L{num(x + s)} {num(y)}L{num(x)} {num(y + s)}L{num(x - s)} {num(y)}Z"/>'
    s = r * 1.1  # organisations: a hexagon
    points = " ".join(f"{num(x + s * math.cos(math.radians(a)))},{num(y + s * math.sin(math.radians(a)))}" for a in range(0, 360, 60))
    return f'<polygon class="marker" points="{points}"/>'


def legend(kinds: Iterable[str], x: float, y: float, size: float = 12) -> tuple[list[str], float]:
    """A one-line key of the kinds' shapes; returns the parts and the width used."""
    parts = ['<g class="legend">']
    at = x
    for kind in kinds:
        parts.append(f'<g class="kind-{kind}">{marker(kind, at + 6, y - size * 0.35, 5)}</g>')
        label = KIND_TITLES[kind]
        parts.append(f'<text x="{num(at + 16)}" y="{num(y)}">{escape(label)}</text>')
        at += 16 + text_width(label, size) + 18
    parts.append("</g>")
    return parts, at - x


# --------------------------------------------------------------------------
# one entity and its neighbours


def entity_neighbours(shaper: "Shaper", entity_id: str) -> tuple[list[dict], int]:
    """The entities drawn around `entity_id`, in drawing order, and how many there are in all.

    Each is {"id", "kind", "labels": [relation labels], "shared": n}.
    """
    shaper.record(f"relations:{entity_id}", f"related:{entity_id}")
    site, graph = shaper.site, shaper.graph
    found: dict[str, dict] = {}
    for relation in graph.relations.get(entity_id, []):
        other = relation.other
        if other == entity_id or other not in site.entities:
            continue
        item = found.setdefault(other, {"id": other, "labels": [], "shared": 0})
        if relation.label not in item["labels"]:
            item["labels"].append(relation.label)
    shared_only = []
    for other, count in graph.related.get(entity_id, []):
        if other == entity_id or other not in site.entities:
            continue
        if other in found:
            found[other]["shared"] = count
        else:
            shared_only.append({"id": other, "labels": [], "shared": count})
    total = len(found) + len(shared_only)
    for item in list(found.values()) + shared_only:
        # Names and kinds of all candidates decide which are drawn.
        shaper.record(f"card:{item['id']}")
        item["kind"] = site.entities[item["id"]].kind
        item["name"] = site.entities[item["id"]].name

    # Take the related entities kind by kind in turn (events first), the
    # ones sharing most articles first, so a hub shows every kind it touches.
    queues = {
        kind: sorted((i for i in found.values() if i["kind"] == kind), key=lambda i: (-i["shared"], i["name"].casefold(), i["id"]))
        for kind in ("events",) + tuple(k for k in KINDS if k != "events")
    }
    related: list[dict] = []
    while len(related) < MAX_NEIGHBOURS and any(queues.values()):
        for queue in queues.values():
            if queue and len(related) < MAX_NEIGHBOURS:
                related.append(queue.pop(0))
    room = MAX_NEIGHBOURS - len(related)
    chosen = related + shared_only[: min(room, MAX_SHARED_ONLY)]
    chosen.sort(key=lambda item: (KINDS.index(item["kind"]), item["name"].casefold(), item["id"]))
    return chosen, total


def edge_label(item: dict) -> str:
    if item["labels"]:
        # Relations an entity states itself first; "Value of “X” for" (stated by the other) after.
        labels = sorted(item["labels"], key=lambda label: label.startswith("Value of "))
        return " · ".join(labels)
    count = item["shared"]
    return f"{count} shared article{'' if count == 1 else 's'}"


def entity_graph(shaper: "Shaper", entity_id: str) -> dict | None:
    """The picture of one entity's connections, or None when it has none.

    Returns {"svg", "shown", "total"}.
    """
    entity = shaper.site.entities[entity_id]
    neighbours, total = entity_neighbours(shaper, entity_id)
    if not neighbours:
        return None
    cards = {item["id"]: shaper.entity_card(item["id"]) for item in neighbours}
    svg = EntityGraphSvg(entity.name, entity.kind, neighbours, cards, total)
    return {"svg": svg, "shown": len(neighbours), "total": total}


@dataclass(frozen=True)
class EntityGraphSvg:
    """An entity's connections (`entity_graph_svg`), drawn when the page prints it.

    What it is drawn from is a fraction of the SVG's size, and drawing is a
    third of the time an entity page's data takes to make: a page handed to
    a worker (see `parallel.map_handed`) is drawn there, not by the process
    that prepares every page."""

    name: str
    kind: str
    neighbours: list[dict]
    cards: dict[str, dict]
    total: int

    def __html__(self) -> str:
        return entity_graph_svg(self.name, self.kind, self.neighbours, self.cards, self.total)

    def __str__(self) -> str:
        return self.__html__()


WIDTH = 680
COLUMN = 140
"""Distance from the middle to each column of neighbours."""
ROW = 44
TOP = 16
NAME_SIZE = 14
LABEL_SIZE = 12


def entity_graph_svg(name: str, kind: str, neighbours: list[dict], cards: dict[str, dict], total: int) -> str:
    """Two columns of neighbours, one row each, edges from the entity in the middle."""
    half = (len(neighbours) + 1) // 2
    columns = [neighbours[:half], neighbours[half:]] if len(neighbours) > 1 else [[], neighbours]
    rows = max(len(c) for c in columns)
    legend_y = TOP + rows * ROW + 22
    height = legend_y + 12
    centre_x, centre_y = WIDTH / 2, TOP + rows * ROW / 2
    name_lines = wrap(name, 15, 2 * COLUMN - 60, 3)
    box_w = max(text_width(line, 15) for line in name_lines) + 24
    box_h = len(name_lines) * 19 + 14
    title_id, desc_id = "graph-title", "graph-desc"
    kinds_shown = sorted({kind} | {n["kind"] for n in neighbours}, key=KINDS.index)
    shown = f"{len(neighbours)} of {total}" if total > len(neighbours) else str(total)
    desc = f"{name} ({KIND_SINGULAR[kind]}) and {shown} related entit{'y' if total == 1 else 'ies'}: " + "; ".join(
        f"{cards[n['id']]['name']} ({KIND_SINGULAR[n['kind']]}), {edge_label(n)}" for n in neighbours
    ) + "."
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="graph-svg entity-graph" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" aria-labelledby="{title_id}" aria-describedby="{desc_id}">',
        f'<title id="{title_id}">Connections of {escape(name)}</title>',
        f'<desc id="{desc_id}">{escape(desc)}</desc>',
    ]
    edges: list[str] = []
    nodes: list[str] = []
    for side, column in enumerate(columns):
        sign = -1 if side == 0 else 1
        node_x = centre_x + sign * COLUMN
        text_x = node_x + sign * 13
        anchor = "end" if side == 0 else "start"
        room = centre_x - COLUMN - 13 - 4
        offset = (rows - len(column)) * ROW / 2
        for index, item in enumerate(column):
            y = TOP + offset + index * ROW + ROW / 2
            start_x = centre_x + sign * box_w / 2
            mid = (start_x + node_x) / 2
            dash = "" if item["labels"] else " shared"
            edges.append(
                f'<path class="edge{dash}" d="M{num(start_x)} {num(centre_y)}C{num(mid)} {num(centre_y)} {num(mid)} {num(y)} {num(node_x - sign * 8)} {num(y)}"/>'
            )
            card = cards[item["id"]]
            label = edge_label(item)
            nodes.append(
                f'<a href="{escape(card["url"])}" class="node kind-{item["kind"]}"><title>{escape(card["name"])} ({KIND_SINGULAR[item["kind"]]}): {escape(label)}</title>'
                + marker(item["kind"], node_x, y, 6)
                + f'<text class="name" x="{num(text_x)}" y="{num(y - 3)}" text-anchor="{anchor}">{escape(fit(card["name"], NAME_SIZE, room))}</text>'
                + f'<text class="label" x="{num(text_x)}" y="{num(y + 13)}" text-anchor="{anchor}">{escape(fit(label, LABEL_SIZE, room))}</text>'
                + "</a>"
            )
    parts.append('<g class="edges">')
    parts += edges
    parts.append("</g>")
    parts += nodes
    parts.append(f'<g class="centre kind-{kind}">')
    parts.append(f'<rect class="box" x="{num(centre_x - box_w / 2)}" y="{num(centre_y - box_h / 2)}" width="{num(box_w)}" height="{num(box_h)}" rx="8"/>')
    first_y = centre_y - (len(name_lines) - 1) * 19 / 2 + 5
    for index, line in enumerate(name_lines):
        parts.append(f'<text class="centre-name" x="{num(centre_x)}" y="{num(first_y + index * 19)}" text-anchor="middle">{escape(line)}</text>')
    parts.append("</g>")
    key, _ = legend(kinds_shown, 4, legend_y)
    parts += key
    parts.append("</svg>")
    return "\n".join(parts)


# --------------------------------------------------------------------------
# every entity on one ring

NODE_GAP = 13.0
"""Arc length per label on the ring, in px: one line of 11 px text."""
RING_LABEL_SIZE = 11
RING_LABEL_ROOM = 180
"""Room for a name when the labels are in one tier."""
TIER_ROOM = 128
"""Room for a name in each tier when they are in two."""
MIN_RADIUS = 170
ONE_TIER_MAX_RADIUS = 260
RING_MAX = 600
"""Entities on the ring at most: past that, the most connected (the lists name them all)."""
BAND_THRESHOLD = 150
"""With more relations than this, the view of all entities sums them up by kinds."""
"""Past this, alternate names go to an outer tier, which halves the ring."""


def site_edges(shaper: "Shaper") -> list[tuple[str, str, list[str]]]:
    """Every relation once, as (a, b, labels) with a < b, sorted."""
    site, graph = shaper.site, shaper.graph
    cached = getattr(shaper, "_site_edges", None)
    if cached is not None:  # the same for every page of one build; the keys still count for each
        for entity_id in site.entities:
            shaper.record(f"relations:{entity_id}", f"card:{entity_id}")
        return cached
    edges: dict[tuple[str, str], list[str]] = {}
    for entity_id in sorted(site.entities):
        shaper.record(f"relations:{entity_id}", f"card:{entity_id}")
        for relation in graph.relations.get(entity_id, []):
            other = relation.other
            if other == entity_id or other not in site.entities:
                continue
            a, b = sorted((entity_id, other))
            labels = edges.setdefault((a, b), [])
            if relation.label not in labels:
                labels.append(relation.label)
    shaper._site_edges = [(a, b, labels) for (a, b), labels in sorted(edges.items())]
    return shaper._site_edges


def ring_order(shaper: "Shaper") -> list[str]:
    """All entities, by kind then name: the order of the ring and of the lists."""
    site = shaper.site
    for kind in KINDS:
        shaper.record(f"kind:{kind}")
    return sorted(site.entities, key=lambda e: (KINDS.index(site.entities[e].kind), site.entities[e].name.casefold(), e))


def ring_entities(shaper: "Shaper") -> list[str]:
    """The entities drawn on the ring, in ring order: all of them, or the
    RING_MAX most connected on a bigger site."""
    order = ring_order(shaper)
    if len(order) <= RING_MAX:
        return order
    degree = {e: 0 for e in order}
    for a, b, _ in site_edges(shaper):
        degree[a] += 1
        degree[b] += 1
    position = {e: i for i, e in enumerate(order)}
    kept = set(sorted(order, key=lambda e: (-degree[e], position[e]))[:RING_MAX])
    return [e for e in order if e in kept]


def kind_links(shaper: "Shaper") -> list[dict]:
    """Relations between kinds: {"a", "b", "count", "labels": [(label, n)]}, most first."""
    site = shaper.site
    pairs: dict[tuple[str, str], dict[str, int]] = {}
    for a, b, labels in site_edges(shaper):
        ka, kb = sorted((site.entities[a].kind, site.entities[b].kind), key=KINDS.index)
        counter = pairs.setdefault((ka, kb), {})
        counter[""] = counter.get("", 0) + 1
        for label in labels:
            if not label.startswith("Value of "):
                counter[label] = counter.get(label, 0) + 1
    rows = []
    for (ka, kb), counter in pairs.items():
        count = counter.pop("")
        labels = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
        rows.append({"a": ka, "b": kb, "count": count, "labels": labels})
    rows.sort(key=lambda r: (-r["count"], KINDS.index(r["a"]), KINDS.index(r["b"])))
    return rows


def site_graph_svg(shaper: "Shaper", focus: str | None = None) -> str:
    """The ring of all entities.

    Without `focus`, the relations are summed up as one band per pair of
    kinds (thicker for more); with `focus` (a kind), every relation that
    touches it is drawn, and entities it does not reach are dimmed.
    """
    site = shaper.site
    everyone = ring_order(shaper)
    order = ring_entities(shaper)
    if not order:
        return ""
    kinds = [k for k in KINDS if any(site.entities[e].kind == k for e in order)]
    gap_slots = 2 if len(kinds) > 1 else 0
    slots = len(order) + gap_slots * len(kinds)
    radius = max(MIN_RADIUS, slots * NODE_GAP / (2 * math.pi))
    tiers = 1
    if radius > ONE_TIER_MAX_RADIUS:
        tiers = 2
        radius = max(MIN_RADIUS, slots * NODE_GAP / 2 / (2 * math.pi))
    room = RING_LABEL_ROOM if tiers == 1 else TIER_ROOM
    labels = {e: fit(site.entities[e].name, RING_LABEL_SIZE, room) for e in order}
    longest = max(text_width(label, RING_LABEL_SIZE) for label in labels.values())
    reach = radius + 10 + (longest if tiers == 1 else room + 12 + longest) + 8
    legend_h = 28
    size = 2 * reach
    cx, cy = size / 2, reach + legend_h
    height = size + legend_h

    angle: dict[str, float] = {}
    arcs: dict[str, tuple[float, float]] = {}
    slot = gap_slots / 2
    for kind in kinds:
        first = slot
        for entity_id in order:
            if site.entities[entity_id].kind == kind:
                angle[entity_id] = 2 * math.pi * slot / slots - math.pi / 2
                slot += 1
        arcs[kind] = (2 * math.pi * first / slots - math.pi / 2, 2 * math.pi * (slot - 1) / slots - math.pi / 2)
        slot += gap_slots

    def point(theta: float, r: float) -> tuple[float, float]:
        return cx + r * math.cos(theta), cy + r * math.sin(theta)

    def hub(kind: str, r: float) -> tuple[float, float]:
        start, end = arcs[kind]
        return point((start + end) / 2, r)

    edges = site_edges(shaper)
    bands = focus is None and len(edges) > BAND_THRESHOLD
    if len(order) < len(everyone):
        shown = set(order)
        edges = [(a, b, ls) for a, b, ls in edges if a in shown and b in shown]
    drawn = [(a, b, ls) for a, b, ls in edges if focus is None or focus in (site.entities[a].kind, site.entities[b].kind)]
    touched = {e for a, b, _ in drawn for e in (a, b)}
    counts = ", ".join(f"{sum(1 for e in order if site.entities[e].kind == k)} {KIND_TITLES[k].lower()}" for k in kinds)
    if len(order) < len(everyone):
        counts = f"the {len(order)} most connected of {len(everyone)}: {counts}"
    if focus:
        title_id, desc_id = f"graph-{focus}-title", f"graph-{focus}-desc"
        title = f"Relations of {KIND_TITLES[focus].lower()}"
        desc = (f"{len(order)} entities ({counts}) on a ring, grouped by kind and ordered by name. "
                f"The {len(drawn)} relations that involve {KIND_TITLES[focus].lower()} are drawn; entities they do not reach are dimmed.")
    else:
        title_id, desc_id = "graph-all-title", "graph-all-desc"
        title = "All entities and their relations"
        desc = f"{len(order)} entities ({counts}) on a ring, grouped by kind and ordered by name. " + (
            f"Bands join the kinds, thicker for more relations ({len(edges)} in all)." if bands else f"The {len(edges)} relations between them are drawn as curves."
        )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="graph-svg site-graph" viewBox="0 0 {num(size)} {num(height)}" width="{num(size)}" height="{num(height)}" aria-labelledby="{title_id}" aria-describedby="{desc_id}">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(desc)}</desc>',
    ]
    key, _ = legend(kinds, 4, 18)
    parts += key
    for kind in kinds:  # the kind arcs, just inside the ring
        start, end = arcs[kind]
        pad = math.pi / slots
        x1, y1 = point(start - pad, radius - 12)
        x2, y2 = point(end + pad, radius - 12)
        large = 1 if (end - start + 2 * pad) > math.pi else 0
        parts.append(f'<path class="arc kind-{kind}" d="M{num(x1)} {num(y1)}A{num(radius - 12)} {num(radius - 12)} 0 {large} 1 {num(x2)} {num(y2)}"/>')
    parts.append('<g class="edges">')
    inner = radius - 18
    if bands:
        # A kind none of whose entities made it onto a capped ring has no arc to join.
        links = [link for link in kind_links(shaper) if link["a"] in arcs and link["b"] in arcs]
        most = max((link["count"] for link in links), default=1)
        for link in links:
            ka, kb = link["a"], link["b"]
            width = 2 + 16 * math.sqrt(link["count"] / most)
            if ka == kb:
                start, end = arcs[ka]
                span = end - start
                x1, y1 = point(start + span * 0.3, inner - width / 2)
                x2, y2 = point(end - span * 0.3, inner - width / 2)
                h = hub(ka, radius * 0.45)
                d = f"M{num(x1)} {num(y1)}Q{num(h[0])} {num(h[1])} {num(x2)} {num(y2)}"
            else:
                x1, y1 = point(sum(arcs[ka]) / 2, inner - width / 2)
                x2, y2 = point(sum(arcs[kb]) / 2, inner - width / 2)
                h1, h2 = hub(ka, radius * 0.3), hub(kb, radius * 0.3)
                d = f"M{num(x1)} {num(y1)}C{num(h1[0])} {num(h1[1])} {num(h2[0])} {num(h2[1])} {num(x2)} {num(y2)}"
            what = ", ".join(f"{label} {n}" for label, n in link["labels"][:4])
            parts.append(
                f'<path class="band from-{ka} to-{kb}" d="{d}" stroke-width="{num(width)}">'
                f"<title>{escape(KIND_TITLES[ka])} and {escape(KIND_TITLES[kb].lower())}: {link['count']} relation{'' if link['count'] == 1 else 's'}{' (' + escape(what) + ')' if what else ''}</title></path>"
            )
    else:
        for a, b, _ in drawn:
            ka, kb = site.entities[a].kind, site.entities[b].kind
            x1, y1 = point(angle[a], inner)
            x2, y2 = point(angle[b], inner)
            if ka == kb:
                h1 = h2 = hub(ka, radius * 0.55)
            else:
                h1, h2 = hub(ka, radius * 0.38), hub(kb, radius * 0.38)
            parts.append(f'<path class="edge" d="M{num(x1)} {num(y1)}C{num(h1[0])} {num(h1[1])} {num(h2[0])} {num(h2[1])} {num(x2)} {num(y2)}"/>')
    parts.append("</g>")
    for index, entity_id in enumerate(order):
        entity = site.entities[entity_id]
        theta = angle[entity_id]
        x, y = point(theta, radius)
        left = math.cos(theta) < -1e-9
        rotate = math.degrees(theta) + (180 if left else 0)
        outer = tiers == 2 and index % 2 == 1
        at = radius + 10 + (room + 12 if outer else 0)
        tx, ty = point(theta, at)
        dim = " dim" if focus and entity.kind != focus and entity_id not in touched else ""
        card = shaper.entity_card(entity_id)
        leader = ""
        if outer:
            lx1, ly1 = point(theta, radius + 7)
            lx2, ly2 = point(theta, at - 4)
            leader = f'<path class="leader" d="M{num(lx1)} {num(ly1)}L{num(lx2)} {num(ly2)}"/>'
        parts.append(
            f'<a href="{escape(card["url"])}" class="node kind-{entity.kind}{dim}"><title>{escape(entity.name)} ({KIND_SINGULAR[entity.kind]})</title>'
            + marker(entity.kind, x, y, 4)
            + leader
            + f'<text x="{num(tx)}" y="{num(ty)}" dy="0.35em" text-anchor="{"end" if left else "start"}" transform="rotate({num(rotate)} {num(tx)} {num(ty)})">{escape(labels[entity_id])}</text>'
            + "</a>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def relation_rows(shaper: "Shaper", entity_ids: list[str], with_relations: bool = True) -> list[dict]:
    """For the text alternatives: each entity, how many it is linked to and
    (`with_relations`) its relations grouped by label."""
    site, graph = shaper.site, shaper.graph
    rows = []
    for entity_id in entity_ids:
        shaper.record(f"relations:{entity_id}")
        relations = [r for r in graph.relations.get(entity_id, []) if r.other in site.entities and r.other != entity_id]
        groups: dict[str, list[dict]] = {}
        if with_relations:
            for relation in relations:
                groups.setdefault(relation.label, []).append(shaper.entity_card(relation.other))
        rows.append({
            "entity": shaper.entity_card(entity_id),
            "count": len({r.other for r in relations}),
            "relations": [{"label": label, "entities": cards} for label, cards in groups.items()],
        })
    return rows
