"""The error hierarchy of mjproxy. Errors carry their facts as attributes.

MjProxyError
├── RequestRejected            a client's request cannot be accepted (maps to a submit code)
│   ├── InvalidRequest         code 4: malformed or out-of-range input
│   │   ├── MissingField       a required field is absent or blank
│   │   ├── InvalidField       a field has a value that cannot be used
│   │   ├── InvalidImage
│   │   ├── InvalidPrompt
│   │   │   └── InvalidPromptParameter   a `--` parameter Midjourney would refuse
│   │   ├── UnknownCustomId
│   │   ├── UnsafeHookUrl      a notify hook names a scheme or address we refuse to call
│   │   └── WrongTaskStatus    the named task is not in a state that allows the request
│   ├── BannedPrompt           code 24: the prompt contains a banned word
│   ├── TranslationFailed      code 9: the configured translator could not translate
│   ├── RelatedTaskNotFound    code 3: an action names a task that does not exist
│   ├── NoAvailableAccount     code 3: no account can run this task
│   └── QueueFull              code 23: every queue that could take the task is full
├── TaskNotFound               HTTP 404 on task reads
├── AccountNotFound            HTTP 404 on account reads
├── BannedWordNotFound         HTTP 404 when an admin removes a word that is not listed
├── AuthenticationFailed       HTTP 401: missing or wrong API key (or admin key)
├── EngineError                an engine could not do its part; fails the task
│   ├── RateLimited
│   ├── AccountUnusable
│   └── UpstreamError
│       └── StaleCommand       Discord says a command version is outdated (50035)
├── MediaError                 storing, fetching or decoding a result image failed
├── MediaNotFound              HTTP 404: no stored image at that path (never stored, expired)
├── DeliveryNotFound           HTTP 404: no webhook delivery has that id
└── InternalError              code 9
"""

from __future__ import annotations


class MjProxyError(Exception):
    """Base of every error mjproxy raises on purpose."""


class RequestRejected(MjProxyError):
    """A client request was refused; `code` is the submit reply code clients understand."""

    code: int = 9


class InvalidRequest(RequestRejected):
    code = 4


class MissingField(InvalidRequest):
    def __init__(self, field: str, *, hint: str = "") -> None:
        super().__init__(f"{field} is required{': ' + hint if hint else ''}.")
        self.field = field


class InvalidField(InvalidRequest):
    """`problem` is a sentence fragment such as "must be 1, 2, 3 or 4, but got 7"."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field} {problem}.")
        self.field = field
        self.problem = problem


class InvalidImage(InvalidRequest):
    """An image a client sent cannot be used; `field` names where it came from."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field} {problem}.")
        self.field = field
        self.problem = problem


class InvalidPrompt(InvalidRequest):
    pass


class InvalidPromptParameter(InvalidPrompt):
    """A parameter's value, or its use on the requested model version, is not accepted."""

    def __init__(self, message: str, *, parameter: str) -> None:
        super().__init__(message)
        self.parameter = parameter


class UnknownCustomId(InvalidRequest):
    def __init__(self, custom_id: str) -> None:
        super().__init__(
            f"Expected a Midjourney button id such as 'MJ::JOB::upsample::1::<hash>', "
            f"but got {custom_id!r}, which names no known action."
        )
        self.custom_id = custom_id


class UnsafeHookUrl(InvalidRequest):
    """A hook URL is refused: wrong scheme, no host, or an address that is not public."""

    def __init__(self, url: str, reason: str) -> None:
        # The URL itself stays out of the message: receivers often put a token in it.
        super().__init__(f"The notify hook is refused: {reason}")
        self.url = url
        self.reason = reason


class WrongTaskStatus(InvalidRequest):
    def __init__(self, task_id: str, status: str, *, needed: str) -> None:
        super().__init__(f"The task {task_id} is {status}; {needed}.")
        self.task_id = task_id
        self.status = status
        self.needed = needed


class BannedPrompt(RequestRejected):
    code = 24

    def __init__(self, word: str, prompt_en: str) -> None:
        super().__init__(f"The prompt contains the banned word {word!r}.")
        self.word = word
        self.prompt_en = prompt_en


class TranslationFailed(RequestRejected):
    """The translation provider timed out, refused or answered nonsense.

    `reason` is our own sentence (never the provider's body, which may echo a key).
    """

    code = 9

    def __init__(self, provider: str, reason: str) -> None:
        super().__init__(
            f"Translating the prompt to English with {provider} failed: {reason} "
            "Write the prompt in English, or try again later."
        )
        self.provider = provider
        self.reason = reason


class RelatedTaskNotFound(RequestRejected):
    code = 3

    def __init__(self, task_id: str) -> None:
        super().__init__(f"The related task {task_id!r} does not exist or has expired.")
        self.task_id = task_id


class NoAvailableAccount(RequestRejected):
    code = 3


class QueueFull(RequestRejected):
    code = 23


class TaskNotFound(MjProxyError):
    def __init__(self, task_id: str) -> None:
        super().__init__(f"No task has the id {task_id!r}.")
        self.task_id = task_id


class AccountNotFound(MjProxyError):
    def __init__(self, account_id: str) -> None:
        super().__init__(f"No account has the id {account_id!r}.")
        self.account_id = account_id


class BannedWordNotFound(MjProxyError):
    def __init__(self, word: str) -> None:
        super().__init__(f"The banned-word list has no entry {word!r} (in any spelling).")
        self.word = word


class AuthenticationFailed(MjProxyError):
    """No key, or not the right one. The message never contains the key that was sent."""


class EngineError(MjProxyError):
    """An engine failed to run a task; the message becomes the task's failReason."""


class RateLimited(EngineError):
    def __init__(self, message: str, *, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class AccountUnusable(EngineError):
    """The account cannot work any more (bad token, banned, captcha); `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UpstreamError(EngineError):
    def __init__(self, message: str, *, status: int | None = None, code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class StaleCommand(UpstreamError):
    """Discord refused an application command because its id or version is outdated."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status=400, code=50035)


class MediaError(MjProxyError):
    """A result image could not be downloaded, decoded or stored; the message says which."""


class MediaNotFound(MjProxyError):
    def __init__(self, path: str) -> None:
        super().__init__(
            f"No image is stored at {path[:120]!r}; it may have expired (see media retention)."
        )
        self.path = path


class DeliveryNotFound(MjProxyError):
    def __init__(self, delivery_id: str) -> None:
        super().__init__(f"No webhook delivery has the id {delivery_id[:40]!r}.")
        self.delivery_id = delivery_id


class InternalError(MjProxyError):
    code: int = 9
