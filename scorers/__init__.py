"""Scorers: one module per kind of field, plus aggregation and the score signature.

Each scorer is a pure function called with ``prediction``, ``gold``,
``sources`` and ``config`` as keywords, returning a frozen result with its raw
counts (``scorers.base``).
"""
