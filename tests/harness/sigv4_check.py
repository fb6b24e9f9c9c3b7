#!/usr/bin/env python3
"""A SigV4 checking endpoint for the integration tests (tests/harness/sigv4.ts starts it).

Why: the tool signs with @smithy/signature-v4, and the test nodes ignore signatures, so a
signing bug (a path or query encoded differently, a header changed after signing, a payload
hash OpenSearch Serverless refuses) would pass every other test and fail only against AWS.
This server stands where an Amazon OpenSearch Service domain (`es`) or a Serverless collection
(`aoss`) would: it recomputes each request's signature with botocore, the AWS SDK for Python's
own signer (an implementation independent of the tool's), for fixed credentials, one region
and one service; it refuses anything that does not match with 403 and AWS's message, and
forwards the rest, without the auth headers, to a plain-HTTP test node.

As AWS does, the query is decoded and encoded again (botocore's `params`), so `*` and `%2A`
sign alike; the path is taken as received and botocore encodes it once more, as AWS expects of
every service but S3. `x-amz-content-sha256`, required for aoss, must be the body's hash:
botocore signs the header's value as the payload hash, so it is compared with the body first.

    sigv4_check.py --port P --service es|aoss --region R --upstream http://127.0.0.1:19207 \\
        --pid-file FILE

Credentials come from the environment, never the command line (`ps` shows it):
SIGV4_CHECK_ACCESS_KEY_ID, SIGV4_CHECK_SECRET_ACCESS_KEY, SIGV4_CHECK_SESSION_TOKEN (optional).
`GET /__sigv4_check/stats` (unsigned, not counted) answers
`{checked, accepted, refused, last_refusals, fingerprint}`; the fingerprint is
SIGV4_CHECK_FINGERPRINT, so the harness knows a running server is the one it would start.
"""

import argparse
import datetime
import hashlib
import hmac
import http.client
import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

STATS_PATH = "/__sigv4_check/stats"
AUTH = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, ?SignedHeaders=(?P<signed>[a-z0-9;-]+), ?"
    r"Signature=(?P<signature>[0-9a-f]{64})"
)
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method. Consult the service documentation for "
    "details."
)
INVALID_TOKEN = "The security token included in the request is invalid."
# Not forwarded: the auth headers (the node knows nothing of them) and hop-by-hop headers.
DROPPED = {
    "authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "host",
    "connection", "keep-alive", "transfer-encoding", "content-length", "te", "upgrade",
}
MAX_SKEW = datetime.timedelta(minutes=5)


class Refused(Exception):
    """A request AWS would refuse: the message of its 403."""


class Checker:
    def __init__(self, args, env):
        self.service, self.region = args.service, args.region
        self.credentials = Credentials(
            env["SIGV4_CHECK_ACCESS_KEY_ID"],
            env["SIGV4_CHECK_SECRET_ACCESS_KEY"],
            env.get("SIGV4_CHECK_SESSION_TOKEN") or None,
        )
        self.fingerprint = env.get("SIGV4_CHECK_FINGERPRINT", "")
        self.lock = threading.Lock()
        self.checked = self.accepted = self.refused = 0
        self.last_refusals = []

    def stats(self):
        with self.lock:
            return {
                "checked": self.checked,
                "accepted": self.accepted,
                "refused": self.refused,
                "last_refusals": list(self.last_refusals),
                "service": self.service,
                "region": self.region,
                "fingerprint": self.fingerprint,
            }

    def count(self, refusal, request_line):
        with self.lock:
            self.checked += 1
            if refusal is None:
                self.accepted += 1
            else:
                self.refused += 1
                self.last_refusals = (self.last_refusals + [f"{request_line}: {refusal}"])[-20:]

    def check(self, method, target, headers, body):
        """Raises Refused unless botocore computes the request's own signature."""
        auth = AUTH.fullmatch(headers.get("Authorization", "").strip())
        if not headers.get("Authorization"):
            raise Refused("Missing Authentication Token")
        if not auth:
            raise Refused("Authorization header requires 'Credential', 'SignedHeaders' and "
                          "'Signature' parameters in AWS4-HMAC-SHA256 form.")
        if auth["key"] != self.credentials.access_key:
            raise Refused(INVALID_TOKEN)
        amz_date = headers.get("X-Amz-Date", "")
        try:
            when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
        except ValueError:
            raise Refused("Authorization header requires existence of either a 'X-Amz-Date' or "
                          "a 'Date' header.") from None
        if auth["date"] != amz_date[:8]:
            raise Refused(f"Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                          f"version of date from HTTP: '{auth['date']}' != '{amz_date[:8]}'")
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        if abs(now - when) > MAX_SKEW:
            raise Refused(f"Signature expired: {amz_date} is not within 5 min. of "
                          f"{now:%Y%m%dT%H%M%SZ}")
        if auth["region"] != self.region:
            raise Refused(f"Credential should be scoped to a valid region, not "
                          f"'{auth['region']}'. ")
        if auth["service"] != self.service:
            raise Refused(f"Credential should be scoped to correct service: '{self.service}'. ")
        signed = auth["signed"].split(";")
        token = self.credentials.token
        if token and (headers.get("X-Amz-Security-Token") != token
                      or "x-amz-security-token" not in signed):
            raise Refused(INVALID_TOKEN)
        for name in ("host", "x-amz-date"):
            if name not in signed:
                raise Refused(f"'{name}' must be a signed header. {MISMATCH}")
        payload_hash = headers.get("X-Amz-Content-SHA256")
        if self.service == "aoss" and payload_hash is None:
            raise Refused("Missing required header x-amz-content-sha256 (OpenSearch Serverless "
                          "signs the payload hash).")
        if payload_hash is not None and payload_hash != hashlib.sha256(body).hexdigest():
            raise Refused("The provided 'x-amz-content-sha256' header does not match what was "
                          "computed.")
        missing = [name for name in signed if headers.get(name) is None]
        if missing:
            raise Refused(f"SignedHeaders names headers the request lacks: {missing}. {MISMATCH}")

        path, _, query = target.partition("?")
        params = [tuple(unquote(part) for part in pair.partition("=")[::2])
                  for pair in query.split("&") if pair]
        request = AWSRequest(
            method=method,
            url=f"http://{headers['Host']}{path}",
            headers={name: ",".join(headers.get_all(name)) for name in signed},
            data=body,
            params=params,
        )
        # What add_auth would stamp, but the request's own time, not now.
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(self.credentials, self.service, self.region)
        canonical = signer.canonical_request(request)
        string_to_sign = signer.string_to_sign(request, canonical)
        expected = signer.signature(string_to_sign, request)
        botocore_signed = signer.signed_headers(signer.headers_to_sign(request))
        if botocore_signed != auth["signed"] or not hmac.compare_digest(
            expected, auth["signature"]
        ):
            print(f"REFUSED {method} {target}\n--- SignedHeaders: sent {auth['signed']}, botocore "
                  f"{botocore_signed}\n--- botocore's canonical request:\n{canonical}\n"
                  f"--- botocore's string to sign:\n{string_to_sign}\n---",
                  file=sys.stderr, flush=True)
            raise Refused(MISMATCH)


class Upstream:
    """One keep-alive connection per serving thread to the plain-HTTP node."""

    def __init__(self, url):
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.port:
            raise SystemExit(f"--upstream must be http://host:port, not {url}")
        self.host, self.port = parts.hostname, parts.port
        self.local = threading.local()

    def send(self, method, target, headers, body):
        for attempt in (1, 2):
            connection = getattr(self.local, "connection", None)
            if connection is None:
                connection = http.client.HTTPConnection(self.host, self.port, timeout=600)
                self.local.connection = connection
            try:
                connection.request(method, target, body=body or None, headers=headers)
                response = connection.getresponse()
                return response.status, response.getheaders(), response.read()
            except (ConnectionError, http.client.HTTPException):
                # A keep-alive connection the node closed meanwhile: once more on a new one.
                connection.close()
                self.local.connection = None
                if attempt == 2:
                    raise


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    checker: Checker
    upstream: Upstream

    def handle_any(self):
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            return self.reply(411, {"message": "send a Content-Length body, not chunked"})
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.command == "GET" and self.path == STATS_PATH:
            return self.reply(200, self.checker.stats())
        try:
            self.checker.check(self.command, self.path, self.headers, body)
        except Refused as refusal:
            self.checker.count(str(refusal), self.requestline)
            return self.reply(403, {"message": str(refusal)}, {"x-amzn-ErrorType": "Forbidden"})
        self.checker.count(None, self.requestline)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in DROPPED}
        headers["Host"] = f"{self.upstream.host}:{self.upstream.port}"
        try:
            status, answer_headers, answer = self.upstream.send(
                self.command, self.path, headers, body
            )
        except OSError as error:
            return self.reply(502, {"message": f"upstream {self.upstream.host}: {error}"})
        self.send_response(status)
        length = str(len(answer))
        for name, value in answer_headers:
            lower = name.lower()
            if lower == "content-length" and self.command == "HEAD":
                length = value
            elif lower not in DROPPED:
                self.send_header(name, value)
        self.send_header("Content-Length", length)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any

    def reply(self, status, document, headers=None):
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format, *args):
        # Refusals are logged with botocore's canonical request; the rest only counted.
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--service", choices=["es", "aoss"], required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--pid-file", required=True)
    args = parser.parse_args()
    Handler.checker = Checker(args, os.environ)
    Handler.upstream = Upstream(args.upstream)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    with open(args.pid_file, "w") as pid_file:
        pid_file.write(f"{os.getpid()}\n")
    print(f"sigv4_check: {args.service} in {args.region} on 127.0.0.1:{args.port} -> "
          f"{args.upstream}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
