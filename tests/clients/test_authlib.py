"""authlib (PyPI, a client nobody here wrote) against pierre-authd's authorization server:
RFC 8414 metadata, RFC 7591 registration, the code flow with PKCE S256 and the RFC 8707
``resource``, owner consent over the socket (``pierre-authd approve``), RFC 9207 ``iss``, the
ES256 access token checked against the JWKS with joserfc, refresh rotation, reuse detection and
RFC 7009 revocation."""

from __future__ import annotations

import json
import secrets
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from authlib.integrations.base_client.errors import OAuthError
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from joserfc import jwt
from joserfc.jwk import KeySet

from pierre_as import daemon_log, running_auth_server

REDIRECT_URI = "http://127.0.0.1:8765/callback"
RESOURCE = "http://127.0.0.1:7777/mcp"
SCOPE = "fitness:read offline_access"


@pytest.fixture
def auth_server(pierre_bin, pierre_env, pierre_home, monkeypatch):
    # The AS is loopback http by design (RFC 8252 §7.3); authlib wants https unless told.
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    with running_auth_server(pierre_bin("pierre-authd"), pierre_env, pierre_home) as server:
        yield server


def metadata(server) -> AuthorizationServerMetadata:
    r = httpx.get(f"{server.issuer}/.well-known/oauth-authorization-server", timeout=10)
    assert r.status_code == 200
    md = AuthorizationServerMetadata(r.json())
    md.validate()
    assert md["issuer"] == server.issuer
    assert md["code_challenge_methods_supported"] == ["S256"]
    return md


def sign_in(server, md, client_id: str, *approve_args: str):
    """authlib builds the request, the owner approves, authlib redeems the code."""
    client = OAuth2Client(
        client_id,
        redirect_uri=REDIRECT_URI,
        scope=SCOPE,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    )
    verifier = secrets.token_urlsafe(48)
    url, state = client.create_authorization_url(
        md["authorization_endpoint"], code_verifier=verifier, resource=RESOURCE
    )
    back = server.consent(url, *approve_args)
    assert back.startswith(REDIRECT_URI), back
    query = parse_qs(urlparse(back).query)
    assert query["state"] == [state]
    assert query["iss"] == [server.issuer], "RFC 9207 iss missing or wrong"
    token = client.fetch_token(
        md["token_endpoint"], authorization_response=back, code_verifier=verifier, resource=RESOURCE
    )
    return client, token


def test_dcr_pkce_resource_consent_refresh_and_revoke(auth_server, pierre_home):
    md = metadata(auth_server)
    client_id = auth_server.register(REDIRECT_URI, "authlib-test")
    users = auth_server.cli("users", "add", "carol")
    assert users.returncode == 0, users.stderr
    client, token = sign_in(auth_server, md, client_id, "--user", "carol")
    assert token["token_type"].lower() == "bearer"
    assert token["expires_in"] == 3600
    assert token["scope"] == SCOPE

    jwks = httpx.get(md["jwks_uri"], timeout=10).json()
    decoded = jwt.decode(token["access_token"], KeySet.import_key_set(jwks), algorithms=["ES256"])
    assert decoded.header["alg"] == "ES256"
    assert decoded.header["kid"] in {k["kid"] for k in jwks["keys"]}
    claims = decoded.claims
    assert claims["iss"] == auth_server.issuer
    assert claims["aud"] == RESOURCE
    assert claims["exp"] - claims["iat"] == 3600
    listed = auth_server.cli("users", "list", "--json")
    carol = next(u for u in json.loads(listed.stdout) if u["name"] == "carol")
    assert claims["sub"] == carol["user_id"], "the token names the user chosen with approve --user"

    rotated = client.refresh_token(md["token_endpoint"], refresh_token=token["refresh_token"])
    assert rotated["refresh_token"] != token["refresh_token"], "refresh tokens must rotate"
    assert rotated["access_token"] != token["access_token"]

    r = client.revoke_token(
        md["revocation_endpoint"], token=rotated["refresh_token"], token_type_hint="refresh_token"
    )
    assert r.status_code == 200
    after = httpx.post(
        md["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": rotated["refresh_token"], "client_id": client_id},
        timeout=10,
    )
    assert after.status_code == 400 and after.json()["error"] == "invalid_grant", after.text

    log = daemon_log(pierre_home)
    for secret in (token["access_token"], token["refresh_token"], rotated["refresh_token"]):
        assert secret not in log, "a token reached the daemon's log"


def test_reusing_a_rotated_refresh_token_revokes_the_family(auth_server):
    md = metadata(auth_server)
    client_id = auth_server.register(REDIRECT_URI, "authlib-reuse")
    client, token = sign_in(auth_server, md, client_id)
    rotated = client.refresh_token(md["token_endpoint"], refresh_token=token["refresh_token"])
    with pytest.raises(OAuthError) as reused:
        client.refresh_token(md["token_endpoint"], refresh_token=token["refresh_token"])
    assert reused.value.error == "invalid_grant"
    with pytest.raises(OAuthError) as family:
        client.refresh_token(md["token_endpoint"], refresh_token=rotated["refresh_token"])
    assert family.value.error == "invalid_grant", "the newest token of a reused family must be dead"


def test_wrong_verifier_and_plain_pkce_are_refused(auth_server):
    md = metadata(auth_server)
    client_id = auth_server.register(REDIRECT_URI, "authlib-pkce")
    client = OAuth2Client(
        client_id, redirect_uri=REDIRECT_URI, code_challenge_method="S256", token_endpoint_auth_method="none"
    )
    verifier = secrets.token_urlsafe(48)
    url, _ = client.create_authorization_url(md["authorization_endpoint"], code_verifier=verifier, resource=RESOURCE)
    back = auth_server.consent(url)
    with pytest.raises(OAuthError) as wrong:
        client.fetch_token(
            md["token_endpoint"], authorization_response=back, code_verifier=secrets.token_urlsafe(48), resource=RESOURCE
        )
    assert wrong.value.error == "invalid_grant"

    plain = OAuth2Client(
        client_id, redirect_uri=REDIRECT_URI, code_challenge_method="plain", token_endpoint_auth_method="none"
    )
    url, _ = plain.create_authorization_url(
        md["authorization_endpoint"], code_verifier=secrets.token_urlsafe(48), resource=RESOURCE
    )
    r = httpx.get(url, timeout=10)
    assert r.status_code == 302
    assert parse_qs(urlparse(r.headers["location"]).query)["error"] == ["invalid_request"]
