"""Claims as ProConnect sends them (email, given_name, usual_name, acr), and the tests' knobs:
an ID token already expired, or signed with a key the provider does not publish."""

from __future__ import annotations

import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache
from oauth2_provider.oauth2_validators import OAuth2Validator

# Never published in the JWKS: a token signed with it is a forgery.
ROGUE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _knobs(request: Any) -> dict[str, str]:
    return cache.get(f"knobs:{request.user.pk}") or {}


class Validator(OAuth2Validator):
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "given_name": "given_name",
        "usual_name": "usual_name",
        "acr": "openid",
    }

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        return {
            "email": user.email,
            "email_verified": user.groups.filter(name="verified").exists(),
            "given_name": user.first_name,
            "usual_name": user.last_name,
            "acr": _knobs(request).get("acr", "eidas1"),
        }

    def get_id_token_dictionary(self, token: Any, token_handler: Any, request: Any) -> Any:
        claims, expiration = super().get_id_token_dictionary(token, token_handler, request)
        if _knobs(request).get("id_token") == "expired":
            claims["iat"] = int(time.time()) - 600
            claims["exp"] = int(time.time()) - 300
        return claims, expiration

    def finalize_id_token(self, id_token: Any, token: Any, token_handler: Any, request: Any) -> str:
        signed: str = super().finalize_id_token(id_token, token, token_handler, request)
        if _knobs(request).get("id_token") != "forged":
            return signed
        # The same claims and key id, signed with another key: only the signature is wrong.
        header = jwt.get_unverified_header(signed)
        claims = jwt.decode(signed, options={"verify_signature": False})
        pem = ROGUE_KEY.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": header["kid"]})
