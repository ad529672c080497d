"""The typed, immutable model of Pacemaker's CIB.

Every element and attribute of a CIB maps to a frozen, slotted dataclass
field; the model keeps no raw XML. Sequences are tuples in document order
(nvpairs, ops, resources, constraints), ids are kept everywhere, and an
optional XML attribute that is absent is ``None`` (so the crm shell can show
exactly what was written; effective defaults are the consumer's business).

Construct::

    from paceline.cib.model import *
    ip = Primitive("ip", AgentClass.OCF, "heartbeat", "IPaddr2",
                   instance_attributes=(NvSet("ip-ia", (NvPair("ip-ia-ip", "ip", "198.18.0.64"),)),),
                   operations=(Op("ip-mon", "monitor", "10s", timeout="20s"),))
    cfg = Configuration(resources=(Group("g", (ip,)),),
                        constraints=(Location("loc", rsc="g", score=Score(100), node="n1"),))
    cib = Cib(configuration=cfg, epoch=1)

Navigate::

    cib.configuration.resources       # tuple[Primitive | Group | Clone | Bundle]
    cib.configuration.templates       # tuple[Template]
    cib.configuration.constraints     # tuple[Location | Colocation | Order | Ticket]
    cib.configuration.crm_config      # tuple[NvSet | NvSetRef] (cluster_property_set)
    find_resource(cib.configuration, "ip"), primitives(cfg), parent_of(cfg, "ip")
    cib.status.node_states[0].lrm.resources[0].ops   # operation history
    cib.version                       # CibVersion(admin_epoch, epoch, num_updates)

Names that differ from the XML: ``class``/``type`` of an agent are
``agent_class``/``agent_type``; XML dashes become underscores
(``with-rsc-role`` -> ``with_rsc_role``); ``<group>``'s primitives are
``children``, a clone's single child is ``child``; ``<master>`` is a
``Clone`` with ``legacy_master=True``; the ``<docker|rkt|podman>`` element of
a bundle is its ``container``. Scores are ``paceline.cib.score.Score``.
Reading and writing XML is ``paceline.cib.codec``; versions and digest are
``paceline.cib.versions``; files are ``paceline.cib.store``.
"""

from paceline.cib.model.cib import SCHEMA, Cib, CibVersion
from paceline.cib.model.config import (
    AclEntry,
    AclGroup,
    AclPermission,
    AclRole,
    AclTarget,
    Alert,
    AlertRecipient,
    AlertSelect,
    Configuration,
    FencingLevel,
    Node,
    Tag,
)
from paceline.cib.model.constraints import (
    Colocation,
    Constraint,
    Location,
    Order,
    ResourceSet,
    ResourceSetItem,
    ResourceSetRef,
    Ticket,
)
from paceline.cib.model.enums import (
    AclKind,
    Action,
    AgentClass,
    BooleanOp,
    ContainerEngine,
    DateOp,
    Discovery,
    ExprOp,
    ExprType,
    LossPolicy,
    NodeType,
    OnFail,
    OrderKind,
    Role,
    SetOrdering,
    ValueSource,
)
from paceline.cib.model.lookup import (
    AnyResource,
    find_constraint,
    find_node,
    find_resource,
    first_value,
    parent_of,
    primitives,
    property_value,
    walk_resources,
)
from paceline.cib.model.resources import (
    Bundle,
    BundleNetwork,
    Clone,
    Container,
    Group,
    Op,
    PortMapping,
    Primitive,
    Resource,
    StorageMapping,
    Template,
    in_written_order,
)
from paceline.cib.model.rules import (
    DateExpression,
    DateSpec,
    Duration,
    Expression,
    NvPair,
    NvPairRef,
    NvSet,
    NvSetItem,
    NvSetRef,
    OpExpression,
    RscExpression,
    Rule,
    RuleItem,
    RuleRef,
)
from paceline.cib.model.status import (
    Lrm,
    LrmResource,
    LrmRscOp,
    NodeState,
    Status,
    TicketState,
    TransientAttributes,
)
from paceline.cib.score import INFINITY, MINUS_INFINITY, Score

__all__ = [
    "INFINITY",
    "MINUS_INFINITY",
    "SCHEMA",
    "AclEntry",
    "AclGroup",
    "AclKind",
    "AclPermission",
    "AclRole",
    "AclTarget",
    "Action",
    "AgentClass",
    "Alert",
    "AlertRecipient",
    "AlertSelect",
    "AnyResource",
    "BooleanOp",
    "Bundle",
    "BundleNetwork",
    "Cib",
    "CibVersion",
    "Clone",
    "Colocation",
    "Configuration",
    "Constraint",
    "Container",
    "ContainerEngine",
    "DateExpression",
    "DateOp",
    "DateSpec",
    "Discovery",
    "Duration",
    "ExprOp",
    "ExprType",
    "Expression",
    "FencingLevel",
    "Group",
    "Location",
    "LossPolicy",
    "Lrm",
    "LrmResource",
    "LrmRscOp",
    "Node",
    "NodeState",
    "NodeType",
    "NvPair",
    "NvPairRef",
    "NvSet",
    "NvSetItem",
    "NvSetRef",
    "OnFail",
    "Op",
    "OpExpression",
    "Order",
    "OrderKind",
    "PortMapping",
    "Primitive",
    "Resource",
    "ResourceSet",
    "ResourceSetItem",
    "ResourceSetRef",
    "Role",
    "RscExpression",
    "Rule",
    "RuleItem",
    "RuleRef",
    "Score",
    "SetOrdering",
    "Status",
    "StorageMapping",
    "Tag",
    "Template",
    "Ticket",
    "TicketState",
    "TransientAttributes",
    "ValueSource",
    "find_constraint",
    "find_node",
    "find_resource",
    "first_value",
    "in_written_order",
    "parent_of",
    "primitives",
    "property_value",
    "walk_resources",
]
