"""REST behaviour from the raw wire: auth, validation errors, rate limits, uploads, CDN, history."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from mjproxy.sandbox import Sandbox

from .conftest import Client
from .wire import MJ_APP_ID, RawRest


def png_bytes(colour: tuple[int, int, int] = (200, 30, 30), size: int = 32) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buffer, "PNG")
    return buffer.getvalue()


async def test_missing_token_is_401_json(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.api_base_url) as http:
        response = await http.get("/users/@me")
    assert response.status_code == 401
    assert response.json() == {"message": "401: Unauthorized", "code": 0}


async def test_bearer_prefix_is_not_a_user_token(sandbox: Sandbox, client: Client) -> None:
    async with httpx.AsyncClient(base_url=sandbox.api_base_url) as http:
        response = await http.get(
            "/users/@me", headers={"Authorization": f"Bearer {client.account.token}"}
        )
    assert response.status_code == 401


@pytest.mark.parametrize("version", [9, 10])
async def test_users_me_under_both_api_versions(
    sandbox: Sandbox, client: Client, version: int
) -> None:
    response = await client.rest.http.get(f"{sandbox.base_url}/api/v{version}/users/@me")
    assert response.status_code == 200
    assert response.json()["id"] == client.account.user_id
    assert "X-RateLimit-Bucket" in response.headers


async def test_gateway_url_needs_no_auth(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.api_base_url) as http:
        response = await http.get("/gateway")
    assert response.json() == {"url": sandbox.gateway_url}


async def test_unknown_route_is_404_json(client: Client) -> None:
    response = await client.rest.http.get("/no/such/route")
    assert response.status_code == 404
    assert response.json() == {"message": "404: Not Found", "code": 0}


async def test_command_index_lists_ids_and_versions(client: Client) -> None:
    commands = await client.rest.commands(client.channel_id)
    assert commands["imagine"]["id"] == "938956540159881230"
    assert {"imagine", "describe", "blend", "shorten", "show", "info", "settings"} <= set(commands)
    guild = await client.rest.http.get(f"/guilds/{client.guild_id}/application-command-index")
    assert guild.status_code == 200


async def test_command_search_finds_imagine(client: Client) -> None:
    response = await client.rest.http.get(
        f"/channels/{client.channel_id}/application-commands/search",
        params={"type": 1, "query": "imagine", "limit": 1, "include_applications": "true"},
    )
    body = response.json()
    assert [c["name"] for c in body["application_commands"]] == ["imagine"]
    assert body["applications"]


async def test_stale_command_version_after_rotation_is_400_50035(
    sandbox: Sandbox, client: Client
) -> None:
    await client.rest.commands(client.channel_id)  # cache the current version
    sandbox.rotate_commands("imagine")
    response = await client.rest.command(
        "imagine",
        channel_id=client.channel_id,
        guild_id=client.guild_id,
        session_id=client.session_id,
        options=[{"type": 3, "name": "prompt", "value": "cat"}],
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 50035
    assert body["message"] == "Invalid Form Body"
    error = body["errors"]["data"]["_errors"][0]
    assert error["code"] == "INTERACTION_APPLICATION_COMMAND_INVALID_VERSION"
    await client.rest.commands(client.channel_id, refresh=True)
    retried = await client.rest.command(
        "imagine",
        channel_id=client.channel_id,
        guild_id=client.guild_id,
        session_id=client.session_id,
        options=[{"type": 3, "name": "prompt", "value": "cat"}],
    )
    assert retried.status_code == 204


async def test_unknown_command_id_is_404_10063(client: Client) -> None:
    body = {
        "type": 2,
        "application_id": MJ_APP_ID,
        "channel_id": client.channel_id,
        "session_id": client.session_id,
        "data": {"id": "1", "name": "imagine", "version": "1", "options": []},
    }
    response = await client.rest.http.post("/interactions", json=body)
    assert response.status_code == 404
    assert response.json()["code"] == 10063


async def test_missing_fields_are_50035_with_error_tree(client: Client) -> None:
    response = await client.rest.http.post("/interactions", json={"type": 2})
    body = response.json()
    assert response.status_code == 400
    assert body["code"] == 50035
    assert body["errors"]["channel_id"]["_errors"][0]["code"] == "BASE_TYPE_REQUIRED"
    assert "session_id" in body["errors"]


async def test_malformed_json_is_400(client: Client) -> None:
    response = await client.rest.http.post(
        "/interactions", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == 50109


async def test_button_on_unknown_message_is_404_10008(client: Client) -> None:
    message = {"id": "123", "channel_id": client.channel_id, "flags": 0}
    response = await client.rest.click(
        message, "MJ::JOB::upsample::1::x", session_id=client.session_id
    )
    assert response.status_code == 404
    assert response.json() == {"message": "Unknown Message", "code": 10008}


async def test_unknown_channel_and_foreign_channel(sandbox: Sandbox, client: Client) -> None:
    other = sandbox.add_account()
    unknown = await client.rest.http.get("/channels/1/messages")
    foreign = await client.rest.http.get(f"/channels/{other.channel_id}/messages")
    assert unknown.json()["code"] == 10003
    assert foreign.status_code == 403
    assert foreign.json()["code"] == 50001


async def test_injected_429_burst_with_retry_after_and_headers(
    sandbox: Sandbox, client: Client
) -> None:
    sandbox.faults.rate_limit("/interactions", count=2, retry_after_s=1.25)
    responses = [
        await client.rest.command(
            "info",
            channel_id=client.channel_id,
            guild_id=client.guild_id,
            session_id=client.session_id,
        )
        for _ in range(3)
    ]
    assert [r.status_code for r in responses] == [429, 429, 204]
    limited = responses[0]
    assert limited.json() == {
        "message": "You are being rate limited.",
        "retry_after": 1.25,
        "global": False,
    }
    assert limited.headers["Retry-After"] == "2"
    assert limited.headers["X-RateLimit-Scope"] == "user"
    assert limited.headers["X-RateLimit-Remaining"] == "0"


async def test_global_and_shared_429s(sandbox: Sandbox, client: Client) -> None:
    sandbox.faults.rate_limit("/users/@me", retry_after_s=0.5, is_global=True, scope="global")
    sandbox.faults.rate_limit("/users/@me", retry_after_s=2.06, scope="shared")
    first = await client.rest.http.get("/users/@me")
    second = await client.rest.http.get("/users/@me")
    assert first.headers["X-RateLimit-Global"] == "true"
    assert first.json()["global"] is True
    assert second.json()["message"] == "The resource is being rate limited."


async def test_enforced_rate_limit_answers_429_after_the_bucket_is_spent() -> None:
    from .conftest import sandbox_config

    config = sandbox_config(enforce_rate_limits=True, rate_limit=2, rate_limit_window_s=30.0)
    async with Sandbox(config) as sandbox:
        account = sandbox.add_account()
        rest = RawRest(sandbox.api_base_url, account.token)
        codes = [(await rest.http.get("/users/@me")).status_code for _ in range(3)]
        limited = await rest.http.get("/users/@me")
        await rest.aclose()
    assert codes == [200, 200, 429]
    assert float(limited.json()["retry_after"]) > 0
    assert limited.headers["X-RateLimit-Remaining"] == "0"


async def test_injected_error_status(sandbox: Sandbox, client: Client) -> None:
    sandbox.faults.rest_error("/users/@me", status=403, code=50001, message="Missing Access")
    response = await client.rest.http.get("/users/@me")
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Access", "code": 50001}


async def test_repeated_nonce_is_a_silent_no_op(sandbox: Sandbox, client: Client) -> None:
    nonce = await client.slash("info")
    await client.gateway.event("INTERACTION_SUCCESS", lambda d: d["nonce"] == nonce)
    again = await client.rest.command(
        "info",
        channel_id=client.channel_id,
        guild_id=client.guild_id,
        session_id=client.session_id,
        nonce=nonce,
    )
    assert again.status_code == 204
    await client.slash("info")  # a later interaction proves the repeat produced nothing
    await client.gateway.wait_for(
        lambda p: p.get("t") == "INTERACTION_CREATE" and p["d"]["nonce"] != nonce
    )
    creates = [p for p in client.gateway.events("INTERACTION_CREATE") if p["d"]["nonce"] == nonce]
    assert len(creates) == 1


async def test_upload_then_message_with_attachment_served_by_cdn(client: Client) -> None:
    data = png_bytes()
    uploaded = await client.rest.upload(client.channel_id, "cat.png", data)
    assert uploaded.endswith("/cat.png")
    response = await client.rest.http.post(
        f"/channels/{client.channel_id}/messages",
        json={
            "content": "",
            "nonce": "42",
            "attachments": [{"id": "0", "filename": "cat.png", "uploaded_filename": uploaded}],
        },
    )
    message = response.json()
    attachment = message["attachments"][0]
    assert (attachment["width"], attachment["height"], attachment["size"]) == (32, 32, len(data))
    assert "?ex=" in attachment["url"]
    assert "&hm=" in attachment["url"]
    created = await client.gateway.event("MESSAGE_CREATE", lambda d: d["id"] == message["id"])
    assert created["nonce"] == "42"
    async with httpx.AsyncClient() as plain:
        fetched = await plain.get(attachment["url"])
    assert fetched.status_code == 200
    assert fetched.content == data


async def test_multipart_message_with_file(client: Client) -> None:
    data = png_bytes((10, 200, 10))
    response = await client.rest.http.post(
        f"/channels/{client.channel_id}/messages",
        data={"payload_json": '{"content": "file"}'},
        files={"files[0]": ("dog.png", data, "image/png")},
    )
    assert response.status_code == 200
    assert response.json()["attachments"][0]["filename"] == "dog.png"


async def test_unknown_upload_reference_is_50035(client: Client) -> None:
    response = await client.rest.http.post(
        f"/channels/{client.channel_id}/messages",
        json={"attachments": [{"id": "0", "filename": "x.png", "uploaded_filename": "nope/x.png"}]},
    )
    assert response.status_code == 400
    assert response.json()["code"] == 50035


async def test_empty_message_is_refused(client: Client) -> None:
    response = await client.rest.http.post(f"/channels/{client.channel_id}/messages", json={})
    assert response.status_code == 400
    assert response.json()["code"] == 50006


async def test_expired_cdn_links_answer_404(sandbox: Sandbox, client: Client) -> None:
    uploaded = await client.rest.upload(client.channel_id, "a.png", png_bytes())
    message = (
        await client.rest.http.post(
            f"/channels/{client.channel_id}/messages",
            json={"attachments": [{"id": "0", "filename": "a.png", "uploaded_filename": uploaded}]},
        )
    ).json()
    sandbox.cdn.expire_links()
    async with httpx.AsyncClient() as plain:
        response = await plain.get(message["attachments"][0]["url"])
    assert response.status_code == 404
    assert response.text == "This content is no longer available."


async def test_tampered_cdn_signature_is_refused(client: Client) -> None:
    uploaded = await client.rest.upload(client.channel_id, "b.png", png_bytes())
    message = (
        await client.rest.http.post(
            f"/channels/{client.channel_id}/messages",
            json={"attachments": [{"id": "0", "filename": "b.png", "uploaded_filename": uploaded}]},
        )
    ).json()
    url = message["attachments"][0]["url"].replace("&hm=", "&hm=00")
    async with httpx.AsyncClient() as plain:
        assert (await plain.get(url)).status_code == 404


async def test_upload_put_needs_the_upload_id(sandbox: Sandbox, client: Client) -> None:
    announce = await client.rest.http.post(
        f"/channels/{client.channel_id}/attachments",
        json={"files": [{"filename": "c.png", "file_size": 3, "id": "0"}]},
    )
    slot = announce.json()["attachments"][0]
    async with httpx.AsyncClient() as plain:
        wrong = await plain.put(slot["upload_url"].split("?")[0] + "?upload_id=bad", content=b"abc")
    assert wrong.status_code == 404


async def test_too_many_files_are_refused(client: Client) -> None:
    files = [{"filename": f"{i}.png", "file_size": 1, "id": str(i)} for i in range(11)]
    response = await client.rest.http.post(
        f"/channels/{client.channel_id}/attachments", json={"files": files}
    )
    assert response.status_code == 400
    assert "files" in response.json()["errors"]


async def test_dm_channel_with_the_bot(client: Client) -> None:
    response = await client.rest.http.post("/users/@me/channels", json={"recipients": [MJ_APP_ID]})
    channel = response.json()
    assert channel["type"] == 1
    assert channel["recipients"][0]["id"] == MJ_APP_ID
    assert channel["id"] == client.account.dm_channel_ids[MJ_APP_ID]


async def test_message_history_newest_first_with_limit(client: Client) -> None:
    ids = []
    for text in ("one", "two", "three"):
        response = await client.rest.http.post(
            f"/channels/{client.channel_id}/messages", json={"content": text}
        )
        ids.append(response.json()["id"])
    history = await client.rest.http.get(
        f"/channels/{client.channel_id}/messages", params={"limit": 2}
    )
    assert [m["content"] for m in history.json()] == ["three", "two"]
    before = await client.rest.http.get(
        f"/channels/{client.channel_id}/messages", params={"before": ids[1]}
    )
    assert [m["content"] for m in before.json()] == ["one"]
    single = await client.rest.http.get(f"/channels/{client.channel_id}/messages/{ids[0]}")
    assert single.json()["content"] == "one"
    bad = await client.rest.http.get(f"/channels/{client.channel_id}/messages", params={"limit": 0})
    assert bad.status_code == 400


async def test_reaction_add_and_remove(client: Client) -> None:
    message = (
        await client.rest.http.post(
            f"/channels/{client.channel_id}/messages", json={"content": "react"}
        )
    ).json()
    path = (
        f"/channels/{client.channel_id}/messages/{message['id']}/reactions/%E2%9C%89%EF%B8%8F/%40me"
    )
    added = await client.rest.http.put(path, params={"location": "Message", "type": 0})
    assert added.status_code == 204
    event = await client.gateway.event("MESSAGE_REACTION_ADD")
    assert event["emoji"]["name"] == "✉️"
    assert event["message_id"] == message["id"]
    removed = await client.rest.http.delete(path)
    assert removed.status_code == 204
    await client.gateway.event("MESSAGE_REACTION_REMOVE")
