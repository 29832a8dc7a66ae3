"""Suite-wide safety: no test writes to the real user's session history."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_session_history(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GAITBACK_DB", str(tmp_path_factory.mktemp("history") / "sessions.sqlite"))
