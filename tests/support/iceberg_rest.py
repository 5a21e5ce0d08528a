"""A test-only Iceberg REST catalog on 127.0.0.1 that answers the way Nessie's Iceberg REST endpoint does.

What it mirrors from Nessie (projectnessie/nessie, catalog/service/rest):
- the base is `<server>/iceberg/`; `GET /iceberg/v1/config` (default branch) and
  `GET /iceberg/{ref}/v1/config?warehouse=NAME` return `defaults.prefix` = URL-encoded `{ref}|{warehouse}`
  (just `{ref}` when no warehouse is asked for), `defaults.warehouse` = the warehouse location, and
  `overrides` with `uri` = the Iceberg base URI and the `nessie.*` markers;
- every other call is `/iceberg/v1/{prefix}/...`: the prefix selects the branch, a branch that does not
  exist is a 400 `NoSuchReferenceException`, an unknown warehouse a 400 `IllegalArgumentException`;
- namespaces must exist before tables are created in them; a created table gets a `created-at`
  property; a loaded table carries the derived `nessie.commit.ref`/`nessie.commit.id` properties.

Behind it, each branch is a real pyiceberg `SqlCatalog` (one SQLite file, one warehouse folder), so
metadata and data files are real. Commits are applied by the SQL catalog's own commit machinery:
`TableRequirement.validate` + `update_table_metadata` + its compare-and-swap, so a stale requirement is a
genuine 409 `CommitFailedException`. Every request is recorded (method, path, query, body, status).
`on_next_commit` runs a callable just before the next commit of a table, e.g. another writer
committing first, to provoke a real conflict. `lose_next_response` applies the next commit and then
answers 504, as a load balancer does when the server's answer never reaches it: the Iceberg REST
spec (the commit operation's responses) says a 5xx from a commit leaves its state unknown, and
pyiceberg raises CommitStateUnknownException.

Nessie's refusals (projectnessie/nessie at nessie-0.108.4): a commit whose `set-snapshot-ref` names
another ref than the branch `main`, or another snapshot than the table's current one, and any
`remove-snapshots`, are refused as `IcebergMetadataUpdate` refuses them ("Nessie only supports the
current snapshot-ref 'main', use Nessie's branches instead"; "Nessie Catalog does not allow external
snapshot management"). Those exceptions have no mapper, so Nessie answers them as
`IcebergErrorMapper.toResponse` answers any unhandled exception: HTTP 500 typed with the
exception's simple name.

With `required_token`, every Iceberg call needs `Authorization: Bearer <token>` and gets
Nessie's 401 `NotAuthorizedException` without it (IcebergErrorMapper, UNAUTHORIZED). `oauth2_clients`
(client id → secret) adds an identity provider's token endpoint at `/oauth2/token` that grants
that token to a client that authenticates (RFC 6749, section 4.4, the client credentials grant:
`grant_type=client_credentials` with `client_id`/`client_secret` in the form or HTTP Basic).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from pydantic import ValidationError
from pyiceberg.catalog.rest import CreateTableRequest, TableResponse
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import (
    CommitFailedException,
    NamespaceAlreadyExistsError,
    NamespaceNotEmptyError,
    NoSuchNamespaceError,
    NoSuchTableError,
    TableAlreadyExistsError,
)
from pyiceberg.partitioning import UNPARTITIONED_PARTITION_SPEC
from pyiceberg.table import CommitTableRequest
from pyiceberg.table.sorting import UNSORTED_SORT_ORDER
from pyiceberg.table.update import AssertCreate

NAMESPACE_SEPARATOR = "\x1f"  # pyiceberg's and Nessie's separator of namespace levels in a path segment
DEFAULT_REF_IN_PATH = "-"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # as received (percent-encoded)
    query: dict[str, list[str]]
    body: Any  # parsed JSON, or None
    status: int
    branch: str | None = None  # the Nessie reference the request addressed (None: no prefix)
    route: str = ""  # e.g. "commit_table", "load_table", "config"
    identifier: tuple[str, ...] = ()  # namespace (+ table) the request addressed


class _Reply(Exception):
    """An Iceberg error response: {"error": {"message", "type", "code"}}."""

    def __init__(self, status: int, error_type: str, message: str):
        super().__init__(message)
        self.status = status
        self.error_type = error_type


@dataclass
class _Context:
    route: str = ""
    branch: str | None = None
    identifier: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


class _TableName:
    """The only thing `SqlCatalog.commit_table` reads from the table it is given is its name."""

    def __init__(self, identifier: tuple[str, ...]):
        self._identifier = identifier

    def name(self) -> tuple[str, ...]:
        return self._identifier


class IcebergRestServer:
    def __init__(
        self,
        root: Path,
        *,
        branches: Iterable[str] = ("main",),
        default_branch: str = "main",
        warehouse_name: str = "warehouse",
        required_token: str | None = None,
        oauth2_clients: dict[str, str] | None = None,
    ):
        root.mkdir(parents=True, exist_ok=True)
        self.required_token = required_token
        self.oauth2_clients = dict(oauth2_clients or {})
        self.token_requests: list[
            dict[str, str]
        ] = []  # each token request's form (secrets included: test-only)
        self.warehouse_name = warehouse_name
        self.warehouse_location = (root / warehouse_name).as_uri()
        (root / warehouse_name).mkdir(exist_ok=True)
        self.default_branch = default_branch
        database = f"sqlite:///{root / 'catalog.db'}"
        # One SQL catalog per branch (SqlCatalog keys its rows by catalog name): tables are per branch.
        self.catalogs = {
            branch: SqlCatalog(branch, uri=database, warehouse=self.warehouse_location) for branch in branches
        }
        self.requests: list[RecordedRequest] = []
        self._lock = threading.RLock()  # one catalog operation at a time, like a database transaction
        self._commit_hooks: dict[tuple[str, tuple[str, ...]], Callable[[SqlCatalog], None]] = {}
        self._lost_responses: set[tuple[str, tuple[str, ...]]] = set()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._http.daemon_threads = True
        self._http.app = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._http.serve_forever, name="iceberg-rest", daemon=True)

    # -- lifecycle and test hooks ------------------------------------------------------------------
    @property
    def root_url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def token_url(self) -> str:
        """The identity provider's token endpoint (ICESPEC_NESSIE_OAUTH2_SERVER_URI)."""
        return f"{self.root_url}/oauth2/token"

    @property
    def iceberg_url(self) -> str:
        """What ICESPEC_NESSIE_URI points at: Nessie's Iceberg REST base."""
        return f"{self.root_url}/iceberg"

    def start(self) -> IcebergRestServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> IcebergRestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def on_next_commit(
        self, identifier: tuple[str, ...], hook: Callable[[SqlCatalog], None], branch: str = "main"
    ) -> None:
        """Run `hook(branch_catalog)` once, just before the next commit of `identifier` is applied."""
        with self._lock:
            self._commit_hooks[(branch, tuple(identifier))] = hook

    def lose_next_response(self, identifier: tuple[str, ...], branch: str = "main") -> None:
        """Apply the next commit of `identifier`, then answer 504 instead of its result."""
        with self._lock:
            self._lost_responses.add((branch, tuple(identifier)))

    # -- dispatch ----------------------------------------------------------------------------------
    def handle(
        self, method: str, raw_path: str, body_bytes: bytes, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        split = urlsplit(raw_path)
        query = parse_qs(split.query)
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        body: Any = None
        context = _Context()
        if split.path == "/oauth2/token" and method == "POST":
            return self._token(body_bytes, headers)
        try:
            if (
                self.required_token is not None
                and headers.get("authorization") != f"Bearer {self.required_token}"
            ):
                raise _Reply(401, "NotAuthorizedException", "Authentication required: no valid bearer token")
            if body_bytes:
                try:
                    body = json.loads(body_bytes)
                except json.JSONDecodeError:
                    raise _Reply(400, "BadRequestException", "request body is not JSON") from None
            with self._lock:
                status, payload = self._route(method, split.path, query, body, context)
        except _Reply as reply:
            status = reply.status
            payload = {"error": {"message": str(reply), "type": reply.error_type, "code": reply.status}}
        except (ValidationError, ValueError) as exc:
            status = 400
            payload = {"error": {"message": str(exc), "type": "BadRequestException", "code": 400}}
        except Exception as exc:  # a bug here or in a test hook: answer (and record) it instead of hanging up
            status = 500
            payload = {
                "error": {"message": f"{type(exc).__name__}: {exc}", "type": "ServerError", "code": 500}
            }
        with self._lock:
            self.requests.append(
                RecordedRequest(method, raw_path, query, body, status, context.branch, context.route,
                                context.identifier)
            )  # fmt: skip
        return status, payload

    def _route(self, method: str, path: str, query: dict, body: Any, ctx: _Context) -> tuple[int, Any]:
        if not path.startswith("/iceberg/"):
            raise _Reply(404, "NotFound", f"no resource at {path}")  # a wrong base URI: not Iceberg REST
        segments = [unquote(s) for s in path[len("/iceberg/") :].split("/")]
        if segments[-2:] == ["v1", "config"] and len(segments) <= 3 and method == "GET":
            ctx.route = "config"
            ref = segments[0] if len(segments) == 3 else None
            return 200, self._config(ref, (query.get("warehouse") or [None])[0])
        if len(segments) < 3 or segments[0] != "v1":
            raise _Reply(404, "NotFoundException", f"no Iceberg REST route for {method} {path}")
        branch = self._branch(segments[1])
        ctx.branch = branch
        catalog = self.catalogs[branch]
        rest = segments[2:]
        if rest == ["namespaces"]:
            return self._namespaces(catalog, method, query, body, ctx)
        if rest == ["tables", "rename"] and method == "POST":
            ctx.route = "rename_table"
            catalog.rename_table(_identifier(body["source"]), _identifier(body["destination"]))
            return 204, None
        if rest[0] == "namespaces" and len(rest) >= 2:
            namespace = tuple(rest[1].split(NAMESPACE_SEPARATOR))
            ctx.identifier = namespace
            if len(rest) == 2:
                return self._namespace(catalog, method, namespace, ctx)
            if rest[2:] == ["properties"] and method == "POST":
                ctx.route = "update_namespace_properties"
                self._require_namespace(catalog, namespace)
                summary = catalog.update_namespace_properties(
                    namespace, set(body.get("removals") or []), body.get("updates") or {}
                )
                return 200, {
                    "removed": summary.removed,
                    "updated": summary.updated,
                    "missing": summary.missing,
                }
            if rest[2:] == ["tables"]:
                return self._tables(catalog, method, namespace, body, ctx)
            if rest[2] == "tables" and len(rest) == 4:
                ctx.identifier = (*namespace, rest[3])
                return self._table(catalog, branch, method, ctx.identifier, query, body, ctx)
        raise _Reply(404, "NotFoundException", f"no Iceberg REST route for {method} {path}")

    def _token(self, body_bytes: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        """RFC 6749 4.4: a client credentials grant; errors as section 5.2 (invalid_client, ...)."""
        import base64

        form = {k: v[0] for k, v in parse_qs(body_bytes.decode()).items()}
        self.token_requests.append(form)
        client_id, secret = form.get("client_id"), form.get("client_secret")
        basic = headers.get("authorization", "")
        if basic.startswith("Basic "):
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        if not client_id or self.oauth2_clients.get(client_id) != secret or self.required_token is None:
            return 401, {"error": "invalid_client"}
        return 200, {"access_token": self.required_token, "token_type": "Bearer", "expires_in": 3600}

    @staticmethod
    def _refuse_what_nessie_refuses(catalog: SqlCatalog, identifier: tuple[str, ...], body: Any) -> None:
        """IcebergMetadataUpdate.SetSnapshotRef and RemoveSnapshots.applyToTable (Nessie's source)."""
        updates = body.get("updates") or []
        added = [u["snapshot"]["snapshot-id"] for u in updates if u.get("action") == "add-snapshot"]
        current: int | None = None
        refs = [u for u in updates if u.get("action") == "set-snapshot-ref"]
        creating = any(r.get("type") == "assert-create" for r in body.get("requirements") or [])
        if refs and not added and not creating:  # the table's own current snapshot, read only when needed
            snapshot = catalog.load_table(identifier).current_snapshot()
            current = snapshot.snapshot_id if snapshot else None
        for update in updates:
            action = update.get("action")
            if action == "add-snapshot":
                current = update["snapshot"]["snapshot-id"]
            elif action == "set-snapshot-ref":
                if update.get("ref-name") != "main" or update.get("type") != "branch":
                    raise _Reply(
                        500,
                        "IllegalStateException",
                        "Nessie only supports the current snapshot-ref 'main', use Nessie's branches instead",
                    )
                if update.get("snapshot-id") != current:
                    raise _Reply(
                        500,
                        "IllegalStateException",
                        f"Snapshot ID mismatch, must be {current}, but is {update.get('snapshot-id')}",
                    )
            elif action == "remove-snapshots":
                raise _Reply(
                    500,
                    "UnsupportedOperationException",
                    "Nessie Catalog does not allow external snapshot management",
                )

    # -- config and prefix (as Nessie's IcebergConfigurer / decodePrefix) --------------------------
    def _config(self, ref: str | None, warehouse: str | None) -> dict[str, Any]:
        branch = ref or self.default_branch
        if warehouse:
            self._check_warehouse(warehouse)
            prefix = quote(f"{branch}|{warehouse}", safe="")
        else:
            prefix = quote(branch, safe="")  # Nessie: the default warehouse needs no name in the prefix
        return {
            "defaults": {
                "rest-metrics-reporting-enabled": "false",
                "warehouse": self.warehouse_location,
                "rest-page-size": "200",
                "prefix": prefix,
            },
            "overrides": {
                "nessie.core-base-uri": f"{self.root_url}/api/",
                "nessie.catalog-base-uri": f"{self.root_url}/catalog/v1/",
                "nessie.iceberg-base-uri": f"{self.iceberg_url}/",
                "uri": f"{self.iceberg_url}/",
                "nessie.is-nessie-catalog": "true",
                "nessie.prefix-pattern": "{ref}|{warehouse}",
                "nessie.default-branch.name": branch,
            },
        }

    def _check_warehouse(self, warehouse: str) -> None:
        if warehouse != self.warehouse_name:
            raise _Reply(400, "IllegalArgumentException", f"Warehouse '{warehouse}' is not known")

    def _branch(self, prefix: str) -> str:
        prefix = prefix.replace(NAMESPACE_SEPARATOR, "/")
        ref, _, warehouse = prefix.partition("|")
        if warehouse:
            self._check_warehouse(warehouse)
        ref = ref.split("@", 1)[0]  # `branch@hash` reads at a commit; this server keeps no history
        branch = self.default_branch if ref in ("", DEFAULT_REF_IN_PATH) else ref
        if branch not in self.catalogs:
            raise _Reply(400, "NoSuchReferenceException", f"Named reference '{branch}' not found")
        return branch

    # -- namespaces --------------------------------------------------------------------------------
    @staticmethod
    def _require_namespace(catalog: SqlCatalog, namespace: tuple[str, ...]) -> None:
        if not catalog.namespace_exists(namespace):
            raise _Reply(404, "NoSuchNamespaceException", f"Namespace does not exist: {'.'.join(namespace)}")

    def _namespaces(self, catalog: SqlCatalog, method: str, query: dict, body: Any, ctx: _Context):
        if method == "GET":
            ctx.route = "list_namespaces"
            parent = tuple(query["parent"][0].split(NAMESPACE_SEPARATOR)) if query.get("parent") else ()
            return 200, {"namespaces": [list(ns) for ns in catalog.list_namespaces(parent)]}
        if method == "POST":
            ctx.route = "create_namespace"
            namespace = tuple(body["namespace"])
            ctx.identifier = namespace
            try:
                catalog.create_namespace(namespace, body.get("properties") or {})
            except NamespaceAlreadyExistsError:
                raise _Reply(
                    409, "AlreadyExistsException", f"Namespace already exists: {'.'.join(namespace)}"
                ) from None
            return 200, {
                "namespace": list(namespace),
                "properties": catalog.load_namespace_properties(namespace),
            }
        raise _Reply(405, "MethodNotAllowed", f"{method} namespaces")

    def _namespace(self, catalog: SqlCatalog, method: str, namespace: tuple[str, ...], ctx: _Context):
        if method in ("GET", "HEAD"):
            ctx.route = "load_namespace" if method == "GET" else "namespace_exists"
            self._require_namespace(catalog, namespace)
            if method == "HEAD":
                return 204, None
            return 200, {
                "namespace": list(namespace),
                "properties": catalog.load_namespace_properties(namespace),
            }
        if method == "DELETE":
            ctx.route = "drop_namespace"
            self._require_namespace(catalog, namespace)
            try:
                catalog.drop_namespace(namespace)
            except NamespaceNotEmptyError as exc:
                raise _Reply(409, "NamespaceNotEmptyException", str(exc)) from None
            return 204, None
        raise _Reply(405, "MethodNotAllowed", f"{method} namespace")

    # -- tables ------------------------------------------------------------------------------------
    def _tables(self, catalog: SqlCatalog, method: str, namespace: tuple[str, ...], body: Any, ctx: _Context):
        self._require_namespace(catalog, namespace)
        if method == "GET":
            ctx.route = "list_tables"
            return 200, {
                "identifiers": [
                    {"namespace": list(ident[:-1]), "name": ident[-1]}
                    for ident in catalog.list_tables(namespace)
                ]
            }
        if method != "POST":
            raise _Reply(405, "MethodNotAllowed", f"{method} tables")
        # pyiceberg's model requires the optional fields that its own client leaves out when unset
        request = CreateTableRequest.model_validate({"location": None, "partition-spec": None,
                                                     "write-order": None, **body})  # fmt: skip
        identifier = (*namespace, request.name)
        ctx.identifier = identifier
        ctx.route = "stage_create_table" if request.stage_create else "create_table"
        if catalog.table_exists(identifier):
            raise _Reply(409, "AlreadyExistsException", f"Table already exists: {'.'.join(identifier)}")
        arguments = dict(
            identifier=identifier,
            schema=request.table_schema,
            location=request.location,
            partition_spec=request.partition_spec or UNPARTITIONED_PARTITION_SPEC,
            sort_order=request.write_order or UNSORTED_SORT_ORDER,
            properties={**request.properties, "created-at": datetime.now(UTC).isoformat()},  # as Nessie does
        )
        if request.stage_create:
            # Nothing is stored: the client commits the table later with an assert-create requirement.
            staged = catalog._create_staged_table(**arguments)
            return 200, _table_payload(None, staged.metadata)
        table = catalog.create_table(**arguments)
        return 200, _table_payload(table.metadata_location, table.metadata)

    def _table(self, catalog, branch, method, identifier, query, body, ctx: _Context):
        if method in ("GET", "HEAD"):
            ctx.route = "load_table" if method == "GET" else "table_exists"
            table = self._load(catalog, identifier)
            if method == "HEAD":
                return 204, None
            derived = {
                "nessie.commit.ref": branch,
                "nessie.commit.id": hashlib.sha256(table.metadata_location.encode()).hexdigest()[:16],
            }
            metadata = table.metadata.model_copy(
                update={"properties": {**table.metadata.properties, **derived}}
            )
            return 200, _table_payload(table.metadata_location, metadata)
        if method == "DELETE":
            ctx.route = "drop_table"
            self._load(catalog, identifier)
            if (query.get("purgeRequested") or ["false"])[0].lower() == "true":
                catalog.purge_table(identifier)
            else:
                catalog.drop_table(identifier)
            return 204, None
        if method == "POST":
            ctx.route = "commit_table"
            request = CommitTableRequest.model_validate(body)
            creating = any(isinstance(r, AssertCreate) for r in request.requirements)
            if not creating:
                self._load(catalog, identifier)
            self._refuse_what_nessie_refuses(catalog, identifier, body)
            hook = self._commit_hooks.pop((branch, identifier), None)
            if hook is not None:
                hook(catalog)
            try:
                response = catalog.commit_table(_TableName(identifier), request.requirements, request.updates)
            except CommitFailedException as exc:
                raise _Reply(409, "CommitFailedException", str(exc)) from None
            except TableAlreadyExistsError as exc:
                raise _Reply(409, "AlreadyExistsException", str(exc)) from None
            with self._lock:
                lost = (branch, identifier) in self._lost_responses
                self._lost_responses.discard((branch, identifier))
            if lost:  # committed, but the answer never arrives
                raise _Reply(504, "GatewayTimeout", "the commit's response was lost")
            return 200, json.loads(response.model_dump_json())
        raise _Reply(405, "MethodNotAllowed", f"{method} table")

    @staticmethod
    def _load(catalog: SqlCatalog, identifier: tuple[str, ...]):
        try:
            return catalog.load_table(identifier)
        except NoSuchTableError:
            raise _Reply(
                404, "NoSuchTableException", f"Table does not exist: {'.'.join(identifier)}"
            ) from None
        except NoSuchNamespaceError:
            raise _Reply(
                404, "NoSuchNamespaceException", f"Namespace does not exist: {identifier[:-1]}"
            ) from None


def _identifier(body: dict[str, Any]) -> tuple[str, ...]:
    return (*body["namespace"], body["name"])


def _table_payload(metadata_location: str | None, metadata: Any) -> dict[str, Any]:
    response = TableResponse.model_validate(
        {"metadata-location": metadata_location, "metadata": metadata, "config": {}}
    )
    return json.loads(response.model_dump_json())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as requests' sessions expect

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, payload = self.server.app.handle(self.command, self.path, body, dict(self.headers))  # type: ignore[attr-defined]
        data = b"" if payload is None or self.command == "HEAD" else json.dumps(payload).encode()
        self.send_response(status)
        error = payload.get("error") if isinstance(payload, dict) else None
        not_iceberg = isinstance(error, dict) and error.get("type") == "NotFound"
        if not_iceberg and self.command != "HEAD":
            data = b"<html><body>Resource not found</body></html>"  # what a wrong base URL gets
            self.send_header("Content-Type", "text/html")
        elif data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    do_GET = do_POST = do_HEAD = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the recorded requests are the log
