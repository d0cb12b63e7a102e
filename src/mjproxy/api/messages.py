"""Reply descriptions in English (default) or Chinese (`language: zh`, the original wording).

Fixed outcomes (accepted, queued, queue full …) have a sentence per language. Validation
errors carry a precise English sentence built from the facts of the error; in Chinese the
reply starts with the original project's short phrase and keeps that sentence after it,
so nothing precise is lost.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from mjproxy.domain.errors import (
    AccountNotFound,
    BannedPrompt,
    BannedWordNotFound,
    InvalidImage,
    MissingField,
    MjProxyError,
    NoAvailableAccount,
    QueueFull,
    RelatedTaskNotFound,
    TaskNotFound,
    TranslationFailed,
    UnknownCustomId,
    WrongTaskStatus,
)

Language = Literal["en", "zh"]


class Outcome(StrEnum):
    SUBMITTED = "submitted"
    QUEUED = "queued"
    MODAL = "modal"
    UPLOADED = "uploaded"
    SUCCESS = "success"
    CANCELLED = "cancelled"
    CANCEL_REQUESTED = "cancel_requested"


_OUTCOMES: dict[Outcome, tuple[str, str]] = {
    Outcome.SUBMITTED: ("Submitted", "提交成功"),
    Outcome.QUEUED: ("In queue, {ahead} task(s) ahead", "排队中，前面还有{ahead}个任务"),
    # Clients look for "confirm" in this text (new-api rewrites code 21 to 1), so the
    # English phrase stays in both languages.
    Outcome.MODAL: ("Waiting for window confirm", "Waiting for window confirm（等待弹窗确认）"),
    Outcome.UPLOADED: ("Uploaded", "上传成功"),
    Outcome.SUCCESS: ("Success", "成功"),
    Outcome.CANCELLED: ("Cancelled", "取消成功"),
    Outcome.CANCEL_REQUESTED: (
        "Cancel requested; the task becomes CANCEL when its engine confirms",
        "已请求取消，引擎确认后任务状态变为 CANCEL",
    ),
}

# Chinese lead-ins by error type, in the wording clients of the original project know.
_ZH_BY_ERROR: tuple[tuple[type[MjProxyError], str], ...] = (
    (BannedPrompt, "可能包含敏感词"),
    (TranslationFailed, "提示词翻译失败"),
    (BannedWordNotFound, "敏感词不存在"),
    (QueueFull, "队列已满，请稍后尝试"),
    (NoAvailableAccount, "无可用的账号实例"),
    (RelatedTaskNotFound, "关联任务不存在或已失效"),
    (TaskNotFound, "任务不存在"),
    (AccountNotFound, "账号不存在"),
    (InvalidImage, "base64格式错误"),
    (UnknownCustomId, "未知的 Action 类型"),
    (WrongTaskStatus, "关联任务状态错误"),
)
_ZH_FALLBACK = "参数错误"
_ZH_INTERNAL = "提交失败，系统异常"


class Messages:
    """Renders descriptions in one language."""

    def __init__(self, language: Language) -> None:
        self.language = language

    def outcome(self, outcome: Outcome, **params: object) -> str:
        english, chinese = _OUTCOMES[outcome]
        return (chinese if self.language == "zh" else english).format(**params)

    def error(self, exc: MjProxyError) -> str:
        """The description of an error: its own sentence, led by the Chinese phrase in zh."""
        text = str(exc)
        if self.language == "en":
            return text
        if isinstance(exc, MissingField):
            return f"{exc.field}不能为空"
        for error_type, chinese in _ZH_BY_ERROR:
            if isinstance(exc, error_type):
                return f"{chinese}：{text}"
        return f"{_ZH_FALLBACK}：{text}"

    def validation(self, text: str) -> str:
        """A validation sentence that did not come from a domain error."""
        return text if self.language == "en" else f"{_ZH_FALLBACK}：{text}"

    def internal(self, text: str) -> str:
        return text if self.language == "en" else f"{_ZH_INTERNAL}：{text}"
