"""CLI commands for users, integrators, delegates, certificates, platforms and notices."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from facturahub.cli import views
from facturahub.cli.context import LIST_LIMIT, PATH, ROW_ID, CLIContext, read_input, run_command
from facturahub.cli.output import emit, emit_table
from facturahub.domain.registry import Capabilities, Role
from facturahub.errors import InvalidInput
from facturahub.services import blocklist, certificates, lookup, notices, people, platforms

pass_obj = click.make_pass_decorator(CLIContext)


# --- users -------------------------------------------------------------------------------------


@click.group()
def user() -> None:
    """Users (people who act in the portal)."""


@user.command("create")
@click.option("--nif", required=True)
@click.option("--name", required=True)
@click.option("--first-surname")
@click.option("--second-surname")
@click.option("--email", required=True)
@click.option("--phone")
@click.option("--language", default="es")
@pass_obj
def user_create(obj: CLIContext, /, **fields: str) -> None:
    """Create a user."""

    def action() -> None:
        with obj.unit_of_work() as session:
            created = people.create_user(session, obj.actor(session), people.UserData(**fields))
            emit(obj, views.user_view(created))

    run_command(obj, action)


@user.command("show")
@click.argument("nif")
@pass_obj
def user_show(obj: CLIContext, nif: str) -> None:
    """Show a user."""

    def action() -> None:
        with obj.unit_of_work() as session:
            emit(obj, views.user_view(people.get_user(session, nif)))

    run_command(obj, action)


@user.command("update")
@click.argument("nif")
@click.option("--name")
@click.option("--first-surname")
@click.option("--second-surname")
@click.option("--email")
@click.option("--phone")
@click.option("--language")
@pass_obj
def user_update(obj: CLIContext, /, nif: str, **fields: str | None) -> None:
    """Change a user's personal data and preferences."""

    def action() -> None:
        with obj.unit_of_work() as session:
            changes = {key: value for key, value in fields.items() if value is not None}
            emit(obj, views.user_view(people.update_user(session, obj.actor(session), nif, **changes)))

    run_command(obj, action)


# --- integrators -------------------------------------------------------------------------------


@click.group()
def integrator() -> None:
    """Integrators (organisations that call the hub's services)."""


@integrator.command("register")
@click.option("--nif", required=True, help="The integrator's tax id.")
@click.option("--legal-name", required=True)
@click.option("--email", "main_email", required=True, help="Main e-mail address.")
@click.option("--commercial-id")
@click.option("--third-party-services", is_flag=True, help="Invoices on behalf of its clients.")
@click.option("--accepted-by", required=True, metavar="NIF", help="User who accepts the terms.")
@click.option("--accept-terms", is_flag=True, help="The user accepts the terms and conditions of use.")
@click.option("--certificate-sha256", help="Thumbprint of the certificate the acceptance was signed with.")
@pass_obj
def integrator_register(
    obj: CLIContext,
    /,
    accepted_by: str,
    accept_terms: bool,
    certificate_sha256: str | None,
    **fields: str | bool | None,
) -> None:
    """Register an integrator; the accepting user becomes its administrator."""

    def action() -> None:
        with obj.unit_of_work() as session:
            data = people.IntegratorData(**fields)  # type: ignore[arg-type]
            created = people.register_integrator(
                session,
                obj.actor(session),
                data,
                accepted_by_nif=accepted_by,
                accepted_terms=accept_terms,
                certificate_sha256=certificate_sha256,
            )
            emit(obj, views.integrator_view(created))

    run_command(obj, action)


@integrator.command("list")
@pass_obj
def integrator_list(obj: CLIContext) -> None:
    """List integrators."""

    def action() -> None:
        with obj.unit_of_work() as session:
            rows = [views.integrator_view(i) for i in people.list_integrators(session)]
            emit_table(
                obj, rows, ["nif", "legal_name", "main_email", "third_party_services"], empty="no integrators"
            )

    run_command(obj, action)


@integrator.command("show")
@click.argument("nif")
@pass_obj
def integrator_show(obj: CLIContext, nif: str) -> None:
    """Show an integrator's profile."""

    def action() -> None:
        with obj.unit_of_work() as session:
            emit(obj, views.integrator_view(people.get_integrator(session, nif)))

    run_command(obj, action)


@integrator.command("update")
@click.argument("nif")
@click.option("--legal-name")
@click.option("--commercial-id")
@click.option("--email", "main_email")
@click.option("--third-party-services/--no-third-party-services", default=None)
@pass_obj
def integrator_update(obj: CLIContext, /, nif: str, **fields: str | bool | None) -> None:
    """Change an integrator's profile."""

    def action() -> None:
        with obj.unit_of_work() as session:
            updated = people.update_integrator_profile(session, obj.actor(session), nif, **fields)  # type: ignore[arg-type]
            emit(obj, views.integrator_view(updated))

    run_command(obj, action)


@integrator.command("notifications")
@click.argument("nif")
@click.option(
    "--email", "emails", multiple=True, help="Up to two addresses (repeat the option); replace both."
)
@click.option("--no-email", "no_email", is_flag=True, help="Remove the notification addresses.")
@click.option(
    "--system-notices/--no-system-notices", default=None, help="Receive system notices [unchanged]."
)
@pass_obj
def integrator_notifications(
    obj: CLIContext, nif: str, emails: tuple[str, ...], no_email: bool, system_notices: bool | None
) -> None:
    """Set the notification addresses and whether to receive system notices; what is not given
    stays as it is."""

    def action() -> None:
        if emails and no_email:
            raise InvalidInput("cli.email_and_no_email")
        addresses = [] if no_email else list(emails) if emails else None
        with obj.unit_of_work() as session:
            updated = people.set_notification_settings(
                session, obj.actor(session), nif, emails=addresses, system_notices=system_notices
            )
            emit(obj, views.integrator_view(updated))

    run_command(obj, action)


@integrator.command("activity")
@click.argument("nif")
@click.option("--limit", type=LIST_LIMIT, default=20, show_default=True)
@pass_obj
def integrator_activity(obj: CLIContext, nif: str, limit: int) -> None:
    """The latest actions done for an integrator."""

    def action() -> None:
        with obj.unit_of_work() as session:
            events = people.integrator_activity(session, obj.actor(session), nif, limit)
            rows = [views.audit_view(e) for e in events]
            emit_table(obj, rows, ["at", "actor", "action", "target"], empty="no activity")

    run_command(obj, action)


# --- delegates ---------------------------------------------------------------------------------


@click.group()
def delegate() -> None:
    """Authorised users of an integrator."""


@delegate.command("add")
@click.argument("integrator_nif")
@click.argument("user_nif")
@click.option("--name", help="Create the user with this name when it does not exist.")
@click.option("--first-surname")
@click.option("--second-surname")
@click.option("--email")
@click.option("--administrator", is_flag=True, help="Grant global administration.")
@pass_obj
def delegate_add(
    obj: CLIContext,
    integrator_nif: str,
    user_nif: str,
    name: str | None,
    first_surname: str | None,
    second_surname: str | None,
    email: str | None,
    administrator: bool,
) -> None:
    """Authorise a user (by NIF; give --name and --email to create a new one)."""

    def action() -> None:
        new_user = None
        if name or email:
            new_user = people.UserData(
                nif=user_nif,
                name=name or "",
                email=email or "",
                first_surname=first_surname,
                second_surname=second_surname,
            )
        with obj.unit_of_work() as session:
            delegation = people.add_delegate(
                session,
                obj.actor(session),
                integrator_nif,
                user_nif,
                new_user=new_user,
                role=Role.ADMINISTRATOR if administrator else Role.DELEGATE,
            )
            emit(obj, views.delegation_view(delegation))

    run_command(obj, action)


@delegate.command("list")
@click.argument("integrator_nif")
@pass_obj
def delegate_list(obj: CLIContext, integrator_nif: str) -> None:
    """List an integrator's authorised users and administrators."""

    def action() -> None:
        with obj.unit_of_work() as session:
            rows = [
                views.delegation_view(d)
                for d in people.list_delegates(session, obj.actor(session), integrator_nif)
            ]
            emit_table(obj, rows, ["nif", "name", "email", "role"], empty="no authorised users")

    run_command(obj, action)


@delegate.command("remove")
@click.argument("integrator_nif")
@click.argument("user_nif")
@pass_obj
def delegate_remove(obj: CLIContext, integrator_nif: str, user_nif: str) -> None:
    """Withdraw a user's authorisation."""

    def action() -> None:
        with obj.unit_of_work() as session:
            people.remove_delegate(session, obj.actor(session), integrator_nif, user_nif)
            emit(obj, {"removed": user_nif, "integrator": integrator_nif}, text=f"removed {user_nif}")

    run_command(obj, action)


# --- certificates ------------------------------------------------------------------------------


@click.group()
def certificate() -> None:
    """Certificates that sign requests (public part only)."""


@certificate.command("inspect")
@click.argument("file", type=PATH)
@pass_obj
def certificate_inspect(obj: CLIContext, file: Path) -> None:
    """Show what a .pem/.cer file holds, without registering it."""
    run_command(obj, lambda: emit(obj, views.summary_view(certificates.read_certificate(read_input(file)))))


@certificate.command("register")
@click.argument("integrator_nif")
@click.argument("file", type=PATH)
@click.option("--alias", required=True)
@pass_obj
def certificate_register(obj: CLIContext, integrator_nif: str, file: Path, alias: str) -> None:
    """Register a certificate's public part (.pem or .cer) for an integrator."""

    def action() -> None:
        data = read_input(file)
        with obj.unit_of_work() as session:
            created = certificates.register_certificate(
                session, obj.actor(session), integrator_nif, alias, data
            )
            emit(obj, views.certificate_view(created))

    run_command(obj, action)


@certificate.command("list")
@click.argument("integrator_nif")
@pass_obj
def certificate_list(obj: CLIContext, integrator_nif: str) -> None:
    """List an integrator's certificates."""

    def action() -> None:
        with obj.unit_of_work() as session:
            found = certificates.list_certificates(session, obj.actor(session), integrator_nif)
            blocked = blocklist.blocked_among(session, [c.sha256 for c in found])
            rows = [views.certificate_view(c, blocked=c.sha256 in blocked) for c in found]
            emit_table(
                obj,
                rows,
                ["id", "tax_id", "alias", "platform", "state", "not_after", "sha256"],
                empty="no certificates",
            )

    run_command(obj, action)


@certificate.command("lookup")
@click.option("--file", "file", type=PATH, help="Certificate file (PEM/DER).")
@click.option("--thumbprint", help="SHA-1 or SHA-256 thumbprint.")
@click.option("--issuer", help="Issuer DN (with --serial).")
@click.option("--serial", help="Serial number, decimal (with --issuer).")
@pass_obj
def certificate_lookup(
    obj: CLIContext, file: Path | None, thumbprint: str | None, issuer: str | None, serial: str | None
) -> None:
    """Who calls with this certificate: its platform, integrator and capabilities."""

    def action() -> None:
        der = certificates.read_certificate(read_input(file)).der if file else None
        given = sum(x is not None for x in (der, thumbprint, issuer or serial))
        if given != 1 or (issuer is None) != (serial is None):
            raise InvalidInput("cli.lookup_one_reference")
        with obj.unit_of_work() as session:
            identity = lookup.identify_caller(
                session, der=der, thumbprint=thumbprint, issuer=issuer, serial=serial
            )
            emit(
                obj,
                {
                    "platform": identity.platform_code,
                    "platform_name": identity.platform_name,
                    "integrator": identity.integrator_nif,
                    "capabilities": sorted(c.value for c in identity.capabilities),
                    "certificate_sha256": identity.certificate_sha256,
                },
            )

    run_command(obj, action)


@certificate.command("block")
@click.argument("file", required=False, type=PATH)
@click.option("--thumbprint", help="SHA-256 (any certificate) or SHA-1 (a registered one), instead of FILE.")
@click.option("--reason", required=True, help="Why: shown to whoever the certificate signs for.")
@pass_obj
def certificate_block(obj: CLIContext, file: Path | None, thumbprint: str | None, reason: str) -> None:
    """Block a certificate (operator): it may no longer sign requests (106) nor invoices (442)."""

    def action() -> None:
        data = read_input(file) if file is not None else None
        with obj.unit_of_work() as session:
            blocked = blocklist.block_certificate(
                session, obj.actor(session), reason=reason, data=data, thumbprint=thumbprint
            )
            emit(obj, views.blocked_view(blocked))

    run_command(obj, action)


@certificate.command("unblock")
@click.argument("thumbprint")
@pass_obj
def certificate_unblock(obj: CLIContext, thumbprint: str) -> None:
    """Lift an operator's block (SHA-256, or SHA-1 of a registered certificate)."""

    def action() -> None:
        with obj.unit_of_work() as session:
            unblocked = blocklist.unblock_certificate(session, obj.actor(session), thumbprint)
            emit(obj, views.blocked_view(unblocked))

    run_command(obj, action)


@certificate.command("blocked")
@pass_obj
def certificate_blocked(obj: CLIContext) -> None:
    """List the blocked certificates."""

    def action() -> None:
        with obj.unit_of_work() as session:
            rows = [views.blocked_view(b) for b in blocklist.list_blocked(session, obj.actor(session))]
            columns = ["sha256", "subject", "blocked_at", "reason"]
            emit_table(obj, rows, columns, empty="no blocked certificates")

    run_command(obj, action)


# --- platforms ---------------------------------------------------------------------------------


@click.group()
def platform() -> None:
    """Platforms: the systems that call the hub."""


@platform.command("create")
@click.argument("integrator_nif")
@click.option("--name", required=True)
@click.option("--sending", is_flag=True, help="Sends invoices (suppliers' services).")
@click.option("--reception", is_flag=True, help="Receives invoices (RCF).")
@click.option("--citizen-delivery", is_flag=True, help="Delivers paperless invoices (FSP).")
@click.option("--instance-id", help="FSP instance id (lower-case UUID).")
@click.option("--certificate", "certs", multiple=True, help="Certificate id or thumbprint to assign.")
@pass_obj
def platform_create(
    obj: CLIContext,
    integrator_nif: str,
    name: str,
    sending: bool,
    reception: bool,
    citizen_delivery: bool,
    instance_id: str | None,
    certs: tuple[str, ...],
) -> None:
    """Create a platform."""

    def action() -> None:
        capabilities = Capabilities(sending=sending, reception=reception, citizen_delivery=citizen_delivery)
        with obj.unit_of_work() as session:
            created = platforms.create_platform(
                session,
                obj.actor(session),
                integrator_nif,
                name,
                capabilities,
                instance_id=instance_id,
                certificates=list(certs),
            )
            emit(obj, views.platform_view(created))

    run_command(obj, action)


@platform.command("list")
@click.argument("integrator_nif")
@click.option("--all", "include_deleted", is_flag=True, help="Include deleted platforms.")
@pass_obj
def platform_list(obj: CLIContext, integrator_nif: str, include_deleted: bool) -> None:
    """List an integrator's platforms."""

    def action() -> None:
        with obj.unit_of_work() as session:
            found = platforms.list_platforms(
                session, obj.actor(session), integrator_nif, include_deleted=include_deleted
            )
            rows = [views.platform_view(p) for p in found]
            emit_table(
                obj,
                rows,
                ["code", "name", "sending", "reception", "citizen_delivery", "created_at", "deleted_at"],
                empty="no platforms",
            )

    run_command(obj, action)


@platform.command("show")
@click.argument("code")
@pass_obj
def platform_show(obj: CLIContext, code: str) -> None:
    """Show a platform with its certificates and accounting offices."""

    def action() -> None:
        with obj.unit_of_work() as session:
            actor = obj.actor(session)
            found = platforms.get_platform(session, actor, code, include_deleted=True)
            emit(obj, views.platform_view(found, platforms.list_units(session, actor, code)))

    run_command(obj, action)


def _platform_action(name: str, help_text: str, call: str) -> None:
    @platform.command(name, help=help_text)
    @click.argument("code")
    @click.argument("value")
    @pass_obj
    def command(obj: CLIContext, code: str, value: str) -> None:
        def action() -> None:
            with obj.unit_of_work() as session:
                result = getattr(platforms, call)(session, obj.actor(session), code, value)
                if call == "rename_platform":
                    emit(obj, views.platform_view(result))
                elif call in ("request_unit",):
                    emit(obj, views.association_view(result))
                else:
                    emit(obj, views.certificate_view(result))

        run_command(obj, action)


_platform_action("rename", "Rename a platform: CODE NEW_NAME.", "rename_platform")
_platform_action("assign", "Assign an unassigned certificate: CODE CERTIFICATE.", "assign_certificate")
_platform_action("unassign", "Unassign a certificate: CODE CERTIFICATE.", "unassign_certificate")
_platform_action(
    "request-unit", "Ask to receive an accounting office's invoices: CODE OFFICE.", "request_unit"
)


@platform.command("swap")
@click.argument("code")
@click.argument("old")
@click.argument("new")
@pass_obj
def platform_swap(obj: CLIContext, code: str, old: str, new: str) -> None:
    """Replace certificate OLD by the unassigned certificate NEW."""

    def action() -> None:
        with obj.unit_of_work() as session:
            emit(
                obj,
                views.certificate_view(
                    platforms.swap_certificate(session, obj.actor(session), code, old, new)
                ),
            )

    run_command(obj, action)


@platform.command("delete")
@click.argument("code")
@pass_obj
def platform_delete(obj: CLIContext, code: str) -> None:
    """Delete a platform (its certificates become unassigned; its history is kept)."""

    def action() -> None:
        with obj.unit_of_work() as session:
            emit(obj, views.platform_view(platforms.delete_platform(session, obj.actor(session), code)))

    run_command(obj, action)


@platform.command("decide-unit")
@click.argument("code")
@click.argument("office")
@click.option("--approve/--reject", required=True)
@pass_obj
def platform_decide_unit(obj: CLIContext, code: str, office: str, approve: bool) -> None:
    """Operator: approve or reject a reception platform's accounting office."""

    def action() -> None:
        with obj.unit_of_work() as session:
            result = platforms.decide_unit(session, obj.actor(session), code, office, approve=approve)
            emit(obj, views.association_view(result))

    run_command(obj, action)


@platform.command("pending")
@pass_obj
def platform_pending(obj: CLIContext) -> None:
    """Operator: associations waiting for approval."""

    def action() -> None:
        with obj.unit_of_work() as session:
            rows = [
                views.association_view(a) for a in platforms.pending_associations(session, obj.actor(session))
            ]
            emit_table(obj, rows, ["platform", "office", "requested_at"], empty="nothing pending")

    run_command(obj, action)


# --- notices -----------------------------------------------------------------------------------


@click.group()
def notice() -> None:
    """System notices for integrators."""


@notice.command("publish")
@click.option("--title", required=True)
@click.option("--body", required=True)
@click.option("--severity", default="info", show_default=True)
@click.option("--expires", type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M"]))
@pass_obj
def notice_publish(obj: CLIContext, title: str, body: str, severity: str, expires: datetime | None) -> None:
    """Publish a notice."""

    def action() -> None:
        zone = obj.settings().zone  # a time written without an offset is the hub's local time
        expires_at = (expires if expires.tzinfo else expires.replace(tzinfo=zone)) if expires else None
        with obj.unit_of_work() as session:
            created = notices.publish_notice(
                session, obj.actor(session), title, body, severity=severity, expires_at=expires_at
            )
            emit(obj, views.notice_view(created))

    run_command(obj, action)


@notice.command("list")
@pass_obj
def notice_list(obj: CLIContext) -> None:
    """Notices in force."""

    def action() -> None:
        with obj.unit_of_work() as session:
            rows = [views.notice_view(n) for n in notices.active_notices(session)]
            emit_table(
                obj, rows, ["id", "severity", "title", "published_at", "expires_at"], empty="no notices"
            )

    run_command(obj, action)


@notice.command("withdraw")
@click.argument("notice_id", type=ROW_ID)
@pass_obj
def notice_withdraw(obj: CLIContext, notice_id: int) -> None:
    """Withdraw a notice."""

    def action() -> None:
        with obj.unit_of_work() as session:
            emit(obj, views.notice_view(notices.withdraw_notice(session, obj.actor(session), notice_id)))

    run_command(obj, action)
