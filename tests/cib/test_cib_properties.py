"""Property tests: generated CIBs survive XML and back unchanged."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from strategies import cibs, rules

from paceline.cib.codec import decode_cib, encode_cib
from paceline.cib.model import Cib, Configuration, Location, Rule
from paceline.cib.versions import config_digest

FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(cibs)
def test_cib_round_trips(cib: Cib) -> None:
    written = encode_cib(cib)
    again = decode_cib(written, file="<generated>")
    assert again == cib
    assert encode_cib(again) == written
    assert config_digest(again.configuration) == config_digest(cib.configuration)


@FAST
@given(rules)
def test_nested_rules_keep_order(rule: Rule) -> None:
    cfg = Configuration(constraints=(Location("l", rsc="r", rules=(rule,)),))
    again = decode_cib(encode_cib(Cib(cfg))).configuration.constraints[0]
    assert isinstance(again, Location)
    assert again.rules == (rule,)
