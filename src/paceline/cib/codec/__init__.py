"""The CIB XML codec: ``decode_cib(bytes, file=) -> Cib`` and ``encode_cib(Cib) -> bytes``.

Input may be any schema Pacemaker accepts (pacemaker-1.0 ... 3.x, ``none``,
and the pre-1.0 attribute names); legacy forms are upgraded while reading.
Output is always ``SCHEMA`` (pacemaker-3.9). Decoding raises only
``ConfigError``, naming the file, line and ``element/@attribute``.
"""

from paceline.cib.codec.decode import cib_from_element, decode_cib, parse_element
from paceline.cib.codec.encode import cib_to_element, configuration_to_element, encode_cib
from paceline.cib.codec.reader import parse_bool

__all__ = [
    "cib_from_element",
    "cib_to_element",
    "configuration_to_element",
    "decode_cib",
    "encode_cib",
    "parse_bool",
    "parse_element",
]
