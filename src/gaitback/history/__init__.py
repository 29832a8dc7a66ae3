"""Runs over weeks: the SQLite session store, weekly load, trends, shoes.

The store lives at ``$GAITBACK_DB``, else ``$XDG_DATA_HOME/gaitback/sessions.sqlite``
(``~/.local/share/...``). See ``docs/history.md``.
"""

from gaitback.history.exchange import export_data, export_store, import_store
from gaitback.history.load import DEFAULT_RULE_PCT, history_weeks, weekly_load
from gaitback.history.sessions import (
    KEY_METRICS,
    delete_session,
    edit_session,
    exclude_session,
    list_sessions,
    recording_identity,
    save_analysis,
)
from gaitback.history.shoes import (
    METRES_PER_MILE,
    ShoeMileage,
    add_shoe,
    list_shoes,
    retire_shoe,
    shoe_status,
)
from gaitback.history.store import (
    SCHEMA_VERSION,
    HistoryError,
    StoreUnavailable,
    check_store,
    connect,
    default_db_path,
    migrate,
    open_store,
    transaction,
)
from gaitback.history.trends import (
    BASELINE_METRICS,
    TREND_METRICS,
    personal_baseline,
    trend_summary,
    trends,
)

__all__ = [
    "BASELINE_METRICS",
    "DEFAULT_RULE_PCT",
    "KEY_METRICS",
    "METRES_PER_MILE",
    "SCHEMA_VERSION",
    "TREND_METRICS",
    "HistoryError",
    "ShoeMileage",
    "StoreUnavailable",
    "add_shoe",
    "check_store",
    "connect",
    "default_db_path",
    "delete_session",
    "edit_session",
    "exclude_session",
    "export_data",
    "export_store",
    "history_weeks",
    "import_store",
    "list_sessions",
    "list_shoes",
    "migrate",
    "open_store",
    "personal_baseline",
    "recording_identity",
    "retire_shoe",
    "save_analysis",
    "shoe_status",
    "transaction",
    "trend_summary",
    "trends",
    "weekly_load",
]
