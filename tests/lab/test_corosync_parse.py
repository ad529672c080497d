"""Reading ``corosync-quorumtool -s`` text back (the lab's comparison with real Corosync)."""

from __future__ import annotations

from paceline.lab.corosync import parse_status

SAMPLE = """\
Quorum information
------------------
Date:             Thu Dec  3 13:20:08 2026
Quorum provider:  corosync_votequorum
Nodes:            2
Node ID:          3
Ring ID:          1.1d
Quorate:          No

Votequorum information
----------------------
Expected votes:   3
Highest expected: 3
Total votes:      2
Quorum:           2 Activity blocked
Flags:

Membership information
----------------------
    Nodeid      Votes Name
         1          1 node1
         3          2 node3 (local)
""".replace("Flags:\n", "Flags:" + " " * 12 + "\n")  # corosync pads an empty flags line


def test_parse_status_reads_the_fields_compared_with_ours() -> None:
    st = parse_status(SAMPLE)
    assert st is not None
    assert st.date == "Thu Dec  3 13:20:08 2026"
    assert st.ring == (1, 0x1D) and st.local == 3 and not st.quorate
    assert (
        st.members == (1, 3) and st.votes == {1: 1, 3: 2} and st.names == {1: "node1", 3: "node3"}
    )


def test_parse_status_of_an_error_message_is_none() -> None:
    assert parse_status("Cannot initialize QUORUM service\n") is None
    assert parse_status("") is None
