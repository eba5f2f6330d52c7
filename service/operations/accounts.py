"""Accounts: enterprise registration, sign-in with lockout, desk users, verification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.errors import CORRECT_FIELDS, N_, Forbidden, NotFound, ValidationError
from service.infrastructure import passwords
from service.infrastructure.counters import counters_of
from service.models import Enterprise, EnterpriseRole, EnterpriseSize, Role, Station, User, new_session_token
from service.models.base import utcnow
from service.rules import credit_code, policy
from service.rules.policy import PolicyAction
from service.store.db import unit_of_work

LOGIN_FAILED = N_("The email or password is not correct, or the account is locked for a while after repeated failures.")
# Failed sign-ins (wrong password or second-step code) that lock an account, and for how long.
ACCOUNT_MAX_FAILURES = 5
ACCOUNT_LOCK_MINUTES = 15
# Failed sign-ins from one client address (any accounts) that stop sign-ins from it for the rest of the window.
ADDRESS_WINDOW_SECONDS = 15 * 60
ADDRESS_MAX_FAILURES = 30


class AuthenticationFailed(Exception):
    """Sign-in refused; deliberately says nothing about why."""


@dataclass(frozen=True)
class Registration:
    company_name: str
    credit_code: str
    city: str
    station_id: int
    size: EnterpriseSize
    product_areas: list[str]
    contact_name: str
    email: str
    phone: str
    password: str
    locale: str | None = None


def normalize_email(email: str) -> str:
    return email.strip().lower()


CODE_TAKEN = N_(
    "An enterprise with this credit code is already registered. "
    "Ask its contact person to add you, or contact the station."
)


def registration_problems(form: Registration) -> dict[str, str]:
    """Every problem of a registration that needs no database, by field: the credit code and the password."""
    problems = {}
    if not credit_code.is_valid(credit_code.normalize(form.credit_code)):
        problems["credit_code"] = credit_code.INVALID
    weak = passwords.password_problem(form.password, normalize_email(form.email))
    if weak:
        problems["password"] = weak
    return problems


def register_enterprise(session: Session, form: Registration) -> User | None:
    """Create an unverified enterprise and its first contact person.

    Raises ValidationError naming every problem at once: a bad or already registered
    credit code, an unknown station, a weak password. An email that is already registered
    is not one of them: nothing is created and None is returned, after the same password
    hashing a registration does, so neither the answer nor its timing tells whether the email exists.
    """
    code = credit_code.normalize(form.credit_code)
    email = normalize_email(form.email)
    problems = registration_problems(form)
    # Hashed before anything is looked up, so every path below costs the same Argon2 work.
    password_hash = passwords.hash_password(form.password)
    with unit_of_work(session):
        station = session.get(Station, form.station_id)
        if station is None or not station.active:
            problems["station_id"] = N_("Choose a station.")
        if (
            "credit_code" not in problems
            and session.scalar(select(Enterprise.id).where(Enterprise.credit_code == code)) is not None
        ):
            problems["credit_code"] = CODE_TAKEN
        if problems or station is None:
            raise ValidationError(CORRECT_FIELDS, fields=problems)
        if session.scalar(select(User.id).where(User.email == email)) is not None:
            return None
        enterprise = Enterprise(
            name=form.company_name.strip(),
            credit_code=code,
            city=form.city.strip(),
            station_id=station.id,
            size=form.size,
            product_areas=list(form.product_areas),
        )
        user = User(
            email=email,
            name=form.contact_name.strip(),
            phone=form.phone.strip(),
            password_hash=password_hash,
            role=Role.ENTERPRISE,
            enterprise=enterprise,
            # Its first registrant administers the enterprise: invites and manages its colleagues.
            enterprise_role=EnterpriseRole.ADMINISTRATOR,
            locale=form.locale,
        )
        session.add_all([enterprise, user])
        try:
            session.flush()
        except IntegrityError:
            # Two registrations of one code raced past the check above.
            raise ValidationError(CORRECT_FIELDS, fields={"credit_code": CODE_TAKEN}) from None
    return user


def authenticate(
    session: Session,
    email: str,
    password: str,
    address: str,
    max_failures: int = ACCOUNT_MAX_FAILURES,
    lock_minutes: int = ACCOUNT_LOCK_MINUTES,
    now: datetime | None = None,
) -> User:
    """Check credentials, counting failures per account (on its row) and per client address (in the rate
    limits' counters, service/infrastructure/counters.py).

    Raises AuthenticationFailed (one message for every cause) on a wrong email
    or password, a locked or inactive account, or too many failures from the address.
    A user with two-step sign-in is returned with its failure count untouched:
    the second step (service.operations.two_factor) completes the sign-in.
    """
    now = now or utcnow()
    blocked = address_blocked(session, address, now)
    with unit_of_work(session):
        # Locked rows serialize concurrent attempts on one account (PostgreSQL), so none is left uncounted.
        user = session.scalars(select(User).where(User.email == normalize_email(email)).with_for_update()).first()
        password_ok = passwords.verify_password(user.password_hash if user else None, password)
        if user is not None and password_ok and user.active and not is_locked(user, now) and not blocked:
            if user.totp_enabled_at is None:
                mark_signed_in(user, now)
            return user
        record_login_failure(session, user, address, now, max_failures, lock_minutes)
    raise AuthenticationFailed()


def _address_key(address: str) -> str:
    return f"signin-ip:{address}"


def address_blocked(session: Session, address: str, now: datetime) -> bool:
    """Whether the client address has failed too often in the current window."""
    return counters_of(session).count(_address_key(address), ADDRESS_WINDOW_SECONDS, now) >= ADDRESS_MAX_FAILURES


def is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def mark_signed_in(user: User, now: datetime) -> None:
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now


def record_login_failure(
    session: Session, user: User | None, address: str, now: datetime, max_failures: int, lock_minutes: int
) -> None:
    """Count one failed sign-in step against the address and, unless already locked, the account (in the
    caller's transaction)."""
    counters_of(session).add([_address_key(address)], ADDRESS_WINDOW_SECONDS, now)
    if user is not None and not is_locked(user, now):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            user.failed_logins = 0


def end_sessions(session: Session, user_id: int) -> None:
    """Sign the user out everywhere: every cookie carrying the old token stops working."""
    with unit_of_work(session):
        user = session.get(User, user_id)
        if user is not None:
            user.session_token = new_session_token()


def set_locale(session: Session, user_id: int, locale: str) -> None:
    with unit_of_work(session):
        user = session.get(User, user_id)
        if user is not None:
            user.locale = locale


def change_password(session: Session, actor: User, current: str, new: str) -> None:
    """Raises ValidationError for a wrong current password or a weak new one; ends other sessions."""
    if not passwords.verify_password(actor.password_hash, current):
        raise ValidationError(CORRECT_FIELDS, fields={"current_password": N_("The current password is not correct.")})
    weak = passwords.password_problem(new, actor.email)
    if weak:
        raise ValidationError(CORRECT_FIELDS, fields={"new_password": weak})
    with unit_of_work(session):
        user = session.get(User, actor.id)
        assert user is not None
        user.password_hash = passwords.hash_password(new)
        user.must_change_password = False
        user.session_token = new_session_token()


@dataclass(frozen=True)
class DeskUserForm:
    email: str
    name: str
    role: Role
    station_id: int
    password: str
    phone: str = ""


def create_desk_user(session: Session, actor: User, form: DeskUserForm) -> User:
    """Admin creates a staff, director or admin account. Raises Forbidden, ValidationError."""
    policy.authorize(actor, PolicyAction.ADMIN_USE, None)
    email = normalize_email(form.email)
    if form.role == Role.ENTERPRISE:
        raise ValidationError(CORRECT_FIELDS, fields={"role": N_("Enterprise accounts are created by registration.")})
    weak = passwords.password_problem(form.password, email)
    if weak:
        raise ValidationError(CORRECT_FIELDS, fields={"password": weak})
    with unit_of_work(session):
        if session.get(Station, form.station_id) is None:
            raise ValidationError(CORRECT_FIELDS, fields={"station_id": N_("Choose a station.")})
        if session.scalar(select(User.id).where(User.email == email)) is not None:
            raise ValidationError(CORRECT_FIELDS, fields={"email": N_("A user with this email already exists.")})
        user = User(
            email=email,
            name=form.name.strip(),
            phone=form.phone.strip(),
            role=form.role,
            station_id=form.station_id,
            password_hash=passwords.hash_password(form.password),
        )
        session.add(user)
    return user


def set_user_active(session: Session, actor: User, user_id: int, active: bool) -> User:
    """Admin activates or deactivates an account; deactivation ends its live sessions."""
    policy.authorize(actor, PolicyAction.ADMIN_USE, None)
    with unit_of_work(session):
        user = session.get(User, user_id)
        if user is None:
            raise NotFound()
        if user.id == actor.id and not active:
            raise Forbidden(N_("You cannot deactivate your own account."))
        user.active = active
        if not active:
            user.session_token = new_session_token()
    return user


def set_review_closures(session: Session, actor: User, station_id: int, review: bool) -> Station:
    """Admin sets whether the station's head approves each result before the enterprise is told (办结审核)."""
    policy.authorize(actor, PolicyAction.ADMIN_USE, None)
    with unit_of_work(session):
        station = session.get(Station, station_id)
        if station is None:
            raise NotFound()
        station.review_closures = review
    return station


def reset_password(session: Session, actor: User, user_id: int) -> tuple[User, str]:
    """Admin gives a user a temporary password, to be changed at the next sign-in, and signs the user out everywhere.

    Returns the user and the temporary password: it is shown once and kept only as its hash.
    A lock from failed sign-ins is lifted. Raises Forbidden (also for one's own account:
    change it on the account page instead), NotFound.
    """
    policy.authorize(actor, PolicyAction.ADMIN_USE, None)
    temporary = passwords.temporary_password()
    password_hash = passwords.hash_password(temporary)
    with unit_of_work(session):
        user = session.get(User, user_id)
        if user is None:
            raise NotFound()
        if user.id == actor.id:
            raise Forbidden(N_("Change your own password on your account page."))
        user.password_hash = password_hash
        user.must_change_password = True
        user.failed_logins, user.locked_until = 0, None
        user.session_token = new_session_token()
    return user, temporary


def verify_enterprise(session: Session, actor: User, enterprise_id: int, now: datetime | None = None) -> Enterprise:
    """Staff of the enterprise's home station (or hub staff) mark it verified. Raises NotFound, Forbidden."""
    policy.authorize(actor, PolicyAction.ENTERPRISE_VERIFY, None)
    with unit_of_work(session):
        enterprise = session.get(Enterprise, enterprise_id)
        if enterprise is None or not policy.covers_station(actor, enterprise.station_id):
            raise NotFound()
        enterprise.verified = True
        enterprise.verified_at = now or utcnow()
        enterprise.verified_by_id = actor.id
    return enterprise
