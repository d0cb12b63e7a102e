"""Admin routes for the banned-word list, on every database."""

from __future__ import annotations

from urllib.parse import quote

from mjproxy.services.moderation import default_banned_words
from tests.harness import StartApp

ADMIN = {"mj-api-secret": "admin-key"}
USER = {"mj-api-secret": "user-key"}
KEYS = {"api_secret": "user-key", "admin_secret": "admin-key"}


async def test_the_list_is_seeded_with_the_defaults(start_app: StartApp) -> None:
    async with start_app(**KEYS) as app:
        response = await app.client.get("/mj/admin/banned-words", headers=ADMIN)
    assert response.status_code == 200
    assert response.json() == {
        "count": len(default_banned_words()),
        "words": default_banned_words(),
    }


async def test_an_added_word_is_refused_at_once(start_app: StartApp) -> None:
    async with start_app(**KEYS) as app:
        before = await app.submit("/mj/submit/imagine", {"prompt": "a teapot"}, headers=USER)
        added = await app.client.post(
            "/mj/admin/banned-words", json={"words": ["Teapot", "NUDE"]}, headers=ADMIN
        )
        after = await app.submit("/mj/submit/imagine", {"prompt": "a TEAPOT"}, headers=USER)
    assert before["code"] == 1
    assert added.status_code == 200
    assert added.json() == {
        "added": ["Teapot"],
        "alreadyListed": ["NUDE"],
        "count": len(default_banned_words()) + 1,
    }
    assert (after["code"], after["properties"]["bannedWord"]) == (24, "Teapot")


async def test_a_removed_word_is_accepted_again_and_stays_removed_after_restart(
    start_app: StartApp,
) -> None:
    async with start_app(**KEYS) as app:
        removed = await app.client.delete(f"/mj/admin/banned-words/{quote('裸體')}", headers=ADMIN)
        reply = await app.submit("/mj/submit/imagine", {"prompt": "裸体"}, headers=USER)
    async with start_app(**KEYS) as app:
        listed = (await app.client.get("/mj/admin/banned-words", headers=ADMIN)).json()
        again = await app.submit("/mj/submit/imagine", {"prompt": "裸体"}, headers=USER)
    assert removed.status_code == 200
    assert removed.json() == {"removed": "裸體", "count": len(default_banned_words()) - 1}
    assert reply["code"] == 1
    assert "裸体" not in listed["words"]
    assert again["code"] == 1


async def test_removing_an_unlisted_word_is_404(start_app: StartApp) -> None:
    async with start_app(**KEYS) as app:
        response = await app.client.delete("/mj/admin/banned-words/teapot", headers=ADMIN)
    assert response.status_code == 404
    assert response.json()["code"] == 3
    assert "teapot" in response.json()["description"]


async def test_an_invalid_word_is_400_and_adds_nothing(start_app: StartApp) -> None:
    async with start_app(**KEYS) as app:
        response = await app.client.post(
            "/mj/admin/banned-words", json={"words": ["teapot", "x" * 101]}, headers=ADMIN
        )
        listed = (await app.client.get("/mj/admin/banned-words", headers=ADMIN)).json()
    assert response.status_code == 400
    assert response.json()["code"] == 4
    assert "at most 100 characters" in response.json()["description"]
    assert "teapot" not in listed["words"]


async def test_an_empty_body_is_400(start_app: StartApp) -> None:
    async with start_app(**KEYS) as app:
        response = await app.client.post("/mj/admin/banned-words", json={}, headers=ADMIN)
    assert response.status_code == 400
    assert response.json()["description"] == (
        "word is required: send the word to add, or a list in 'words'."
    )


async def test_the_api_key_cannot_manage_the_list(start_app: StartApp) -> None:
    async with start_app(**KEYS) as app:
        listed = await app.client.get("/mj/admin/banned-words", headers=USER)
        added = await app.client.post(
            "/mj/admin/banned-words", json={"word": "teapot"}, headers=USER
        )
        removed = await app.client.delete("/mj/admin/banned-words/nude", headers=USER)
    assert [r.status_code for r in (listed, added, removed)] == [401, 401, 401]


async def test_without_an_admin_secret_the_routes_are_closed(start_app: StartApp) -> None:
    async with start_app() as app:
        response = await app.client.get("/mj/admin/banned-words")
    assert response.status_code == 401
    assert "admin_secret" in response.json()["description"]
