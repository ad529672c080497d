"""corosync.conf as Paceline's membership layer reads it (specs/corosync.md).

``load(text, file)`` returns a checked ``ClusterConfig`` plus the notes the
user should see (unknown keys, blocks Paceline handles differently, running
without authentication). Bad values raise ``ConfigError`` naming
file:line:column and the key. Both styles load:

- 1.x/2.x: ``totem { interface { ringnumber; bindnetaddr; mcastaddr;
  mcastport } }`` (multicast; a node finds its own address by matching
  ``bindnetaddr`` against its addresses, see ``local_address``);
- 3.x: ``nodelist { node { nodeid; name; ringX_addr } }`` (unicast).

Derived timeouts follow Corosync's ``totem_volatile_config_read``: the
effective token grows by ``token_coefficient`` per node past two, and
token_retransmit, hold and consensus come from the effective token unless
set. Paceline's default token is 1000 ms (Corosync 3.1's is 3000).
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from paceline.core.errors import ConfigError
from paceline.membership.conffile import Item, Section, parse

DEFAULT_TOKEN_MS = 1000
"""Paceline's default token when the file sets none (Corosync 3.1: 3000)."""
DEFAULT_TOKEN_COEFFICIENT_MS = 650
DEFAULT_RETRANSMITS_BEFORE_LOSS = 4
DEFAULT_JOIN_MS = 50
DEFAULT_MERGE_MS = 200
DEFAULT_MCASTPORT = 5405
DEFAULT_LMS_WINDOW_MS = 10000
HZ = 100
MINIMUM_TIMEOUT_MS = (1000 // HZ) * 3
"""30 ms: the smallest token/join/retransmit Corosync accepts."""
MAX_LINKS = 8
DEFAULT_KEYFILE = "/etc/paceline/authkey"
COROSYNC_KEYFILE = "/etc/corosync/authkey"
HEARTBEATS_PER_TOKEN = 4
"""Heartbeats each link sends per token period (DESIGN.md: several)."""


class Severity(enum.Enum):
    NOTE = "note"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the user should read; ``str()`` is ``FILE:LINE:COL: severity: text``."""

    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        return f"{where}: {self.severity.value}: {self.message}"


class Auth(enum.Enum):
    """How packets are protected (maps to ``core.frame.AuthMode``)."""

    NONE = "none"
    HMAC_SHA256 = "hmac-sha256"
    AES_256_GCM = "aes-256-gcm"


@dataclass(frozen=True, slots=True)
class Interface:
    """One link: ``totem.interface`` (ringnumber/linknumber)."""

    link: int
    bindnetaddr: str | None = None
    mcastaddr: str | None = None
    mcastport: int = DEFAULT_MCASTPORT
    ttl: int = 1
    priority: int = 1


@dataclass(frozen=True, slots=True)
class Node:
    """A ``nodelist.node``: id, name, one address per link, votes."""

    nodeid: int
    name: str | None
    addrs: dict[int, str]
    votes: int = 1


@dataclass(frozen=True, slots=True)
class Totem:
    cluster_name: str | None
    transport: str
    token: int
    """Configured (or default) token, ms."""
    token_coefficient: int
    effective_token: int
    """``runtime.config.totem.token``: what failure detection uses."""
    token_retransmits_before_loss_const: int
    token_retransmit: int
    hold: int
    join: int
    consensus: int
    merge: int
    auth: Auth
    keyfile: str
    link_mode: str
    config_version: int
    clear_node_high_bit: bool

    @property
    def heartbeat_interval(self) -> int:
        """ms between heartbeats on each link."""
        return max(1, self.effective_token // HEARTBEATS_PER_TOKEN)


@dataclass(frozen=True, slots=True)
class Quorum:
    provider: str | None
    expected_votes: int | None
    two_node: bool
    wait_for_all: bool
    last_man_standing: bool
    last_man_standing_window: int
    auto_tie_breaker: bool
    auto_tie_breaker_node: tuple[str, ...] | str
    """``"lowest"``, ``"highest"`` or an ordered tuple of node ids (as text)."""
    allow_downscale: bool


@dataclass(frozen=True, slots=True)
class Logging:
    to_stderr: bool = True
    to_logfile: bool = False
    to_syslog: bool = True
    logfile: str | None = None
    syslog_facility: str = "daemon"
    debug: str = "off"
    timestamp: str = "hires"
    fileline: bool = False
    subsys: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    totem: Totem
    interfaces: tuple[Interface, ...]
    nodes: tuple[Node, ...]
    quorum: Quorum
    logging: Logging
    file: str | None = None

    @property
    def multicast(self) -> bool:
        """1.x/2.x style: no nodelist, members found on the multicast group."""
        return not self.nodes

    @property
    def links(self) -> tuple[int, ...]:
        if self.nodes:
            return tuple(sorted({link for n in self.nodes for link in n.addrs}))
        return tuple(i.link for i in self.interfaces)

    def node(self, nodeid: int) -> Node | None:
        for n in self.nodes:
            if n.nodeid == nodeid:
                return n
        return None

    def expected_votes(self) -> int | None:
        """Expected votes as votequorum starts with: the quorum key, else the nodelist sum."""
        if self.quorum.expected_votes is not None:
            return self.quorum.expected_votes
        if self.nodes:
            return sum(n.votes for n in self.nodes)
        return None


# --- value readers ---------------------------------------------------------

_TRUE = {"yes", "on", "1", "true"}
_FALSE = {"no", "off", "0", "false"}


class _Reader:
    """Typed access to a section's items, remembering which keys were used."""

    def __init__(self, section: Section, path: str, file: str | None, notes: list[Notice]):
        self.section = section
        self.path = path
        self.file = file
        self.notes = notes
        self.used: set[str] = set()

    def _err(self, it: Item, message: str, expected: str) -> ConfigError:
        return ConfigError(
            message,
            file=self.file,
            line=it.line,
            column=it.column,
            field=f"{self.path}.{it.key}",
            text=it.value,
            expected=expected,
        )

    def raw(self, key: str) -> Item | None:
        self.used.add(key)
        return self.section.item(key)

    def text(self, key: str, default: str | None = None) -> str | None:
        it = self.raw(key)
        return it.value if it is not None else default

    def integer(
        self, key: str, default: int | None = None, lo: int = 0, hi: int = 2**32 - 1
    ) -> int | None:
        it = self.raw(key)
        if it is None:
            return default
        try:
            value = int(it.value, 10)
        except ValueError:
            raise self._err(it, "not an integer", f"an integer {lo}..{hi}") from None
        if not lo <= value <= hi:
            raise self._err(it, "out of range", f"an integer {lo}..{hi}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        it = self.raw(key)
        if it is None:
            return default
        v = it.value.lower()
        if v in _TRUE:
            return True
        if v in _FALSE:
            return False
        raise self._err(it, "not a boolean", "yes/no, on/off or 1/0")

    def choice(self, key: str, choices: Sequence[str], default: str) -> str:
        it = self.raw(key)
        if it is None:
            return default
        if it.value not in choices:
            raise self._err(it, "unknown value", " or ".join(choices))
        return it.value

    def address(self, key: str) -> str | None:
        it = self.raw(key)
        if it is None:
            return None
        try:
            return str(ipaddress.ip_address(it.value))
        except ValueError:
            if _is_hostname(it.value):
                return it.value
            raise self._err(it, "not an address", "an IPv4/IPv6 address or host name") from None

    def warn_unknown(
        self, known: Iterable[str], accept: Callable[[str], bool] = lambda k: False
    ) -> None:
        known_set = set(known) | self.used
        for it in self.section.items:
            if it.key not in known_set and not accept(it.key):
                self.notes.append(
                    Notice(
                        Severity.WARNING,
                        f"unknown key '{self.path}.{it.key}' ignored",
                        self.file,
                        it.line,
                        it.key_column,
                    )
                )


def _is_hostname(text: str) -> bool:
    labels = text.split(".")
    return all(
        0 < len(lab) <= 63 and lab.replace("-", "").isalnum() and not lab.startswith("-")
        for lab in labels
    )


# Keys Corosync knows that Paceline reads but does not act on (accepted silently).
_TOTEM_ACCEPTED = {
    "version", "vsftype", "max_messages", "window_size", "threads", "rrp_mode",
    "netmtu", "ip_version", "send_join", "downcheck", "fail_recv_const",
    "seqno_unchanged_const", "heartbeat_failures_allowed", "max_network_delay",
    "miss_count_const", "rrp_problem_count_timeout", "rrp_problem_count_threshold",
    "rrp_problem_count_mcast_threshold", "rrp_token_expired_timeout",
    "rrp_autorecovery_check_timeout", "token_warning", "crypto_model", "nodeid",
    "block_unlisted_ips", "knet_compression_model", "knet_compression_threshold",
    "knet_compression_level", "knet_pmtud_interval", "knet_mtu", "cancel_token_hold_on_retransmit",
    "interface",
}  # fmt: skip
_INTERFACE_KEYS = {
    "ringnumber", "linknumber", "bindnetaddr", "mcastaddr", "mcastport", "ttl",
    "broadcast", "knet_link_priority", "knet_ping_interval", "knet_ping_timeout",
    "knet_pong_count", "knet_transport",
}  # fmt: skip
_LOGGING_KEYS = {
    "to_stderr", "to_logfile", "to_syslog", "logfile", "logfile_priority",
    "syslog_priority", "syslog_facility", "debug", "timestamp", "fileline",
    "function_name", "blackbox", "logger_subsys", "tags", "subsys",
}  # fmt: skip
_QUORUM_KEYS = {"votes", "expected_votes_tracking", "device"}

_NOTED_BLOCKS = {
    "service": "Paceline runs its own cluster manager in pacelined; the 'service' "
    "block (the Pacemaker plugin) is not needed and is ignored",
    "amf": "Paceline has no AMF service; the 'amf' block is ignored",
    "aisexec": "pacelined runs as root; the 'aisexec' user/group block is ignored",
    "system": "the 'system' block (scheduling, state_dir) is ignored: pacelined manages its own",
    "resources": "the 'resources' block (watchdog-based health checks) is ignored",
    "nozzle": "the 'nozzle' block (knet tap device) is not supported and is ignored",
    "qb": "the 'qb' block (libqb IPC) is ignored",
    "uidgid": "pacelined's control socket is root-only; 'uidgid' is ignored",
}


def load(text: str, file: str | None = None) -> tuple[ClusterConfig, list[Notice]]:
    """Read corosync.conf text into a checked config and the notices to print.

    Raises:
        ConfigError: bad syntax, a bad value, or inconsistent settings.
    """
    root = parse(text, file)
    notes: list[Notice] = []
    for it in root.items:
        notes.append(
            Notice(
                Severity.WARNING,
                f"unknown top-level key '{it.key}' ignored",
                file,
                it.line,
                it.key_column,
            )
        )
    totems = list(root.subsections("totem"))
    if not totems:
        raise ConfigError(
            "no 'totem' section", file=file, line=1, column=1, expected="totem { ... }"
        )
    for sec in root.sections:
        if sec.name in _NOTED_BLOCKS:
            notes.append(Notice(Severity.NOTE, _NOTED_BLOCKS[sec.name], file, sec.line, sec.column))
        elif sec.name not in {"totem", "nodelist", "quorum", "logging"}:
            notes.append(
                Notice(
                    Severity.WARNING,
                    f"unknown section '{sec.name}' ignored",
                    file,
                    sec.line,
                    sec.column,
                )
            )
    totem_sec = totems[-1]
    nodes = _nodes(root, file, notes)
    interfaces = _interfaces(totem_sec, file, notes, bool(nodes))
    totem = _totem(totem_sec, file, notes, len(nodes))
    quorum = _quorum(root, file, notes, nodes)
    logging = _logging(root, file, notes)
    if not nodes and not any(i.mcastaddr for i in interfaces):
        if totem.transport == "udp" and totem.cluster_name:
            interfaces = tuple(
                Interface(
                    i.link,
                    i.bindnetaddr,
                    _derived_mcast(totem.cluster_name, i.link),
                    i.mcastport,
                    i.ttl,
                    i.priority,
                )
                for i in interfaces
            )
        else:
            raise ConfigError(
                "no nodelist and no multicast address: no way to find peers",
                file=file,
                line=totem_sec.line,
                column=totem_sec.column,
                expected="a nodelist { node { ... } } or totem.interface.mcastaddr",
            )
    if not nodes and not interfaces:
        raise ConfigError(
            "no nodelist and no totem.interface",
            file=file,
            line=totem_sec.line,
            column=totem_sec.column,
        )
    config = ClusterConfig(totem, interfaces, nodes, quorum, logging, file)
    return config, notes


def _derived_mcast(cluster_name: str, link: int) -> str:
    """2.x: 239.192.X.Y from a hash of the cluster name (ours: a stable 16-bit fold)."""
    h = 0
    for ch in cluster_name.encode():
        h = (h * 31 + ch) & 0xFFFF
    return f"239.192.{h >> 8}.{(h & 0xFF) ^ link}"


def _totem(sec: Section, file: str | None, notes: list[Notice], node_count: int) -> Totem:
    r = _Reader(sec, "totem", file, notes)
    version = r.integer("version", 2, 1, 2)
    if version != 2:
        it = sec.item("version")
        assert it is not None
        raise r._err(it, "unsupported totem version", "2")
    cluster_name = r.text("cluster_name")
    transport = r.choice("transport", ("udp", "udpu", "knet"), "knet" if node_count else "udp")
    token = r.integer("token", DEFAULT_TOKEN_MS, MINIMUM_TIMEOUT_MS, 10**7)
    coefficient = r.integer("token_coefficient", DEFAULT_TOKEN_COEFFICIENT_MS, 0, 10**7)
    assert token is not None and coefficient is not None
    effective = token + (node_count - 2) * coefficient if node_count > 2 else token
    retransmits = r.integer(
        "token_retransmits_before_loss_const", DEFAULT_RETRANSMITS_BEFORE_LOSS, 1, 1000
    )
    assert retransmits is not None
    retransmit = r.integer(
        "token_retransmit", int(effective / (retransmits + 0.2)), MINIMUM_TIMEOUT_MS, 10**7
    )
    assert retransmit is not None
    hold = r.integer("hold", max(int(retransmit * 0.8 - 1000 / HZ), 0), 0, 10**7)
    join = r.integer("join", DEFAULT_JOIN_MS, MINIMUM_TIMEOUT_MS, 10**7)
    consensus = r.integer("consensus", int(1.2 * effective), MINIMUM_TIMEOUT_MS, 10**7)
    merge = r.integer("merge", DEFAULT_MERGE_MS, MINIMUM_TIMEOUT_MS, 10**7)
    assert hold is not None and join is not None and consensus is not None and merge is not None
    link_mode = r.choice("link_mode", ("passive", "active", "rr"), "passive")
    config_version = r.integer("config_version", 0, 0, 2**64 - 1)
    assert config_version is not None
    clear_high = r.flag("clear_node_high_bit", False)
    auth = _auth(r, sec, file, notes)
    keyfile = r.text("keyfile", DEFAULT_KEYFILE)
    assert keyfile is not None
    if r.raw("key") is not None:
        notes.append(
            Notice(
                Severity.WARNING,
                "inline totem.key is not supported; use keyfile",
                file,
                sec.line,
                sec.column,
            )
        )
    # Timing relations (DESIGN.md rule 5), as Corosync checks them at load.
    if consensus < int(1.2 * effective):
        it = sec.item("consensus")
        assert it is not None
        raise r._err(
            it,
            f"consensus must be at least 1.2 x token ({int(1.2 * effective)} ms)",
            f">= {int(1.2 * effective)}",
        )
    if join >= consensus:
        it = sec.item("join") or sec.item("consensus")
        assert it is not None
        raise r._err(
            it,
            f"join ({join} ms) must be shorter than consensus ({consensus} ms)",
            f"< {consensus}",
        )
    if retransmit >= effective:
        it = sec.item("token_retransmit") or sec.item("token")
        assert it is not None
        raise r._err(it, "token_retransmit must be shorter than token", f"< {effective}")
    r.warn_unknown(_TOTEM_ACCEPTED | {"secauth", "crypto_cipher", "crypto_hash", "keyfile", "key"})
    return Totem(
        cluster_name, transport, token, coefficient, effective, retransmits, retransmit,
        hold, join, consensus, merge, auth, keyfile, link_mode, config_version, clear_high,
    )  # fmt: skip


def _auth(r: _Reader, sec: Section, file: str | None, notes: list[Notice]) -> Auth:
    secauth_it = sec.item("secauth")
    secauth = r.flag("secauth", True)
    cipher = r.choice("crypto_cipher", ("none", "aes256", "aes192", "aes128", "3des"), "")
    hash_ = r.choice("crypto_hash", ("none", "md5", "sha1", "sha256", "sha384", "sha512"), "")
    off_at = None
    if hash_ == "none":
        off_at = sec.item("crypto_hash")
    elif not hash_ and not cipher and secauth_it is not None and not secauth:
        off_at = secauth_it
    if off_at is not None:
        if cipher not in ("", "none"):
            it = sec.item("crypto_cipher")
            assert it is not None
            raise r._err(
                it,
                "encryption needs authentication, but crypto_hash is none",
                "crypto_cipher: none",
            )
        notes.append(
            Notice(
                Severity.WARNING,
                "authentication is off: any host that can reach the cluster's links can "
                "join it and forge membership and messages (run 'paceline keygen' and "
                "remove this setting)",
                file,
                off_at.line,
                off_at.key_column,
            )
        )
        return Auth.NONE
    if hash_ and hash_ != "sha256":
        it = sec.item("crypto_hash")
        assert it is not None
        notes.append(
            Notice(
                Severity.NOTE,
                f"crypto_hash {hash_}: Paceline authenticates with HMAC-SHA256",
                file,
                it.line,
                it.column,
            )
        )
    if cipher in ("aes192", "aes128", "3des"):
        it = sec.item("crypto_cipher")
        assert it is not None
        notes.append(
            Notice(
                Severity.NOTE,
                f"crypto_cipher {cipher}: Paceline encrypts with AES-256-GCM",
                file,
                it.line,
                it.column,
            )
        )
    if cipher and cipher != "none":
        return Auth.AES_256_GCM
    if not cipher and not hash_ and secauth_it is not None and secauth:
        return Auth.AES_256_GCM  # secauth: on implies aes256 + sha256
    return Auth.HMAC_SHA256


def _interfaces(
    sec: Section, file: str | None, notes: list[Notice], have_nodes: bool
) -> tuple[Interface, ...]:
    out: dict[int, Interface] = {}
    for isec in sec.subsections("interface"):
        r = _Reader(isec, "totem.interface", file, notes)
        link_it = isec.item("linknumber") or isec.item("ringnumber")
        link = r.integer("linknumber", None, 0, MAX_LINKS - 1)
        ring = r.integer("ringnumber", None, 0, MAX_LINKS - 1)
        number = link if link is not None else (ring if ring is not None else 0)
        if number in out:
            where = link_it or isec
            raise ConfigError(
                f"link {number} defined twice",
                file=file,
                line=where.line,
                column=getattr(where, "column", 1),
                field="totem.interface.linknumber",
            )
        bind = r.address("bindnetaddr")
        mcast = r.address("mcastaddr")
        if mcast is not None and not ipaddress.ip_address(mcast).is_multicast:
            it = isec.item("mcastaddr")
            assert it is not None
            raise r._err(it, "not a multicast address", "an address in 224.0.0.0/4 or ff00::/8")
        if not have_nodes and bind is None:
            raise ConfigError(
                "bindnetaddr missing: without a nodelist each link needs one",
                file=file,
                line=isec.line,
                column=isec.column,
                field="totem.interface.bindnetaddr",
            )
        port = r.integer(
            "mcastport", DEFAULT_MCASTPORT + (number if link is not None else 0), 1, 65535
        )
        ttl = r.integer("ttl", 1, 0, 255)
        prio = r.integer("knet_link_priority", 1, 0, 255)
        assert port is not None and ttl is not None and prio is not None
        r.warn_unknown(_INTERFACE_KEYS)
        out[number] = Interface(number, bind, mcast, port, ttl, max(prio, 1))
    return tuple(out[k] for k in sorted(out))


def _nodes(root: Section, file: str | None, notes: list[Notice]) -> tuple[Node, ...]:
    nodes: list[Node] = []
    seen_ids: dict[int, Item] = {}
    for nl in root.subsections("nodelist"):
        _Reader(nl, "nodelist", file, notes).warn_unknown(())
        for nsec in nl.subsections("node"):
            r = _Reader(nsec, "nodelist.node", file, notes)
            addrs: dict[int, str] = {}
            for it in nsec.items:
                if it.key.startswith("ring") and it.key.endswith("_addr"):
                    num = it.key[4:-5]
                    if not num.isdigit() or int(num) >= MAX_LINKS:
                        raise ConfigError(
                            "unknown link number",
                            file=file, line=it.line, column=it.key_column,
                            field=f"nodelist.node.{it.key}", expected=f"ring0_addr .. ring{MAX_LINKS - 1}_addr",
                        )  # fmt: skip
                    addr = r.address(it.key)
                    assert addr is not None
                    addrs[int(num)] = addr
            if 0 not in addrs and not addrs:
                raise ConfigError(
                    "node has no ringX_addr", file=file, line=nsec.line, column=nsec.column,
                    field="nodelist.node", expected="ring0_addr: ADDRESS",
                )  # fmt: skip
            nodeid = r.integer("nodeid", None, 1, 2**32 - 1)
            if nodeid is None:
                first = addrs[min(addrs)]
                try:
                    ip = ipaddress.ip_address(first)
                except ValueError:
                    ip = None
                if ip is None or ip.version != 4:
                    raise ConfigError(
                        "nodeid missing (required unless ring0_addr is an IPv4 address)",
                        file=file, line=nsec.line, column=nsec.column, field="nodelist.node.nodeid",
                    )  # fmt: skip
                nodeid = int(ip)
            it_id = nsec.item("nodeid")
            if nodeid in seen_ids:
                where = it_id or Item("nodeid", str(nodeid), nsec.line, nsec.column, nsec.column)
                raise ConfigError(
                    f"nodeid {nodeid} used twice (first at line {seen_ids[nodeid].line})",
                    file=file, line=where.line, column=where.column, field="nodelist.node.nodeid",
                )  # fmt: skip
            seen_ids[nodeid] = it_id or Item("nodeid", "", nsec.line, nsec.column, nsec.column)
            votes = r.integer("quorum_votes", 1, 0, 2**32 - 1)
            assert votes is not None
            name = r.text("name")
            r.warn_unknown((), accept=lambda k: k.startswith("ring") and k.endswith("_addr"))
            nodes.append(Node(nodeid, name, addrs, votes))
    return tuple(nodes)


def _quorum(
    root: Section, file: str | None, notes: list[Notice], nodes: tuple[Node, ...]
) -> Quorum:
    secs = list(root.subsections("quorum"))
    if not secs:
        return Quorum(
            None, None, False, False, False, DEFAULT_LMS_WINDOW_MS, False, "lowest", False
        )
    sec = secs[-1]
    r = _Reader(sec, "quorum", file, notes)
    provider = r.choice("provider", ("corosync_votequorum",), "")
    expected = r.integer("expected_votes", None, 1, 2**32 - 1)
    two_node = r.flag("two_node", False)
    wfa_it = sec.item("wait_for_all")
    wait_for_all = r.flag("wait_for_all", two_node)
    lms = r.flag("last_man_standing", False)
    window = r.integer("last_man_standing_window", DEFAULT_LMS_WINDOW_MS, 1, 10**8)
    atb = r.flag("auto_tie_breaker", False)
    atb_node_it = r.raw("auto_tie_breaker_node")
    atb_node: tuple[str, ...] | str = "lowest"
    if atb_node_it is not None:
        v = atb_node_it.value
        if v in ("lowest", "highest"):
            atb_node = v
        else:
            parts = tuple(v.split())
            if not parts or not all(p.isdigit() and 0 < int(p) < 2**32 for p in parts):
                raise r._err(atb_node_it, "not a node id list", "lowest, highest or node ids")
            atb_node = parts
    downscale = r.flag("allow_downscale", False)
    assert window is not None
    if not provider:
        notes.append(
            Notice(
                Severity.NOTE,
                "quorum section without 'provider: corosync_votequorum': quorum disabled",
                file,
                sec.line,
                sec.column,
            )
        )
    elif expected is None and not nodes:
        raise ConfigError(
            "votequorum needs expected_votes or a nodelist",
            file=file, line=sec.line, column=sec.column, field="quorum.expected_votes",
        )  # fmt: skip
    if lms and any(n.votes != 1 for n in nodes):
        raise ConfigError(
            "last_man_standing requires every node's quorum_votes to be 1",
            file=file, line=sec.line, column=sec.column, field="quorum.last_man_standing",
        )  # fmt: skip
    if two_node and wfa_it is not None and not wait_for_all:
        pass  # explicit wait_for_all: 0 with two_node is allowed
    r.warn_unknown(_QUORUM_KEYS)
    return Quorum(
        provider or None, expected, two_node, wait_for_all, lms, window, atb, atb_node, downscale
    )


def _logging(root: Section, file: str | None, notes: list[Notice]) -> Logging:
    secs = list(root.subsections("logging"))
    if not secs:
        return Logging()
    sec = secs[-1]
    r = _Reader(sec, "logging", file, notes)
    subsys: dict[str, dict[str, str]] = {}
    for sub in sec.subsections("logger_subsys"):
        sr = _Reader(sub, "logging.logger_subsys", file, notes)
        name = sr.text("subsys")
        if name is None:
            raise ConfigError(
                "logger_subsys without 'subsys'", file=file, line=sub.line, column=sub.column,
                field="logging.logger_subsys.subsys",
            )  # fmt: skip
        sr.warn_unknown(_LOGGING_KEYS)
        subsys[name] = {it.key: it.value for it in sub.items}
    out = Logging(
        to_stderr=r.flag("to_stderr", True),
        to_logfile=r.flag("to_logfile", False),
        to_syslog=r.flag("to_syslog", True),
        logfile=r.text("logfile"),
        syslog_facility=r.text("syslog_facility", "daemon") or "daemon",
        debug=r.choice("debug", ("off", "on", "trace"), "off"),
        timestamp=r.choice("timestamp", ("off", "on", "hires"), "hires"),
        fileline=r.flag("fileline", False),
        subsys=subsys,
    )
    r.warn_unknown(_LOGGING_KEYS)
    return out


# --- node identity ----------------------------------------------------------


def local_address(bindnetaddr: str, addresses: Iterable[tuple[str, int]]) -> str | None:
    """The local address matching ``bindnetaddr`` (Corosync's interface search).

    ``addresses`` are the node's ``(address, prefix_length)``. ``bindnetaddr``
    may be a network address (matched under each interface's netmask) or one
    of the node's own addresses.
    """
    want = ipaddress.ip_address(bindnetaddr)
    for addr, prefix in addresses:
        iface = ipaddress.ip_interface(f"{addr}/{prefix}")
        if iface.ip.version != want.version:
            continue
        if iface.ip == want or want in iface.network:
            return str(iface.ip)
    return None


def nodeid_from_address(address: str, clear_high_bit: bool = False) -> int:
    """2.x: a node id from the ring0 IPv4 address (optionally with bit 31 cleared)."""
    value = int(ipaddress.IPv4Address(address))
    if clear_high_bit:
        value &= 0x7FFFFFFF
    if value == 0:
        raise ConfigError(
            "address gives node id 0", text=address, expected="a non-zero IPv4 address"
        )
    return value


def local_node(
    config: ClusterConfig, hostname: str, addresses: Iterable[tuple[str, int]]
) -> Node | None:
    """This machine's node: by name (host name, then its short form), else by address."""
    addrs = list(addresses)
    short = hostname.split(".")[0]
    for candidate in (hostname, short):
        for n in config.nodes:
            if n.name == candidate:
                return n
    for n in config.nodes:
        if n.name and n.name.split(".")[0] == short:
            return n
    mine = {str(ipaddress.ip_address(a)) for a, _ in addrs}
    for n in config.nodes:
        if any(a in mine for a in n.addrs.values()):
            return n
    return None
