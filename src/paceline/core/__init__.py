"""The shared kernel: typed errors, ids, ports and wire framing. Pure: no I/O.

Modules: ``errors`` (who is to blame), ``ids`` (NodeId, RingId, Generation),
``ports`` (Protocols a driver provides and cores implement), ``keys`` (HKDF
keys from the authkey, keyring for rotation), ``frame`` (authenticated frames,
incremental stream decoder, msgpack payloads), ``replay`` (anti-replay
windows, sequence counters), ``versions`` (version negotiation).

Only errors and ids are re-exported here: importing the package must stay
cheap for the CLI, and ``frame``/``keys`` load ``cryptography``.
"""

from paceline.core.errors import ConfigError as ConfigError
from paceline.core.errors import PacelineError as PacelineError
from paceline.core.errors import ProtocolError as ProtocolError
from paceline.core.errors import StateError as StateError
from paceline.core.ids import Generation as Generation
from paceline.core.ids import NodeId as NodeId
from paceline.core.ids import RingId as RingId
