"""Model fields for identifiers: SM4-GCM ciphertext plus a keyed blind index (Art 17, 19; security req. 19).

`SealedIdentifierField` is the only way an identifier is stored: the database holds ciphertext that carries
its key id; Python code sees the plaintext. Equality lookups on it are refused, because a fresh ciphertext
never matches a stored one; lookups go through the companion `BlindIndexField` (HMAC-SM3 with a key that
lives outside the database, so the index cannot be reversed by hashing every possible ID number).
"""

from __future__ import annotations

from django.core.exceptions import FieldError
from django.db import models

from xinyong.core.crypto import blind_index, seal, unseal

SEALED_PREFIX = "sm4gcm1:"


class SealedIdentifierField(models.TextField):
    """An identifier stored encrypted; read back decrypted and authenticated (tampering raises)."""

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        # Binding the ciphertext to its column: a value copied into another column fails authentication.
        self.seal_context = f"{cls._meta.label_lower}.{name}"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return unseal(value, context=self.seal_context)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        if value.startswith(SEALED_PREFIX):
            return value
        return seal(value, context=self.seal_context)

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(
            f"{self.name} is encrypted; look identifiers up by the blind index "
            "(e.g. subject_find_by_identifier)"
        )


class BlindIndexField(models.CharField):
    """HMAC-SM3 of (identifier kind, identifier) computed on save from two other fields of the model."""

    def __init__(self, *args, source: str = "", kind_field: str = "", **kwargs):
        self.source = source
        self.kind_field = kind_field
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["kind_field"] = self.kind_field
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        plaintext = getattr(model_instance, self.source)
        value = blind_index(str(getattr(model_instance, self.kind_field)), plaintext) if plaintext else ""
        setattr(model_instance, self.attname, value)
        return value
