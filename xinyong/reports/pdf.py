"""Rendering a report to PDF (WeasyPrint, embedded Noto CJK fonts) and reading a report back from a PDF.

The PDF is rendered from the canonical content alone (`reports/report_pdf.html`), with a QR code pointing
at the verification page, and carries what is needed to verify it:

* the canonical content as an embedded file `xinyong-report.json` (exactly the signed bytes);
* in the document information dictionary: `/xinyongformat`, `/xinyongreportnumber`,
  `/xinyongcontentdigest` (SM3, hex), `/xinyongsignature` (SM2 over the content, hex DER) and
  `/xinyongkeyid`.

Fonts: "Noto Serif CJK SC" and "Noto Sans CJK SC" from Debian's fonts-noto-cjk, found through fontconfig and
embedded as subsets (libharfbuzz-subset0 keeps that fast).
"""

from __future__ import annotations

import base64
import io
import logging
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string

ATTACHMENT_NAME = "xinyong-report.json"
# Keys of the document information dictionary, as WeasyPrint writes custom <meta> names (lower-case letters
# and digits only).
META_FORMAT = "xinyongformat"
META_NUMBER = "xinyongreportnumber"
META_DIGEST = "xinyongcontentdigest"
META_SIGNATURE = "xinyongsignature"
META_KEY_ID = "xinyongkeyid"

logger = logging.getLogger(__name__)


def qr_data_uri(url: str) -> str:
    """A PNG QR code of `url` as a data URI (error correction M: a stained printout still scans)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=2)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def grouped(hex_digest: str, size: int = 4) -> str:
    """A digest in groups of four (easier to compare by eye, and never a long run of digits)."""
    text = hex_digest.upper()
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def render_html(content: dict[str, Any], *, content_digest: str, signature: str, key_id: str) -> str:
    from xinyong.reports.content import FORMAT

    return render_to_string(
        "reports/report_pdf.html",
        {
            "c": content,
            "qr": qr_data_uri(content["verification_url"]),
            "digest_grouped": grouped(content_digest),
            "meta": {
                META_FORMAT: FORMAT,
                META_NUMBER: content["number"],
                META_DIGEST: content_digest,
                META_SIGNATURE: signature,
                META_KEY_ID: key_id,
            },
            "key_id": key_id,
            "found_total": sum(d["found"] for d in content.get("no_violation", {}).get("domains", [])),
        },
    )


def render_pdf(content: dict[str, Any], canonical: bytes, *, content_digest: str, signature: str, key_id: str) -> bytes:
    """The report's PDF: pages from the content, the canonical bytes attached, the signature in the metadata."""
    from weasyprint import HTML, Attachment

    html = render_html(content, content_digest=content_digest, signature=signature, key_id=key_id)
    attachment = Attachment(
        file_obj=io.BytesIO(canonical), name=ATTACHMENT_NAME,
        description="Canonical content of the credit report (signed with SM2)", relationship="Source",
    )
    return HTML(string=html).write_pdf(custom_metadata=True, attachments=[attachment])


@dataclass(frozen=True)
class Embedded:
    """What a PDF says about itself; every field is as found, none is trusted yet."""

    format: str
    number: str
    content: bytes
    content_digest: str
    signature: str
    key_id: str


def read_embedded(data: bytes) -> Embedded | None:
    """The report data embedded in a PDF, or None when the file is not a readable report PDF."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        info = reader.metadata or {}
        attached = reader.attachments.get(ATTACHMENT_NAME) or []
        fields = {key: str(info.get(f"/{key}", "") or "") for key in (META_FORMAT, META_NUMBER, META_DIGEST,
                                                                       META_SIGNATURE, META_KEY_ID)}
    except Exception:  # a damaged or hostile upload is simply "not a report"; pypdf raises many kinds
        logger.info("an uploaded file could not be read as a report PDF", exc_info=True)
        return None
    if len(attached) != 1 or not fields[META_NUMBER]:
        return None
    return Embedded(
        format=fields[META_FORMAT], number=fields[META_NUMBER], content=bytes(attached[0]),
        content_digest=fields[META_DIGEST], signature=fields[META_SIGNATURE], key_id=fields[META_KEY_ID],
    )
