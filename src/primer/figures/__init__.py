"""Pictures drawn from content at build time: section figures (sequences and charts) and the
timeline's time axis. Everything here is pure: content models in, SVG or HTML text out."""

from __future__ import annotations

from primer.figures.draw import DrawnFigure, draw_figure
from primer.figures.validate import figure_problems

__all__ = ["DrawnFigure", "draw_figure", "figure_problems"]
