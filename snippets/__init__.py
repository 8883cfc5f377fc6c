"""Runnable examples for every pattern on the site, one module per pattern."""
