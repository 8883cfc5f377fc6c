"""Structural patterns: ways to compose classes and objects into larger structures."""
