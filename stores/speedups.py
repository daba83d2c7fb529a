"""Hot spots of Rasa 3.6 itself, found with py-spy under load
(docs/benchmarks-notes.md has the profiles and the figures before and after).

1. Every action-server response is checked against Rasa's (constant)
   response schema with jsonschema: each event is tried against all 24
   `oneOf` branches, ~0.2 ms per event. Each branch requires its own
   `event` name, so only the branch named by the event can match: the
   branches are compiled once (fastjsonschema) and each event is checked
   against its own. A response that fails goes through Rasa's own check,
   so the error a broken action server gets is unchanged.
2. Every stored event is turned back into an object through
   `Event.resolve_by_type`, which walks the whole Event class tree per
   event. The list of Event subclasses is computed once per class.
3. Each message runs two model graphs (NLU, then policies) through
   `dask.get`, which rebuilds the graph, orders it and schedules its
   dozen nodes every time. The graphs are fixed once the model is loaded,
   so the order is worked out once per set of targets and the nodes are
   called in that order, as dask's synchronous scheduler would.
4. Every action-server call opens a new HTTP client session and a new TCP
   connection, and encodes the tracker with the standard json module. One
   session is kept per endpoint and event loop, so calls reuse connections
   (idle ones are dropped after 2 s, before the action server, Sanic, would
   close them under a request at 5 s), and it encodes with ujson, which
   Rasa already depends on. A request that meets a kept connection the
   action server has just closed is sent again on a new one.

5. Before every action Rasa copies the whole tracker by replaying all its
   events (`tracker.copy()`), so that events the policy attached to its
   prediction can be dropped if the action is rejected. When the
   prediction carries no events (every prediction of this assistant's
   policies) the copy equals the tracker and nothing needs dropping: the
   action gets the tracker itself. The copy was 5% of the server's time.

All keep Rasa's behaviour; they only stop repeating work whose answer
cannot change while the server runs. Imported by the tracker store module,
which every Rasa server of this project loads.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import logging
from typing import Any, Dict, List, Optional, Text, Tuple

import aiohttp
import fastjsonschema
import rasa.shared.utils.common
import ujson
from rasa.core.actions.action import RemoteAction
from rasa.core.processor import MessageProcessor
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

logger = logging.getLogger(__name__)

_original_validate_action_result = RemoteAction._validate_action_result


@functools.lru_cache(maxsize=None)
def _compiled_response_schema() -> Tuple[Any, Dict[Text, Any]]:
    """The response check without its events, and one check per event name."""
    spec = copy.deepcopy(RemoteAction.action_response_format_spec())
    event_schema = spec["properties"]["events"].pop("items")
    branches = event_schema.pop("oneOf")
    per_event = {branch["properties"]["event"]["const"]: fastjsonschema.compile({**event_schema, "allOf": [branch]})
                 for branch in branches}
    return fastjsonschema.compile(spec), per_event


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    check_response, check_event = _compiled_response_schema()
    try:
        check_response(result)
        for event in result.get("events") or ():
            check_event[event["event"]](event)
        return True
    except (fastjsonschema.JsonSchemaException, KeyError, TypeError):
        return _original_validate_action_result(self, result)  # raises Rasa's error


_original_all_subclasses = rasa.shared.utils.common.all_subclasses


@functools.lru_cache(maxsize=None)
def _all_subclasses_once(cls: Any) -> Tuple[Any, ...]:
    return tuple(_original_all_subclasses(cls))


def _all_subclasses(cls: Any) -> list:
    return list(_all_subclasses_once(cls))


_original_run = DaskGraphRunner.run
Plan = List[Tuple[Text, Tuple[Text, ...]]]


def _plan(runner: DaskGraphRunner, targets: Tuple[Text, ...]) -> Plan:
    """The nodes the targets need, each after the nodes it reads from."""
    plans: Dict[Tuple[Text, ...], Plan] = runner.__dict__.setdefault("_wallet_plans", {})
    plan = plans.get(targets)
    if plan is None:
        nodes = runner._graph_schema.minimal_graph_schema(list(targets)).nodes
        plan, placed = [], set()

        def place(name: Text) -> None:
            if name in placed or name not in nodes:
                return  # already placed, or a run input
            placed.add(name)
            needs = tuple(nodes[name].needs.values())
            for need in needs:
                place(need)
            plan.append((name, needs))

        for target in targets:
            place(target)
        plans[targets] = plan
    return plan


def _run_in_order(self: DaskGraphRunner, inputs: Optional[Dict[Text, Any]] = None,
                  targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
    run_targets = tuple(targets if targets else self._graph_schema.target_names)
    plan = _plan(self, run_targets)
    results: Dict[Text, Any] = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and value in self._instantiated_nodes:
            raise GraphRunError(f"Input value '{value}' clashes with a node name.")
        results[name] = (name, value)  # the shape a node's output has
    try:
        for name, needs in plan:
            results[name] = self._instantiated_nodes[name](*(results[need] for need in needs))
    except RuntimeError as error:
        raise GraphRunError("Error running runner.") from error
    return dict(results[target] for target in run_targets)


_original_session = EndpointConfig.session
CLIENT_KEEPALIVE_SECONDS = 2


class _RetriedOnStaleConnection:
    """`session.request(...)`, sent once more on a new connection when the
    server dropped the kept one before answering. A kept connection can be
    closed by the server at the moment a request goes out on it (its idle
    timer fires, e.g. after a pause longer than the timer); browsers resend
    in that case too. Only a failure before any response is resent: then the
    action server never ran the action."""

    def __init__(self, session: aiohttp.ClientSession, args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> None:
        self._session, self._args, self._kwargs = session, args, kwargs
        self._response: Optional[aiohttp.ClientResponse] = None

    async def __aenter__(self) -> aiohttp.ClientResponse:
        try:
            self._response = await self._session.request(*self._args, **self._kwargs)
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as error:
            logger.info("action server dropped a kept connection (%s): sending again", error)
            self._response = await self._session.request(*self._args, **self._kwargs)
        return self._response

    async def __aexit__(self, *_exc: Any) -> None:
        if self._response is not None:
            self._response.release()


class _KeptSession:
    """What `async with endpoint.session()` expects, without closing the session."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> "_KeptSession":
        return self

    def request(self, *args: Any, **kwargs: Any) -> _RetriedOnStaleConnection:
        return _RetriedOnStaleConnection(self._session, args, kwargs)

    async def __aexit__(self, *_exc: Any) -> None:
        return None


def _kept_session(self: EndpointConfig) -> Any:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return _original_session(self)
    sessions: Dict[Any, aiohttp.ClientSession] = self.__dict__.setdefault("_wallet_sessions", {})
    session = sessions.get(loop)
    if session is None or session.closed:
        # The same settings as EndpointConfig.session, plus the connection pool.
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
        session = aiohttp.ClientSession(headers=self.headers, auth=auth,
                                        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                                        connector=aiohttp.TCPConnector(keepalive_timeout=CLIENT_KEEPALIVE_SECONDS),
                                        json_serialize=ujson.dumps)
        sessions[loop] = session
    return _KeptSession(session)


_original_run_action = MessageProcessor._run_action


async def _run_action_without_copy(self: MessageProcessor, action: Any, tracker: Any, output_channel: Any,
                                   nlg: Any, prediction: Any) -> bool:
    if prediction.events:
        return await _original_run_action(self, action, tracker, output_channel, nlg, prediction)
    # Rasa's _run_action calls tracker.copy() once, for the action to run on.
    tracker.copy = lambda: tracker
    try:
        return await _original_run_action(self, action, tracker, output_channel, nlg, prediction)
    finally:
        del tracker.copy


def install() -> None:
    RemoteAction._validate_action_result = _validate_action_result
    rasa.shared.utils.common.all_subclasses = _all_subclasses
    DaskGraphRunner.run = _run_in_order
    EndpointConfig.session = _kept_session
    MessageProcessor._run_action = _run_action_without_copy


install()
