"""Files: upload with an optional message (multipart), and download as an attachment that never renders."""

from __future__ import annotations

from flask import request as http
from flask import send_file
from flask.typing import ResponseReturnValue

from service.errors import CORRECT_FIELDS, N_, ValidationError
from service.operations import requests as ops
from service.operations.attachments import Upload, attachment_for_download
from service.web.api import schemas as s
from service.web.api.registry import caller, endpoint
from service.web.app_settings import desk_settings
from service.web.database import db

TAG = "attachments"
UPLOAD_SCHEMA = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "minItems": 1,
            "description": "One or more files (repeat the field). PDF, Office, images, ZIP, text.",
        },
        "body": {"type": "string", "maxLength": 20000, "description": "An optional message to go with the files."},
        "internal": {
            "type": "string",
            "enum": ["true", "false"],
            "description": "Desk only: attach to an internal note instead of a public reply.",
        },
    },
}


@endpoint(
    "/requests/<int:request_id>/attachments",
    "POST",
    summary="Upload files, as a reply (or a desk user's internal note).",
    tag=TAG,
    multipart=UPLOAD_SCHEMA,
    response=s.AttachmentList,
    status=201,
)
def upload_attachments(request_id: int) -> s.AttachmentList:
    uploads = [
        Upload(filename=f.filename or "attachment", content_type=f.mimetype or "", data=f.read())
        for f in http.files.getlist("file")
        if f
    ]
    if not uploads:
        raise ValidationError(CORRECT_FIELDS, fields={"file": N_("Choose at least one file.")})
    text = http.form.get("body", "")
    if "\x00" in text:
        raise ValidationError(
            CORRECT_FIELDS, fields={"body": N_("This text contains characters that are not allowed.")}
        )
    internal = http.form.get("internal", "false") == "true"
    message = ops.add_message(
        db(), caller(), request_id, text, internal=internal, uploads=uploads, settings=desk_settings()
    )
    files = s.attachments_of(db(), message)
    return s.AttachmentList(items=[s.attachment_out(a) for a in files])


@endpoint("/attachments/<int:attachment_id>", summary="Download a file you may see.", tag=TAG, binary=True)
def download_attachment(attachment_id: int) -> ResponseReturnValue:
    attachment, content = attachment_for_download(db(), caller(), attachment_id, settings=desk_settings())
    # Served as opaque bytes, as a download, in a sandbox: an uploaded file must never run in our origin.
    response = send_file(
        content,
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=attachment.original_name,
        max_age=0,
    )
    response.content_length = attachment.size
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
