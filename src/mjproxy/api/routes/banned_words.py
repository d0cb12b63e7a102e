"""Admin routes for the banned-word list: list, add, remove (admin key required).

Changes apply at once: the service rebuilds its matcher after every change, so the next
submit is checked against the new list. See docs/prompts.md.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from mjproxy.api.deps import BannedWords, require_admin_key
from mjproxy.domain.errors import BannedWordNotFound, MissingField

router = APIRouter(
    prefix="/admin/banned-words",
    tags=["admin"],
    dependencies=[Depends(require_admin_key)],
)

_MAX_WORDS_PER_REQUEST = 1000


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class BannedWordList(_Model):
    count: int
    words: list[str]


class BannedWordsIn(_Model):
    """One `word`, or many in `words` (e.g. to import a list); both may be given."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        json_schema_extra={"examples": [{"word": "teapot"}, {"words": ["teapot", "茶壶"]}]},
    )
    word: str | None = Field(None, examples=["teapot"])
    words: list[str] = Field(default_factory=list, max_length=_MAX_WORDS_PER_REQUEST)


class BannedWordsAdded(_Model):
    added: list[str]
    already_listed: list[str]
    count: int


class BannedWordRemoved(_Model):
    removed: str
    count: int


@router.get("", summary="The banned-word list, in the order words were added")
async def list_banned_words(service: BannedWords) -> BannedWordList:
    words = await service.list_words()
    return BannedWordList(count=len(words), words=words)


@router.post("", summary="Add banned words")
async def add_banned_words(body: BannedWordsIn, service: BannedWords) -> BannedWordsAdded:
    """A word that is listed in any spelling (case, full-width, traditional Chinese) is
    reported in `alreadyListed`. An empty, multi-line or over-long word is refused with
    code 4 and nothing is added."""
    wanted = ([body.word] if body.word is not None else []) + body.words
    if not wanted:
        raise MissingField("word", hint="send the word to add, or a list in 'words'")
    for word in wanted:
        service.validate(word)
    added: list[str] = []
    already: list[str] = []
    for word in wanted:
        (added if await service.add(word) else already).append(word.strip())
    return BannedWordsAdded(
        added=added, already_listed=already, count=len(await service.list_words())
    )


@router.delete("/{word}", summary="Remove a banned word")
async def remove_banned_word(
    word: Annotated[str, Path(examples=["teapot"])], service: BannedWords
) -> BannedWordRemoved:
    """Any spelling of a listed word removes it; an unlisted word answers HTTP 404."""
    if not await service.remove(word):
        raise BannedWordNotFound(word)
    return BannedWordRemoved(removed=word, count=len(await service.list_words()))
