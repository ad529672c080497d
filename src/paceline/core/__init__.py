"""The shared kernel: typed errors, ids, ports and wire framing. Pure: no I/O."""
