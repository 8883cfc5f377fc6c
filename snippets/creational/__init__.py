"""Creational patterns: ways to create objects without hard-wiring their classes."""
