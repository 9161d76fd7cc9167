"""The page's figures, drawn from a model's state as inline SVG.

Why not matplotlib: on this project's 2-core machines one matplotlib figure of a panel's
size took 0.1-0.25 s to draw and encode, so the four per-day panels cost about 0.6 s of
CPU per step and per tab, and a classroom of 20 tabs would wait seconds for each step.
These SVG strings take about a millisecond, need no asset from anywhere (the browser draws
them), stay sharp at any zoom, and carry each event's sentence as a hover tooltip.

Every figure is a 440-wide viewBox scaled to its panel's width; the page never lays a panel out
narrower than 440 px, so text of at least 11 units is at least 11 px on screen. Each figure has
a white ground (readable in the dark theme too) and an accessible name (``role="img"``).
"""

from __future__ import annotations

import datetime as dt
import html
import math
import weakref
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from ..events import Event, display_name
from ..geography import PLACES
from ..ladder import MAX_RUNG, MIN_RUNG, Action
from ..outcomes import Outcome

if TYPE_CHECKING:
    from ..model import EscalationModel

W, H = 440, 300
FONT = "font-family:Roboto,Helvetica,Arial,sans-serif"

#: An approximate trace of the Durand Line (lon, lat), north to south: a schematic, not a survey.
DURAND_LINE = [(71.6, 36.6), (71.2, 36.0), (71.6, 35.6), (71.55, 35.2), (71.35, 34.85), (71.15, 34.45),
               (71.08, 34.1), (70.9, 34.02), (70.3, 34.0), (69.9, 33.95), (69.95, 33.65), (70.25, 33.25),
               (69.5, 32.6), (69.3, 31.9), (68.8, 31.55), (67.8, 31.35), (66.9, 31.05), (66.43, 30.95),
               (66.3, 30.4), (66.2, 29.85), (65.0, 29.55), (63.0, 29.45)]
MAP_BOX = (64.6, 74.0, 29.85, 35.55)  # lon min, lon max, lat min, lat max
CAPITALS = ("kabul", "islamabad")
HOSTILITY, MEDIATION, ALLIANCE = "#c0392b", "#2c6fbb", "#2e8b57"
NETWORK_H = 340


class Svg:
    """A minimal SVG writer: elements appended as escaped strings."""

    def __init__(self, title: str, height: int = H) -> None:
        self.parts: list[str] = []
        self.title = title
        self.height = height

    def add(self, tag: str, content: str = "", tooltip: str = "", **attrs: Any) -> None:
        """One element; attribute names use _ for - (stroke_width -> stroke-width)."""
        attr = "".join(f' {k.rstrip("_").replace("_", "-")}="{html.escape(str(v))}"' for k, v in attrs.items()
                       if v is not None)
        inner = (f"<title>{html.escape(tooltip)}</title>" if tooltip else "") + content
        self.parts.append(f"<{tag}{attr}>{inner}</{tag}>" if inner else f"<{tag}{attr}/>")

    def text(self, x: float, y: float, text: str, size: float = 12, anchor: str = "start", colour: str = "#222",
             weight: str | None = None, halo: bool = False, **attrs: Any) -> None:
        halo_attrs = {"stroke": "white", "stroke_width": 3, "paint_order": "stroke"} if halo else {}
        self.add("text", html.escape(text), x=f"{x:.1f}", y=f"{y:.1f}", font_size=size, text_anchor=anchor,
                 fill=colour, font_weight=weight, **halo_attrs, **attrs)

    def render(self, css_class: str) -> str:
        """The SVG document; the title goes last so that nothing covers it."""
        self.text(W / 2, 15, self.title, size=14, anchor="middle", weight="bold", halo=True)
        ground = f'<rect x="0" y="0" width="{W}" height="{self.height}" fill="white"/>'
        return (f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" viewBox="0 0 {W} {self.height}" '
                f'width="100%" role="img" aria-label="{html.escape(self.title)}" style="{FONT};display:block;'
                f'background:white">{ground}{"".join(self.parts)}</svg>')


Box = tuple[float, float, float, float]  # left, top, right, bottom


@dataclass(frozen=True)
class Layer:
    """The fixed part of a figure, drawn once and reused by every step: its markup, and the boxes its marks
    and texts take (so that labels placed later avoid them). The functions that make layers are cached
    (``STATIC_LAYERS``): a step draws only what changed."""

    markup: str
    boxes: tuple[Box, ...] = ()

    def draw_on(self, svg: Svg, labels: Labeller | None = None) -> None:
        svg.parts.append(self.markup)
        if labels is not None:
            labels.boxes.extend(self.boxes)


def _layer(height: float, draw: Any) -> Layer:
    """A layer from ``draw(svg, labels)`` on an empty figure of this height."""
    svg = Svg("", int(height))
    labels = Labeller(svg, W, height)
    draw(svg, labels)
    return Layer("".join(svg.parts), tuple(labels.boxes))


def nice_date(model: EscalationModel, day: int) -> str:
    date = dt.date.fromisoformat(model.date_of(max(day, 0)))
    return f"{date:%a} {date.day} {date:%b %Y}"


#: Per model: (the day it was read on, its events, their sentences), so that the figures and the log of one
#: step read the event log once, and put each event in words once per run.
_RUN_SO_FAR: weakref.WeakKeyDictionary[Any, tuple[int, list[Event], dict[Event, str]]] = weakref.WeakKeyDictionary()


def _so_far(model: EscalationModel) -> tuple[int, list[Event], dict[Event, str]]:
    seen = _RUN_SO_FAR.get(model)
    if seen is None or seen[0] != model.day:  # the day changes last in a step: a new day means new events
        seen = (model.day, model.log.events(0), seen[2] if seen is not None else {})
        _RUN_SO_FAR[model] = seen
    return seen


def events_so_far(model: EscalationModel) -> list[Event]:
    """The run's events (lane 0) in order, read from the model's log once per simulated day."""
    return _so_far(model)[1]


def sentence(model: EscalationModel, event: Event) -> str:
    """An event in words, with its date (``Event.sentence``), made once per run and event."""
    sentences = _so_far(model)[2]
    if event not in sentences:
        sentences[event] = event.sentence(model.scenario, nice_date(model, event.day))
    return sentences[event]


def last_day(model: EscalationModel) -> int:
    """The day simulated last (-1 before the first step)."""
    return model.day - 1


def _scalar(value: Any) -> float:
    """Lane 0 of a parameter or state (a float, or an array when a replay sets it per lane)."""
    return float(np.asarray(value).reshape(-1)[0])


def _colour(event: Event) -> str:
    return Action.from_key(event.action).value.colour


def _words(action: Action) -> str:
    return action.key.replace("_", " ")


# ---- (a) the map ------------------------------------------------------------------------------
MAP_H = 360


def _xy(lon: float, lat: float) -> tuple[float, float]:
    west, east, south, north = MAP_BOX
    return (lon - west) / (east - west) * W, 24 + (north - lat) / (north - south) * (MAP_H - 24)


def text_box(x: float, y: float, text: str, size: float, anchor: str) -> tuple[float, float, float, float]:
    """A generous estimate of a text's box (left, top, right, bottom): 0.62 em a character."""
    width = 0.62 * size * len(text)
    left = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
    return left, y - 0.95 * size, left + width, y + 0.3 * size


def _overlaps(box: tuple[float, float, float, float], boxes: list[tuple[float, float, float, float]]) -> bool:
    return any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes)


class Labeller:
    """Places labels beside their dots where they overlap nothing placed before; a label with no free
    place is left out (its dot keeps its name as a tooltip)."""

    CANDIDATES = ((7, 4, "start"), (-7, 4, "end"), (0, -8, "middle"), (0, 16, "middle"), (6, -6, "start"),
                  (-6, -6, "end"), (6, 14, "start"), (-6, 14, "end"))

    def __init__(self, svg: Svg, width: float = W, height: float = MAP_H) -> None:
        self.svg, self.boxes, self.width, self.height = svg, [], width, height

    def block(self, box: tuple[float, float, float, float]) -> None:
        self.boxes.append(box)

    def fixed(self, x: float, y: float, text: str, size: float, anchor: str, **style: Any) -> None:
        self.svg.text(x, y, text, size, anchor, **style)
        self.block(text_box(x, y, text, size, anchor))

    def beside(self, x: float, y: float, text: str, size: float = 12, **style: Any) -> bool:
        for dx, dy, anchor in self.CANDIDATES + tuple((2.5 * dx, 2 * dy, a) for dx, dy, a in self.CANDIDATES):
            box = text_box(x + dx, y + dy, text, size, anchor)
            if box[0] < 1 or box[2] > self.width - 1 or box[1] < 22 or box[3] > self.height - 1:
                continue
            if not _overlaps(box, self.boxes):
                self.svg.text(x + dx, y + dy, text, size, anchor, halo=True, **style)
                self.block(box)
                return True
        return False


def map_svg(model: EscalationModel) -> str:
    """A schematic map: places, the crossings open or closed, each event where it happened (today's bold,
    size ~ deaths), with keys for colour, size and fading; names never overlap."""
    today = last_day(model)
    svg = Svg(f"Map, day {today}, {nice_date(model, today)}: where events happened" if today >= 0
              else f"Map before day 0 ({nice_date(model, 0)}): press Step", MAP_H)
    labels = Labeller(svg)
    crossing_places = frozenset(model.crossing_place(i) for i in range(len(model.crossing_names)))
    ground, dots = map_ground(crossing_places)
    ground.draw_on(svg, labels)
    elsewhere = _map_events(svg, model, today, labels)
    map_country_names().draw_on(svg, labels)
    for i, name in enumerate(model.crossing_names):
        place = PLACES[model.crossing_place(i)]
        x, y = _xy(place.lon, place.lat)
        is_open = bool(model.crossings_open[0, i])
        colour = "#1a7f44" if is_open else "#c0392b"
        label = model.scenario.crossings[name]["label"]
        state = "open" if is_open else "CLOSED"
        svg.add("rect", tooltip=f"{label} crossing: {state}", x=f"{x - 6:.1f}", y=f"{y - 6:.1f}", width=12,
                height=12, fill=colour, stroke="white", stroke_width=1.5, class_=f"crossing {state.lower()}")
        labels.block((x - 6, y - 6, x + 6, y + 6))
        labels.beside(x + 3, y, f"{label}: {state}", 12, colour=colour, weight="bold")
    active = {e.location for e in events_so_far(model)}
    for _, key, place, x, y in sorted(dots, key=lambda d: (d[0], d[1] not in active, d[1])):
        labels.beside(x, y, place.label, 13 if key in CAPITALS else 12,
                      weight="bold" if key in CAPITALS else None)
    out = svg.render("map")
    if elsewhere:
        items = "".join(f"<li>{html.escape(t)}</li>" for t in elsewhere)
        out += f"<div class='off-map' style='font-size:12px'><b>Today, off this map:</b><ul>{items}</ul></div>"
    return out


@lru_cache(maxsize=8)
def map_ground(crossing_places: frozenset[str]) -> tuple[Layer, tuple[tuple[bool, str, Any, float, float], ...]]:
    """The map under the events: both countries, the Durand Line, the key for size and fading, and a dot
    for every place but the crossings (drawn by the step); with the dots, for their names."""
    dots = []

    def draw(svg: Svg, labels: Labeller) -> None:
        border = [_xy(lon, lat) for lon, lat in DURAND_LINE]
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in border)
        svg.add("polygon", points=f"{line} -200,{MAP_H} -200,-50 {border[0][0]:.1f},-50", fill="#efe6d2")
        svg.add("polygon", points=f"{line} -200,{MAP_H + 50} {W + 50},{MAP_H + 50} {W + 50},-50 "
                f"{border[0][0]:.1f},-50", fill="#e2ecd9")
        svg.add("polyline", points=line, fill="none", stroke="#7a6a55", stroke_width=1.3, stroke_dasharray="5 3")
        _map_key(svg, labels)
        labels.fixed(W - 6, 40, "Durand Line (dashed, approx.)", 12, "end", colour="#5c4f3f", halo=True)
        for key, place in PLACES.items():
            if place.country == "abroad" or key in crossing_places:
                continue
            x, y = _xy(place.lon, place.lat)
            capital = key in CAPITALS
            svg.add("circle", tooltip=place.label, cx=f"{x:.1f}", cy=f"{y:.1f}", r=4.5 if capital else 2.8,
                    fill="white" if capital else "#333", stroke="#222", stroke_width=2 if capital else 0)
            labels.block((x - 3, y - 3, x + 3, y + 3))
            dots.append((not capital, key, place, x, y))

    return _layer(MAP_H, draw), tuple(dots)


@lru_cache(maxsize=1)
def map_country_names() -> Layer:
    """The countries' names, over the events."""
    def draw(svg: Svg, labels: Labeller) -> None:
        labels.fixed(95, 120, "AFGHANISTAN", 13, "middle", colour="#6b5a3e", weight="bold")
        labels.fixed(330, 250, "PAKISTAN", 13, "middle", colour="#4a6540", weight="bold")
        labels.fixed(W - 4, 214, "India \u2192", 12, "end", colour="#444")

    return _layer(MAP_H, draw)


def _map_key(svg: Svg, labels: Labeller) -> None:
    """The key for size and fading, bottom left."""
    left, top = W - 154, MAP_H - 56
    svg.add("rect", x=left, y=top, width=150, height=50, rx=4, fill="white", fill_opacity=0.9, stroke="#bbb")
    svg.add("circle", cx=left + 10, cy=top + 13, r=6, fill="#888", stroke="black", stroke_width=1)
    svg.add("circle", cx=left + 24, cy=top + 13, r=9, fill="#888", stroke="black", stroke_width=1)
    svg.text(left + 37, top + 17, "today; size = deaths", 12)
    svg.add("circle", cx=left + 10, cy=top + 36, r=4, fill="#888", fill_opacity=0.3)
    svg.text(left + 20, top + 40, "faint: earlier days", 12)
    labels.block((left, top, left + 150, top + 50))


def _map_events(svg: Svg, model: EscalationModel, today: int, labels: Labeller) -> list[str]:
    """Earlier events faint, today's bold (size ~ deaths) with a key of actions; returns today's events
    off the map, in words."""
    elsewhere, key, at_place = [], {}, {}
    for e in events_so_far(model):
        place = PLACES.get(e.location)
        words = sentence(model, e)
        on_map = place is not None and place.country != "abroad"
        if e.day != today:
            if on_map:
                x, y = _xy(place.lon, place.lat)
                svg.add("circle", tooltip=words, cx=f"{x:.1f}", cy=f"{y:.1f}", r=4, fill=_colour(e),
                        fill_opacity=0.3)
            continue
        action = Action.from_key(e.action)
        if not on_map:
            where = f" ({place.label})" if place is not None else ""
            elsewhere.append(f"{display_name(e.actor, model.scenario)}: {_words(action)}{where}")
            continue
        k = at_place.get(e.location, 0)
        at_place[e.location] = k + 1
        x, y = _xy(place.lon, place.lat)
        x, y = x + 11 * k * math.cos(2.1 * k), y + 11 * k * math.sin(2.1 * k)
        svg.add("circle", tooltip=words, cx=f"{x:.1f}", cy=f"{y:.1f}", r=f"{6 + 1.6 * math.sqrt(e.deaths_true):.1f}",
                fill=_colour(e), stroke="black", stroke_width=1, class_="event-today")
        key.setdefault(action, _colour(e))
    for k, (action, colour) in enumerate(list(key.items())[:5]):
        y = 36 + 14 * k
        svg.add("circle", cx=10, cy=y - 4, r=4.5, fill=colour, stroke="black", stroke_width=0.8)
        labels.fixed(18, y, _words(action), 12, "start", halo=True)
    return elsewhere


# ---- (b) the actors as a network -----------------------------------------------------------------
def actor_graph(model: EscalationModel) -> nx.DiGraph:
    """The actors and today's ties: hostility (grievance, attacks, threat), mediation (leverage of
    engaged mediators), alliance and support (India-Kabul ties, sanctuary, defence pacts)."""
    graph = nx.DiGraph()
    pak, afg, ttp = model.pakistan, model.afghanistan, model.ttp
    graph.add_nodes_from(["afghanistan", "pakistan", "ttp", "india", *(m.name for m in model.mediators)])

    def tie(source: str, target: str, kind: str, weight: float, label: str, owner: str, active: bool = True) -> None:
        graph.add_edge(source, target, kind=kind, weight=float(weight), label=label, owner=owner, active=active)

    for state, other in ((pak, afg), (afg, pak)):
        name = display_name(state.name, model.scenario)
        tie(state.name, other.name, "hostility", state.grievance[0], f"grievance {state.grievance[0]:.1f}",
            f"{name}'s grievance {state.grievance[0]:.1f}")
    rate = float(ttp.daily_rate()[0])
    tie("ttp", "pakistan", "hostility", rate, f"{rate:.1f} attacks/day", f"TTP attacks: {rate:.1f} a day")
    threat = _scalar(model.india.threat_to("pakistan"))
    tie("india", "pakistan", "hostility", threat, f"threat {threat:.2f}", f"threat Pakistan feels: {threat:.2f}")
    ties = _scalar(model.india.p("ties_with_kabul"))
    tie("india", "afghanistan", "alliance", ties, f"ties {ties:.2f}", f"India–Kabul ties {ties:.2f}")
    sanctuary = model.ttp.sanctuary[0]
    tie("afghanistan", "ttp", "alliance", sanctuary, f"sanctuary {sanctuary:.0%}",
        f"TTP sanctuary {sanctuary:.0%}")
    for m in model.mediators:
        label = display_name(m.name, model.scenario)
        if m.pact_with:
            text = "pact INVOKED" if m.pact_invoked else "defence pact"
            tie(m.name, m.pact_with, "alliance", 1.0 if m.pact_invoked else 0.3, text, f"{label}'s {text}",
                m.pact_invoked)
        if m.pact_invoked:
            continue
        for party in ("pakistan", "afghanistan"):
            leverage = _scalar(m.p(f"leverage.{party}"))
            tie(m.name, party, "mediation", leverage, f"{leverage:.1f}",
                f"{label}'s leverage over {display_name(party, model.scenario)}: {leverage:.2f}", bool(m.engaged[0]))
    return graph


def _positions(model: EscalationModel) -> dict[str, tuple[float, float]]:
    pos = {"afghanistan": (95.0, 165.0), "pakistan": (345.0, 165.0), "ttp": (220.0, 215.0), "india": (330.0, 290.0)}
    n = len(model.mediators)
    for i, m in enumerate(model.mediators):
        pos[m.name] = (48 + 344 * i / max(n - 1, 1), 70.0)
    return pos


def network_svg(model: EscalationModel) -> str:
    """The actor graph: edge colour = kind, width = weight, dashed = not (yet) active. Hostility and
    alliance ties carry their number beside the line, saying whose it is; mediators' leverage is the
    table below the figure."""
    graph = actor_graph(model)
    pos = _positions(model)
    today = last_day(model)
    svg = Svg("The actors and their ties" + (f", end of day {today}" if today >= 0 else ""), NETWORK_H)
    colours = {"hostility": HOSTILITY, "mediation": MEDIATION, "alliance": ALLIANCE}
    labels = Labeller(svg, W, NETWORK_H)
    network_arrows().draw_on(svg)
    texts = []
    for u, v, data in graph.edges(data=True):
        (x1, y1), (x2, y2) = pos[u], pos[v]
        length = math.hypot(x2 - x1, y2 - y1)
        ux, uy = (x2 - x1) / length, (y2 - y1) / length
        x1, y1 = x1 + ux * NODE_RADIUS.get(u, 17), y1 + uy * NODE_RADIUS.get(u, 17)
        x2, y2 = x2 - ux * (NODE_RADIUS.get(v, 17) + 2), y2 - uy * (NODE_RADIUS.get(v, 17) + 2)
        bend = 26 if graph.has_edge(v, u) else 0  # two ties between the same pair: bend them apart
        cx, cy = (x1 + x2) / 2 - uy * bend, (y1 + y2) / 2 + ux * bend
        colour = colours[data["kind"]]
        width = 0.8 + 2.2 * min(max(data["weight"], 0.0), 2.0) / 2 if data["active"] else 0.9
        svg.add("path", d=f"M{x1:.1f},{y1:.1f} Q{cx:.1f},{cy:.1f} {x2:.1f},{y2:.1f}", fill="none", stroke=colour,
                stroke_width=f"{width:.1f}", stroke_dasharray=None if data["active"] else "4 3",
                stroke_opacity=1 if data["active"] else 0.55, marker_end=f"url(#arrow-{data['kind']})",
                class_=f"tie {data['kind']}", tooltip=data["owner"])
        if data["kind"] != "mediation":
            mx, my = 0.25 * x1 + 0.5 * cx + 0.25 * x2, 0.25 * y1 + 0.5 * cy + 0.25 * y2  # the curve's middle
            side = 1 if bend else (1 if uy <= 0 else -1)
            texts.append((mx - uy * 12 * side, my + ux * 12 * side, data["owner"], colour))
    engaged = {m.name: bool(m.engaged[0]) for m in model.mediators}
    nodes = tuple((node, *pos[node], engaged.get(node), display_name(node, model.scenario),
                   list(pos).index(node) % 2 == 1) for node in graph.nodes)
    network_nodes(nodes).draw_on(svg, labels)
    network_key().draw_on(svg, labels)
    for x, y, text, colour in texts:
        labels.beside(x, y, text, 12, colour=colour)
    return svg.render("network") + leverage_html(model)


NODE_RADIUS = {"pakistan": 30, "afghanistan": 30}  # every other actor: 17
NODE_FILLS = {"pakistan": "#9ccf8c", "afghanistan": "#e6cf9a", "ttp": "#555555", "india": "#f4b183"}


@lru_cache(maxsize=1)
def network_arrows() -> Layer:
    """The arrowheads of the three kinds of tie."""
    colours = {"hostility": HOSTILITY, "mediation": MEDIATION, "alliance": ALLIANCE}
    return Layer("<defs>" + "".join(
        f'<marker id="arrow-{k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{c}"/></marker>'
        for k, c in colours.items()) + "</defs>")


@lru_cache(maxsize=64)
def network_nodes(nodes: tuple[tuple[str, float, float, bool | None, str, bool], ...]) -> Layer:
    """The actors' circles and names, over the ties: (name, x, y, engaged (None: not a mediator), name shown,
    a mediator's name below its circle) each; they change only when a mediator engages."""
    def draw(svg: Svg, labels: Labeller) -> None:
        for node, x, y, engaged, shown, below in nodes:
            r = NODE_RADIUS.get(node, 17)
            fill = NODE_FILLS.get(node, "#7fb2e5" if engaged else "#dde9f6")
            state = " (engaged)" if engaged else " (not engaged yet)" if engaged is not None else ""
            svg.add("circle", tooltip=shown + state, cx=x, cy=y, r=r, fill=fill, stroke="#444", stroke_width=1)
            labels.block((x - r, y - r, x + r, y + r))
            name = "TTP" if node == "ttp" else shown
            size = 13 if node in NODE_RADIUS else 12
            if node in NODE_RADIUS or node in ("ttp", "india"):
                svg.text(x, y + 4, name, size, "middle", "white" if node == "ttp" else "#111", "bold")
            else:  # a mediator: its name above its circle, or below for every other one; long names on two lines
                lines = _wrap(name)
                for k, line in enumerate(lines):
                    y_text = y + r + 13 + 14 * k if below else y - r - 4 - 14 * (len(lines) - 1 - k)
                    half = 0.31 * 12 * len(line)  # half the width text_box allows it: kept inside the figure
                    labels.fixed(min(max(x, half + 2), W - half - 2), y_text, line, 12, "middle", halo=True)

    return _layer(NETWORK_H, draw)


@lru_cache(maxsize=1)
def network_key() -> Layer:
    """The key of the ties, bottom left."""
    def draw(svg: Svg, labels: Labeller) -> None:
        for k, (text, colour, dash) in enumerate((("hostility", HOSTILITY, None),
                                                  ("mediation (width: leverage)", MEDIATION, None),
                                                  ("dashed: not (yet) active", MEDIATION, "4 3"),
                                                  ("alliance / support", ALLIANCE, None))):
            y = NETWORK_H - 64 + 15 * k
            svg.add("line", x1=4, y1=y - 4, x2=24, y2=y - 4, stroke=colour, stroke_width=2, stroke_dasharray=dash)
            labels.fixed(28, y, text, 12, "start")

    return _layer(NETWORK_H, draw)


def _wrap(name: str, width: int = 14) -> list[str]:
    """A name on one line, or on two split at the space nearest its middle when it is long."""
    if len(name) <= width or " " not in name:
        return [name]
    spaces = [i for i, c in enumerate(name) if c == " "]
    cut = min(spaces, key=lambda i: abs(i - len(name) / 2))
    return [name[:cut], name[cut + 1:]]


def leverage_html(model: EscalationModel) -> str:
    """Each mediator's leverage over each side (how much that side listens to it, 0 to 1), as a table."""
    rows = "".join(
        f"<tr><td>{html.escape(display_name(m.name, model.scenario))}</td>"
        f"<td>{_scalar(m.p('leverage.pakistan')):.2f}</td><td>{_scalar(m.p('leverage.afghanistan')):.2f}</td>"
        f"<td>{'yes' if m.engaged[0] else 'not yet'}</td></tr>" for m in model.mediators if not m.pact_invoked)
    if not rows:
        return "<div style='font-size:12px'>No mediator in this run.</div>"
    return ("<table class='leverage' style='font-size:12px;border-collapse:collapse' cellpadding='3'>"
            "<tr><th align='left'>mediator</th><th align='left'>leverage over Pakistan</th>"
            "<th align='left'>over Afghanistan</th><th align='left'>engaged</th></tr>" + rows + "</table>")


# ---- (c) the ladder over time ----------------------------------------------------------------------
LADDER_H = 360
#: Short names of the actions for the ladder's axis (every action of a rung is named).
SHORT = {"ceasefire_declared": "ceasefire", "halt_operations": "halt", "talks_hosted": "hosted talks",
         "bilateral_talks": "bilateral talks", "crackdown_on_ttp": "crackdown on TTP",
         "reopen_crossing": "reopen crossing", "mediation_offer": "offer",
         "call_for_restraint": "restraint call", "accusation": "accusation", "threat_of_force": "threat",
         "close_crossing": "close crossing", "ttp_attack": "TTP attack", "cross_border_fire": "cross-border fire",
         "ceasefire_violated": "ceasefire broken", "raid_border_posts": "raid on posts",
         "airstrike_border_province": "airstrike, border", "airstrike_capital": "airstrike, capital",
         "sustained_campaign": "campaign"}


def rung_label(rung: int) -> str:
    """A rung with every action on it: "-1 offer / restraint call", "0 quiet day"."""
    names = [SHORT[a.key] for a in Action if a.rung == rung]
    if len(names) == 2 and names[0].split()[-1] == names[1].split()[-1]:  # "hosted / bilateral talks"
        names = [names[0].rsplit(" ", 1)[0], names[1]]
    return f"{rung:+d} {' / '.join(names)}" if rung else "0 quiet day"


LADDER_BOX = (196, W - 8, 28, LADDER_H - 46)  # the plot's left, right, top, bottom


def _ladder_x(day: float, days: int) -> float:
    left, right, _, _ = LADDER_BOX
    return left + (day + 0.5) / days * (right - left)


def _ladder_y(rung: float) -> float:
    _, _, top, bottom = LADDER_BOX
    return top + (MAX_RUNG - rung) / (MAX_RUNG - MIN_RUNG) * (bottom - top)


def ladder_svg(model: EscalationModel, war_day: int | None = None) -> str:
    """The day's highest rung as a step line; every state's and mediator's action a dot at its rung, the
    TTP's attacks as crosses at theirs; a dashed line on the day war was reached (or, for a replay, will be)."""
    svg = Svg("Escalation ladder: the highest rung of each day", LADDER_H)
    left, right, top, bottom = LADDER_BOX
    days = max(14, model.day)

    def x_of(day: float) -> float:
        return _ladder_x(day, days)

    ladder_rungs().draw_on(svg)
    ladder_days(days, nice_date(model, 0)).draw_on(svg)
    rungs = model.rung_history[:model.day, 0]
    if len(rungs):
        points = " ".join(f"{x_of(d - 0.5):.1f},{_ladder_y(r):.1f} {x_of(d + 0.5):.1f},{_ladder_y(r):.1f}"
                          for d, r in enumerate(rungs))
        svg.add("polyline", points=points, fill="none", stroke="#333", stroke_width=1.6, class_="rung-line")
    for e in events_so_far(model):
        rung = Action.from_key(e.action).rung
        x, y = x_of(e.day), _ladder_y(rung)
        tip = sentence(model, e)
        if e.actor == "ttp":
            svg.add("path", tooltip=tip, d=f"M{x - 3:.1f},{y - 3:.1f} l6,6 m0,-6 l-6,6", stroke="#555",
                    stroke_width=1.4, class_="ttp-mark")
            continue
        svg.add("circle", tooltip=tip, cx=f"{x:.1f}", cy=f"{y:.1f}", r=f"{3 + 0.8 * math.sqrt(e.deaths_true):.1f}",
                fill=_colour(e), stroke="white", stroke_width=0.6)
    war = war_day if war_day is not None else (int(model.war_day[0]) if model.war_day[0] >= 0 else None)
    if war is not None and war >= 0:
        days_shown = max(days, war + 1)
        x = left + (war + 0.5) / days_shown * (right - left) if war >= days else x_of(war)
        svg.add("line", x1=f"{x:.1f}", x2=f"{x:.1f}", y1=top, y2=bottom, stroke=Outcome.WAR.colour, stroke_width=2,
                stroke_dasharray="5 3", class_="war-marker")
        svg.text(min(x + 3, right - 70), top + 13, f"war: day {war}", 12, colour=Outcome.WAR.colour, weight="bold",
                 halo=True)
    ladder_key().draw_on(svg)
    return svg.render("ladder")


@lru_cache(maxsize=1)
def ladder_rungs() -> Layer:
    """The rungs: a line and a name each."""
    left, right, _, _ = LADDER_BOX

    def draw(svg: Svg, labels: Labeller) -> None:
        for rung in range(MIN_RUNG, MAX_RUNG + 1):
            y = _ladder_y(rung)
            svg.add("line", x1=left, x2=right, y1=f"{y:.1f}", y2=f"{y:.1f}", stroke="#999" if rung == 0 else "#eee",
                    stroke_width=1)
            svg.text(left - 4, y + 4, rung_label(rung), 12, "end", class_="rung-label")

    return _layer(LADDER_H, draw)


@lru_cache(maxsize=64)
def ladder_days(days: int, first_date: str) -> Layer:
    """The axis of days (the same for the first 14 days, then one more day each step) and the plot's frame."""
    left, right, top, bottom = LADDER_BOX

    def draw(svg: Svg, labels: Labeller) -> None:
        step = 1 if days <= 14 else 5 if days <= 45 else 10
        for day in range(0, days, step):
            svg.text(_ladder_x(day, days), bottom + 14, str(day), 12, "middle")
        svg.text((left + right) / 2, bottom + 28, f"day (day 0 = {first_date})", 12, "middle")
        svg.add("rect", x=left, y=top, width=right - left, height=bottom - top, fill="none", stroke="#888")

    return _layer(LADDER_H, draw)


@lru_cache(maxsize=1)
def ladder_key() -> Layer:
    """What the marks mean, under the plot."""
    def draw(svg: Svg, labels: Labeller) -> None:
        svg.text(4, LADDER_H - 4, "\u00d7 TTP attack (not in the states' line)", 12, colour="#444")
        svg.text(W - 4, LADDER_H - 4, "\u25cf an act of a state or mediator", 12, "end", "#444")

    return _layer(LADDER_H, draw)


#: The functions that draw the fixed layers of the figures, each cached: a step that called one of them
#: again for the same scenario would redraw what did not change (tests/test_viz.py counts their misses).
STATIC_LAYERS = (map_ground, map_country_names, network_arrows, network_nodes, network_key, ladder_rungs,
                 ladder_days, ladder_key)


# ---- (d) series over time: deaths, grievance, crossings open ---------------------------------------
SERIES_H = 380


def series_svg(model: EscalationModel) -> str:
    """Three charts over the days: deaths between the states (true and claimed), each state's grievance,
    and the crossings open, from Mesa's DataCollector."""
    svg = Svg("Over time: deaths, grievance, crossings open", SERIES_H)
    data = model.datacollector.model_vars if model.datacollector is not None else {}
    n = len(data.get("day", []))
    days = max(14, n)
    left, right = 50, W - 12
    panels = [
        ("deaths between the states", [
            ("true", "#222222", data.get("deaths_true", [])),
            ("claimed by the two sides", "#d73027",
             [a + b for a, b in zip(data.get("claimed_by_pakistan", []), data.get("claimed_by_afghanistan", []), strict=True)])]),
        ("grievance (anger from recent attacks)", [
            ("Pakistan", "#4a9a3c", data.get("grievance_pakistan", [])),
            ("Afghanistan", "#a07a2c", data.get("grievance_afghanistan", []))]),
        ("crossings open", [("open crossings", "#2c6fbb", data.get("crossings_open", []))]),
    ]
    height = (SERIES_H - 60) / 3
    for k, (title, lines, ) in enumerate(panels):
        top = 30 + k * height + 16
        bottom = 30 + (k + 1) * height - 8
        values = [v for _, _, series in lines for v in series]
        scale = len(model.crossing_names) if k == 2 else _nice_ceiling(max(1.0, *values) if values else 1.0)
        svg.text(left, top - 4, title, 12, weight="bold")
        svg.add("rect", x=left, y=f"{top:.1f}", width=right - left, height=f"{bottom - top:.1f}", fill="none",
                stroke="#999")
        svg.text(left - 4, top + 8, f"{scale:g}", 12, "end")
        svg.text(left - 4, bottom, "0", 12, "end")
        legend_x = right
        for label, colour, series in reversed(lines):
            svg.text(legend_x, top - 4, label, 12, "end", colour, "bold")
            legend_x -= 0.62 * 11 * len(label) + 12
            if series:
                points = " ".join(f"{left + (d + 0.5) / days * (right - left):.1f},"
                                  f"{bottom - (bottom - top) * min(float(v) / scale, 1.0):.1f}"
                                  for d, v in enumerate(series))
                svg.add("polyline", points=points, fill="none", stroke=colour, stroke_width=1.8,
                        class_=f"series {label.split()[0].lower()}")
    step = 1 if days <= 14 else 5 if days <= 45 else 10
    for day in range(0, days, 2 * step if days <= 14 else step):
        svg.text(left + (day + 0.5) / days * (right - left), SERIES_H - 16, str(day), 12, "middle")
    svg.text((left + right) / 2, SERIES_H - 3, "day", 12, "middle")
    return svg.render("series")


# ---- (e) deaths: truth, admissions, claims -----------------------------------------------------------
def deaths_svg(model: EscalationModel) -> str:
    """Each side's dead so far as the model knows them, as the side admits, and as the enemy claims."""
    svg = Svg("Deaths so far: truth, admissions and claims")
    pak, afg = model.pakistan, model.afghanistan
    series = [("true (known to the model only)", "#444444", [pak.deaths_true[0], afg.deaths_true[0]]),
              ("admitted by their own side", "#4575b4", [pak.deaths_acknowledged[0], afg.deaths_acknowledged[0]]),
              ("claimed by the enemy", "#d73027", [afg.claimed_inflicted[0], pak.claimed_inflicted[0]])]
    left, right, top, bottom = 44, W - 10, 100, H - 30
    top_value = max(1.0, *(v for _, _, values in series for v in values))
    scale = _nice_ceiling(top_value)
    for k in range(5):
        value = scale * k / 4
        y = bottom - (bottom - top) * k / 4
        svg.add("line", x1=left, x2=right, y1=f"{y:.1f}", y2=f"{y:.1f}", stroke="#ddd" if k else "#888")
        svg.text(left - 4, y + 4, f"{value:g}", 12, "end")
    group_width = (right - left) / 2
    bar = group_width / 4.2
    for g, group in enumerate(("Pakistani dead", "Afghan (Taliban) dead")):
        centre = left + group_width * (g + 0.5)
        svg.text(centre, bottom + 16, group, 13, "middle", weight="bold")
        for j, (label, colour, values) in enumerate(series):
            value = float(values[g])
            height = (bottom - top) * value / scale
            x = centre + (j - 1.5) * bar + 2
            svg.add("rect", tooltip=f"{group}, {label}: {value:.0f}", x=f"{x:.1f}", y=f"{bottom - height:.1f}",
                    width=f"{bar - 4:.1f}", height=f"{height:.1f}", fill=colour, class_=f"bar series-{j}")
            svg.text(x + (bar - 4) / 2, bottom - height - 3, f"{value:.0f}", 12, "middle", weight="bold")
    for j, (label, colour, _) in enumerate(series):
        svg.add("rect", x=left, y=27 + 15 * j, width=10, height=10, fill=colour)
        svg.text(left + 14, 36 + 15 * j, label, 12)
    ttp = model.ttp
    svg.text(right, 81, f"TTP attacks so far: {ttp.attacks[0]} ({ttp.deaths_inflicted[0]:.0f} killed;", 12, "end",
             "#444")
    svg.text(right, 95, "not counted here: not between the states)", 12, "end", "#444")
    return svg.render("deaths")


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k at or above value (a readable axis top)."""
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value)
