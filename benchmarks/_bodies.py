"""Realistic, seeded chat-completion traffic for the replay benchmark.

Each *exchange* is one ``chat.completions.create`` call of a flight-booking agent and the response
the model gave: a ~1.5 KB system prompt, ten tool schemas with JSON-schema parameters and the
episode's history so far (user, assistant and tool messages), answered by a completion that is
either a tool call or text. Episodes run 6 to 12 model calls; every request is distinct (each
episode has its own task), and the same seed gives the same bytes.

Example::

    exchanges = build_exchanges(1000, seed=0)
    client.chat.completions.create(**exchanges[0].kwargs)
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["MODEL", "SYSTEM_PROMPT", "TOOLS", "Exchange", "build_exchanges", "response_headers"]

MODEL = "gpt-4o"

SYSTEM_PROMPT = """\
You are FlightDesk, a travel assistant that books one-way flights through the booking tools. \
Never invent flight numbers, prices, coupon codes or confirmation numbers.

Work through the booking flow in order:
1. search_flights for the route and date the traveller asked for. If the traveller gave a \
budget, a preferred airline or a time of day, use filter_results to narrow the list instead of \
searching again.
2. select_flight with the flight id from the current results and the cabin the traveller wants \
(economy unless they say otherwise). Prefer the cheapest flight that meets every stated \
constraint; on a tie prefer fewer stops, then the earlier departure.
3. add_to_cart with every passenger (first name, last name, date of birth), the total number of \
checked bags and whether travel insurance was requested.
4. If the traveller mentioned a coupon, apply_coupon exactly once with that code. An invalid or \
expired code is not a reason to stop: continue without it and mention it in your summary.
5. proceed_to_payment, then tell the traveller the total and ask for confirmation before \
charging anything.
6. enter_card with the payment method id from the traveller's profile, then confirm_payment. \
If the bank asks for a second confirmation (3-D Secure), call confirm_payment again; if the card \
is declined once, try once more before asking for another payment method.

If the traveller changes the route or the date, call restart. If the request cannot be \
fulfilled, call abort with a one-sentence reason. Keep replies short, with prices in dollars and \
the confirmation number in bold.
"""

_CABINS = ["economy", "premium_economy", "business", "first"]


def _tool(name: str, description: str, properties: dict[str, Any], required: list[str]) -> Any:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            },
        },
    }


_IATA = {"type": "string", "pattern": "^[A-Z]{3}$"}
_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}

TOOLS: list[Any] = [
    _tool(
        "search_flights",
        "Search one-way flights on a route and date. Replaces the current results.",
        {
            "origin": {**_IATA, "description": "IATA code of the departure airport, e.g. BOS."},
            "destination": {**_IATA, "description": "IATA code of the arrival airport, e.g. SFO."},
            "date": {**_DATE, "description": "Departure date, YYYY-MM-DD."},
            "max_stops": {
                "type": "integer",
                "minimum": 0,
                "maximum": 1,
                "default": 1,
                "description": "0 for nonstop flights only, 1 to include one-stop flights.",
            },
        },
        ["origin", "destination", "date"],
    ),
    _tool(
        "filter_results",
        "Narrow the current search results; filters accumulate until the next search.",
        {
            "max_price": {
                "anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}],
                "description": "Keep listings whose economy price per passenger is at most this.",
            },
            "max_stops": {
                "anyOf": [{"type": "integer", "minimum": 0, "maximum": 1}, {"type": "null"}],
                "description": "Keep listings with at most this many stops.",
            },
            "depart_after": {
                "anyOf": [
                    {"type": "string", "pattern": "^([01]\\d|2[0-3]):[0-5]\\d$"},
                    {"type": "null"},
                ],
                "description": "Keep listings departing at or after this local time, HH:MM.",
            },
            "airline": {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "description": "Keep listings of this airline.",
            },
        },
        [],
    ),
    _tool(
        "select_flight",
        "Select a flight from the current results and a cabin to book.",
        {
            "flight_id": {"type": "string", "description": "A flight id from the results."},
            "cabin": {"type": "string", "enum": _CABINS, "description": "The cabin to book."},
        },
        ["flight_id", "cabin"],
    ),
    _tool(
        "add_to_cart",
        "Put the selected flight in the cart for these passengers, bags and insurance, and "
        "price it.",
        {
            "passengers": {
                "type": "array",
                "minItems": 1,
                "maxItems": 5,
                "description": "Everyone travelling (1 to 5).",
                "items": {
                    "type": "object",
                    "properties": {
                        "first_name": {"type": "string", "minLength": 1, "maxLength": 50},
                        "last_name": {"type": "string", "minLength": 1, "maxLength": 50},
                        "dob": {**_DATE, "description": "Date of birth, YYYY-MM-DD."},
                    },
                    "required": ["first_name", "last_name", "dob"],
                    "additionalProperties": False,
                },
            },
            "checked_bags": {
                "type": "integer",
                "minimum": 0,
                "maximum": 20,
                "description": "Total checked bags for the whole party.",
            },
            "insurance": {
                "type": "boolean",
                "description": "Travel insurance for every passenger ($30 each).",
            },
        },
        ["passengers", "checked_bags", "insurance"],
    ),
    _tool(
        "apply_coupon",
        "Apply a coupon code to the cart; an invalid or expired code gives an error.",
        {"code": {"type": "string", "minLength": 1, "maxLength": 40}},
        ["code"],
    ),
    _tool("proceed_to_payment", "Move from the cart to payment.", {}, []),
    _tool(
        "enter_card",
        "Choose a saved payment method; a gift card must cover the whole total.",
        {
            "payment_id": {
                "type": "string",
                "minLength": 1,
                "description": "The id of a payment method in the traveller's profile.",
            }
        },
        ["payment_id"],
    ),
    _tool(
        "confirm_payment",
        "Charge the payment method. It may be declined once, or ask for a second confirmation "
        "(3-D Secure): then call confirm_payment again.",
        {},
        [],
    ),
    _tool(
        "restart",
        "Drop the search, selection, cart and payment and go back to the search form.",
        {},
        [],
    ),
    _tool(
        "abort",
        "Give up the booking and end the episode.",
        {"reason": {"type": "string", "maxLength": 500, "description": "Why it is abandoned."}},
        [],
    ),
]

_AIRPORTS = ["BOS", "SFO", "JFK", "LAX", "ORD", "SEA", "DEN", "ATL", "MIA", "AUS", "DFW", "PHX"]
_AIRLINES = ["Delta", "United", "American", "JetBlue", "Alaska", "Southwest"]
_FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia"]
_LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson"]


@dataclass(frozen=True)
class Exchange:
    """One model call: the SDK arguments and the response body the model returned."""

    index: int
    """Position in the recording (0-based)."""
    kwargs: dict[str, Any]
    """Keyword arguments for ``client.chat.completions.create``."""
    response: dict[str, Any]
    """The chat-completion response body."""
    response_bytes: bytes
    """``response`` serialised as the server sent it."""

    @property
    def content(self) -> str | None:
        """The assistant text of the response."""
        text: str | None = self.response["choices"][0]["message"]["content"]
        return text

    @property
    def tool_calls(self) -> list[tuple[str, str, str]]:
        """(id, name, arguments) of each tool call in the response."""
        calls = self.response["choices"][0]["message"].get("tool_calls") or []
        return [(c["id"], c["function"]["name"], c["function"]["arguments"]) for c in calls]


def response_headers(index: int) -> list[tuple[str, str]]:
    """Headers of the ``index``-th response, shaped like an OpenAI-compatible server's."""
    return [
        ("content-type", "application/json"),
        ("openai-processing-ms", str(300 + (index * 37) % 900)),
        ("openai-version", "2020-10-01"),
        ("x-ratelimit-limit-requests", "10000"),
        ("x-ratelimit-remaining-requests", str(9999 - index % 10000)),
        ("x-request-id", f"req_{index:08x}bench"),
    ]


class _Episode:
    """One booking conversation: emits (assistant step, what follows it) pairs."""

    def __init__(self, rng: random.Random, number: int) -> None:
        self.rng = rng
        self.number = number
        origin, destination = rng.sample(_AIRPORTS, 2)
        self.origin, self.destination = origin, destination
        self.date = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        self.party = [
            {
                "first_name": rng.choice(_FIRST),
                "last_name": rng.choice(_LAST),
                "dob": f"{rng.randint(1950, 2010)}-{rng.randint(1, 12):02d}-"
                f"{rng.randint(1, 28):02d}",
            }
            for _ in range(rng.randint(1, 3))
        ]
        self.budget = rng.choice([250, 300, 400, 500, 650, 800])
        self.coupon = rng.choice([None, None, f"SPRING{rng.randint(10, 30)}", "WELCOME10"])
        self.cabin = rng.choice(["economy", "economy", "economy", "premium_economy", "business"])
        self.bags = rng.randint(0, len(self.party) * 2)

    def task(self) -> str:
        names = " and ".join(f"{p['first_name']} {p['last_name']}" for p in self.party)
        coupon = f" Please use coupon {self.coupon}." if self.coupon else ""
        return (
            f"Hi! Booking reference request #{self.number:06d}. I need a one-way {self.cabin} "
            f"flight from {self.origin} to {self.destination} on {self.date} for {names} "
            f"({len(self.party)} passenger{'s' if len(self.party) > 1 else ''}, "
            f"{self.bags} checked bag{'s' if self.bags != 1 else ''}). Budget is about "
            f"${self.budget} per person, morning departures preferred.{coupon} Pay with my saved "
            f"Visa, payment method pm_visa_{self.number % 97:02d}."
        )

    def _flights(self, count: int) -> list[dict[str, Any]]:
        rng = self.rng
        return [
            {
                "flight_id": f"F{rng.randint(100, 999)}",
                "airline": rng.choice(_AIRLINES),
                "depart": f"{rng.randint(5, 21):02d}:{rng.choice(['00', '15', '30', '45'])}",
                "arrive": f"{rng.randint(7, 23):02d}:{rng.choice(['05', '20', '35', '50'])}",
                "stops": rng.randint(0, 1),
                "prices": {
                    "economy": rng.randint(120, 700),
                    "premium_economy": rng.randint(350, 1100),
                    "business": rng.randint(900, 3200),
                },
                "seats_left": rng.randint(1, 9),
            }
            for _ in range(count)
        ]

    def steps(self) -> Iterator[tuple[str, dict[str, Any] | str, Any]]:
        """Yield (kind, payload, follow-up): kind "tool" with (name, args) and the tool result,
        or kind "text" with the assistant text and the user's reply (None at the end)."""
        rng = self.rng
        results = self._flights(rng.randint(4, 7))
        yield (
            "tool",
            {
                "name": "search_flights",
                "arguments": {
                    "origin": self.origin,
                    "destination": self.destination,
                    "date": self.date,
                    "max_stops": 1,
                },
            },
            {"results": results, "count": len(results)},
        )
        if rng.random() < 0.12:
            yield "tool", {"name": "restart", "arguments": {}}, {"status": "search form"}
            results = self._flights(rng.randint(3, 6))
            yield (
                "tool",
                {
                    "name": "search_flights",
                    "arguments": {
                        "origin": self.origin,
                        "destination": self.destination,
                        "date": self.date,
                        "max_stops": 0,
                    },
                },
                {"results": results, "count": len(results)},
            )
        kept = results[: max(1, len(results) // 2)]
        yield (
            "tool",
            {"name": "filter_results", "arguments": {"max_price": self.budget, "max_stops": 1}},
            {"results": kept, "count": len(kept)},
        )
        if rng.random() < 0.08:
            reason = f"No {self.cabin} flight under ${self.budget} on {self.date}."
            yield "tool", {"name": "abort", "arguments": {"reason": reason}}, {"status": "aborted"}
            yield "text", f"I'm sorry: {reason} Would another date work for you?", None
            return
        flight = kept[0]
        yield (
            "tool",
            {
                "name": "select_flight",
                "arguments": {"flight_id": flight["flight_id"], "cabin": self.cabin},
            },
            {"selected": flight, "cabin": self.cabin},
        )
        unit = flight["prices"].get(self.cabin, 1500)
        total = unit * len(self.party) + 35 * self.bags
        yield (
            "tool",
            {
                "name": "add_to_cart",
                "arguments": {
                    "passengers": self.party,
                    "checked_bags": self.bags,
                    "insurance": False,
                },
            },
            {"cart": {"flight_id": flight["flight_id"], "total": total, "currency": "USD"}},
        )
        if self.coupon:
            valid = rng.random() < 0.6
            result: Any = (
                {"discount": 25, "total": total - 25}
                if valid
                else {"error": f"coupon {self.coupon} has expired"}
            )
            total -= 25 if valid else 0
            yield "tool", {"name": "apply_coupon", "arguments": {"code": self.coupon}}, result
        yield (
            "tool",
            {"name": "proceed_to_payment", "arguments": {}},
            {"payment_page": True, "amount_due": total, "currency": "USD"},
        )
        yield (
            "text",
            f"I found {flight['airline']} {flight['flight_id']} departing {flight['depart']} "
            f"({flight['stops']} stop{'s' if flight['stops'] != 1 else ''}), {self.cabin}, "
            f"total ${total} for {len(self.party)} passenger(s) and {self.bags} bag(s). "
            "Shall I charge your saved Visa?",
            "Yes, go ahead.",
        )
        yield (
            "tool",
            {"name": "enter_card", "arguments": {"payment_id": f"pm_visa_{self.number % 97:02d}"}},
            {"payment_method": "visa", "last4": "4242"},
        )
        yield (
            "tool",
            {"name": "confirm_payment", "arguments": {}},
            {"status": "confirmed", "confirmation": f"PNR{self.number:05d}X"},
        )
        yield (
            "text",
            f"Booked! Your confirmation number is **PNR{self.number:05d}X**, total ${total}.",
            None,
        )


def _completion(index: int, message: dict[str, Any], prompt_chars: int) -> dict[str, Any]:
    has_tools = bool(message.get("tool_calls"))
    completion_tokens = 18 + len(json.dumps(message)) // 4
    prompt_tokens = prompt_chars // 4
    return {
        "id": f"chatcmpl-bench{index:07d}",
        "object": "chat.completion",
        "created": 1_735_000_000 + index,
        "model": "gpt-4o-2024-08-06",
        "choices": [
            {
                "index": 0,
                "message": {**message, "refusal": None, "annotations": []},
                "logprobs": None,
                "finish_reason": "tool_calls" if has_tools else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
        },
        "service_tier": "default",
        "system_fingerprint": "fp_bench0001",
    }


def build_exchanges(count: int, seed: int = 0) -> list[Exchange]:
    """``count`` exchanges, episode after episode; a prefix of a longer list with the same seed.

    Messages are shared between the requests of an episode (each request's list is a new list
    over the same message dicts), so memory grows with the number of messages, not their copies.
    """
    rng = random.Random(seed)
    exchanges: list[Exchange] = []
    system = {"role": "system", "content": SYSTEM_PROMPT}
    episode_number = 0
    while len(exchanges) < count:
        episode = _Episode(rng, episode_number)
        episode_number += 1
        history: list[dict[str, Any]] = [system, {"role": "user", "content": episode.task()}]
        for kind, payload, follow in episode.steps():
            if len(exchanges) >= count:
                break
            index = len(exchanges)
            kwargs: dict[str, Any] = {
                "model": MODEL,
                "messages": list(history),
                "tools": TOOLS,
                "tool_choice": "auto",
                "temperature": 0.0,
                "max_tokens": 1024,
            }
            prompt_chars = len(json.dumps(kwargs))
            if kind == "tool":
                assert isinstance(payload, dict)
                call_id = f"call_{index:07d}{rng.randrange(16**8):08x}"
                message: dict[str, Any] = {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": call_id,
                            "type": "function",
                            "function": {
                                "name": payload["name"],
                                "arguments": json.dumps(payload["arguments"]),
                            },
                        }
                    ],
                }
                history.append(message)
                history.append(
                    {"role": "tool", "tool_call_id": call_id, "content": json.dumps(follow)}
                )
            else:
                assert isinstance(payload, str)
                message = {"role": "assistant", "content": payload}
                history.append(message)
                if follow is not None:
                    history.append({"role": "user", "content": follow})
            response = _completion(index, message, prompt_chars)
            exchanges.append(
                Exchange(
                    index=index,
                    kwargs=kwargs,
                    response=response,
                    response_bytes=json.dumps(response).encode("utf-8"),
                )
            )
    return exchanges
