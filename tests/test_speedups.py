"""stores/speedups.py replaces pieces of Rasa 3.6 with faster ones.
Each must give the answers Rasa's own code gives."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import UserMessage
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from stores import speedups


def test_action_server_replies_are_checked_as_rasa_checks_them():
    action = RemoteAction("action_checklist_answer", None)
    good = {"events": [{"event": "slot", "name": "problem", "value": "payment_failed"},
                       {"event": "active_loop", "name": "handoff_details_form"},
                       {"event": "bot", "text": "好的"}],
            "responses": [{"text": "你好", "buttons": [{"title": "是", "payload": "/affirm"}]}]}
    assert action._validate_action_result(good)

    for broken in ({"events": [{"event": "no_such_event"}]}, {"events": [{"event": "slot"}]},
                   {"events": "slot"}, {"events": [{"name": "x"}]}, {"events": [7]}, {"responses": ["你好"]}):
        with pytest.raises(ValidationError, match="Failed to validate Action server response"):
            action._validate_action_result(broken)


MESSAGES = ["付款失败了", "钱扣了但是订单没成功", "账号被盗了怎么办", "我要转人工", "今天天气不错", "",
            "充了200块没到账", "卡号 6222 **** **** 5678 绑不上"]


def run_both(runner, inputs, targets):
    ours = speedups._run_in_order(runner, inputs=inputs, targets=targets)
    rasas = speedups._original_run(runner, inputs=inputs, targets=targets)
    return ours, rasas


@pytest.mark.parametrize("text", MESSAGES)
def test_the_nlu_graph_run_in_order_gives_dasks_result(agent, text):
    processor = agent.processor
    inputs = {PLACEHOLDER_MESSAGE: [UserMessage(text)],
              PLACEHOLDER_TRACKER: DialogueStateTracker("speedups-nlu", agent.domain.slots)}
    ours, rasas = run_both(processor.graph_runner, inputs, [processor.model_metadata.nlu_target])
    parsed = lambda result: result[processor.model_metadata.nlu_target][0].as_dict()  # noqa: E731
    assert parsed(ours) == parsed(rasas)
    assert parsed(ours).get("intent", {}).get("name")


def test_the_policy_graph_run_in_order_gives_dasks_prediction(agent):
    processor = agent.processor

    async def tracker():
        conversation = await processor.fetch_tracker_and_update_session("speedups-test")
        conversation.update(UserUttered("付款失败了", {"name": "payment_failed", "confidence": 0.9}))
        return conversation

    conversation = asyncio.run(tracker())
    inputs = {PLACEHOLDER_TRACKER: conversation}
    ours, rasas = run_both(processor.graph_runner, inputs, [processor.model_metadata.core_target])
    target = processor.model_metadata.core_target
    assert ours[target].max_confidence_index == rasas[target].max_confidence_index
    assert ours[target].policy_name == rasas[target].policy_name
    assert list(ours[target].probabilities) == list(rasas[target].probabilities)


def test_action_calls_reuse_one_connection_and_survive_a_restarted_action_server():
    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    async def scenario():
        peers = []

        async def webhook(request):
            peers.append(request.transport.get_extra_info("peername"))
            body = await request.json()
            return web.json_response({"events": [], "responses": [{"text": body["text"]}]})

        async def serve(port=0):
            app = web.Application()
            app.router.add_post("/webhook", webhook)
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", port)
            await site.start()
            return runner, site._server.sockets[0].getsockname()[1]

        runner, port = await serve()
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        assert (await endpoint.request(json={"text": "付款失败"}))["responses"][0]["text"] == "付款失败"
        assert (await endpoint.request(json={"text": "网络正常"}))["responses"][0]["text"] == "网络正常"
        assert peers[0] == peers[1]  # the second call reused the first connection

        await runner.cleanup()  # the action server restarts between two messages
        runner, _ = await serve(port)
        assert (await endpoint.request(json={"text": "转人工"}))["responses"][0]["text"] == "转人工"
        await runner.cleanup()

    asyncio.run(scenario())


def test_an_action_call_on_a_kept_connection_the_server_just_dropped_is_sent_again():
    """The action server's idle timer can close a kept connection just as the
    next call goes out on it (after a pause longer than the timer): the call
    must go out again on a new connection, not fail the user's turn."""
    from rasa.utils.endpoints import EndpointConfig

    async def scenario():
        requests_per_connection = []

        async def handle(reader, writer):
            served = 0
            requests_per_connection.append(0)
            index = len(requests_per_connection) - 1
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length")))
                await reader.readexactly(length)
                requests_per_connection[index] += 1
                if served == 1:            # the idle timer fired under the second request
                    writer.transport.abort()
                    return
                served += 1
                payload = b'{"events": [], "responses": [{"text": "ok"}]}'
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n"
                             b"Content-Length: " + str(len(payload)).encode() + b"\r\n\r\n" + payload)
                await writer.drain()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        assert (await endpoint.request(json={"text": "付款失败"}))["responses"][0]["text"] == "ok"
        assert (await endpoint.request(json={"text": "网络正常"}))["responses"][0]["text"] == "ok"
        assert requests_per_connection == [2, 1]   # dropped on the kept one, answered on a new one
        server.close()
        await server.wait_closed()

    asyncio.run(scenario())


def test_rasa_still_copies_the_tracker_once_before_an_action():
    """_run_action_without_copy relies on this line of Rasa's _run_action."""
    source = inspect.getsource(speedups._original_run_action)
    assert source.count("tracker.copy()") == 1 and "temporary_tracker = tracker.copy()" in source


def test_an_action_runs_on_the_tracker_itself_unless_the_policy_added_events(agent):
    from rasa.core.actions.action import Action
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.policies.policy import PolicyPrediction
    from rasa.shared.core.events import SlotSet

    seen = []

    class Probe(Action):
        def name(self):
            return "action_probe"

        async def run(self, output_channel, nlg, tracker, domain):
            seen.append((tracker, tracker.get_slot("problem")))
            return []

    processor = agent.processor
    conversation = DialogueStateTracker("speedups-copy", agent.domain.slots)
    conversation.update(UserUttered("付款失败了", {"name": "payment_failed", "confidence": 0.9}))
    run = lambda prediction: asyncio.run(processor._run_action(  # noqa: E731
        Probe(), conversation, CollectingOutputChannel(), processor.nlg, prediction))

    run(PolicyPrediction([1.0], "policy"))
    assert seen[-1][0] is conversation
    assert "copy" not in vars(conversation)          # the shortcut ends with the call
    run(PolicyPrediction([1.0], "policy", events=[SlotSet("problem", "refund_request")]))
    assert seen[-1][0] is not conversation and seen[-1][1] == "refund_request"
