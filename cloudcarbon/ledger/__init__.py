"""The ledger: every monthly estimate recorded in one SQLite file, closed like a finance period.

A month is *open* while it is being estimated: each estimate is kept (its history) and the latest is
current. :meth:`Ledger.close` freezes it: the current estimate becomes version 1. Recording the month
again then records a *restatement* (version 2, 3, ...) with the delta of every changed figure, per
line and per total, and its causes, found by comparing what the new estimate and the version it
replaces recorded: ``new bill delivery`` (the input files' sha256 differ), ``new factor set`` (factor
set version or hash), ``config change`` (config hash or text), ``method change``, ``tool version``,
or ``unexplained`` when none of those differ yet the figures do. Baselines (a month, or the monthly
average over several months such as a year) are kept in versions per name, each with the method and
factor set it was computed with, so a comparison can always be like for like.

Nothing recorded is ever updated or deleted: every recorded table has SQLite triggers that refuse
``UPDATE`` and ``DELETE``, and a hash chain makes any edit made around them evident
(:meth:`Ledger.verify`).

Schema (version 2; ``PRAGMA user_version``, migrations in :mod:`cloudcarbon.ledger.schema`)
----------------------------------------------------------------------------------------------
``entries`` is the chain; every other table is *recorded* and keyed by the ``entry_seq`` of the entry
its rows belong to. Figures and money are decimal ``TEXT`` exactly as recorded, never floats.

================== ===================================================================== =======
table              columns                                                              since
================== ===================================================================== =======
entries            seq, kind (run | restatement | close | baseline), month, recorded_at, v1
                   format, content_sha256, prev_sha256, entry_sha256
runs               entry_seq, month, method, factor_set_version, factor_set_hash,       v1
                   factor_set_user_made (0/1), config_hash, config_text, tool_version,
                   recorded_at
inputs             entry_seq, ord, path, size (bytes), sha256                             v1
lines              entry_seq, line_no, key_json (``[["project","search"],...]``)          v1
line_figures       entry_seq, line_no, name, value                                        v1
totals             entry_seq, name, value                                                 v1
coverage           entry_seq, currency, billed, estimated, fallback, excluded, rows       v1
coverage_reasons   entry_seq, currency, reason, cost                                      v1
flags              entry_seq, ord, flag, subject, rows, cost, currency, fate              v1
assumptions        entry_seq, name, value                                                 v1
closes             entry_seq, month (unique), run_seq (the estimate closed), closed_at    v1
restatements       entry_seq (its run), month, version, against_seq                       v1
restatement_causes entry_seq, ord, cause, detail                                          v1
restatement_deltas entry_seq, ord, scope (line | total), key_json, name, before, after,   v1
                   delta
baselines          entry_seq, name, version, period, method, factor_set_version,          v2
                   factor_set_hash, created_at
baseline_sources   entry_seq, month, run_sha256 (the source estimate's content hash)      v2
baseline_lines     entry_seq, line_no, key_json                                           v2
baseline_figures   entry_seq, line_no, name, value_sum (exact sum over the months)        v2
baseline_totals    entry_seq, name, value_sum                                             v2
================== ===================================================================== =======

An entry of kind ``run`` owns rows in ``runs`` .. ``assumptions``; ``restatement`` owns the same
plus ``restatements``, ``restatement_causes``, ``restatement_deltas``; ``close`` owns a ``closes``
row; ``baseline`` owns the ``baseline_*`` rows.

The hash chain
--------------
For entry ``n`` (``canonical`` = JSON with sorted keys, no spaces, UTF-8, decimals as text)::

    content_sha256(n) = sha256(canonical({"columns": {table: [column, ...]},
                                          "rows":    {table: [[value, ...], ...]}}))
        over every table the entry's kind owns, every column, rows ordered by primary key,
        read back from the stored rows (SQLite's stored types included: '1.50' is not 1.5)
    entry_sha256(n)   = sha256(canonical([seq, kind, month, recorded_at, format,
                                          content_sha256(n), prev_sha256(n)]))
    prev_sha256(n)    = entry_sha256(n - 1), and 64 zeros for the first entry

:meth:`Ledger.verify` recomputes all three from the stored rows, entry by entry from the first, and
names the first entry where they disagree; it then checks that no recorded table holds rows outside
the chain and that the immutability triggers are all there. So an edit of any stored value, in any
table, is caught (the edited entry's content hash no longer matches), as is an edit of the hashes
themselves (the entry hash, or the next entry's link, no longer matches). Removing the *last*
entries leaves a shorter valid chain; to catch that, keep :meth:`Ledger.head` (also in
:class:`VerifyReport`) with each signed statement and compare.
"""

from cloudcarbon.ledger.errors import (
    InvalidRecord,
    LedgerBusy,
    LedgerError,
    LedgerNotFound,
    LedgerSchemaError,
    LedgerTampered,
    MonthAlreadyClosed,
)
from cloudcarbon.ledger.records import (
    CoverageRecord,
    FlagRecord,
    InputFile,
    LineRecord,
    RunRecord,
    config_digest,
)
from cloudcarbon.ledger.schema import MIGRATIONS, SCHEMA_VERSION
from cloudcarbon.ledger.store import (
    CAUSES,
    ENV_VAR,
    Baseline,
    Cause,
    Delta,
    HistoryEvent,
    Ledger,
    MonthStatus,
    Recorded,
    Restatement,
    VerifyReport,
    default_ledger_path,
    ledger_path,
)

__all__ = [
    "CAUSES",
    "ENV_VAR",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Baseline",
    "Cause",
    "CoverageRecord",
    "Delta",
    "FlagRecord",
    "HistoryEvent",
    "InputFile",
    "InvalidRecord",
    "Ledger",
    "LedgerBusy",
    "LedgerError",
    "LedgerNotFound",
    "LedgerSchemaError",
    "LedgerTampered",
    "LineRecord",
    "MonthAlreadyClosed",
    "MonthStatus",
    "Recorded",
    "Restatement",
    "RunRecord",
    "VerifyReport",
    "config_digest",
    "default_ledger_path",
    "ledger_path",
]
