"""Architecture patterns: how an application is split and how it keeps its state."""
