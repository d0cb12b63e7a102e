"""Descriptions in English and in the original project's Chinese wording."""

from __future__ import annotations

from mjproxy.api.messages import Messages, Outcome
from mjproxy.domain.errors import (
    InvalidField,
    MissingField,
    NoAvailableAccount,
    QueueFull,
    RelatedTaskNotFound,
    UnknownCustomId,
)


def test_outcomes_in_both_languages() -> None:
    en, zh = Messages("en"), Messages("zh")
    assert en.outcome(Outcome.SUBMITTED) == "Submitted"
    assert zh.outcome(Outcome.SUBMITTED) == "提交成功"
    assert zh.outcome(Outcome.QUEUED, ahead=3) == "排队中，前面还有3个任务"
    assert "Waiting for window confirm" in en.outcome(Outcome.MODAL)
    assert "Waiting for window confirm" in zh.outcome(Outcome.MODAL)


def test_errors_keep_their_sentence_and_gain_the_chinese_lead_in() -> None:
    zh = Messages("zh")
    assert zh.error(MissingField("prompt")) == "prompt不能为空"
    assert zh.error(QueueFull("Full.")) == "队列已满，请稍后尝试：Full."
    assert zh.error(NoAvailableAccount("None.")).startswith("无可用的账号实例")
    assert zh.error(RelatedTaskNotFound("9")).startswith("关联任务不存在或已失效")
    assert zh.error(UnknownCustomId("x")).startswith("未知的 Action 类型")
    assert zh.error(InvalidField("index", "must be 1-4")) == "参数错误：index must be 1-4."
    assert Messages("en").error(InvalidField("index", "must be 1-4")) == "index must be 1-4."
