"""The token vault: encryption bound to its row, keys never shown (mutation-tested)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken

from asc_web.crypto import TokenVault

KEY = Fernet.generate_key().decode()


def test_a_token_round_trips_even_with_colons_in_it():
    vault = TokenVault(KEY)
    token = "Atzr|a:b:c"
    assert vault.decrypt(7, vault.encrypt(7, token)) == token


def test_a_ciphertext_copied_to_another_row_does_not_decrypt():
    vault = TokenVault(KEY)
    with pytest.raises(InvalidToken, match=r"^ciphertext belongs to another row$"):
        vault.decrypt(8, vault.encrypt(7, "Atzr|x"))
    with pytest.raises(InvalidToken, match="another row"):
        vault.decrypt(1, vault.encrypt(17, "Atzr|x"))
    with pytest.raises(InvalidToken, match="another row"):
        vault.decrypt("authorization-1", vault.encrypt("authorization-17", "Atzr|x"))


@pytest.mark.parametrize("keys", ["", " , ", []])
def test_a_vault_without_keys_is_refused_with_the_settings_name(keys):
    with pytest.raises(ValueError, match=r"^ASC_TOKEN_KEYS holds no key\.$"):
        TokenVault(keys)


def test_the_vault_never_shows_its_keys():
    vault = TokenVault(f"{KEY},{Fernet.generate_key().decode()}")
    assert repr(vault) == str(vault) == "TokenVault(<keys hidden>)"
    assert KEY not in repr(vault)
