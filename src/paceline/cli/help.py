"""The syntax of every crm statement, for ``configure help STATEMENT`` (as crm's help)."""

from __future__ import annotations

_ATTRS = "[params NAME=VALUE ...] [meta NAME=VALUE ...] [utilization NAME=VALUE ...]"

SYNTAX: dict[str, str] = {
    "node": "node [$id=ID] UNAME[:normal|member|ping|remote] [description=TEXT]\n"
    "    [attributes NAME=VALUE ...] [utilization NAME=VALUE ...]",
    "primitive": "primitive ID [[CLASS:[PROVIDER:]]TYPE | @TEMPLATE] [description=TEXT]\n"
    f"    {_ATTRS}\n"
    "    [op OP_NAME [interval=N] [timeout=N] [role=ROLE] [ATTR=VALUE ...] ...]\n"
    "    [op_params NAME=VALUE ...] [op_meta NAME=VALUE ...]",
    "rsc_template": "rsc_template ID [CLASS:[PROVIDER:]]TYPE [description=TEXT]\n"
    f"    {_ATTRS}\n    [op OP_NAME [ATTR=VALUE ...] ...]",
    "group": "group ID RSC [RSC ...] [description=TEXT] [params ...] [meta NAME=VALUE ...]",
    "clone": "clone ID RSC [description=TEXT] [params ...] [meta NAME=VALUE ...]",
    "ms": "ms ID RSC [description=TEXT] [meta NAME=VALUE ...]\n"
    "    (deprecated: a promotable clone is 'clone ID RSC meta promotable=true')",
    "bundle": "bundle ID docker|rkt|podman IMAGE_ATTR=VALUE ... [network ATTR=VALUE ...\n"
    "    [port-mapping ATTR=VALUE ...]] [storage storage-mapping ATTR=VALUE ...]\n"
    "    [primitive RSC] [meta NAME=VALUE ...]",
    "location": "location ID RSC|rsc-pattern=PATTERN|{ RSC ... } [role=ROLE]\n"
    "    { SCORE: NODE [resource-discovery=always|never|exclusive] |\n"
    "      rule [id=ID] [$role=ROLE] SCORE: EXPRESSION [rule ...] }",
    "colocation": "colocation ID SCORE: RSC[:ROLE] RSC[:ROLE] ... [node-attribute=ATTR]\n"
    "    (resources in ( ) or [ ] form sets)",
    "order": "order ID [{kind|SCORE}:] RSC[:ACTION] RSC[:ACTION] ... [symmetrical=BOOL]\n"
    "    (kind: Mandatory, Optional or Serialize)",
    "rsc_ticket": "rsc_ticket ID TICKET: RSC[:ROLE] [RSC[:ROLE] ...]\n"
    "    [loss-policy=stop|demote|fence|freeze]",
    "property": "property [ID:] [rule ...] NAME=VALUE [NAME=VALUE ...]",
    "rsc_defaults": "rsc_defaults [ID:] [rule ...] NAME=VALUE [NAME=VALUE ...]",
    "op_defaults": "op_defaults [ID:] [rule ...] NAME=VALUE [NAME=VALUE ...]",
    "fencing_topology": "fencing_topology [NODE:] STONITH[,STONITH ...] [STONITH ...] ...\n"
    "    (per node; also attr:NAME=VALUE: or pattern:REGEX: as the target)",
    "tag": "tag TAG[:] ID [ID ...]",
    "alert": "alert ID PATH [description=TEXT] [attributes NAME=VALUE ...]\n"
    "    [meta NAME=VALUE ...] [select nodes|fencing|resources|attributes[:{ATTR ...}] ...]\n"
    "    [to [{] RECIPIENT [attributes ...] [meta ...] [}] ...]",
    "monitor": "monitor RSC[:ROLE] INTERVAL[:TIMEOUT]",
    "role": "role ID RULE [RULE ...]\n"
    "    (RULE: read|write|deny xpath:XPATH|ref:ID|tag:TAG|attribute:NAME ...)",
    "acl_target": "acl_target ID [ROLE ...]   (alias: user)",
    "acl_group": "acl_group ID [ROLE ...]",
    "xml": "xml <ELEMENT ...>   raw CIB XML for what crm syntax cannot say",
}
SYNTAX["master"] = SYNTAX["ms"]
SYNTAX["collocation"] = SYNTAX["colocation"]
SYNTAX["fencing-topology"] = SYNTAX["fencing_topology"]
SYNTAX["user"] = SYNTAX["acl_target"]
