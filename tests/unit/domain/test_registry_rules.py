from datetime import UTC, datetime, timedelta

import pytest

from facturahub.domain import registry as rules
from facturahub.errors import InvalidInput

NOW = datetime(2026, 11, 21, tzinfo=UTC)


def _key(call, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as caught:
        call(*args, **kwargs)
    return caught.value.key


def test_emails_phones_and_languages() -> None:
    assert rules.normalise_email(" ana@example.org ") == "ana@example.org"
    assert _key(rules.normalise_email, "ana@") == "registry.email_invalid"
    assert _key(rules.normalise_email, "") == "registry.field_required"
    assert rules.normalise_phone("+34 600 11 22 33") == "+34600112233"
    assert _key(rules.normalise_phone, "call me") == "registry.phone_invalid"
    assert _key(rules.normalise_language, "xx") == "registry.language_invalid"


def test_at_most_two_notification_emails() -> None:
    assert rules.notification_emails(["a@b.es", "c@d.es"]) == ("a@b.es", "c@d.es")
    assert rules.notification_emails([]) == (None, None)
    assert (
        _key(rules.notification_emails, ["a@b.es", "c@d.es", "e@f.es"])
        == "registry.too_many_notification_emails"
    )


def test_instance_id_must_be_a_lowercase_rfc4122_uuid() -> None:
    good = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
    assert rules.normalise_instance_id(good) == good
    with pytest.raises(InvalidInput) as caught:
        rules.normalise_instance_id(good.upper())
    assert caught.value.key == "platform.instance_id_not_lowercase"
    assert caught.value.params["expected"] == good
    assert _key(rules.normalise_instance_id, "not-a-uuid") == "platform.instance_id_invalid"
    # a UUID whose variant is not RFC 4122
    assert (
        _key(rules.normalise_instance_id, "3f2504e0-4f89-41d3-ca0c-0305e82c3301")
        == "platform.instance_id_invalid"
    )


def test_a_platform_needs_a_capability() -> None:
    assert _key(rules.Capabilities) == "platform.no_capability"
    assert rules.Capabilities(reception=True).names() == ["reception"]


def test_certificate_acceptance() -> None:
    valid = {"not_before": NOW - timedelta(days=1), "not_after": NOW + timedelta(days=1), "now": NOW}
    rules.check_certificate_acceptable(key_type="RSA", key_size=2048, **valid)
    assert (
        _key(rules.check_certificate_acceptable, key_type="RSA", key_size=1024, **valid)
        == "certificate.weak_key"
    )
    expired = {**valid, "not_after": NOW - timedelta(seconds=1)}
    assert (
        _key(rules.check_certificate_acceptable, key_type="RSA", key_size=4096, **expired)
        == "certificate.expired"
    )


@pytest.mark.parametrize(
    ("subject", "issuer", "expected"),
    [
        ("CN=CERTIFICADO PRUEBAS,serialNumber=IDCES-99999999R", "CN=AC FNMT Usuarios,O=FNMT-RCM,C=ES", True),
        ("CN=Firma,O=Normal SL", "CN=AC Usuarios PRUEBAS,O=Autoridad de pruebas", True),  # the issuer says so
        ("CN=facturahub sandbox supplier", "CN=facturahub sandbox CA", True),
        ("CN=erp test signer", "CN=Real CA", True),  # any case
        ("CN=Maria Garcia,serialNumber=IDCES-12345678Z", "CN=AC FNMT Usuarios,O=FNMT-RCM,C=ES", False),
        ("CN=Suministros Reales SL", "CN=AC Camerfirma", False),
    ],
)
def test_test_certificates_are_told_by_subject_or_issuer(subject: str, issuer: str, expected: bool) -> None:
    assert rules.is_test_certificate(subject, issuer) is expected
