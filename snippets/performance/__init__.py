"""Performance patterns: computing once and loading late."""
