"""The facts and thresholds of the jb rules: those of the GI family (spiegel.domains.gi.facts)."""

from spiegel.domains.gi.facts import Facts, Settings

__all__ = ["Facts", "Settings"]
