"""Discord's REST error replies (reference §2.7): `{"code", "message"}` and 50035 trees."""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from mjproxy.sandbox.protocol import ErrorCode, JsonObject


class RestError(Exception):
    """Raised by a handler; the middleware turns it into the JSON reply Discord would send."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        errors: JsonObject | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> JsonObject:
        body: JsonObject = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body

    def to_response(self) -> web.Response:
        return web.json_response(self.body(), status=self.status, headers=self.headers)


class FormErrors:
    """Collects field errors into Discord's nested `errors` tree, then raises one 50035."""

    def __init__(self) -> None:
        self.tree: JsonObject = {}

    def add(self, path: Sequence[str | int], code: str, message: str) -> None:
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def require(
        self, body: JsonObject, path: Sequence[str | int], kind: type | tuple[type, ...]
    ) -> None:
        """Record BASE_TYPE_REQUIRED / a type error unless `body[path…]` exists with type `kind`."""
        value: object = body
        for part in path:
            value = value.get(str(part)) if isinstance(value, dict) else None
        if value is None:
            self.add(path, "BASE_TYPE_REQUIRED", "This field is required")
        elif not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            self.add(path, "BASE_TYPE_INVALID", "Value is not of the expected type.")

    def raise_if_any(self) -> None:
        if self.tree:
            raise invalid_form_body(self.tree)


def invalid_form_body(errors: JsonObject) -> RestError:
    return RestError(400, ErrorCode.INVALID_FORM_BODY, "Invalid Form Body", errors=errors)


def stale_command_version() -> RestError:
    """The reply to a slash command whose `data.version` is no longer current (reference §2.2)."""
    return invalid_form_body(
        {
            "data": {
                "_errors": [
                    {
                        "code": "INTERACTION_APPLICATION_COMMAND_INVALID_VERSION",
                        "message": "This command is outdated, please try again in a few minutes",
                    }
                ]
            }
        }
    )


def unauthorized() -> RestError:
    return RestError(401, ErrorCode.GENERAL, "401: Unauthorized")


def route_not_found() -> RestError:
    return RestError(404, ErrorCode.GENERAL, "404: Not Found")


def method_not_allowed() -> RestError:
    return RestError(405, ErrorCode.GENERAL, "405: Method Not Allowed")


def invalid_json() -> RestError:
    return RestError(400, ErrorCode.INVALID_JSON, "The request body contains invalid JSON.")


def unknown_message() -> RestError:
    return RestError(404, ErrorCode.UNKNOWN_MESSAGE, "Unknown Message")


def unknown_channel() -> RestError:
    return RestError(404, ErrorCode.UNKNOWN_CHANNEL, "Unknown Channel")


def missing_access() -> RestError:
    return RestError(403, ErrorCode.MISSING_ACCESS, "Missing Access")


def unknown_application() -> RestError:
    return RestError(404, ErrorCode.UNKNOWN_APPLICATION, "Unknown Application")


def unknown_command() -> RestError:
    return RestError(404, ErrorCode.UNKNOWN_APPLICATION_COMMAND, "Unknown application command")


def unknown_guild() -> RestError:
    return RestError(404, ErrorCode.UNKNOWN_GUILD, "Unknown Guild")
