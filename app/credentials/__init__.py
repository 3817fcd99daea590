"""Credentials: named, typed secrets encrypted at rest, referenced by name from nodes.

`kinds` holds the pydantic model of each kind, `key` finds or makes the encryption key (OS
keyring, else a 0600 key file), `vault` stores and reads credentials, `masking` hides their
values wherever text is recorded, `checks` answers config problems about a credential field.
"""

from app.credentials.kinds import Credential, CredentialError
from app.credentials.masking import mask_secrets

__all__ = ["Credential", "CredentialError", "mask_secrets"]
