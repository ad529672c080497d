"""The ``Cib`` root and its version tuple."""

from __future__ import annotations

from dataclasses import dataclass, field

from paceline.cib.model.config import Configuration
from paceline.cib.model.status import Status

SCHEMA = "pacemaker-3.9"
"""The schema every CIB is written as: the newest Debian 12's Pacemaker 2.1.5 accepts."""


@dataclass(frozen=True, slots=True, order=True)
class CibVersion:
    """``(admin_epoch, epoch, num_updates)``, compared lexicographically as Pacemaker does."""

    admin_epoch: int = 0
    epoch: int = 0
    num_updates: int = 0

    def __str__(self) -> str:
        return f"{self.admin_epoch}.{self.epoch}.{self.num_updates}"


@dataclass(frozen=True, slots=True)
class Cib:
    """The whole CIB. The model is the upgraded CIB: it is always written as
    ``SCHEMA``; ``source_schema`` remembers the ``validate-with`` it was read
    from and ``upgrade_notes`` what reading it from an older schema changed
    (one sentence each, for the CLI to show); neither is part of equality.
    Optional root attributes are None when absent.
    """

    configuration: Configuration = field(default_factory=Configuration)
    status: Status = field(default_factory=Status)
    admin_epoch: int = 0
    epoch: int = 0
    num_updates: int = 0
    crm_feature_set: str | None = None
    have_quorum: bool | None = None
    dc_uuid: str | None = None
    cib_last_written: str | None = None
    update_origin: str | None = None
    update_client: str | None = None
    update_user: str | None = None
    execution_date: int | None = None
    no_quorum_panic: bool | None = None
    remote_tls_port: int | None = None
    remote_clear_port: int | None = None
    source_schema: str | None = field(default=None, compare=False)
    upgrade_notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def version(self) -> CibVersion:
        return CibVersion(self.admin_epoch, self.epoch, self.num_updates)
