"""Linking customers and suppliers across the job system and the accounting package.

Pure Python: no I/O, no database, no HTTP. Give ``match`` the two sides' parties (and any decisions a
person already made) and it answers with one-to-one proposals, each with a score, a band (``sure`` to
link at once, ``likely`` for a person to review) and reasons, plus the records with no match.
"""

from ledgerlink.matching.decisions import Decisions
from ledgerlink.matching.engine import match
from ledgerlink.matching.party import Kind, Party
from ledgerlink.matching.result import Band, MatchResult, MatchStats, Proposal

__all__ = ["Band", "Decisions", "Kind", "MatchResult", "MatchStats", "Party", "Proposal", "match"]
