"""sitegen: a fact-tracking static site generator for news trackers."""

__version__ = "0.1.0"
