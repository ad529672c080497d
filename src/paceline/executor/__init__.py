"""Running resource agents: Pacemaker's executor (lrmd).

Pure contracts: ``ocf`` (OCF 1.1 environment, exit codes, meta-data), ``lsb``
(init scripts and Pacemaker's status mapping), ``fence`` (fence agents' stdin
protocol). I/O edges: ``runner`` (asyncio subprocesses, timeouts, recurring
monitors, the operation history), ``agents`` and ``filesystems`` (what is
installed on this host), ``tools`` (the ``crm_attribute`` family agents call).
"""
