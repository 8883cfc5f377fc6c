"""Reactive patterns: the observer pattern grown into streams of events."""
