"""/api/v1 complaint files: upload an evidence photo (its id then goes in a handle action's
evidence.photo) and download a complaint's photos by id. No route takes a path."""
from __future__ import annotations

from pathlib import Path

from flask import current_app, request, send_file, url_for

from app.channels.api import bp
from app.channels.api.auth import current_actor, token_required
from app.clock import isoformat_z
from app.domain.images import CONTENT_TYPES
from app.errors import ApiError
from app.extensions import db_session, now
from app.services import lifecycle
from app.services.lifecycle import complaint_files

UPLOADERS = lifecycle.PERMISSIONS["handle"]
READERS = ("officer", "agency_head", "supervisor", "official", "camat", "admin", "partner")


def storage_root() -> Path:
    return Path(current_app.instance_path)


def _uploaded_bytes() -> bytes:
    """The photo as the raw body (Content-Type image/jpeg, image/png or image/webp) or as the
    multipart field `file`."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ApiError(422, "validation_failed", "send the photo in the multipart field 'file'")
        return upload.read()
    if request.mimetype not in CONTENT_TYPES:
        raise ApiError(415, "unsupported_media_type",
                       "send the photo as the body with Content-Type image/jpeg, image/png or image/webp, "
                       "or as the multipart/form-data field 'file'")
    return request.get_data(cache=False)


@bp.post("/complaints/<ticket>/files")
@token_required(*UPLOADERS)
def upload_complaint_file(ticket: str):
    actor = current_actor()
    session = db_session()
    lifecycle.load_for(session, ticket, actor)  # a complaint the token may not see: 404 before the body is read
    stored = complaint_files.upload_evidence(session, now(), ticket, actor, _uploaded_bytes(), storage_root())
    body = {"id": stored.ref, "content_type": stored.content_type, "size": stored.size, "sha256": stored.sha256,
            "created_at": isoformat_z(stored.created_at)}
    return body, 201, {"Location": url_for("api.get_complaint_file", ticket=ticket, ref=stored.ref)}


@bp.get("/complaints/<ticket>/files/<ref>")
@token_required(*READERS)
def get_complaint_file(ticket: str, ref: str):
    session = db_session()
    complaint = lifecycle.load_for(session, ticket, current_actor())
    path = complaint_files.resolve(session, complaint, ref, storage_root())
    if path is None:
        raise ApiError(404, "not_found", f"complaint {complaint.ticket} has no file {ref!r}")
    response = send_file(path, max_age=0, conditional=False)
    response.headers["Cache-Control"] = "private, no-store"
    return response
