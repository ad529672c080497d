"""DRBD ``.res`` configuration files: lexer, parser and typed model (pure).

Reads the 8.3/8.4 syntax and the two-node subset of 9 (``specs/drbd.md`` §1):
``global``/``common``/``resource`` sections, ``on HOST`` sections, ``device
/dev/drbdN minor N``, ``disk``, ``meta-disk internal|DEV|DEV[idx]``,
``address [af] IP:PORT``, ``protocol``, ``net``/``disk``/``startup``/
``options``/``handlers`` sections and 8.3's ``syncer {}``, whose options are
mapped to their 8.4 places (``rate`` -> ``disk resync-rate``, ``verify-alg``
and ``csums-alg`` -> ``net``, ...). Every error is a ``ConfigError`` with
file, line and column. Resolving ``include`` needs file access and lives in
``paceline.runtime.volume_conf``; here an include is recorded, not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from paceline.core.errors import ConfigError

# --- lexer -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "word", "string", "{", "}", ";"
    text: str
    line: int
    column: int


_TOKEN_RE = re.compile(r'\s+|#[^\n]*|"(?:[^"\\\n]|\\.)*"|[{};]|[^\s{};#"]+')


def tokenize(text: str, file: str | None = None) -> list[Token]:
    """Split ``text`` into tokens; comments and blanks are dropped."""
    out: list[Token] = []
    pos, line, line_start = 0, 1, 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        col = pos - line_start + 1
        if m is None:
            raise ConfigError(
                "unterminated string", file=file, line=line, column=col, text=text[pos : pos + 20]
            )
        tok = m.group(0)
        if tok[0] == '"':
            out.append(Token("string", _unquote(tok), line, col))
        elif tok in "{};" and len(tok) == 1:
            out.append(Token(tok, tok, line, col))
        elif not tok[0].isspace() and tok[0] != "#":
            out.append(Token("word", tok, line, col))
        newlines = tok.count("\n")
        if newlines:
            line += newlines
            line_start = pos + tok.rindex("\n") + 1
        pos = m.end()
    return out


def _unquote(tok: str) -> str:
    return re.sub(r"\\(.)", r"\1", tok[1:-1])


# --- generic tree ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Param:
    keyword: str
    values: tuple[str, ...]
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Section:
    keyword: str
    args: tuple[str, ...]
    body: tuple[Param | Section, ...]
    line: int
    column: int


class _Parser:
    def __init__(self, tokens: list[Token], file: str | None) -> None:
        self.tokens = tokens
        self.pos = 0
        self.file = file

    def error(self, message: str, tok: Token | None, expected: str | None = None) -> ConfigError:
        if tok is None:
            last = self.tokens[-1] if self.tokens else Token("eof", "", 1, 1)
            return ConfigError(
                message, file=self.file, line=last.line, column=last.column, expected=expected
            )
        return ConfigError(
            message,
            file=self.file,
            line=tok.line,
            column=tok.column,
            text=tok.text,
            expected=expected,
        )

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def items(self, *, top: bool) -> tuple[Param | Section, ...]:
        out: list[Param | Section] = []
        while True:
            tok = self.peek()
            if tok is None:
                if not top:
                    raise self.error("unexpected end of file", None, expected="'}'")
                return tuple(out)
            if tok.kind == "}":
                if top:
                    raise self.error("unbalanced '}'", tok)
                return tuple(out)
            if tok.kind != "word":
                raise self.error("expected a keyword", tok, expected="a keyword")
            out.append(self.item())

    def item(self) -> Param | Section:
        head = self.tokens[self.pos]
        self.pos += 1
        values: list[str] = []
        while True:
            tok = self.peek()
            if tok is None:
                raise self.error(f"{head.text}: unexpected end of file", None, expected="';'")
            if tok.kind == ";":
                self.pos += 1
                return Param(head.text, tuple(values), head.line, head.column)
            if tok.kind == "{":
                self.pos += 1
                body = self.items(top=False)
                self.pos += 1  # the closing brace
                return Section(head.text, tuple(values), body, head.line, head.column)
            if tok.kind == "}":
                raise self.error(f"{head.text}: missing ';'", tok, expected="';'")
            values.append(tok.text)
            self.pos += 1


def parse_tree(text: str, file: str | None = None) -> tuple[Param | Section, ...]:
    """The generic section/parameter tree of one file."""
    return _Parser(tokenize(text, file), file).items(top=True)


# --- option catalogue ------------------------------------------------------

AFTER_SB_0PRI = {
    "disconnect",
    "discard-younger-primary",
    "discard-older-primary",
    "discard-zero-changes",
    "discard-least-changes",
    "discard-local",
    "discard-remote",
}
AFTER_SB_1PRI = {
    "disconnect",
    "consensus",
    "discard-secondary",
    "call-pri-lost-after-sb",
    "violently-as0p",
}
AFTER_SB_2PRI = {"disconnect", "violently-as0p", "call-pri-lost-after-sb"}
FENCING = {"dont-care", "resource-only", "resource-and-stonith"}
DIGESTS = {"md5", "sha1", "sha256", "sha512", "crc32c", "crc32"}

# option -> (kind, choices or unit); kinds: "bool", "int", "size", "choice", "str"
_NET: dict[str, tuple[str, object]] = {
    "protocol": ("choice", {"A", "B", "C"}),
    "timeout": ("int", None),
    "connect-int": ("int", None),
    "ping-int": ("int", None),
    "ping-timeout": ("int", None),
    "ko-count": ("int", None),
    "max-buffers": ("int", None),
    "max-epoch-size": ("int", None),
    "sndbuf-size": ("size", 1),
    "rcvbuf-size": ("size", 1),
    "allow-two-primaries": ("bool", None),
    "after-sb-0pri": ("choice", AFTER_SB_0PRI),
    "after-sb-1pri": ("choice", AFTER_SB_1PRI),
    "after-sb-2pri": ("choice", AFTER_SB_2PRI),
    "rr-conflict": ("choice", {"disconnect", "violently", "call-pri-lost", "retry-connect"}),
    "always-asbp": ("bool", None),
    "cram-hmac-alg": ("choice", DIGESTS),
    "shared-secret": ("str", None),
    "verify-alg": ("choice", DIGESTS),
    "csums-alg": ("choice", DIGESTS),
    "data-integrity-alg": ("choice", DIGESTS),
    "csums-after-crash-only": ("bool", None),
    "use-rle": ("bool", None),
    "on-congestion": ("choice", {"block", "pull-ahead", "disconnect"}),
    "congestion-fill": ("size", 512),
    "congestion-extents": ("int", None),
    "fencing": ("choice", FENCING),
    "tcp-cork": ("bool", None),
}
_DISK: dict[str, tuple[str, object]] = {
    "on-io-error": ("choice", {"pass_on", "call-local-io-error", "detach"}),
    "fencing": ("choice", FENCING),
    "resync-rate": ("size", 1024),
    "resync-after": ("str", None),
    "al-extents": ("int", None),
    "al-updates": ("bool", None),
    "c-plan-ahead": ("int", None),
    "c-fill-target": ("size", 512),
    "c-delay-target": ("int", None),
    "c-max-rate": ("size", 1024),
    "c-min-rate": ("size", 1024),
    "disk-barrier": ("bool", None),
    "disk-flushes": ("bool", None),
    "disk-drain": ("bool", None),
    "md-flushes": ("bool", None),
    "disk-timeout": ("int", None),
    "read-balancing": ("str", None),
    "size": ("size", 512),
}
_STARTUP: dict[str, tuple[str, object]] = {
    "wfc-timeout": ("int", None),
    "degr-wfc-timeout": ("int", None),
    "outdated-wfc-timeout": ("int", None),
    "wait-after-sb": ("bool", None),
    "become-primary-on": ("str", None),
}
_OPTIONS: dict[str, tuple[str, object]] = {
    "auto-promote": ("bool", None),
    "quorum": ("str", None),
    "on-no-quorum": ("choice", {"io-error", "suspend-io"}),
    "cpu-mask": ("str", None),
}
HANDLERS = {
    "pri-on-incon-degr",
    "pri-lost-after-sb",
    "pri-lost",
    "fence-peer",
    "unfence-peer",
    "after-resync-target",
    "before-resync-target",
    "before-resync-source",
    "local-io-error",
    "initial-split-brain",
    "split-brain",
    "out-of-sync",
    "quorum-lost",
}
_GLOBAL = {"usage-count", "minor-count", "dialog-refresh", "disable-ip-verification"}
# 8.3 syncer {} -> (8.4 section, 8.4 option)
SYNCER_MAP = {
    "rate": ("disk", "resync-rate"),
    "after": ("disk", "resync-after"),
    "al-extents": ("disk", "al-extents"),
    "verify-alg": ("net", "verify-alg"),
    "csums-alg": ("net", "csums-alg"),
    "c-plan-ahead": ("disk", "c-plan-ahead"),
    "c-fill-target": ("disk", "c-fill-target"),
    "c-delay-target": ("disk", "c-delay-target"),
    "c-max-rate": ("disk", "c-max-rate"),
    "c-min-rate": ("disk", "c-min-rate"),
    "use-rle": ("net", "use-rle"),
    "on-no-data-accessible": ("options", "on-no-data-accessible"),
}
_CATALOGUE = {"net": _NET, "disk": _DISK, "startup": _STARTUP, "options": _OPTIONS}

_UNITS = {"": 1, "s": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}

Value = bool | int | str


def parse_size(text: str, default_unit: int) -> int:
    """``text`` with an optional K/M/G suffix, in units of ``default_unit`` bytes.

    ``parse_size("100M", 1024) == 102400`` (KiB). Raises ValueError.
    """
    m = re.fullmatch(r"(\d+)([kKmMgGtTsS]?)", text)
    if m is None:
        raise ValueError(text)
    n, unit = int(m.group(1)), m.group(2).lower()
    if unit == "":
        return n
    if unit == "s":
        return n * 512 // default_unit
    return n * _UNITS[unit] // default_unit


# --- typed model -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Address:
    family: str
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Host:
    """One ``on HOST { }`` section, with inherited volume keys filled in."""

    name: str
    address: Address | None
    device: str | None
    minor: int | None
    disk: str | None
    meta_disk: str  # "internal" or a path
    meta_index: int | None
    node_id: int | None = None


@dataclass(frozen=True, slots=True)
class Resource:
    name: str
    hosts: dict[str, Host]
    net: dict[str, Value]
    disk: dict[str, Value]
    startup: dict[str, Value]
    options: dict[str, Value]
    handlers: dict[str, str]
    file: str | None = None
    line: int | None = None
    notes: tuple[str, ...] = ()  # e.g. syncer mappings applied

    @property
    def protocol(self) -> str:
        return str(self.net.get("protocol", "C"))

    def fencing(self) -> str:
        return str(self.net.get("fencing", self.disk.get("fencing", "dont-care")))

    def host(self, name: str) -> Host:
        """The ``on NAME`` section; ConfigError if the resource has none."""
        if name not in self.hosts:
            raise ConfigError(
                f"resource {self.name} has no 'on {name}' section",
                file=self.file,
                line=self.line,
                expected=" or ".join(sorted(self.hosts)) or "an 'on HOST' section",
            )
        return self.hosts[name]

    def peer_of(self, name: str) -> Host:
        self.host(name)
        others = [h for n, h in self.hosts.items() if n != name]
        if len(others) != 1:
            raise ConfigError(
                f"resource {self.name}: two-node resources only ({len(self.hosts)} hosts)",
                file=self.file,
                line=self.line,
            )
        return others[0]


@dataclass(frozen=True, slots=True)
class Config:
    global_: dict[str, Value]
    resources: dict[str, Resource]
    includes: tuple[str, ...] = ()


# --- interpretation --------------------------------------------------------


@dataclass
class _Scope:
    net: dict[str, Value] = field(default_factory=dict)
    disk: dict[str, Value] = field(default_factory=dict)
    startup: dict[str, Value] = field(default_factory=dict)
    options: dict[str, Value] = field(default_factory=dict)
    handlers: dict[str, str] = field(default_factory=dict)
    volume: dict[str, Param] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def copy(self) -> _Scope:
        return _Scope(
            dict(self.net),
            dict(self.disk),
            dict(self.startup),
            dict(self.options),
            dict(self.handlers),
            dict(self.volume),
            [],
        )

    def section(self, name: str) -> dict[str, Value]:
        out: dict[str, Value] = getattr(self, name)
        return out


class _Interpreter:
    def __init__(self, file: str | None) -> None:
        self.file = file

    def err(
        self, node: Param | Section, message: str, expected: str | None = None, field: str = ""
    ) -> ConfigError:
        text = " ".join((node.keyword, *node.args)) if isinstance(node, Section) else None
        if isinstance(node, Param):
            text = " ".join((node.keyword, *node.values))
        return ConfigError(
            message,
            file=self.file,
            line=node.line,
            column=node.column,
            field=field or node.keyword,
            text=text,
            expected=expected,
        )

    def value(self, section: str, p: Param) -> Value:
        spec = _CATALOGUE[section].get(p.keyword)
        if spec is None:
            raise self.err(
                p, f"unknown {section} option", expected=", ".join(sorted(_CATALOGUE[section]))
            )
        kind, arg = spec
        if kind == "bool":
            if not p.values:
                return True
            if len(p.values) == 1 and p.values[0] in ("yes", "no"):
                return p.values[0] == "yes"
            raise self.err(p, "expected yes or no", expected="yes|no")
        if len(p.values) != 1:
            raise self.err(p, f"expected one value, got {len(p.values)}")
        v = p.values[0]
        if kind == "int":
            if not v.isdigit():
                raise self.err(p, "expected a number", expected="an integer")
            return int(v)
        if kind == "size":
            try:
                return parse_size(v, int(arg))  # type: ignore[call-overload]
            except ValueError:
                raise self.err(p, "expected a size", expected="N[K|M|G]") from None
        if kind == "choice":
            choices = arg if isinstance(arg, set) else set()
            if v not in choices and not (
                section == "net" and p.keyword == "after-sb-0pri" and v.startswith("discard-node-")
            ):
                raise self.err(p, "invalid value", expected="|".join(sorted(choices)))
            return v
        return v

    def options_into(self, scope: _Scope, sec: Section) -> None:
        if sec.args:
            raise self.err(sec, f"{sec.keyword} takes no name")
        if sec.keyword == "handlers":
            for p in sec.body:
                if isinstance(p, Section) or p.keyword not in HANDLERS:
                    raise self.err(p, "unknown handler", expected=", ".join(sorted(HANDLERS)))
                if len(p.values) != 1:
                    raise self.err(p, "expected one command string")
                scope.handlers[p.keyword] = p.values[0]
            return
        if sec.keyword == "syncer":
            for p in sec.body:
                if isinstance(p, Section) or p.keyword not in SYNCER_MAP:
                    raise self.err(
                        p, "unknown syncer option", expected=", ".join(sorted(SYNCER_MAP))
                    )
                target, name = SYNCER_MAP[p.keyword]
                if target == "options":
                    continue  # accepted, no 8.4 equivalent we act on
                mapped = Param(name, p.values, p.line, p.column)
                scope.section(target)[name] = self.value(target, mapped)
                scope.notes.append(f"syncer {p.keyword} -> {target} {name}")
            return
        for p in sec.body:
            if isinstance(p, Section):
                raise self.err(p, f"no section allowed inside {sec.keyword}")
            scope.section(sec.keyword)[p.keyword] = self.value(sec.keyword, p)

    def common_item(self, scope: _Scope, item: Param | Section) -> bool:
        """Items allowed in common, resource and on sections; True if handled."""
        if isinstance(item, Section) and item.keyword in (*_CATALOGUE, "handlers", "syncer"):
            self.options_into(scope, item)
            return True
        if isinstance(item, Param) and item.keyword == "protocol":
            scope.net["protocol"] = self.value("net", item)
            return True
        if isinstance(item, Param) and item.keyword in (
            "device",
            "disk",
            "meta-disk",
            "flexible-meta-disk",
        ):
            key = "meta-disk" if item.keyword == "flexible-meta-disk" else item.keyword
            if not item.values:
                raise self.err(item, "expected a value")
            scope.volume[key] = item
            return True
        return False

    def resource(self, sec: Section, common: _Scope) -> Resource:
        if len(sec.args) != 1:
            raise self.err(sec, "a resource needs exactly one name", expected="resource NAME {")
        scope = common.copy()
        on_sections: list[Section] = []
        for item in sec.body:
            if self.common_item(scope, item):
                continue
            if isinstance(item, Section) and item.keyword == "on":
                on_sections.append(item)
            elif isinstance(item, Section) and item.keyword in ("skip", "connection-mesh"):
                continue
            elif isinstance(item, Section) and item.keyword == "connection":
                continue  # 9: two-node connections carry nothing we need beyond 'on'
            elif isinstance(item, Param) and item.keyword.startswith("require-drbd-module-version"):
                continue
            else:
                raise self.err(
                    item,
                    "unknown keyword in resource",
                    expected="on, net, disk, startup, options, handlers, syncer, protocol, device, disk, meta-disk",
                )
        hosts: dict[str, Host] = {}
        for on in on_sections:
            host = self.host(on, scope)
            for name in on.args:
                if name in hosts:
                    raise self.err(on, f"host {name} appears twice")
                hosts[name] = replace(host, name=name)
        if not hosts:
            raise self.err(sec, "resource has no 'on HOST' section")
        minors = [h.minor for h in hosts.values()]
        if any(m is None for m in minors):
            raise self.err(sec, "every host needs a device with a minor number", field="device")
        return Resource(
            sec.args[0],
            hosts,
            scope.net,
            scope.disk,
            scope.startup,
            scope.options,
            scope.handlers,
            self.file,
            sec.line,
            tuple(scope.notes),
        )

    def host(self, on: Section, parent: _Scope) -> Host:
        if not on.args:
            raise self.err(on, "'on' needs a host name", expected="on HOST {")
        scope = parent.copy()
        address: Address | None = None
        node_id: int | None = None
        for item in on.body:
            if self.common_item(scope, item):
                continue
            if isinstance(item, Param) and item.keyword == "address":
                address = self.address(item)
            elif isinstance(item, Param) and item.keyword == "node-id":
                if len(item.values) != 1 or not item.values[0].isdigit():
                    raise self.err(item, "expected a number")
                node_id = int(item.values[0])
            elif isinstance(item, Section) and item.keyword == "volume":
                if item.args != ("0",):
                    raise self.err(item, "only volume 0 is supported", expected="volume 0")
                for p in item.body:
                    if not (isinstance(p, Param) and self.common_item(scope, p)):
                        raise self.err(
                            p, "unknown keyword in volume", expected="device, disk, meta-disk"
                        )
            else:
                raise self.err(
                    item,
                    "unknown keyword in 'on' section",
                    expected="address, device, disk, meta-disk, node-id, volume",
                )
        device, minor = self.device(scope.volume.get("device"), on)
        disk_p = scope.volume.get("disk")
        meta, index = self.meta_disk(scope.volume.get("meta-disk"))
        return Host(
            on.args[0],
            address,
            device,
            minor,
            disk_p.values[0] if disk_p else None,
            meta,
            index,
            node_id,
        )

    def address(self, p: Param) -> Address:
        values = list(p.values)
        family = "ipv4"
        if values and values[0] in ("ipv4", "ipv6", "ssocks", "sdp"):
            family = values.pop(0)
        if len(values) != 1:
            raise self.err(p, "expected [AF] ADDRESS:PORT", expected="IP:PORT")
        text = values[0]
        m = re.fullmatch(r"\[([0-9a-fA-F:.]+)\]:(\d+)|([^:\s]+):(\d+)", text)
        if m is None:
            raise self.err(p, "bad address", expected="IP:PORT")
        host = m.group(1) or m.group(3)
        port = int(m.group(2) or m.group(4))
        if not 0 < port < 65536:
            raise self.err(p, "port out of range", expected="1..65535")
        return Address(family, host, port)

    def device(self, p: Param | None, on: Section) -> tuple[str | None, int | None]:
        if p is None:
            return None, None
        v = list(p.values)
        path: str | None = None
        minor: int | None = None
        if v[0] == "minor" and len(v) == 2 and v[1].isdigit():
            minor = int(v[1])
        elif len(v) == 1:
            path = v[0]
        elif len(v) == 3 and v[1] == "minor" and v[2].isdigit():
            path, minor = v[0], int(v[2])
        else:
            raise self.err(p, "bad device", expected="/dev/drbdN [minor N] | minor N")
        if minor is None and path is not None:
            m = re.fullmatch(r"/dev/drbd(\d+)", path)
            if m is None:
                raise self.err(p, "device needs a minor number", expected="/dev/drbdN or 'minor N'")
            minor = int(m.group(1))
        if path is None:
            path = f"/dev/drbd{minor}"
        return path, minor

    def meta_disk(self, p: Param | None) -> tuple[str, int | None]:
        if p is None:
            return "internal", None
        v = p.values
        if v == ("internal",):
            return "internal", None
        m = re.fullmatch(r"([^\[\]]+)(?:\[(\d+)\])?", v[0])
        if len(v) == 2 and v[1].startswith("[") and v[1].endswith("]") and v[1][1:-1].isdigit():
            return v[0], int(v[1][1:-1])
        if len(v) != 1 or m is None:
            raise self.err(p, "bad meta-disk", expected="internal | DEVICE | DEVICE[INDEX]")
        return m.group(1), int(m.group(2)) if m.group(2) else None


def parse(text: str, file: str | None = None) -> Config:
    """Parse one ``.res``/``drbd.conf`` text (includes are listed, not followed)."""
    return parse_many([(text, file)])


def parse_many(sources: list[tuple[str, str | None]]) -> Config:
    """Parse several files as one configuration (a drbd.conf and its includes).

    ``global`` and ``common`` apply to every resource of every file, as
    ``drbd.d/global_common.conf`` does for the ``*.res`` files.
    """
    glob: dict[str, Value] = {}
    common = _Scope()
    includes: list[str] = []
    pending: list[tuple[_Interpreter, Section]] = []
    for text, file in sources:
        it = _Interpreter(file)
        for item in parse_tree(text, file):
            if isinstance(item, Param) and item.keyword == "include":
                if len(item.values) != 1:
                    raise it.err(item, "expected one file name or glob")
                includes.append(item.values[0])
            elif isinstance(item, Section) and item.keyword == "global":
                for p in item.body:
                    if isinstance(p, Section) or p.keyword not in _GLOBAL:
                        raise it.err(
                            p, "unknown global option", expected=", ".join(sorted(_GLOBAL))
                        )
                    glob[p.keyword] = p.values[0] if p.values else True
            elif isinstance(item, Section) and item.keyword == "common":
                for sub in item.body:
                    if not it.common_item(common, sub):
                        raise it.err(
                            sub,
                            "unknown keyword in common",
                            expected="net, disk, startup, options, handlers, syncer, protocol",
                        )
            elif isinstance(item, Section) and item.keyword == "resource":
                pending.append((it, item))
            elif isinstance(item, Section) and item.keyword == "skip":
                continue
            else:
                raise it.err(
                    item,
                    "unknown top-level keyword",
                    expected="global, common, resource, include, skip",
                )
    resources: dict[str, Resource] = {}
    for it, sec in pending:
        res = it.resource(sec, common)
        if res.name in resources:
            raise it.err(sec, f"resource {res.name} defined twice")
        resources[res.name] = res
    return Config(glob, resources, tuple(includes))
