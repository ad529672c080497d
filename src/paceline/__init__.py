"""Paceline: a high-availability cluster stack (membership, resource manager, replicated volumes)."""

__version__ = "0.1.0"
