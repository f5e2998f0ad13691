"""Privacy: keep direct identifiers out of rtpredict, and pseudonymise local IDs.

- :func:`check_identifiers` refuses a sample sheet or clinical table whose columns carry
  direct identifiers, by column name (French and English) or by value (full dates, French NIR,
  e-mail addresses, phone numbers); the readers in :mod:`rtpredict.io` call it first. A column
  can be allowed with a reason, which is returned for the provenance.
- :func:`pseudonymise_table` (``rtpredict pseudonymise``) replaces local IDs with keyed
  HMAC-SHA256 pseudonyms; :func:`new_key` makes the secret key (mode 0600) and the mapping
  file (local ID -> pseudonym, mode 0600) stays at the centre: never inside the workflow's
  results folder, never beside shared data.

Pseudonymised data are still personal data under the GDPR (art. 4(5), recital 26): these
checks catch mistakes, they do not make a data set anonymous.
"""

from rtpredict.privacy._guard import ID_COLUMNS, FixHints, check_identifiers
from rtpredict.privacy._headers import IDENTIFIER_HEADERS, header_tokens, identifier_header
from rtpredict.privacy._keyfile import KEY_BYTES, new_key, read_key
from rtpredict.privacy._mapping import read_mapping, write_mapping
from rtpredict.privacy._pseudonym import PSEUDONYM_BYTES, SAMPLE_ID, pseudonym, pseudonymise_ids
from rtpredict.privacy._pseudonymise_table import Pseudonymised, pseudonymise_table
from rtpredict.privacy._values import identifier_value, nir_key_ok

__all__ = [
    "IDENTIFIER_HEADERS",
    "ID_COLUMNS",
    "KEY_BYTES",
    "PSEUDONYM_BYTES",
    "SAMPLE_ID",
    "FixHints",
    "Pseudonymised",
    "check_identifiers",
    "header_tokens",
    "identifier_header",
    "identifier_value",
    "new_key",
    "nir_key_ok",
    "pseudonym",
    "pseudonymise_ids",
    "pseudonymise_table",
    "read_key",
    "read_mapping",
    "write_mapping",
]
