"""Fixtures for the model-layer tests: a scripted provider behind the real SDKs, a fake clock."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from agentkit.models import ModelAPI, ModelParams, RetryPolicy
from agentkit.testing._fakes import FakeClock, Reply, ScriptedProvider

MakeAPI = Callable[..., tuple[ModelAPI, ScriptedProvider]]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_api(clock: FakeClock) -> MakeAPI:
    """Build a ModelAPI whose transport serves ``replies`` in order; nothing sleeps."""

    def make(
        replies: list[Reply],
        *,
        name: str = "gpt-4",
        retry: RetryPolicy | None = None,
        **params: Any,
    ) -> tuple[ModelAPI, ScriptedProvider]:
        provider = ScriptedProvider(list(replies))
        client = httpx2.AsyncClient(transport=httpx2.MockTransport(provider))
        model_params = ModelParams(name=name, retry=retry or RetryPolicy(), **params)
        api = ModelAPI(
            model_params,
            http_client=client,
            clock=clock,
            sleep=clock.sleep,
            rng=random.Random(0),
        )
        return api, provider

    return make
