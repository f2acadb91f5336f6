"""Amazon tokens at rest: MultiFernet encryption bound to the row they belong to."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class TokenVault:
    """Encrypt with the first key, decrypt with any (``ASC_TOKEN_KEYS``, comma-separated)."""

    def __init__(self, keys: str | list[str]):
        if isinstance(keys, str):
            keys = [k.strip() for k in keys.split(",") if k.strip()]
        if not keys:
            raise ValueError("ASC_TOKEN_KEYS holds no key.")
        self._fernet = MultiFernet([Fernet(k) for k in keys])

    def __repr__(self) -> str:
        return "TokenVault(<keys hidden>)"

    def encrypt(self, owner: int | str, token: str) -> str:
        """Ciphertext that only decrypts for ``owner`` (a copy in another row fails)."""
        return self._fernet.encrypt(f"{owner}:{token}".encode()).decode()

    def decrypt(self, owner: int | str, ciphertext: str) -> str:
        """The token, if ``ciphertext`` was made for ``owner``; ``InvalidToken`` otherwise."""
        plain = self._fernet.decrypt(ciphertext.encode()).decode()
        prefix = f"{owner}:"
        if not plain.startswith(prefix):
            raise InvalidToken("ciphertext belongs to another row")
        return plain[len(prefix) :]

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt with the first key (key rotation)."""
        return self._fernet.rotate(ciphertext.encode()).decode()
