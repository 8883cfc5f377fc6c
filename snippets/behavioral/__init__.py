"""Behavioral patterns: how objects share work, choose algorithms and pass requests."""
