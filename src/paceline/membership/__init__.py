"""Membership, quorum and messaging: Paceline's Corosync layer (pure, sans-I/O).

``config`` reads corosync.conf; ``quorum`` is votequorum's arithmetic.
"""
