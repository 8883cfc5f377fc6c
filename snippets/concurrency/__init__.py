"""Concurrency patterns: pools of workers, queues, futures and task groups."""
