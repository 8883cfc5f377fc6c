"""Principles and anti-patterns: the ideas behind the patterns."""
