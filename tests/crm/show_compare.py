"""Compare our ``show`` text with crmsh 4.4's, modulo a short, explicit list of exceptions.

Each exception is something the CIB model deliberately does not keep, or a
crmsh 4.4 bug we do not copy. They are applied to *both* texts (so they can
only hide what they name), and each use is counted so the test can report
them:

- ``order``: the model keeps neither XML attribute order nor the order of a
  resource's child elements; crmsh prints both in document order. Op
  attributes are compared sorted, and a resource's clauses in the order
  params, meta, utilization, operations/op (stable within a kind).
- ``roles``: the model holds the modern role names (the codec upgrades
  ``Master``/``Slave`` on load, as Pacemaker's upgrade does).
- ``plus-inf``: a ``+INFINITY`` score reads as INFINITY; crmsh echoes the ``+``.
- comments are compared as they are: the ``#`` lines before a statement go
  with it (so an object left out below takes its comments with it), and the
  comments inside an ``xml`` statement are part of its canonical XML.
- ``crmsh-drops-comment``: a comment outside every object (between two
  resources, at the top of the configuration) makes crmsh 4.4 warn
  "unrecognized CIB element" and lose it; we keep it with the next object.
  The caller names those comments (as shown); they are removed from our text.
- ``xml``: statements shown as ``xml <...>`` are compared as canonical XML
  (sorted attributes, default-valued attributes dropped as crmsh drops them,
  ``rule`` first in an attribute block, our ``<rsc_defaults>`` wrapper
  removed: crmsh prints the bare ``<meta_attributes>``, which it cannot read back).
- ``dotted-id``: crmsh prints a node or defaults block whose id holds a ``.``
  as ``id:``, cannot read that back (its id pattern has no ``.``) and falls
  back to xml; we print the crm form, which we read back.
- ``order`` also covers bundles: crmsh prints a container's and a mapping's
  attributes in XML attribute order; they are compared sorted.
- ``crmsh-log``: crmsh writes some warnings to standard output; they are not
  part of the configuration.
- ``empty-element``: crmsh shows an empty ``<fencing-topology/>`` as a bare
  ``fencing_topology`` and a primitive with an empty ``<operations/>`` as
  xml; the model does not keep empty wrapper elements.
- ``crmsh-fallback``: other objects crmsh 4.4 fails to round-trip through
  its own syntax and shows as xml while ours round-trips: a clone whose
  meta sets ``target-role=Promoted``, some bundles (it then also prints the
  bundle's primitive on its own), an rsc_defaults/op_defaults block
  with a rule (crmsh shows a bare ``<meta_attributes>`` it cannot read back
  either), and a fencing topology its short-form check misjudges (it counts
  targets instead of comparing them with the nodes).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree

_ORDER = {
    "description": 0,
    "params": 1,
    "attributes": 1,
    "meta": 2,
    "utilization": 3,
    "operations": 4,
    "op": 5,
}
_DEFAULTS = {
    ("rule", "boolean-op", "and"),
    ("expression", "type", "string"),
    ("resource_set", "sequential", "true"),
    ("resource_set", "require-all", "true"),
    ("node", "type", "normal"),
}
_BREAK = " \\\n\t"
_DOTTED = r"xml <(node|meta_attributes|cluster_property_set)\b"


@dataclass
class Comparison:
    equal: bool
    ours: str
    theirs: str
    exceptions: Counter[str] = field(default_factory=Counter)


def statements(text: str) -> list[str]:
    """The statements of a show text, each with the ``#`` lines before it."""
    out: list[str] = []
    comments: list[str] = []
    for line in text.split("\n"):
        if not line:
            continue
        continued = line.startswith(("\t", "</")) or re.match(r" +<", line)
        if continued and out:
            out[-1] += "\n" + line
        elif line.startswith("#"):
            comments.append(line)
        elif line.startswith("\x1b["):  # a crmsh log line: its comments go on
            out.append(line)
        else:
            out.append("".join(c + "\n" for c in comments) + line)
            comments = []
    out.extend(comments)  # after the last statement: compared as lines of their own
    return out


def _split_comments(statement: str) -> tuple[str, str]:
    """(the ``#`` lines before a statement, the statement)."""
    lines = statement.split("\n")
    count = 0
    while count < len(lines) - 1 and lines[count].startswith("#"):
        count += 1
    head = "".join(line + "\n" for line in lines[:count])
    return head, "\n".join(lines[count:])


def _canon_element(el: etree._Element) -> None:
    for child in list(el):
        if isinstance(child, etree._Comment):
            child.tail = None
        elif not isinstance(child.tag, str):
            el.remove(child)
    for key, value in list(el.attrib.items()):
        if (el.tag, key, value) in _DEFAULTS:
            del el.attrib[key]
    items = sorted(el.attrib.items())
    el.attrib.clear()
    for key, value in items:
        el.set(key, value)
    if el.tag in ("cluster_property_set", "meta_attributes", "instance_attributes", "utilization"):
        children = sorted(el, key=lambda c: c.tag != "rule")
        for child in list(el):
            el.remove(child)
        for child in children:
            el.append(child)
    el.text = None
    el.tail = None
    for child in el:
        if isinstance(child.tag, str):
            _canon_element(child)


def canonical_xml(statement: str) -> str:
    body = statement[len("xml ") :].replace(" \\\n", "\n")
    el = etree.fromstring(body)
    if el.tag in ("rsc_defaults", "op_defaults") and len(el) == 1:
        el = el[0]
    _canon_element(el)
    return "xml " + etree.tostring(el, encoding="unicode")


def _xml_id(statement: str) -> str | None:
    found = re.search(r'\bid="([^"]+)"', statement)  # a defaults wrapper has none: its block's
    return found.group(1) if found else None


def _statement_id(statement: str) -> str | None:
    statement = _split_comments(statement)[1]
    if statement.startswith("xml "):
        return _xml_id(statement)
    words = statement.split()
    if len(words) < 2:
        return None
    if words[0] == "node":
        return words[1].rstrip(":") if words[1].endswith(":") else words[1].split(":")[0]
    if words[0] in ("property", "rsc_defaults", "op_defaults"):
        return words[1].rstrip(":")
    return words[1]


_BUNDLE_ORDER = {
    "meta": 0,
    "params": 1,
    "docker": 2,
    "podman": 2,
    "rkt": 2,
    "network": 3,
    "storage": 4,
    "primitive": 5,
}


def _sorted_groups(clause: str) -> str:
    """A bundle clause with the words of each part (container, each mapping) sorted."""
    words = clause.split(" ")
    groups: list[list[str]] = [[words[0]]]
    for word in words[1:]:
        if word in ("port-mapping", "storage-mapping"):
            groups.append([word])
        else:
            groups[-1].append(word)
    return " ".join(" ".join([g[0], *sorted(g[1:])]) for g in groups)


def _normalize(commented: str, used: Counter[str]) -> str:
    comments, statement = _split_comments(commented)
    return comments + _normalize_statement(statement, used)


def _normalize_statement(statement: str, used: Counter[str]) -> str:
    if statement.startswith("xml "):
        used["xml"] += 1
        return canonical_xml(statement)
    text = statement
    for old, new in (("Master", "Promoted"), ("Slave", "Unpromoted")):
        text, count = re.subn(rf"(role=|:){old}\b", rf"\g<1>{new}", text)
        if count:
            used["roles"] += count
    text, count = re.subn(r" \+inf:", " inf:", text)
    if count:
        used["plus-inf"] += count
    clauses = text.split(_BREAK)
    head, rest = clauses[0], clauses[1:]
    if head.startswith("bundle "):
        normalized = [_sorted_groups(clause) for clause in rest]
        ordered = sorted(normalized, key=lambda c: _BUNDLE_ORDER.get(c.split(" ")[0], 9))
        if ordered != rest:
            used["order"] += 1
        rest = ordered
    if head.split(" ")[0] in ("primitive", "rsc_template", "node", "group", "clone", "ms"):
        units: list[list[str]] = []
        for clause in rest:
            word = clause.split(" ")[0].split("=")[0]
            if word in ("op_params", "op_meta") and units:
                units[-1].append(clause)
                continue
            if word == "op":
                parts = clause.split(" ")
                clause = " ".join(parts[:2] + sorted(parts[2:]))
            units.append([clause])
        ordered = sorted(units, key=lambda u: _ORDER.get(u[0].split(" ")[0].split("=")[0], 9))
        if ordered != units:
            used["order"] += 1
        rest = [clause for unit in ordered for clause in unit]
    return _BREAK.join([head, *rest])


def _without_comments(mine: list[str], drops: Counter[str], used: Counter[str]) -> list[str]:
    out: list[str] = []
    for commented in mine:
        head, statement = _split_comments(commented)
        kept = []
        for line in head.split("\n")[:-1]:
            if drops[line] > 0:
                drops[line] -= 1
                used["crmsh-drops-comment"] += 1
            else:
                kept.append(line + "\n")
        out.append("".join(kept) + statement)
    return out


def compare(ours: str, theirs: str, crmsh_drops: Iterable[str] = ()) -> Comparison:
    """Both texts normalized by the exceptions above; equal if nothing else differs.
    ``crmsh_drops``: the ``#`` lines of comments crmsh loses (see above)."""
    used: Counter[str] = Counter()
    mine = _without_comments(statements(ours), Counter(crmsh_drops), used)
    crm: list[str] = []
    for statement in statements(theirs):
        if statement.startswith("\x1b["):  # a crmsh log line (WARNING/ERROR), not show output
            used["crmsh-log"] += 1
        else:
            crm.append(statement)
    skip: set[str] = set()
    bundle_children: set[str] = set()
    for commented in crm:
        statement = _split_comments(commented)[1]
        ident = _statement_id(statement)
        if statement.startswith("xml <bundle"):
            used["crmsh-fallback"] += 1
            skip.add(f"bundle:{ident}")
            bundle_children.update(re.findall(r'<primitive [^>]*?\bid="([^"]+)"', statement))
        elif statement == "fencing_topology":
            used["empty-element"] += 1
            skip.add("fencing_topology:")
        elif statement.startswith("xml <fencing-topology"):
            used["crmsh-fallback"] += 1
            skip.add("fencing_topology:")
        elif statement.startswith("xml ") and ident is not None:
            if "<operations/>" in statement:
                used["empty-element"] += 1
                skip.add(f"primitive:{ident}")
            elif "." in ident and re.match(_DOTTED, statement):
                used["dotted-id"] += 1
                skip.add(f"id:{ident}")
            elif statement.startswith("xml <meta_attributes") or (
                statement.startswith("xml <clone") and "target-role" in statement
            ):
                used["crmsh-fallback"] += 1
                skip.add(f"id:{ident}")

    def kept(commented: str, side: str) -> bool:
        statement = _split_comments(commented)[1]
        ident = _statement_id(statement)
        kind = statement.split()[0]
        if kind == "xml":
            tag = re.match(r"xml <([\w-]+)", statement)
            kind = {
                "bundle": "bundle",
                "alert": "alert",
                "fencing-topology": "fencing_topology",
            }.get(tag.group(1) if tag else "", "xml")
        if f"{kind}:{ident}" in skip or f"id:{ident}" in skip:
            return False
        if kind == "fencing_topology" and "fencing_topology:" in skip:
            return False
        if kind in ("primitive", "xml") and f"primitive:{ident}" in skip:
            return False
        return not (kind == "primitive" and ident in bundle_children)

    bundles = {_statement_id(st) for st in crm if _split_comments(st)[1].startswith("xml <bundle")}
    mine = [
        st
        for st in mine
        if not (_split_comments(st)[1].startswith("bundle ") and _statement_id(st) in bundles)
    ]

    mine = [_normalize(s, used) for s in mine if kept(s, "ours")]
    crm = [_normalize(s, used) for s in crm if kept(s, "crm")]
    ours_text = "\n".join(mine)
    theirs_text = "\n".join(crm)
    return Comparison(ours_text == theirs_text, ours_text, theirs_text, used)
