"""The walks crm uses are the CIB toolkit's (``paceline.cib.walk`` and
``paceline.cib.index``); this module keeps crm's old import path working."""

from __future__ import annotations

from paceline.cib.index import RSC_FIELDS, constrained
from paceline.cib.walk import all_ids, walk

__all__ = ["RSC_FIELDS", "all_ids", "constrained", "walk"]
