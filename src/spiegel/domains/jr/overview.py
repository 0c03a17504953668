"""Jeugdreclassering's part of the batch index: the GI family's overview (national stands per type and
the chains across GIs)."""

from spiegel.domains.gi.overview import national_overview

__all__ = ["national_overview"]
