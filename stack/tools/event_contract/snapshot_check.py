"""The events of one publishing module match its committed modules/<m>/events.json.

module_event_contracts (pants-plugins/macros.py) makes one target of this file per module that
publishes, in that module's resolve, naming the module in EVENTS_CONTRACT_MODULE.
"""

import os
from pathlib import Path

from event_contract.snapshot import check

ROOT = Path(__file__).resolve().parents[3]


def test_the_published_events_match_the_committed_snapshot() -> None:
    check(ROOT, os.environ["EVENTS_CONTRACT_MODULE"])
