"""Pacemaker's CIB: typed model (``model``), scores (``score``), XML codec
(``xml``), versions and digest (``versions``), atomic file store (``store``)."""
