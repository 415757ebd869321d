"""The quiz engine: scoring (what counts as right), generated questions, and lint."""
