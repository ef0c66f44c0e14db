import pytest


@pytest.fixture(autouse=True, scope="session")
def _thermal_cache(tmp_path_factory):
    """Build selfunc's thermal table once per session in a temporary cache (never in the
    user's cache folder)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SELFUNC_CACHE", str(tmp_path_factory.mktemp("selfunc-cache")))
    yield
    mp.undo()


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test."""
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
