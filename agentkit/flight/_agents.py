"""The flight-booking agents: the generic agents bound to the flight domain, by their old names."""

from __future__ import annotations

from typing import ClassVar

from agentkit.agents import OpenAILLMAgent, ToolEnabledLLMAgent

__all__ = ["FlightBookingOpenAIAgent", "ToolEnabledFlightBookingAgent"]


class FlightBookingOpenAIAgent(OpenAILLMAgent):
    """The flight-booking text agent on an OpenAI-compatible endpoint.

    >>> agent = FlightBookingOpenAIAgent(model="gpt-4", strategy="balanced", temperature=0.7)
    """

    default_domain: ClassVar[str] = "flight"


class ToolEnabledFlightBookingAgent(ToolEnabledLLMAgent):
    """The flight-booking agent that acts through tool calls."""

    default_domain: ClassVar[str] = "flight"
