"""Testing patterns: test doubles and dependency injection."""
