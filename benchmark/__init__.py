"""Alaska Summit Bench: structured summaries of the Trump–Putin summit in Alaska."""

__version__ = "0.1.0"
