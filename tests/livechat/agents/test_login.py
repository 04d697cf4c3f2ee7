"""Agent logins over HTTP and the `/agent` socket's admission: cookies, rate limits, expiry,
logout (a replayed token is refused, a connected socket is cut), Origin checks."""

from __future__ import annotations

import asyncio

import pytest
import socketio

from tests.livechat.agents.conftest import (
    PASSWORD,
    AgentClient,
    LiveGateway,
    LiveGatewayFactory,
    eventually,
)


async def test_login_sets_a_strict_http_only_cookie(live: LiveGateway) -> None:
    await live.add_agent("Marie@Ville.ca", "Marie")
    status, body, response = await live.post(
        "/api/v1/agent/login", {"email": " marie@ville.CA ", "password": PASSWORD}
    )
    assert status == 200
    assert body["agent"] == {
        "id": body["agent"]["id"],
        "email": "marie@ville.ca",
        "name": "Marie",
        "role": "agent",
        "max_concurrent": 3,
        "language": "fr",
    }
    assert "token" not in body and "password_hash" not in str(body)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # PUBLIC_URL is http in tests
    token = response.cookies["livechat_agent"].value
    assert len(token) >= 40
    me_status, me = await live.get("/api/v1/agent/me", {"Cookie": f"livechat_agent={token}"})
    assert me_status == 200 and me["agent"]["name"] == "Marie"
    assert me["expires_at"] == body["expires_at"]


async def test_wrong_password_unknown_email_and_disabled_account_look_the_same(
    live: LiveGateway,
) -> None:
    await live.add_agent("marie@ville.ca", "Marie")
    await live.add_agent("ancien@ville.ca", "Ancien")
    from livechat.agents.accounts import AgentAccounts

    await AgentAccounts(live.sessionmaker).set_active("ancien@ville.ca", False)
    answers = []
    for email, password in (
        ("marie@ville.ca", "wrong password!"),
        ("nobody@ville.ca", PASSWORD),
        ("ancien@ville.ca", PASSWORD),
    ):
        status, body, _ = await live.post(
            "/api/v1/agent/login", {"email": email, "password": password}
        )
        answers.append((status, body))
    assert all(answer == answers[0] for answer in answers)
    assert answers[0][0] == 401 and answers[0][1]["error"] == "invalid_credentials"
    assert answers[0][1]["message"]["fr"] and answers[0][1]["message"]["en"]
    status, body, _ = await live.post("/api/v1/agent/login", ["not", "an", "object"])
    assert status == 400 and body["error"] == "invalid_payload"


async def test_five_failures_lock_the_email_then_the_address(live: LiveGateway) -> None:
    await live.add_agent("marie@ville.ca", "Marie")
    for _ in range(5):
        status, _, _ = await live.post(
            "/api/v1/agent/login", {"email": "marie@ville.ca", "password": "guess guess"}
        )
        assert status == 401
    status, body, response = await live.post(
        "/api/v1/agent/login", {"email": "marie@ville.ca", "password": PASSWORD}
    )
    assert status == 429, "even the right password waits"
    assert body["error"] == "too_many_attempts" and "15 min" in body["message"]["en"]
    assert (
        0
        < int(response.headers["Retry-After"])
        <= 15 * 60
        == body["retry_after"] + (15 * 60 - body["retry_after"])
    )
    # The window passes: the right password works again and clears the failures.
    live.clock.shift(minutes=16)
    assert await live.login("marie@ville.ca")
    # Per address: failures spread over other emails from the same client count too.
    for index in range(5):
        await live.post(
            "/api/v1/agent/login", {"email": f"x{index}@ville.ca", "password": "guess guess"}
        )
    status, _, _ = await live.post(
        "/api/v1/agent/login", {"email": "marie@ville.ca", "password": PASSWORD}
    )
    assert status == 429


async def test_sessions_expire(make_live_gateway: LiveGatewayFactory) -> None:
    live = await make_live_gateway(env={"AGENT_SESSION_HOURS": "1"})
    await live.add_agent("marie@ville.ca", "Marie")
    token = await live.login("marie@ville.ca")
    marie = await AgentClient(live.url).connect(token)
    live.clients.append(marie)
    await marie.next("hello")
    live.clock.shift(minutes=61)
    status, _ = await live.get("/api/v1/agent/me", {"Cookie": f"livechat_agent={token}"})
    assert status == 401
    # The sweep (or the next event) finds the session over: the socket is told why and cut.
    assert await marie.next("session_ended") == {"reason": "expired"}
    await eventually(lambda: not marie.sio.connected)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await AgentClient(live.url).connect(token)


async def test_an_event_after_expiry_is_refused(make_live_gateway: LiveGatewayFactory) -> None:
    # Slow sweep: the event itself must notice that the login is over.
    live = await make_live_gateway(
        env={"AGENT_SESSION_HOURS": "1", "AGENT_HEARTBEAT_SECONDS": "30"}
    )
    await live.add_agent("marie@ville.ca", "Marie")
    marie = await live.agent("marie@ville.ca")
    live.clock.shift(minutes=61)
    answer = await marie.call("queue_request")
    assert answer["ok"] is False and answer["error"] == "unauthorized"
    assert await marie.next("session_ended") == {"reason": "expired"}
    await eventually(lambda: not marie.sio.connected)


async def test_logout_revokes_replay_and_cuts_connected_sockets(live: LiveGateway) -> None:
    await live.add_agent("marie@ville.ca", "Marie")
    token = await live.login("marie@ville.ca")
    other_token = await live.login("marie@ville.ca")  # a second browser
    first = await AgentClient(live.url).connect(token)
    other = await AgentClient(live.url).connect(other_token)
    live.clients += [first, other]
    await first.next("hello")
    await other.next("hello")
    status, _, response = await live.post(
        "/api/v1/agent/logout", headers={"Cookie": f"livechat_agent={token}"}
    )
    assert status == 204
    assert "livechat_agent=" in response.headers["Set-Cookie"]  # cleared
    assert await first.next("session_ended") == {"reason": "logout"}
    await eventually(lambda: not first.sio.connected)
    # The replayed token is refused, over HTTP and Socket.IO.
    status, _ = await live.get("/api/v1/agent/me", {"Cookie": f"livechat_agent={token}"})
    assert status == 401
    replay = AgentClient(live.url)
    with pytest.raises(socketio.exceptions.ConnectionError, match="unauthorized"):
        await replay.connect(token)
    # The other login is untouched.
    assert (await other.call("queue_request"))["ok"]
    assert other.sio.connected


async def test_socket_refused_without_a_session(live: LiveGateway) -> None:
    for auth in (None, "not-a-token", "x" * 500):
        client = AgentClient(live.url)
        with pytest.raises(socketio.exceptions.ConnectionError, match="unauthorized"):
            await client.connect(auth)
        assert not client.sio.connected


async def test_cookie_login_and_origin_checks(make_live_gateway: LiveGatewayFactory) -> None:
    live = await make_live_gateway(
        env={"ALLOWED_ORIGINS": "https://console.ville.ca"}, public_url="https://311.ville.ca"
    )
    await live.add_agent("marie@ville.ca", "Marie")
    status, body, _ = await live.post(
        "/api/v1/agent/login",
        {"email": "marie@ville.ca", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert status == 403 and body["error"] == "origin_refused"
    status, _, response = await live.post(
        "/api/v1/agent/login",
        {"email": "marie@ville.ca", "password": PASSWORD},
        headers={"Origin": "https://311.ville.ca"},
    )
    assert status == 200 and "Secure" in response.headers["Set-Cookie"]
    token = response.cookies["livechat_agent"].value
    cookie = {"Cookie": f"livechat_agent={token}"}
    evil = AgentClient(live.url)
    with pytest.raises(socketio.exceptions.ConnectionError, match="origin_refused"):
        await evil.connect(headers={**cookie, "Origin": "https://evil.example"})
    for origin in ("https://311.ville.ca", "https://console.ville.ca"):
        browser = AgentClient(live.url)
        await browser.connect(headers={**cookie, "Origin": origin})  # the cookie alone
        live.clients.append(browser)
        assert (await browser.next("hello"))["agent"]["name"] == "Marie"


async def test_disabled_agent_is_cut_by_the_sweep(live: LiveGateway) -> None:
    await live.add_agent("marie@ville.ca", "Marie")
    marie = await live.agent("marie@ville.ca")
    from livechat.agents.accounts import AgentAccounts

    await AgentAccounts(live.sessionmaker).set_active("marie@ville.ca", False)
    assert await asyncio.wait_for(marie.next("session_ended"), 5) == {"reason": "disabled"}
    await eventually(lambda: not marie.sio.connected)
