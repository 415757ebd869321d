"""The map's projection: azimuthal equidistant on a sphere, centred on the region, scaled to a pixel frame.

An azimuthal equidistant projection keeps every distance from its centre true and bends shapes little
within a few thousand kilometres of it, so a lesson's region (any region: the centre is chosen from its
places) is drawn with north up along the centre's meridian and range rings that stay round. The
spherical formulas (Snyder, "Map Projections: A Working Manual", USGS 1987, pp. 191–202) are a few lines;
on the map's scale their difference from the ellipsoid is well under a pixel of the labels' concern.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

# NumPy is imported by what works something out, not with the module: a map kept from an earlier build names
# its frame (`primer.maps.store.load_drawing`) and draws nothing, in a process that need not import NumPy.
if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Array = npt.NDArray[np.float64]

#: The mean radius of the Earth in km (IUGG), for the spherical projection.
EARTH_KM = 6371.0088


@dataclass(frozen=True)
class Projection:
    """Azimuthal equidistant projection centred on (lat0, lon0): degrees → km east (x) and north (y)."""

    lat0: float
    lon0: float

    def km(self, lat: Array, lon: Array) -> tuple[Array, Array]:
        """Kilometres east and north of the centre, for arrays of degrees."""
        import numpy as np

        phi, lam = np.radians(lat), np.radians(lon - self.lon0)
        phi0 = math.radians(self.lat0)
        cos_c = np.clip(math.sin(phi0) * np.sin(phi) + math.cos(phi0) * np.cos(phi) * np.cos(lam), -1.0, 1.0)
        c = np.arccos(cos_c)
        sin_c = np.sin(c)
        # c / sin c → 1 at the centre itself
        k = np.divide(c, sin_c, out=np.ones_like(c), where=sin_c > 1e-12) * EARTH_KM
        x = k * np.cos(phi) * np.sin(lam)
        y = k * (math.cos(phi0) * np.sin(phi) - math.sin(phi0) * np.cos(phi) * np.cos(lam))
        return x, y

    def degrees(self, x: Array, y: Array) -> tuple[Array, Array]:
        """The inverse: latitude and longitude of points given in km east and north of the centre."""
        import numpy as np

        rho = np.hypot(x, y)
        c = rho / EARTH_KM
        phi0 = math.radians(self.lat0)
        safe = np.where(rho > 1e-9, rho, 1.0)
        lat = np.arcsin(np.clip(np.cos(c) * math.sin(phi0) + y * np.sin(c) * math.cos(phi0) / safe, -1.0, 1.0))
        lon = self.lon0 + np.degrees(
            np.arctan2(x * np.sin(c), rho * math.cos(phi0) * np.cos(c) - y * math.sin(phi0) * np.sin(c))
        )
        lat = np.where(rho > 1e-9, lat, phi0)
        return np.degrees(lat), (lon + 180.0) % 360.0 - 180.0


@dataclass(frozen=True)
class Frame:
    """A projection fitted to a pixel frame: the map's viewBox is 0 0 width height, y downwards."""

    projection: Projection
    #: The km coordinates of the frame's left, bottom, right and top edges.
    west: float
    south: float
    east: float
    north: float
    width: float

    @property
    def scale(self) -> float:
        """Pixels per kilometre."""
        return self.width / (self.east - self.west)

    @property
    def height(self) -> float:
        """The frame's height in pixels."""
        return round((self.north - self.south) * self.scale, 1)

    def pixels(self, lat: Array, lon: Array) -> tuple[Array, Array]:
        """Pixel coordinates (x right, y down) of arrays of degrees."""
        x, y = self.projection.km(lat, lon)
        return (x - self.west) * self.scale, (self.north - y) * self.scale

    def point(self, lat: float, lon: float) -> tuple[float, float]:
        """Pixel coordinates of one point."""
        import numpy as np

        x, y = self.pixels(np.array([lat]), np.array([lon]))
        return float(x[0]), float(y[0])

    def bounds(self, samples: int = 48) -> tuple[float, float, float, float]:
        """(south, west, north, east) in degrees enclosing the frame, longitudes around the centre's
        (so east may pass 180); every longitude when a pole is in view. Latitude and longitude have no
        extremes inside the frame but at a pole, so its edges are enough."""
        import numpy as np

        t = np.linspace(0.0, 1.0, samples)
        across, down = self.west + (self.east - self.west) * t, self.north - (self.north - self.south) * t
        xs = np.concatenate([across, np.full(samples, self.east), across, np.full(samples, self.west)])
        ys = np.concatenate([np.full(samples, self.north), down, np.full(samples, self.south), down])
        lat, lon = self.projection.degrees(xs, ys)
        lon = (lon - self.projection.lon0 + 180.0) % 360.0 - 180.0 + self.projection.lon0
        south, west, north, east = float(lat.min()), float(lon.min()), float(lat.max()), float(lon.max())
        poles = self.projection.km(np.array([90.0, -90.0]), np.array([self.projection.lon0] * 2))
        for pole_lat, px, py in zip((90.0, -90.0), *poles, strict=True):
            if self.west <= px <= self.east and self.south <= py <= self.north:
                south, north = min(south, pole_lat), max(north, pole_lat)
                west, east = self.projection.lon0 - 180.0, self.projection.lon0 + 180.0
        return south, west, north, east
