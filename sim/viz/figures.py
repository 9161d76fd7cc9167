"""The page's figures, drawn from a model's state as inline SVG.

Why not matplotlib: on this project's 2-core machines one matplotlib figure of a panel's
size took 0.1-0.25 s to draw and encode, so the four per-day panels cost about 0.6 s of
CPU per step and per tab, and a classroom of 20 tabs would wait seconds for each step.
These SVG strings take about a millisecond, need no asset from anywhere (the browser draws
them), stay sharp at any zoom, and carry each event's sentence as a hover tooltip.

Every figure is a 440 x 300 viewBox scaled to its panel's width.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from ..events import Event, display_name
from ..geography import PLACES
from ..ladder import MAX_RUNG, MIN_RUNG, Action

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
#: Where a place's name goes relative to its dot: (dx, dy, anchor), in pixels.
LABEL_AT = {"paktika": (-6, 4, "end"), "khost": (-6, 4, "end"), "kunar": (-6, 0, "end"),
            "nangarhar": (0, -7, "middle"), "kurram": (-6, 4, "end"), "spin_boldak": (-7, -3, "end"),
            "bajaur": (6, -2, "start"), "islamabad": (0, 17, "middle")}
#: Where a crossing's label goes relative to its square, in pixels (default: below right).
CROSSING_LABEL_AT = {"torkham": (-14, 26)}
CAPITALS = ("kabul", "islamabad")
HOSTILITY, MEDIATION, ALLIANCE = "#c0392b", "#2c6fbb", "#2e8b57"


class Svg:
    """A minimal SVG writer: elements appended as escaped strings."""

    def __init__(self, title: str) -> None:
        self.parts: list[str] = []
        self.title = title

    def add(self, tag: str, content: str = "", tooltip: str = "", **attrs: Any) -> None:
        """One element; attribute names use _ for - (stroke_width -> stroke-width)."""
        attr = "".join(f' {k.rstrip("_").replace("_", "-")}="{html.escape(str(v))}"' for k, v in attrs.items()
                       if v is not None)
        inner = (f"<title>{html.escape(tooltip)}</title>" if tooltip else "") + content
        self.parts.append(f"<{tag}{attr}>{inner}</{tag}>" if inner else f"<{tag}{attr}/>")

    def text(self, x: float, y: float, text: str, size: float = 10, anchor: str = "start", colour: str = "#222",
             weight: str | None = None, halo: bool = False, **attrs: Any) -> None:
        halo_attrs = {"stroke": "white", "stroke_width": 3, "paint_order": "stroke"} if halo else {}
        self.add("text", html.escape(text), x=f"{x:.1f}", y=f"{y:.1f}", font_size=size, text_anchor=anchor,
                 fill=colour, font_weight=weight, **halo_attrs, **attrs)

    def render(self, css_class: str) -> str:
        """The SVG document; the title goes last so that nothing covers it."""
        self.text(W / 2, 14, self.title, size=12, anchor="middle", weight="bold", halo=True)
        return (f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" viewBox="0 0 {W} {H}" width="100%" '
                f'style="{FONT};display:block">{"".join(self.parts)}</svg>')


def nice_date(model: EscalationModel, day: int) -> str:
    date = dt.date.fromisoformat(model.date_of(max(day, 0)))
    return f"{date:%a} {date.day} {date:%b %Y}"


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
def _xy(lon: float, lat: float) -> tuple[float, float]:
    west, east, south, north = MAP_BOX
    return (lon - west) / (east - west) * W, 22 + (north - lat) / (north - south) * (H - 22)


def map_svg(model: EscalationModel) -> str:
    """A schematic map: places, both crossings open or closed, each event where it happened (today's bold)."""
    today = last_day(model)
    svg = Svg(f"Day {today}, {nice_date(model, today)}: where today's events happened" if today >= 0
              else f"Before day 0 ({nice_date(model, 0)}): press Step")
    border = [_xy(lon, lat) for lon, lat in DURAND_LINE]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in border)
    svg.add("polygon", points=f"{line} -200,{H} -200,-50 {border[0][0]:.1f},-50", fill="#efe6d2")
    svg.add("polygon", points=f"{line} -200,{H + 50} {W + 50},{H + 50} {W + 50},-50 {border[0][0]:.1f},-50",
            fill="#e2ecd9")
    svg.add("polyline", points=line, fill="none", stroke="#7a6a55", stroke_width=1.3, stroke_dasharray="5 3")
    svg.text(95, 105, "AFGHANISTAN", 12, "middle", "#8a7656", "bold")
    svg.text(300, 215, "PAKISTAN", 12, "middle", "#5d7a4f", "bold")
    svg.text(W - 6, 34, "Durand Line (approx.)", 9, "end", "#7a6a55")
    svg.text(W - 4, 200, "India \u2192", 10, "end", "#666")
    crossing_places = {model.crossing_place(i) for i in range(len(model.crossing_names))}
    for key, place in PLACES.items():
        if place.country == "abroad" or key in crossing_places:
            continue
        x, y = _xy(place.lon, place.lat)
        capital = key in CAPITALS
        svg.add("circle", cx=f"{x:.1f}", cy=f"{y:.1f}", r=4.5 if capital else 2.8,
                fill="white" if capital else "#333", stroke="#222", stroke_width=2 if capital else 0)
        dx, dy, anchor = LABEL_AT.get(key, (6, 4, "start"))
        svg.text(x + dx, y + dy, place.label, 11 if capital else 10, anchor, weight="bold" if capital else None,
                 halo=True)
    for i, name in enumerate(model.crossing_names):
        place = PLACES[model.crossing_place(i)]
        x, y = _xy(place.lon, place.lat)
        is_open = bool(model.crossings_open[0, i])
        colour = "#1a9850" if is_open else "#d73027"
        label = model.scenario.crossings[name]["label"]
        state = "open" if is_open else "CLOSED"
        svg.add("rect", tooltip=f"{label} crossing: {state}", x=f"{x - 6:.1f}", y=f"{y - 6:.1f}", width=12,
                height=12, fill=colour, stroke="white", stroke_width=1.5, class_=f"crossing {state.lower()}")
        dx, dy = CROSSING_LABEL_AT.get(model.crossing_place(i), (9, 15))
        svg.text(x + dx, y + dy, f"{label}: {state}", 10, "start", colour, "bold", halo=True)
    elsewhere = _map_events(svg, model, today)
    if elsewhere:
        lines = elsewhere[:4] + ([f"\u2026 and {len(elsewhere) - 4} more"] if len(elsewhere) > 4 else [])
        top = H - 8 - 12 * (len(lines) + 1)
        svg.add("rect", x=3, y=top - 11, width=210, height=12 * (len(lines) + 1) + 6, rx=4, fill="white",
                fill_opacity=0.9, stroke="#bbb")
        svg.text(8, top, "Today, off this map:", 9.5, weight="bold")
        for k, text in enumerate(lines):
            svg.text(8, top + 12 * (k + 1), text[:40], 9.5)
    return svg.render("map")


def _map_events(svg: Svg, model: EscalationModel, today: int) -> list[str]:
    """Earlier events faint, today's bold (size ~ deaths) with a key; returns today's events off the map."""
    elsewhere, key, at_place = [], {}, {}
    for e in model.log.events(0):
        place = PLACES.get(e.location)
        sentence = e.sentence(model.scenario, nice_date(model, e.day))
        on_map = place is not None and place.country != "abroad"
        if e.day != today:
            if on_map:
                x, y = _xy(place.lon, place.lat)
                svg.add("circle", tooltip=sentence, cx=f"{x:.1f}", cy=f"{y:.1f}", r=4, fill=_colour(e),
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
        svg.add("circle", tooltip=sentence, cx=f"{x:.1f}", cy=f"{y:.1f}", r=f"{6 + 1.6 * math.sqrt(e.deaths_true):.1f}",
                fill=_colour(e), stroke="black", stroke_width=1, class_="event-today")
        key.setdefault(action, _colour(e))
    for k, (action, colour) in enumerate(key.items()):
        y = 32 + 13 * k
        svg.add("circle", cx=10, cy=y - 3.5, r=4.5, fill=colour, stroke="black", stroke_width=0.8)
        svg.text(18, y, _words(action), 9.5, halo=True)
    return elsewhere


# ---- (b) the actors as a network -----------------------------------------------------------------
def actor_graph(model: EscalationModel) -> nx.DiGraph:
    """The actors and today's ties: hostility (grievance, attacks, threat), mediation (leverage of
    engaged mediators), alliance and support (India-Kabul ties, sanctuary, defence pacts)."""
    graph = nx.DiGraph()
    pak, afg, ttp = model.pakistan, model.afghanistan, model.ttp
    graph.add_nodes_from(["afghanistan", "pakistan", "ttp", "india", *(m.name for m in model.mediators)])

    def tie(source: str, target: str, kind: str, weight: float, label: str, active: bool = True) -> None:
        graph.add_edge(source, target, kind=kind, weight=float(weight), label=label, active=active)

    tie("pakistan", "afghanistan", "hostility", pak.grievance[0], f"grievance {pak.grievance[0]:.1f}")
    tie("afghanistan", "pakistan", "hostility", afg.grievance[0], f"grievance {afg.grievance[0]:.1f}")
    rate = float(ttp.daily_rate()[0])
    tie("ttp", "pakistan", "hostility", rate, f"{rate:.1f} attacks/day")
    threat = _scalar(model.india.threat_to("pakistan"))
    tie("india", "pakistan", "hostility", threat, f"threat {threat:.2f}")
    ties = _scalar(model.india.p("ties_with_kabul"))
    tie("india", "afghanistan", "alliance", ties, f"ties {ties:.2f}")
    tie("afghanistan", "ttp", "alliance", model.ttp.sanctuary[0], f"sanctuary {model.ttp.sanctuary[0]:.0%}")
    for m in model.mediators:
        if m.pact_with:
            tie(m.name, m.pact_with, "alliance", 1.0 if m.pact_invoked else 0.3,
                "pact INVOKED" if m.pact_invoked else "defence pact", m.pact_invoked)
        if m.pact_invoked:
            continue
        for party in ("pakistan", "afghanistan"):
            leverage = _scalar(m.p(f"leverage.{party}"))
            tie(m.name, party, "mediation", leverage, f"{leverage:.1f}", bool(m.engaged[0]))
    return graph


def _positions(model: EscalationModel) -> dict[str, tuple[float, float]]:
    pos = {"afghanistan": (95.0, 165.0), "pakistan": (345.0, 165.0), "ttp": (220.0, 215.0), "india": (220.0, 280.0)}
    n = len(model.mediators)
    for i, m in enumerate(model.mediators):
        pos[m.name] = (40 + 360 * i / max(n - 1, 1), 58.0)
    return pos


def network_svg(model: EscalationModel) -> str:
    """The actor graph: edge colour = kind, width = weight, dashed = not (yet) active; labels = weights."""
    graph = actor_graph(model)
    pos = _positions(model)
    today = last_day(model)
    svg = Svg("The actors and their ties" + (f", end of day {today}" if today >= 0 else ""))
    colours = {"hostility": HOSTILITY, "mediation": MEDIATION, "alliance": ALLIANCE}
    svg.parts.append("<defs>" + "".join(
        f'<marker id="arrow-{k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{c}"/></marker>'
        for k, c in colours.items()) + "</defs>")
    radius = {"pakistan": 30, "afghanistan": 30}
    labels = []
    for u, v, data in graph.edges(data=True):
        (x1, y1), (x2, y2) = pos[u], pos[v]
        length = math.hypot(x2 - x1, y2 - y1)
        ux, uy = (x2 - x1) / length, (y2 - y1) / length
        x1, y1 = x1 + ux * radius.get(u, 17), y1 + uy * radius.get(u, 17)
        x2, y2 = x2 - ux * (radius.get(v, 17) + 2), y2 - uy * (radius.get(v, 17) + 2)
        bend = 22 if graph.has_edge(v, u) else 0  # two ties between the same pair: bend them apart
        cx, cy = (x1 + x2) / 2 - uy * bend, (y1 + y2) / 2 + ux * bend
        colour = colours[data["kind"]]
        width = 0.8 + 2.2 * min(max(data["weight"], 0.0), 2.0) / 2 if data["active"] else 0.9
        svg.add("path", d=f"M{x1:.1f},{y1:.1f} Q{cx:.1f},{cy:.1f} {x2:.1f},{y2:.1f}", fill="none", stroke=colour,
                stroke_width=f"{width:.1f}", stroke_dasharray=None if data["active"] else "4 3",
                stroke_opacity=1 if data["active"] else 0.55, marker_end=f"url(#arrow-{data['kind']})",
                class_=f"tie {data['kind']}")
        t = 0.3 if data["kind"] == "mediation" else 0.5  # a mediator's leverage near the mediator
        lx = (1 - t) ** 2 * x1 + 2 * (1 - t) * t * cx + t * t * x2
        ly = (1 - t) ** 2 * y1 + 2 * (1 - t) * t * cy + t * t * y2
        labels.append((lx, ly + 3, data["label"], colour))
    fills = {"pakistan": "#9ccf8c", "afghanistan": "#e6cf9a", "ttp": "#555555", "india": "#f4b183"}
    engaged = {m.name: bool(m.engaged[0]) for m in model.mediators}
    for node in graph.nodes:
        x, y = pos[node]
        fill = fills.get(node, "#7fb2e5" if engaged.get(node) else "#dde9f6")
        state = " (engaged)" if engaged.get(node) else " (not engaged yet)" if node in engaged else ""
        svg.add("circle", tooltip=display_name(node, model.scenario) + state, cx=x, cy=y,
                r=radius.get(node, 17), fill=fill, stroke="#444", stroke_width=1)
        name = "TTP" if node == "ttp" else display_name(node, model.scenario)
        size = 11 if node in radius else 9
        words = name.split(" ", 1) if len(name) > 9 and node not in radius else [name]
        for k, word in enumerate(words):
            svg.text(x, y + 3.5 + 10 * (k - (len(words) - 1) / 2), word, size, "middle",
                     "white" if node == "ttp" else "#111", "bold" if node in radius else None)
    for x, y, text, colour in labels:
        svg.text(x, y, text, 9, "middle", colour, halo=True)
    for k, (text, colour, dash) in enumerate((("hostility", HOSTILITY, None), ("mediation: leverage", MEDIATION, None),
                                              ("not (yet) active", MEDIATION, "4 3"),
                                              ("alliance / support", ALLIANCE, None))):
        y = 232 + 17 * k
        svg.add("line", x1=4, y1=y, x2=24, y2=y, stroke=colour, stroke_width=2, stroke_dasharray=dash)
        svg.text(28, y + 3.5, text, 9.5)
    return svg.render("network")


# ---- (c) the ladder over time ----------------------------------------------------------------------
def ladder_svg(model: EscalationModel) -> str:
    """The day's highest rung as a step line; every state's and mediator's action a dot at its rung."""
    svg = Svg("Escalation ladder: the highest rung of each day")
    left, right, top, bottom = 152, W - 8, 26, H - 32
    days = max(14, model.day)

    def x_of(day: float) -> float:
        return left + (day + 0.5) / days * (right - left)

    def y_of(rung: float) -> float:
        return top + (MAX_RUNG - rung) / (MAX_RUNG - MIN_RUNG) * (bottom - top)

    names: dict[int, str] = {}
    for action in Action:
        names.setdefault(action.rung, _words(action))
    names[0] = "status quo"
    for rung in range(MIN_RUNG, MAX_RUNG + 1):
        y = y_of(rung)
        svg.add("line", x1=left, x2=right, y1=f"{y:.1f}", y2=f"{y:.1f}", stroke="#999" if rung == 0 else "#eee",
                stroke_width=1)
        if rung in names:
            svg.text(left - 4, y + 3.5, f"{rung:+d} {names[rung]}" if rung else "0 status quo", 9.5, "end")
    step = 1 if days <= 14 else 5 if days <= 45 else 10
    for day in range(0, days, step):
        svg.text(x_of(day), bottom + 13, str(day), 9.5, "middle")
    svg.text((left + right) / 2, H - 4, f"day (day 0 = {nice_date(model, 0)})", 10, "middle")
    svg.add("rect", x=left, y=top, width=right - left, height=bottom - top, fill="none", stroke="#888")
    rungs = model.rung_history[:model.day, 0]
    if len(rungs):
        points = " ".join(f"{x_of(d - 0.5):.1f},{y_of(r):.1f} {x_of(d + 0.5):.1f},{y_of(r):.1f}"
                          for d, r in enumerate(rungs))
        svg.add("polyline", points=points, fill="none", stroke="#333", stroke_width=1.6, class_="rung-line")
    for e in model.log.events(0):
        if e.actor == "ttp":
            continue
        rung = Action.from_key(e.action).rung
        svg.add("circle", tooltip=e.sentence(model.scenario, nice_date(model, e.day)), cx=f"{x_of(e.day):.1f}",
                cy=f"{y_of(rung):.1f}", r=f"{3 + 0.8 * math.sqrt(e.deaths_true):.1f}", fill=_colour(e),
                stroke="white", stroke_width=0.6)
    return svg.render("ladder")


# ---- (d) deaths: truth, admissions, claims -----------------------------------------------------------
def deaths_svg(model: EscalationModel) -> str:
    """Each side's dead as the model knows them, as the side admits, and as the enemy claims."""
    svg = Svg("Deaths between the states: truth, admissions and claims")
    pak, afg = model.pakistan, model.afghanistan
    series = [("true (known to the model only)", "#444444", [pak.deaths_true[0], afg.deaths_true[0]]),
              ("admitted by their own side", "#4575b4", [pak.deaths_acknowledged[0], afg.deaths_acknowledged[0]]),
              ("claimed by the enemy", "#d73027", [afg.claimed_inflicted[0], pak.claimed_inflicted[0]])]
    left, right, top, bottom = 40, W - 10, 84, H - 30
    top_value = max(1.0, *(v for _, _, values in series for v in values))
    scale = _nice_ceiling(top_value)
    for k in range(5):
        value = scale * k / 4
        y = bottom - (bottom - top) * k / 4
        svg.add("line", x1=left, x2=right, y1=f"{y:.1f}", y2=f"{y:.1f}", stroke="#ddd" if k else "#888")
        svg.text(left - 4, y + 3.5, f"{value:g}", 9.5, "end")
    group_width = (right - left) / 2
    bar = group_width / 4.2
    for g, group in enumerate(("Pakistani dead", "Afghan (Taliban) dead")):
        centre = left + group_width * (g + 0.5)
        svg.text(centre, bottom + 15, group, 11, "middle", weight="bold")
        for j, (label, colour, values) in enumerate(series):
            value = float(values[g])
            height = (bottom - top) * value / scale
            x = centre + (j - 1.5) * bar + 2
            svg.add("rect", tooltip=f"{group}, {label}: {value:.0f}", x=f"{x:.1f}", y=f"{bottom - height:.1f}",
                    width=f"{bar - 4:.1f}", height=f"{height:.1f}", fill=colour, class_=f"bar series-{j}")
            svg.text(x + (bar - 4) / 2, bottom - height - 3, f"{value:.0f}", 10, "middle", weight="bold")
    for j, (label, colour, _) in enumerate(series):
        svg.add("rect", x=left, y=26 + 14 * j, width=10, height=10, fill=colour)
        svg.text(left + 14, 35 + 14 * j, label, 10)
    ttp = model.ttp
    svg.text(right, 35, f"TTP attacks so far: {ttp.attacks[0]}", 9.5, "end", "#555")
    svg.text(right, 48, f"({ttp.deaths_inflicted[0]:.0f} killed; not counted here)", 9.5, "end", "#555")
    return svg.render("deaths")


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k at or above value (a readable axis top)."""
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value)
