"""Fixtures shared by the core tests."""

from __future__ import annotations

import pytest

from tests.faithful_checks import FIXTURES


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    """The faithful-media fixture clips (see :mod:`tests.media_fixtures`), made once per session."""
    d = tmp_path_factory.mktemp("faithful")
    return {k: make(d / f"{k}{ext}") for k, (make, ext) in FIXTURES.items()}
