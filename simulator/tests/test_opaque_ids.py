import secrets

from simulator.models import opaque_id


def test_a_public_id_never_starts_with_a_dash(monkeypatch):
    """`manage.py export_attempt -abc…` would read the id as an option; such a draw is drawn again."""
    draws = iter(["-AbCdEfGhIjKlMnOp", "--bCdEfGhIjKlMnOp", "qRsTuVwXyZ012345"])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda nbytes: next(draws))

    assert opaque_id() == "qRsTuVwXyZ012345"


def test_public_ids_are_sixteen_url_safe_characters():
    ids = {opaque_id() for _ in range(2000)}

    assert len(ids) == 2000
    assert all(len(i) == 16 and not i.startswith("-") for i in ids)
    assert all(set(i) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") for i in ids)
