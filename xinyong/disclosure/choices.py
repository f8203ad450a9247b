"""Choices for disclosure and the query service (Art 21, 29)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class QueryMode(models.TextChoices):
    """The ways of querying Art 21 names: 依法公开, 依职权查询, 实名认证查询 (oneself), 授权查询."""

    PUBLIC = "public", _("public disclosure")  # 依法公开: organizations' public records, not logged
    OFFICIAL = "official", _("official query")  # 依职权查询: staff within their jurisdiction, purpose stated
    SELF = "self", _("own information")  # 本人查询 (实名认证): a subject reads its own information (Art 29)
    AUTHORIZED = "authorized", _("authorized query")  # 授权查询: under the subject's written authorization


NON_PUBLIC_MODES = frozenset({QueryMode.OFFICIAL, QueryMode.SELF, QueryMode.AUTHORIZED})


class QueryResult(models.TextChoices):
    SERVED = "served", _("served")
    REFUSED = "refused", _("refused")


class AuthorizationStatus(models.TextChoices):
    """A written authorization is drafted pending, takes effect when the subject confirms it, and can be
    revoked at any time (Art 21). Expiry is not a status: it follows from `valid_until`."""

    PENDING = "pending", _("awaiting confirmation")
    CONFIRMED = "confirmed", _("in force")
    REVOKED = "revoked", pgettext_lazy("authorization status", "revoked")


class RefusalReason(models.TextChoices):
    """Why a non-public read was refused. Kept in the query log only: the caller always hears "not found"."""

    NOT_FOUND = "not_found", _("no such subject")
    NO_PERMISSION = "no_permission", _("the account may not query in this mode")
    NOT_GOVERNMENT = "not_government", _("official queries are for government bodies")
    OUTSIDE_JURISDICTION = "outside_jurisdiction", _("the subject is outside the requester's jurisdiction")
    PURPOSE_REQUIRED = "purpose_required", _("no purpose stated")
    NOT_OWN_SUBJECT = "not_own_subject", _("the account does not act for this subject")
    NO_AUTHORIZATION = "no_authorization", _("no matching authorization")
    AUTHORIZATION_NOT_CONFIRMED = "authorization_pending", _("the authorization is not confirmed")
    AUTHORIZATION_REVOKED = "authorization_revoked", _("the authorization was revoked")
    AUTHORIZATION_EXPIRED = "authorization_expired", _("the authorization has expired")
    WRONG_GRANTEE = "wrong_grantee", _("the authorization was granted to another organization")
    WRONG_SUBJECT = "wrong_subject", _("the authorization is for another subject")
    PURPOSE_MISMATCH = "purpose_mismatch", _("the purpose differs from the authorized purpose")
    CATEGORY_NOT_AUTHORIZED = "category_not_authorized", _("a category asked for is not authorized")
