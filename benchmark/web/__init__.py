"""HTML pages of the benchmark: the report of one submission (``bench score --html``) and the static site.

``html`` holds what every page shares: the one escaping function, the
isolation of submitted strings, http(s)-only links, embedded JSON and the
page frame with its Content-Security-Policy. ``report`` renders one
submission's results; ``site`` renders the board's pages (index, one report
per system, comparison) beside LEADERBOARD.md. Nothing here imports the
scoring stack: pages are rendered from results files.
"""
