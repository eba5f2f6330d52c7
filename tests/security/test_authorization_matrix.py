"""Every route of the app x every role, against enterprise A's objects at sub-station X.

The routes come from the URL map, so a new route fails ``test_every_route_is_in_the_table`` until
someone decides, in the table below, who may reach it. Letters (see tests/security/probe.py), in
the order of ROLES: anonymous, enterprise A, enterprise B, staff of X, staff of Y, hub staff,
director of X, provincial director, admin.

    L sign-in redirect   U 401 (API)   F 403 in scope, not allowed   N 404 out of scope
    V allowed in, the (empty) input refused: 400/409/412/422/428   K allowed: a page, a file or a redirect
    (the forms of the request and plan pages go back to their page when refused: a redirect, K)

Form POSTs carry a valid CSRF token and an empty form, except where an empty form would be
turned away before the authorization check (BODIES): those get a valid one, so that the
check itself is what answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from io import BytesIO

import pytest
from flask import Flask

from tests.security.probe import Prober, letter
from tests.security.world import ROLES, World, fill, rules

ADMIN = "LFFFFFFFK"
ADMIN_REFUSED = "LFFFFFFFV"
PUBLIC = "KKKKKKKKK"
SIGNED_IN = "LKKKKKKKK"
SIGNED_IN_REFUSED = "LVVVVVVVV"  # every signed-in user may post, the empty form is refused
OWNER_ONLY = "LKNNNNNNN"  # enterprise A's own notification or token
ENTERPRISE = "LKKFFFFFF"  # enterprises' own pages; desk users are turned away
ENTERPRISE_OBJ = "LKNFFFFFF"  # an enterprise page about A's request: B sees nothing
DESK = "LFFKKKKKF"  # staff and directors of every station
DESK_OBJ = "LFFKNKKKF"  # a desk page on A's case at X: staff of Y see nothing
DESK_OBJ_REFUSED = "LFFVNVVVF"
DIRECTOR = "LFFFFFKKK"  # directors' pages (admins may look)
DIRECTOR_OBJ = "LFFFFFKKF"  # a director's action on a case in X
DIRECTOR_OBJ_REFUSED = "LFFFFFVVF"
SHARED_OBJ = "LKNKNKKKK"  # a page A and the desk in scope both see
API_OBJ = "UKNKNKKKK"
API_DESK_ACTION = "UFNKNKKKF"  # the desk acts on A's case; A itself may not
API_ENTERPRISE_ACTION = "UVNVNVVVV"  # A's own lifecycle steps (the triaged case refuses them: 409)
API_DESK_INTERNAL = "UNNKNKKKF"  # the desk's internal objects: enterprises get 404
API_DIRECTOR_ACTION = "UFNFNFKKF"

EXPECTED: dict[str, dict[str, str]] = {
    # Canned replies (常用回复): the desk's and the administrator's page. Station X's reply is its desk's to use
    # (staff of X may not edit it: 403), its head's and the administrator's to edit; other stations see none.
    "canned_replies.index": {"GET": "LFFKKKKKK"},
    "api.request_canned_replies": {"GET": API_DESK_ACTION},
    "canned_replies.for_request": {"GET": DESK_OBJ},  # the picker: A's case, filled in
    "canned_replies.new": {"GET": "LFFKKKKKK", "POST": "LFFVVVVVV"},
    "canned_replies.edit": {"GET": "LFFFNNKNK", "POST": "LFFFNNVNV"},
    "canned_replies.delete": {"POST": "LFFFNNKNK"},
    # The knowledge base: X's public article is everyone's to read; the desk writes, X's head and the provincial
    # station publish (and withdraw); an enterprise says an article answered its question; a typical case is
    # drafted from a result only (A's request is not one yet: refused in scope).
    "knowledge.index": {"GET": PUBLIC},
    "api.list_articles": {"GET": "UKKKKKKKK"},
    "api.get_article": {"GET": "UKKKKKKKK"},
    "knowledge.suggest": {"GET": PUBLIC},
    "knowledge.article": {"GET": PUBLIC},
    "knowledge.answered": {"POST": ENTERPRISE},
    "knowledge.desk": {"GET": DESK},
    "knowledge.new": {"GET": DESK, "POST": "LFFVVVVVF"},
    "knowledge.edit": {"GET": "LFFKFKKKF", "POST": "LFFVFVVVF"},
    "knowledge.publish": {"POST": "LFFFFKKKF"},
    "knowledge.withdraw": {"POST": "LFFFFKKKF"},
    "knowledge.history": {"GET": DESK},
    "knowledge.draft_case": {"POST": "LFFFNFFFF"},
    "admin.failed_mail": {"GET": ADMIN},
    "inbound_mail.index": {"GET": ADMIN},
    "admin.new_user": {"GET": ADMIN, "POST": ADMIN_REFUSED},
    "admin.reset_password": {"POST": ADMIN},
    "admin.retry_mail": {"POST": ADMIN},
    "admin.set_active": {"POST": ADMIN},
    "admin.stations": {"GET": ADMIN},
    "admin.set_review_closures": {"POST": ADMIN},
    "admin.users": {"GET": ADMIN},
    "admin_sla.add_day": {"POST": ADMIN_REFUSED},
    "admin_sla.calendar": {"GET": ADMIN},
    "admin_sla.delete_day": {"POST": ADMIN},
    "admin_sla.import_days": {"POST": ADMIN_REFUSED},
    "admin_sla.set_target": {"POST": ADMIN_REFUSED},
    "admin_sla.sla_targets": {"GET": ADMIN},
    # Instructions and task forces are the desk's internal business: enterprises see none (404).
    # Only an instruction's addressees (the assignee, staff of X) acknowledge it; directors, its issuer too, may not.
    "api.acknowledge_instruction": {"POST": "UNNKNFFFF"},
    "api.add_milestone": {"POST": API_DESK_ACTION},
    "api.add_task_force_expert": {"POST": API_DESK_INTERNAL},
    "api.add_task_force_member": {"POST": API_DESK_INTERNAL},
    "api.ask_hotline": {"POST": "UVNVNVVVF"},
    "api.cancel_hotline": {"POST": "UFNFNFKKF"},
    "api.check_hotline_time": {"GET": "UFNFNFKKF"},  # those who schedule the session
    "api.complete_follow_up": {"POST": "UFNKNFKKF"},
    "api.complete_milestone": {"POST": API_DESK_ACTION},
    "api.confirm_request": {"POST": API_ENTERPRISE_ACTION},
    "api.dashboard": {"GET": "UFFFFFKKK"},
    "api.desk_queue": {"GET": "UFFKKKKKF"},
    "api.docs": {"GET": PUBLIC},
    "api.download_attachment": {"GET": API_OBJ},
    "api.create_plan": {"POST": "UFFKNKKKF"},  # enterprises may not draft plans at all (403 before the lookup)
    "api.create_task_force": {"POST": API_DESK_ACTION},
    "api.de_escalate_request": {"POST": "UFNFNFVVF"},  # the case is not escalated: 409
    "api.escalate_request": {"POST": API_DESK_ACTION},
    # Sign-for and return wait on a dispatch (A's case is not dispatched: refused to all); the assignee (staff of X)
    # asks for an extension; with none pending a decision is refused (409) to the desk in scope.
    "api.sign_for": {"POST": "UFNFNFFFF"},
    "api.return_request": {"POST": "UFNFNFFFF"},
    "api.ask_extension": {"POST": "UFNKNFFFF"},
    "api.decide_extension": {"POST": "UFNVNVVVV"},
    "api.get_hotline_session": {"GET": API_OBJ},
    "api.get_plan": {"GET": API_OBJ},
    "api.get_request": {"GET": API_OBJ},
    "api.get_task_force": {"GET": "UNNKNKKKK"},
    "api.hotline_invitation": {"GET": API_OBJ},
    "api.link_plan": {"POST": API_DESK_ACTION},
    "api.list_hotline_sessions": {"GET": "UFFKKKKKF"},
    "api.list_instructions": {"GET": "UFFKKKKKK"},
    "api.list_plans": {"GET": "UKKKKKKKK"},
    "api.list_requests": {"GET": "UKKKKKKKK"},
    "api.move_milestone": {"POST": API_DESK_ACTION},
    "api.my_task_forces": {"GET": "UFFKKKKKF"},
    "api.openapi_document": {"GET": PUBLIC},
    "api.post_note": {"POST": API_DESK_ACTION},
    "api.post_reply": {"POST": "UKNKNKKKF"},
    "api.record_hotline": {"POST": API_DIRECTOR_ACTION},
    "api.reopen_request": {"POST": API_ENTERPRISE_ACTION},
    "api.request_hotline_sessions": {"GET": API_OBJ},
    "api.request_instructions": {"GET": "UFNKNKKKK"},
    "api.schedule_hotline": {"POST": "UFNFNFVVF"},  # already scheduled: rescheduling goes through the page
    # Desk users must name the enterprise (422); admins submit nothing.
    "api.submit_request": {"POST": "UKKVVVVVF"},
    # Supervision orders are the desk's internal business: enterprises get 403 for the list, 404 for an order.
    "api.list_orders": {"GET": "UFFKKKKKF"},
    "api.get_order": {"GET": "UNNKNKKKK"},
    "api.issue_on_request": {"POST": API_DIRECTOR_ACTION},
    "api.issue_on_plan": {"POST": API_DIRECTOR_ACTION},
    # The unit (staff and head of X) reports; the provincial director who issued it may not, nor hub staff.
    "api.order_step": {"POST": "UNNKNFKFF"},
    "api.transfer_request": {"POST": API_DESK_ACTION},
    # start_intervention is a desk step: the lifecycle table refuses it to A and to admins (409).
    "api.transition_request": {"POST": "UVNKNKKKV"},
    "api.transition_plan": {"POST": "UFNFNFKKF"},
    "api.triage_request": {"POST": API_DESK_ACTION},
    "api.upload_attachments": {"POST": "UKNKNKKKF"},
    "api.withdraw_request": {"POST": API_ENTERPRISE_ACTION},
    "api.write_instruction": {"POST": API_DIRECTOR_ACTION},
    "auth.change_password": {"GET": SIGNED_IN, "POST": SIGNED_IN_REFUSED},
    "auth.forgot_password": {"GET": PUBLIC, "POST": "VVVVVVVVV"},
    "auth.language": {"POST": PUBLIC},
    "auth.login": {"GET": PUBLIC, "POST": "VKKKKKKKK"},
    "auth.logout": {"POST": "LLLLLLLLL"},  # signing out lands on the sign-in page
    "auth.register": {"GET": PUBLIC, "POST": "VKKKKKKKK"},
    # A recovery link that is not live sends everyone back to ask for a new one.
    "auth.reset_password": {"GET": PUBLIC, "POST": PUBLIC},
    "desk.ask_extension": {"POST": DESK_OBJ},
    "api.remind": {"POST": API_DIRECTOR_ACTION},
    "api.visit": {"POST": "UFNFNFFFF"},
    "api.redo": {"POST": "UVNVNVVVV"},
    # A head flags a result: A's case has none yet, so it is refused to everyone who sees it.
    "api.flag_typical": {"POST": "UFNFNFFFF"},
    "desk.remind": {"POST": DESK_OBJ},
    "desk.visit": {"POST": DESK_OBJ},
    "desk.redo": {"POST": DESK_OBJ},
    "desk.typical_case": {"POST": DESK_OBJ},
    "desk.assign": {"POST": DESK_OBJ},
    "desk.de_escalate": {"POST": DESK_OBJ},
    "desk.decide_extension": {"POST": DESK_OBJ},
    "desk.download": {"GET": DESK_OBJ},
    "desk.enterprises": {"GET": DESK},
    "desk.escalate": {"POST": DESK_OBJ},
    "desk.give_back": {"POST": DESK_OBJ},
    "desk.index": {"GET": DESK},
    "desk.message": {"POST": DESK_OBJ},
    "desk.new_request": {"GET": DESK, "POST": "LFFVVVVVF"},
    "desk.request_detail": {"GET": DESK_OBJ},
    "desk.sign_for": {"POST": DESK_OBJ},
    "desk.step": {"POST": DESK_OBJ},
    "desk.transfer": {"POST": DESK_OBJ},
    "desk.triage": {"POST": DESK_OBJ},
    "desk.verify_enterprise": {"POST": DESK_OBJ},
    "desk.withdraw_extension": {"POST": DESK_OBJ},
    "director.cases": {"GET": DIRECTOR},
    "director.dashboard_page": {"GET": DIRECTOR},
    # The rates' ranking: station X's officers for its head and the province's readers; the list behind a number
    # needs the number's name (bucket), so a bare address finds nothing.
    "rates.ranking": {"GET": DIRECTOR},
    "rates.station": {"GET": DIRECTOR},
    "rates.requests": {"GET": "LFFFFFNNN"},
    # Looked up first, then refused: B and staff of Y do not see the case (404), A and staff of X may not act (403).
    "director.de_escalate": {"POST": "LFNFNFVVF"},
    "director.escalated": {"GET": DIRECTOR},
    "director.extensions": {"GET": "LFFFFFKKF"},  # the directors who decide extensions
    "director.export": {"GET": DIRECTOR},
    "export.requests_csv": {"GET": DESK},
    # A session is already scheduled for the case: those allowed to ask are sent back to its page, told so.
    "hotline.ask": {"GET": SHARED_OBJ, "POST": "LKNKNKKKF"},
    "hotline.cancel": {"GET": "LFNFNFKKF", "POST": "LFNFNFVVF"},
    "hotline.follow_up_done": {"POST": DESK_OBJ},
    "hotline.index": {"GET": DESK},
    "hotline.invitation": {"GET": SHARED_OBJ},
    # Directors and the session's named recorder record it; the desk reaches the page, so staff of Y get 404.
    "hotline.record": {"GET": "LFFFNFKKF", "POST": "LFFFNFVVF"},
    "hotline.schedule": {"GET": DIRECTOR_OBJ, "POST": DIRECTOR_OBJ_REFUSED},
    "hotline.session": {"GET": SHARED_OBJ},
    # The assignee (staff of X) acknowledges; directors (its issuer too) and other staff in scope may not.
    "instructions.acknowledge": {"POST": "LFFKNFFFF"},
    "instructions.index": {"GET": "LFFKKKKKK"},
    "instructions.write": {"GET": DIRECTOR_OBJ, "POST": DIRECTOR_OBJ},
    "main.healthz": {"GET": PUBLIC},
    "main.home": {"GET": SIGNED_IN},
    "notifications.index": {"GET": SIGNED_IN},
    "notifications.open_one": {"POST": OWNER_ONLY},
    "notifications.read_all": {"POST": SIGNED_IN},
    "plans.change_status": {"POST": "LFFFNFKKF"},  # completing a plan is for directors,
    "plans.edit": {"GET": DESK_OBJ, "POST": DESK_OBJ_REFUSED},
    "plans.edit_milestone": {"GET": DESK_OBJ, "POST": DESK_OBJ_REFUSED},
    "plans.index": {"GET": DESK},
    "plans.link_request": {"POST": DESK_OBJ},
    "plans.milestone_step": {"POST": DESK_OBJ},
    "plans.remove_milestone": {"POST": DESK_OBJ},  # unconfirmed: the page that asks first
    "plans.new": {"GET": DESK_OBJ, "POST": DESK_OBJ},
    "plans.new_milestone": {"GET": DESK_OBJ, "POST": DESK_OBJ_REFUSED},
    "plans.ours": {"GET": ENTERPRISE},
    "plans.overdue": {"GET": DESK},
    "plans.awaiting": {"GET": "LFFFFFKKF"},  # directors only (plans are desk pages; admins have none)
    "plans.show": {"GET": SHARED_OBJ},
    "portal.download": {"GET": ENTERPRISE_OBJ},
    "portal.index": {"GET": ENTERPRISE},
    "portal.new_request": {"GET": ENTERPRISE, "POST": "LVVFFFFFF"},
    "portal.reply": {"POST": ENTERPRISE_OBJ},
    "portal.request_detail": {"GET": ENTERPRISE_OBJ},
    "portal.step": {"POST": ENTERPRISE_OBJ},
    "task_forces.add_expert": {"POST": DESK_OBJ},
    "task_forces.add_member": {"POST": DESK_OBJ},
    "task_forces.edit": {"GET": DESK_OBJ, "POST": DESK_OBJ_REFUSED},
    "task_forces.mine": {"GET": DESK},
    "task_forces.new": {"GET": DESK_OBJ, "POST": DESK_OBJ},
    "task_forces.remove_member": {"POST": DESK_OBJ},
    "task_forces.show": {"GET": DESK_OBJ},
    "supervision.index": {"GET": DESK},
    "supervision.issue_on_request": {"POST": DIRECTOR_OBJ},
    "supervision.issue_on_plan": {"POST": DIRECTOR_OBJ},
    "supervision.order_step": {"POST": DESK_OBJ},
    # The monthly report: the heads (a station's director, the provincial director); administrators have none.
    "reports.monthly": {"GET": DIRECTOR_OBJ},
    "api.monthly": {"GET": "UFFFFFKKF"},
    "api.monthly_workbook": {"GET": "UFFFFFKKF"},
    "reports.monthly_workbook": {"GET": DIRECTOR_OBJ},
    # An administrator is mailed nothing: the empty form is all his choices.
    "mail_preferences.index": {"GET": SIGNED_IN, "POST": "LVVVVVVVK"},
    "search.delete_view": {"POST": OWNER_ONLY},
    "search.index": {"GET": "LKKKKKKKF"},
    "search.open_view": {"GET": OWNER_ONLY},
    "search.save_view": {"POST": SIGNED_IN_REFUSED},
    "search.views": {"GET": SIGNED_IN},
    "tokens.create": {"POST": SIGNED_IN_REFUSED},
    "tokens.index": {"GET": SIGNED_IN},
    "tokens.revoke": {"POST": OWNER_ONLY},
    "two_factor.disable": {"POST": SIGNED_IN_REFUSED},
    "two_factor.enrol": {"POST": SIGNED_IN_REFUSED},
    "two_factor.manage": {"GET": SIGNED_IN},
    "two_factor.recovery_codes": {"POST": SIGNED_IN_REFUSED},
    "two_factor.reset": {"POST": ADMIN},
    "two_factor.second_step": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    # Colleagues: every contact sees the list; its administrator (A, and B of its own) changes it, the desk has none.
    # A's sole administrator stepping down or leaving is refused on the page (a redirect, K); B finds nothing of A's.
    "colleagues.index": {"GET": ENTERPRISE},
    "colleagues.invite": {"POST": "LVVFFFFFF"},
    "colleagues.resend": {"POST": ENTERPRISE_OBJ},
    "colleagues.revoke": {"POST": ENTERPRISE_OBJ},
    "colleagues.set_role": {"POST": ENTERPRISE_OBJ},
    "colleagues.deactivate": {"POST": ENTERPRISE_OBJ},
    "portal.hand_over": {"POST": ENTERPRISE_OBJ},
    # A link that is not live sends everyone to the sign-in page, told why.
    "invitations.accept": {"GET": "LLLLLLLLL", "POST": "LLLLLLLLL"},
    # The desk's page of one enterprise: its home station's desk and the hub's.
    "enterprises.show": {"GET": DESK_OBJ},
    # The same in the API; administrators see every enterprise there (they have no desk pages).
    "api.get_enterprise": {"GET": "UFNKNKKKK"},
    # Relations between requests: the desk in scope merges, links and makes children; the enterprise checks its
    # own recent requests for duplicates while writing a new one. The API's bodies name A's case itself (merge and
    # link refuse it, 409) or a station that does not exist (422), after the policy has answered.
    "desk.merge": {"POST": DESK_OBJ},
    "desk.link": {"POST": DESK_OBJ},
    "desk.unlink": {"POST": DESK_OBJ},
    "desk.create_child": {"POST": DESK_OBJ},
    "portal.similar_requests": {"GET": ENTERPRISE},
    "api.list_relations": {"GET": API_OBJ},
    "api.merge": {"POST": "UFNVNVVVF"},
    "api.link": {"POST": "UFNVNVVVF"},
    "api.create_child": {"POST": "UFNVNVVVF"},
}

# Query strings a route needs: the object a "new" page is for, the time a schedule check asks about.
QUERIES = {
    "plans.new": "?enterprise_id={enterprise_id}",
    "task_forces.new": "?plan_id={plan_id}",
    "api.check_hotline_time": "?scheduled_at=2026-03-20T10:00:00%2B08:00",
}

# Valid input for the routes whose empty form would stop before the authorization check.
BODIES: dict[str, Callable[[World], dict]] = {
    "api.add_milestone": lambda w: {"phase": "approval"},
    "api.add_task_force_expert": lambda w: {"name": "专家", "affiliation": "吉林大学"},
    "api.add_task_force_member": lambda w: {"user_id": w.users["hub_staff"].id},
    "api.ask_hotline": lambda w: {"reason": "matrix"},
    "api.cancel_hotline": lambda w: {"reason": "matrix", "version": w.hotline.version},
    "api.create_plan": lambda w: {
        "enterprise_id": w.enterprise_a.id,
        "title": "matrix",
        "goals": "matrix",
        "liaison_id": w.users["staff_x"].id,
    },
    "api.create_task_force": lambda w: {
        "plan_id": w.plan.id,
        "name": "matrix",
        "purpose": "matrix",
        "lead_id": w.users["staff_x"].id,
    },
    "api.de_escalate_request": lambda w: {"note": "matrix"},
    "api.escalate_request": lambda w: {"reason": "matrix"},
    "api.sign_for": lambda w: {"version": w.request.version},
    "api.return_request": lambda w: {"reason": "not_my_remit", "version": w.request.version},
    "api.ask_extension": lambda w: {
        "new_due_date": "2030-01-15",
        "public_reason": "matrix",
        "version": w.request.version,
    },
    "api.decide_extension": lambda w: {"decision": "approve", "version": w.request.version},
    "api.move_milestone": lambda w: {"direction": "down"},
    "knowledge.publish": lambda w: {"version": w.article.version},
    "knowledge.withdraw": lambda w: {"version": w.article.version},
    "api.record_hotline": lambda w: {"minutes": "matrix", "public_summary": "matrix", "version": w.hotline.version},
    "api.schedule_hotline": lambda w: {
        "scheduled_at": "2026-03-20T10:00:00+08:00",
        "duration_minutes": 60,
        "version": w.hotline.version,
    },
    "api.transition_plan": lambda w: {"action": "complete", "version": w.plan.version},
    "api.write_instruction": lambda w: {"body": "matrix"},
    "api.issue_on_request": lambda w: {
        "issue": "matrix",
        "requirement": "matrix",
        "deadline": "2036-03-20T10:00:00+08:00",
    },
    "api.issue_on_plan": lambda w: {
        "issue": "matrix",
        "requirement": "matrix",
        "deadline": "2036-03-20T10:00:00+08:00",
    },
    "api.order_step": lambda w: {"action": "report", "text": "matrix", "version": w.order.version},
    "api.link_plan": lambda w: {"plan_id": w.plan.id, "version": w.request.version},
    # A versioned API write names the version it read (else 428, before any check); the input stays empty.
    "api.confirm_request": lambda w: {"version": w.request.version},
    "api.reopen_request": lambda w: {"version": w.request.version},
    "api.withdraw_request": lambda w: {"version": w.request.version},
    "api.post_note": lambda w: {"body": "matrix"},
    "api.post_reply": lambda w: {"body": "matrix"},
    "api.submit_request": lambda w: {
        "title": "t",
        "description": "d",
        "category": "other",
        "lifecycle_stage": "research",
    },
    "api.transfer_request": lambda w: {
        "station_id": w.users["staff_y"].station_id,
        "reason": "matrix",
        "version": w.request.version,
    },
    "api.transition_request": lambda w: {"action": "start_intervention", "version": w.request.version},
    "api.remind": lambda w: {"message": "matrix", "version": w.request.version},
    "api.visit": lambda w: {"satisfaction": "satisfied", "solved": True, "version": w.request.version},
    "api.flag_typical": lambda w: {"typical": True, "version": w.request.version},
    "api.redo": lambda w: {"reason": "matrix", "new_due_date": "2030-01-02", "version": w.request.version},
    "api.triage_request": lambda w: {
        "category": "registration_dossier",
        "priority": "P2",
        "lifecycle_stage": "registration_submission",
        "version": w.request.version,
    },
    "api.upload_attachments": lambda w: {"file": (BytesIO(b"%PDF-1.4 matrix"), "matrix.pdf")},
    "api.merge": lambda w: {"target": w.request.reference, "version": w.request.version},
    "api.link": lambda w: {"other": w.request.reference, "version": w.request.version},
    "api.create_child": lambda w: {
        "title": "matrix",
        "description": "matrix",
        "station_code": "NONE",
        "version": w.request.version,
    },
    "hotline.ask": lambda w: {"reason": "matrix"},
    "plans.change_status": lambda w: {"action": "complete", "version": str(w.plan.version)},
    "plans.link_request": lambda w: {"plan_id": str(w.plan.id), "version": str(w.request.version)},
    "plans.new": lambda w: {"title": "matrix", "goals": "matrix", "liaison_id": str(w.users["staff_x"].id)},
    "task_forces.add_expert": lambda w: {"name": "专家", "affiliation": "吉林大学"},
    "task_forces.add_member": lambda w: {"user_id": str(w.users["hub_staff"].id)},
    "task_forces.new": lambda w: {"name": "matrix", "purpose": "matrix", "lead_id": str(w.users["staff_x"].id)},
    "colleagues.resend": lambda w: {"version": str(w.enterprise_a.roster_version)},
    "colleagues.revoke": lambda w: {"version": str(w.enterprise_a.roster_version)},
    "colleagues.set_role": lambda w: {"role": "member", "version": str(w.enterprise_a.roster_version)},
    "colleagues.deactivate": lambda w: {"successor_id": "0", "version": str(w.enterprise_a.roster_version)},
}

# Converters naming one of A's objects: a missing id must answer like A's object does to an outsider.
OBJECT_CONVERTERS = {
    "reply_id",
    "request_id",
    "attachment_id",
    "plan_id",
    "milestone_id",
    "task_force_id",
    "member_id",
    "hotline_id",
    "follow_up_id",
    "instruction_id",
    "notification_id",
    "token_id",
    "enterprise_id",
    "view_id",
    "invitation_id",
}
OUTSIDERS = ("enterprise_b", "staff_y")
MISSING_ID = 987654321


def _calls(app: Flask, world: World, values: dict[str, object]):  # type: ignore[no-untyped-def]
    for rule in rules(app):
        path = fill(rule, values) + QUERIES.get(rule.endpoint, "").format(**values)
        for method in ("GET", "POST"):
            if method in (rule.methods or ()):
                yield rule, method, path


def _observe(prober: Prober, world: World, endpoint: str, method: str, path: str, role: str) -> str:
    body = BODIES[endpoint](world) if method == "POST" and endpoint in BODIES else None
    return letter(prober.call(role, method, path, body))


def test_every_route_is_in_the_table(web: Flask) -> None:
    routes = {(r.endpoint, m) for r in rules(web) for m in ("GET", "POST") if m in (r.methods or ())}
    table = {(endpoint, method) for endpoint, methods in EXPECTED.items() for method in methods}
    assert sorted(routes - table) == [], "routes nobody has decided about: add them to EXPECTED"
    assert sorted(table - routes) == [], "EXPECTED names routes that no longer exist"
    assert all(re.fullmatch(r"[LUFNVKE]{9}", codes) for m in EXPECTED.values() for codes in m.values())


@pytest.mark.slow  # every route, as every role
def test_every_route_answers_every_role_as_the_table_says(web: Flask, prober: Prober, world: World) -> None:
    mismatches, crashes = [], []
    for rule, method, path in _calls(web, world, world.converter_values()):
        observed = "".join(_observe(prober, world, rule.endpoint, method, path, role) for role in ROLES)
        expected = EXPECTED.get(rule.endpoint, {}).get(method)
        if "E" in observed:
            crashes.append(f"{method} {path} ({rule.endpoint}): {observed}")
        if observed != expected:
            mismatches.append(f"{rule.endpoint} {method} {path}: expected {expected}, got {observed}")
    assert (crashes, mismatches) == ([], []), "\n".join(["5xx answers:", *crashes, "differences:", *mismatches])


def test_an_outsider_cannot_tell_a_hidden_object_from_a_missing_one(web: Flask, prober: Prober, world: World) -> None:
    values = world.converter_values()
    missing = {**values, **dict.fromkeys(OBJECT_CONVERTERS, MISSING_ID)}
    differences = []
    for rule, method, path in _calls(web, world, values):
        if not set(rule.arguments) & OBJECT_CONVERTERS:
            continue
        missing_path = fill(rule, missing) + QUERIES.get(rule.endpoint, "").format(**missing)
        for role in OUTSIDERS:
            hidden = _observe(prober, world, rule.endpoint, method, path, role)
            absent = _observe(prober, world, rule.endpoint, method, missing_path, role)
            if hidden != absent:
                differences.append(f"{role} {method} {path}: {hidden} for A's object, {absent} for a missing one")
    assert differences == [], "\n".join(differences)


def test_a_route_with_an_unknown_converter_fails_the_fixture_map(web: Flask, world: World) -> None:
    from werkzeug.routing import Rule

    rule = Rule("/new/<int:gadget_id>", endpoint="new.gadget")
    rule.bind(web.url_map.__class__())
    try:
        fill(rule, world.converter_values())
    except AssertionError as error:
        assert "gadget_id" in str(error)
    else:
        raise AssertionError("a converter missing from the map must fail")
