"""Architecture patterns: how a whole application is split and how it keeps its state."""
