"""The Login URI's way back (amazon_callback_uri): the amazon_state, then the consent flow."""

from __future__ import annotations

from flask import current_app, request, session
from werkzeug.wrappers import Response

from . import consent, states
from .screens import bp, current_user, error_page
from .signin import SITE
from .store import get_db

BAD_STATE = (
    "MD9100",
    "The amazon_state is invalid or expired: it must come from Re-Authorize in this browser"
    " session, within 10 minutes, and be used once.",
)
OTHER_SELLER = (
    "MD9101",
    "The signed-in selling account is not the one the amazon_state was issued for.",
)


@bp.get(SITE + "/apps/authorize/confirm/<application_id>")
def authorize_return(mp: str, application_id: str) -> Response:
    """Check the request like a consent URL, then use up the amazon_state; ask for consent."""
    args = {key: request.args[key] for key in consent.PARAMS if key in request.args}
    args["application_id"] = application_id  # the path names the app, not the query
    conn = get_db()
    problem = consent.check_request(conn, args)
    if problem is None:
        binding, user = session.get("binding"), current_user()
        amazon_state = request.args.get("amazon_state", "")
        seller_id = (
            states.take(conn, amazon_state, binding, mp, application_id)
            if binding and amazon_state
            else None
        )
        if seller_id is None or user is None:
            problem = BAD_STATE
        elif user["seller_id"] != seller_id:
            problem = OTHER_SELLER
    if problem is not None:
        return error_page(mp, problem[0], application_id, problem[1])
    current_app.logger.info("sandbox: Login URI return for seller %s", user["seller_id"])
    return consent.begin(mp, args)
