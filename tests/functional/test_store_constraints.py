"""Uniqueness the protocols depend on is enforced by the database itself, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from facturahub.store.database import Database
from facturahub.store.models import Certificate, Integrator, User


def _user(session, nif: str = "11111111H") -> User:  # type: ignore[no-untyped-def]
    user = User(nif=nif, name="U", email="u@example.org")
    session.add(user)
    session.flush()
    return user


def test_duplicate_user_nif_is_refused_by_the_database(database: Database) -> None:
    with pytest.raises(IntegrityError), database.unit_of_work() as session:
        _user(session)
        _user(session)


def test_duplicate_certificate_thumbprint_is_refused_by_the_database(database: Database) -> None:
    now = datetime.now(UTC)
    with database.unit_of_work() as session:
        user = _user(session)
        integrator = Integrator(
            nif="B00000018",
            legal_name="A",
            main_email="a@b.es",
            terms_accepted_at=now,
            terms_accepted_by_id=user.id,
        )
        session.add(integrator)
        session.flush()
        integrator_id = integrator.id

    def certificate() -> Certificate:
        return Certificate(
            integrator_id=integrator_id,
            alias="a",
            der=b"x",
            subject="s",
            issuer="i",
            serial_number="1",
            not_before=now,
            not_after=now,
            sha1="a" * 40,
            sha256="b" * 64,
            key_type="RSA",
            key_size=2048,
        )

    with database.unit_of_work() as session:
        session.add(certificate())
    with pytest.raises(IntegrityError), database.unit_of_work() as session:
        session.add(certificate())


def test_a_failed_unit_of_work_leaves_nothing(database: Database) -> None:
    with pytest.raises(RuntimeError), database.unit_of_work() as session:
        _user(session, "10200582J")
        raise RuntimeError("crash after the insert")
    with database.unit_of_work() as session:
        assert session.query(User).count() == 0


def test_times_round_trip_as_aware_utc(database: Database) -> None:
    with database.unit_of_work() as session:
        user = _user(session)
        created = user.created_at
    with database.unit_of_work() as session:
        loaded = session.get(User, user.id)
        assert loaded is not None
        assert loaded.created_at.tzinfo is not None and loaded.created_at == created
