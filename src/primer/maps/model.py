"""What a map is drawn from and what drawing it gives: the places as the map needs them, the styles of the two
kinds of map, the drawing and the places' markers. Nothing here needs the libraries that draw (NumPy, Shapely):
a page whose map was kept from an earlier build (`primer.maps.store.load_drawing`) is made without them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from markupsafe import Markup

from primer.maps.projection import Frame


@dataclass(frozen=True)
class Ring:
    """A range around a site, as the content gives it."""

    km: float
    label: str
    status: str


@dataclass(frozen=True)
class Site:
    """A place as the map needs it."""

    id: str
    name: str
    kind: str
    marker: str
    disputed: bool
    lat: float
    lon: float
    rings: tuple[Ring, ...] = ()

    @property
    def short(self) -> str:
        """The name without a parenthesis or what follows a comma ('Camp H. M. Smith, Hawaii' → 'Camp H. M. Smith')."""
        return self.name.split(" (")[0].split(", ")[0]


@dataclass(frozen=True)
class Style:
    """Sizes of one kind of map, in the viewBox's pixels."""

    width: float
    font: float
    marker: float
    #: Douglas–Peucker tolerance of the country shapes, in pixels.
    tolerance: float
    #: Islands smaller than this (square pixels) are left out.
    min_area: float
    #: The narrowest region shown, in km (a lesson with one place still shows its surroundings).
    min_span: float
    #: How many country names at most.
    country_names: int
    #: Height / width bounds.
    aspect: tuple[float, float]
    #: The sentence that ends the map's description: where the places are listed in words.
    listed: str


PAGE = Style(
    width=800,
    font=14,
    marker=6,
    tolerance=0.7,
    min_area=2.0,
    min_span=900,
    country_names=8,
    aspect=(0.62, 1.0),
    listed="The table below the map lists every place.",
)
SMALL = Style(
    width=330,
    font=12,
    marker=5,
    tolerance=1.0,
    min_area=3.0,
    min_span=700,
    country_names=4,
    aspect=(0.6, 0.9),
    listed="The legend below names each kind of place; the Map page lists every place in a table.",
)


@dataclass(frozen=True)
class Drawing:
    """A drawn map and what the page around it says about it."""

    svg: Markup
    frame: Frame
    #: Ids of the sites drawn, and of those left off for being too far away.
    shown: tuple[str, ...]
    off: tuple[str, ...]
    #: Ids of drawn sites whose label did not fit (the table lists them all).
    unlabelled: tuple[str, ...]
    #: (site id, index of its ring) for each ring drawn, in the numbering the map uses.
    rings: tuple[tuple[str, int], ...]


def num(value: float) -> str:
    text = f"{value:.1f}"
    text = text.removesuffix(".0")
    return "0" if text == "-0" else text


#: Marker outlines, centred on 0,0, for size 1 (scaled by the style's marker size).
def marker_element(marker: str, x: float, y: float, r: float, css: str) -> str:
    """One site's marker as an SVG element."""
    cls = quoteattr(css)
    if marker == "circle":
        return f'<circle class={cls} cx="{num(x)}" cy="{num(y)}" r="{num(r)}"/>'
    if marker == "square":
        s = r * 0.9
        return f'<rect class={cls} x="{num(x - s)}" y="{num(y - s)}" width="{num(2 * s)}" height="{num(2 * s)}"/>'
    if marker == "star":
        pts = []
        for i in range(10):
            rad = r * 1.3 if i % 2 == 0 else r * 0.55
            a = math.pi * i / 5 - math.pi / 2
            pts.append((x + rad * math.cos(a), y + rad * math.sin(a)))
    elif marker == "triangle":
        pts = [(x, y - r * 1.2), (x + r * 1.1, y + r * 0.8), (x - r * 1.1, y + r * 0.8)]
    elif marker == "diamond":
        pts = [(x, y - r * 1.3), (x + r, y), (x, y + r * 1.3), (x - r, y)]
    elif marker == "hexagon":
        pts = [(x + r * 1.1 * math.cos(math.pi * i / 3), y + r * 1.1 * math.sin(math.pi * i / 3)) for i in range(6)]
    else:  # cross
        d, w = r * 1.1, r * 0.4
        pts = [
            (x - d, y - d + w),
            (x - d + w, y - d),
            (x, y - w),
            (x + d - w, y - d),
            (x + d, y - d + w),
            (x + w, y),
            (x + d, y + d - w),
            (x + d - w, y + d),
            (x, y + w),
            (x - d + w, y + d),
            (x - d, y + d - w),
            (x - w, y),
        ]
    data = "M" + " ".join(f"{num(px)} {num(py)}" for px, py in pts) + "Z"
    return f'<path class={cls} d="{data}"/>'


def marker_icon(marker: str, disputed: bool = False) -> Markup:
    """A small stand-alone marker for the legend (decorative: the text beside it says what it is)."""
    css = "site disputed" if disputed else "site"
    return Markup(
        f'<svg class="map-icon" viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" focusable="false">'
        f"{marker_element(marker, 10, 10, 6, css)}</svg>"
    )
