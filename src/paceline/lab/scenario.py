"""What is on a node's disks besides the operating system: ``bare`` or ``lamp``.

``lamp`` prepares the services of the reference LAMP cluster on every
``nodeN`` (not on the arbitrator), so that they start from their init
scripts or from the OCF agents:

- MariaDB: an own data directory (``mariadb-install-db``, never a copy of
  the host's), ``/var/log/mysql`` (absent in Debian 12 yet the mysql agent's
  default) and a ``99-paceline-lab.cnf`` with ``skip_syslog`` and
  ``log_error`` (nodes have no ``/dev/log``: the log would be lost);
- Apache: ``ServerName``, mod_status with an explicit
  ``/server-status`` location (the apache agent's auto-detected status URL
  is wrong on Debian's split configuration and passes falsely), and a
  ``/whoami.txt`` naming the node, for failover probes from the host.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from paceline.core.errors import ConfigError
from paceline.lab import cgroup
from paceline.lab.layout import NodeDirs
from paceline.lab.sh import run

SCENARIOS = ("bare", "lamp")
STATUS_URL = "http://localhost/server-status"
WHOAMI_PATH = "/whoami.txt"
# OCF parameters that work on these nodes (see the module docstring).
APACHE_PARAMS = {
    "configfile": "/etc/apache2/apache2.conf",
    "httpd": "/usr/sbin/apache2",
    "statusurl": STATUS_URL,
}
MYSQL_CNF = """\
# written by paceline lab (scenario lamp)
[mysqld]
bind-address = 0.0.0.0
log_error = /var/log/mysql/error.log
[mysqld_safe]
skip_syslog
log_error = /var/log/mysql/error.log
"""
APACHE_CONF = """\
# written by paceline lab (scenario lamp)
ServerName {node}
ExtendedStatus On
<Location /server-status>
    SetHandler server-status
    Require local
</Location>
"""


def check_scenario(name: str) -> str:
    if name not in SCENARIOS:
        raise ConfigError(
            "unknown scenario", field="--scenario", text=name, expected=" or ".join(SCENARIOS)
        )
    return name


def prepare(name: str, nodes: dict[str, NodeDirs], *, group: Path | None = None) -> None:
    """Prepare every node for scenario ``name`` (in parallel: the database set-up dominates).
    Commands run in cgroup ``group`` when given, so that a teardown can kill them."""
    if check_scenario(name) == "bare":
        return
    wanted = {n: d for n, d in nodes.items() if n.startswith("node")}
    with ThreadPoolExecutor(max_workers=max(1, len(wanted))) as pool:
        for fut in [pool.submit(_lamp, n, d, group) for n, d in wanted.items()]:
            fut.result()


def _lamp(node: str, dirs: NodeDirs, group: Path | None) -> None:
    etc = dirs.sub("etc.upper")
    cnf = etc / "mysql/mariadb.conf.d/99-paceline-lab.cnf"
    cnf.parent.mkdir(parents=True, exist_ok=True)
    cnf.write_text(MYSQL_CNF)
    logdir = dirs.sub("log") / "mysql"
    logdir.mkdir(exist_ok=True)
    shutil.chown(logdir, "mysql", "adm")
    os.chmod(logdir, 0o2750)
    datadir = dirs.sub("mysql")
    shutil.chown(datadir, "mysql", "mysql")
    # The installs of all nodes run on the host at once: each gets its own
    # temporary directory, so that their servers never share the host's /tmp
    # (one run failed removing a '/tmp/#sql-temptable-...' file).
    tmpdir = dirs.root / "mysql-install.tmp"
    tmpdir.mkdir(exist_ok=True)
    shutil.chown(tmpdir, "mysql", "mysql")
    log = dirs.root / "mysql-install.log"
    with open(log, "w") as out:
        out.write(
            run(
                cgroup.wrap(group, [
                    "env", f"TMPDIR={tmpdir}",
                    "mariadb-install-db", f"--datadir={datadir}", "--user=mysql",
                    "--skip-test-db", "--auth-root-authentication-method=socket",
                ]),
                timeout=120,
            ).stdout
        )  # fmt: skip
    conf = etc / "apache2/conf-enabled/paceline-lab.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text(APACHE_CONF.format(node=node))
    mods = etc / "apache2/mods-enabled"
    for f in ("status.load", "status.conf"):
        if not Path("/etc/apache2/mods-enabled", f).exists():
            mods.mkdir(parents=True, exist_ok=True)
            (mods / f).symlink_to(f"../mods-available/{f}")
    www = dirs.sub("var.upper") / "www/html"
    www.mkdir(parents=True, exist_ok=True)
    (www / WHOAMI_PATH.lstrip("/")).write_text(f"{node}\n")
