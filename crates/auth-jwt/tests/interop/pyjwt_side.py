"""PyJWT's side of the interop test: mint tokens with our keys, verify ours with our JWKS.

Reads one JSON request on stdin, writes one JSON answer on stdout.
"""
import base64
import json
import sys

import jwt

req = json.load(sys.stdin)
secret = base64.urlsafe_b64decode(req["secret"] + "==")
signing_keys = {"HS256": secret, **req["pems"]}
claims = {
    "iss": req["iss"],
    "aud": req["aud"],
    "sub": "pyjwt-user",
    "iat": req["now"],
    "nbf": req["now"],
    "exp": req["now"] + 300,
    "jti": "pyjwt-jti",
    "scope": "read write",
}
minted = {}
for alg, kid in req["kids"].items():
    minted[alg] = jwt.encode(
        claims, signing_keys[alg], algorithm=alg, headers={"kid": kid, "typ": "at+jwt"}
    )
# PyJWT's default header says typ JWT: not an access token under our profile.
minted["HS256-default-typ"] = jwt.encode(claims, secret, algorithm="HS256", headers={"kid": req["kids"]["HS256"]})

jwks = jwt.PyJWKSet.from_dict(req["jwks"])
verified = {}
for alg, token in req["tokens"].items():
    try:
        header = jwt.get_unverified_header(token)
        key = secret if alg == "HS256" else jwks[header["kid"]].key
        decoded = jwt.decode(
            token, key, algorithms=[alg], audience=req["aud"], issuer=req["iss"],
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
        verified[alg] = {"ok": header.get("typ") == "at+jwt", "sub": decoded["sub"], "sid": decoded.get("sid")}
    except Exception as e:  # report, never crash: the Rust side asserts
        verified[alg] = {"ok": False, "error": repr(e)}

json.dump({"minted": minted, "verified": verified, "version": jwt.__version__}, sys.stdout)
