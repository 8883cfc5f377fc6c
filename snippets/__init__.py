"""Runnable examples for every page of the site, one module per page."""

#: The families of examples, in the order of the site's navigation.
FAMILIES = (
    "principles",
    "creational",
    "structural",
    "behavioral",
    "reactive",
    "concurrency",
    "performance",
    "architecture",
    "cloud",
    "testing",
)
