"""The fixed world the flight environment lives in: airports, airlines, dates, fees, flights.

Everything here is a constant or a pure function of its arguments. Flights for a route and date are
generated from ``(catalog_seed, origin, destination, date)`` through a seed sequence of integers, so
the same search shows the same listings in any process (no ``hash()``, no global RNG, no clock).
"""

from __future__ import annotations

import datetime as dt
import threading
from operator import itemgetter
from typing import Any, Final, Literal

import numpy as np

__all__ = [
    "AIRLINES",
    "AIRPORTS",
    "BAG_FEE",
    "CABINS",
    "FIRST_TRAVEL_DATE",
    "FREE_BAGS",
    "INSURANCE_FEE",
    "LAST_TRAVEL_DATE",
    "Cabin",
    "Membership",
    "generate_flights",
    "listing_sort_key",
]

Cabin = Literal["basic_economy", "economy", "business"]
Membership = Literal["regular", "silver", "gold"]

CABINS: Final[tuple[Cabin, ...]] = ("basic_economy", "economy", "business")

# The environment's fixed "today", never the wall clock (τ-bench's airline domain uses the same).
_TODAY: Final = dt.date(2024, 5, 15)
#: Bookable departure dates: from tomorrow up to 30 days ahead of the fixed today.
FIRST_TRAVEL_DATE: Final = (_TODAY + dt.timedelta(days=1)).isoformat()
LAST_TRAVEL_DATE: Final = (_TODAY + dt.timedelta(days=30)).isoformat()

#: Airports served, with rough (longitude, latitude) used only to scale fares and durations.
_AIRPORT_POSITIONS: Final[dict[str, tuple[float, float]]] = {
    "ATL": (-84.4, 33.6),
    "BOS": (-71.0, 42.4),
    "DEN": (-104.7, 39.9),
    "DFW": (-97.0, 32.9),
    "JFK": (-73.8, 40.6),
    "LAX": (-118.4, 33.9),
    "MIA": (-80.3, 25.8),
    "ORD": (-87.9, 42.0),
    "SEA": (-122.3, 47.4),
    "SFO": (-122.4, 37.6),
}
AIRPORTS: Final[tuple[str, ...]] = tuple(sorted(_AIRPORT_POSITIONS))
_AIRPORT_INDEX: Final = {code: i for i, code in enumerate(AIRPORTS)}

#: Airline name -> flight-number prefix.
_AIRLINE_CODES: Final[dict[str, str]] = {
    "Aerolux": "AX",
    "Bluewing": "BW",
    "Cirrus Air": "CR",
    "Northstar": "NS",
    "Pacifica": "PC",
}
AIRLINES: Final[tuple[str, ...]] = tuple(sorted(_AIRLINE_CODES))

# Fees follow τ-bench's airline policy: $30 insurance per passenger, $50 per checked bag beyond
# the free allowance, which depends on the booking user's membership and the cabin.
INSURANCE_FEE: Final = 30
BAG_FEE: Final = 50
FREE_BAGS: Final[dict[str, dict[str, int]]] = {
    "regular": {"basic_economy": 0, "economy": 1, "business": 2},
    "silver": {"basic_economy": 1, "economy": 2, "business": 3},
    "gold": {"basic_economy": 2, "economy": 3, "business": 3},
}

_COLUMNS: Final = 14  # uniforms drawn per generated flight
_MIN_FLIGHTS: Final = 6
_MAX_FLIGHTS: Final = 12


# Precomputed once: a search generates up to a dozen listings, and formatting times, measuring
# routes and picking hubs per listing was most of its cost.
_DAY_MINUTES: Final = 24 * 60
_HHMM: Final = tuple(f"{m // 60:02d}:{m % 60:02d}" for m in range(_DAY_MINUTES))
_CARRIERS: Final = tuple((airline, _AIRLINE_CODES[airline]) for airline in AIRLINES)
_FLIGHT_IDS: Final = tuple(f"F{number}" for number in range(1000))
# Flight number of each (airline, drawn suffix): the suffix draw is int(u * 900).
_FLIGHT_NUMBERS: Final = tuple(
    tuple(f"{code}{100 + suffix}" for suffix in range(900)) for _, code in _CARRIERS
)
_AIRLINE_NAMES: Final = tuple(airline for airline, _ in _CARRIERS)


def _route(origin: str, destination: str) -> tuple[float, int, tuple[str, ...]]:
    """Base fare, base minutes and possible connecting hubs of a route."""
    (lon1, lat1), (lon2, lat2) = _AIRPORT_POSITIONS[origin], _AIRPORT_POSITIONS[destination]
    span = abs(lon1 - lon2) + abs(lat1 - lat2)
    hubs = tuple(a for a in AIRPORTS if a not in (origin, destination))
    return 90.0 + 5.0 * span, 60 + int(6.0 * span), hubs


_ROUTES: Final = {(o, d): _route(o, d) for o in AIRPORTS for d in AIRPORTS if o != d}
_UINT32_LIMIT: Final = 2**32
# Days after the fixed today of the bookable dates: looking one up costs a tenth of parsing it.
# Other dates are parsed.
_TRAVEL_DAYS: Final = {(_TODAY + dt.timedelta(days=day)).isoformat(): day for day in range(1, 31)}
_DRAWS: Final = 1 + _MAX_FLIGHTS * _COLUMNS  # the flight count, then a row per possible flight
# Of a row's draws, the whole-number ones are int(u * scale) and the rest stay floats.
_WHOLE_COLUMNS: Final = {  # column: scale
    0: len(AIRLINES),  # airline
    2: len(AIRPORTS) - 2,  # hub
    3: 204,  # departure slot, 5 minutes apart from 05:00
    4: 100,  # layover beyond the minimum
    5: 30,  # extra flight minutes
    9: 9,  # seats beyond 1: basic economy
    10: 9,  # economy
    11: 5,  # business
    12: 900,  # id
    13: 900,  # flight number
}
_FLOAT_COLUMNS: Final = (1, 6, 7, 8)  # stops, fare, basic and business fare factors


def _row_draws(columns: tuple[int, ...]) -> list[int]:
    """Where ``columns`` of every row lie in the draws, row by row."""
    return [1 + row * _COLUMNS + column for row in range(_MAX_FLIGHTS) for column in columns]


# Picking the draws each kind needs and converting only those to Python numbers is a quarter
# cheaper than converting all of them; one numpy multiply and truncation computes every
# whole-number draw (the same IEEE products and truncation as Python's), the flight count first.
_WHOLE_DRAWS: Final = np.array([0, *_row_draws(tuple(_WHOLE_COLUMNS))])
_WHOLE_SCALES: Final = np.array(
    [_MAX_FLIGHTS - _MIN_FLIGHTS + 1, *tuple(_WHOLE_COLUMNS.values()) * _MAX_FLIGHTS],
    dtype=np.float64,
)
_FLOAT_DRAWS: Final = np.array(_row_draws(_FLOAT_COLUMNS))
# The same key as listing_sort_key, computed in C.
_LISTING_ORDER: Final = itemgetter("price", "depart", "id")


# numpy seeds PCG64 from a SeedSequence by hashing the sequence's entropy pool into four 64-bit
# words, then stepping the generator twice; building a fresh PCG64 for that was half the cost of
# a search's listings (its state hashing runs as Python over numpy scalars, under errstate). The
# same arithmetic on Python ints, written into one reused generator, draws the same stream: the
# tests compare it with numpy's own seeding.
_MASK32: Final = 2**32 - 1
_MASK128: Final = 2**128 - 1
_PCG64_MULTIPLIER: Final = (2549297995355413924 << 64) | 4865540595714422341


def _state_hash_constants() -> tuple[tuple[int, int], ...]:
    """SeedSequence.generate_state's (xor, multiplier) for each of the eight 32-bit words."""
    constants, value = [], 0x8B51F9DD
    for _ in range(8):
        following = (value * 0x58F38DED) & _MASK32
        constants.append((value, following))
        value = following
    return tuple(constants)


_STATE_HASH: Final = _state_hash_constants()


class _Stream(threading.local):
    """One reseeded generator per thread, so that no lock is needed between seeding and drawing
    (and none can be held across a fork)."""

    def __init__(self) -> None:
        self.bit_generator = np.random.PCG64(0)
        self.generator = np.random.Generator(self.bit_generator)


_STREAM: Final = _Stream()


def _pcg64_state(pool: list[int]) -> tuple[int, int]:
    """PCG64's (state, increment) when seeded by a SeedSequence with this entropy pool."""
    words = []
    for i, (xor, multiplier) in enumerate(_STATE_HASH):
        value = ((pool[i & 3] ^ xor) * multiplier) & _MASK32
        words.append(value ^ (value >> 16))
    # Words pair into little-endian uint64s; each pair of those is a 128-bit number, high first.
    start = words[1] << 96 | words[0] << 64 | words[3] << 32 | words[2]
    sequence = words[5] << 96 | words[4] << 64 | words[7] << 32 | words[6]
    increment = (sequence << 1 | 1) & _MASK128
    return ((increment + start) * _PCG64_MULTIPLIER + increment) & _MASK128, increment


def _uniforms(entropy: list[int], count: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The first ``count`` uniforms of ``default_rng(entropy)``.

    Words below 2**32 are passed as a uint32 array, which seeds the same stream as the list of
    ints but skips numpy's slow per-int coercion of a Python list.
    """
    seed: list[int] | np.ndarray[Any, np.dtype[np.uint32]] = entropy
    if min(entropy, default=0) >= 0 and max(entropy, default=0) < _UINT32_LIMIT:
        seed = np.array(entropy, dtype=np.uint32)
    state, increment = _pcg64_state(np.random.SeedSequence(seed).pool.tolist())
    stream = _STREAM
    stream.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": state, "inc": increment},
        "has_uint32": 0,
        "uinteger": 0,
    }
    return stream.generator.random(count)


def listing_sort_key(listing: dict[str, Any]) -> tuple[int, str, str]:
    """Order listings by (price, departure, id): the one order every result list uses."""
    return (listing["price"], listing["depart"], listing["id"])


def generate_flights(
    catalog_seed: int, origin: str, destination: str, date: str, max_stops: int = 1
) -> list[dict[str, Any]]:
    """Return the listings on ``origin`` → ``destination`` on ``date``, sorted by price.

    The result depends only on the arguments. Each listing is a dict in the shape of
    :class:`agentkit.flight.Flight`; seats are the catalogue's (1 or more per cabin), before an
    episode sells any cabin out. ``max_stops=0`` leaves out the one-stop listings (building only
    the rest): the others are exactly those of the full list, in the same order.

    >>> [f["id"] for f in generate_flights(7, "BOS", "SFO", "2024-05-20")][:2]
    ['F946', 'F238']
    """
    o, d = _AIRPORT_INDEX[origin], _AIRPORT_INDEX[destination]
    day = _TRAVEL_DAYS.get(date)
    if day is None:
        day = (dt.date.fromisoformat(date) - _TODAY).days
    # One C call for every draw: the count, then a row of uniforms per flight.
    draws = _uniforms([catalog_seed, o, d, day], _DRAWS)
    whole_draws = iter((draws.take(_WHOLE_DRAWS) * _WHOLE_SCALES).astype(np.int64).tolist())
    float_draws = iter(draws.take(_FLOAT_DRAWS).tolist())
    count = _MIN_FLIGHTS + next(whole_draws)
    # zip over n references to one iterator deals its items out in n-tuples, a row at a time
    # without a Python step per item; range(count) comes first so that zip stops reading there.
    rows = zip(
        range(count),
        zip(*[whole_draws] * len(_WHOLE_COLUMNS), strict=False),
        zip(*[float_draws] * len(_FLOAT_COLUMNS), strict=False),
        strict=False,
    )
    base_fare, base_minutes, hubs = _ROUTES[origin, destination]
    ids, names, flight_numbers, hhmm = _FLIGHT_IDS, _AIRLINE_NAMES, _FLIGHT_NUMBERS, _HHMM
    numbers: set[int] = set()
    flights = []
    for _, whole, (stop, fare, basic, business) in rows:
        airline, hub, slot, layover, extra, seats_b, seats_e, seats_j, serial, suffix = whole
        number = 100 + serial
        while number in numbers:  # distinct 3-digit ids: on a clash take the next free number
            number = 100 + (number - 99) % 900
        numbers.add(number)
        depart = 5 * 60 + slot * 5
        if stop >= 0.45:
            if max_stops < 1:
                continue
            stops, via = 1, hubs[hub]
            duration = base_minutes + extra + 50 + layover
            economy = round(base_fare * (0.75 + 0.6 * fare))
        else:
            stops, via = 0, None
            duration = base_minutes + extra
            economy = round(base_fare * (0.75 + 0.6 * fare) * 1.15)
        flights.append(
            {
                "id": ids[number],
                "airline": names[airline],
                "flight_number": flight_numbers[airline][suffix],
                "origin": origin,
                "destination": destination,
                "date": date,
                "depart": hhmm[depart],
                "arrive": hhmm[(depart + duration) % _DAY_MINUTES],
                "duration_min": duration,
                "stops": stops,
                "via": via,
                "price": economy,
                "fares": {
                    "basic_economy": round(economy * (0.55 + 0.25 * basic)),
                    "economy": economy,
                    "business": round(economy * (2.0 + 1.5 * business)),
                },
                "seats": {
                    "basic_economy": 1 + seats_b,
                    "economy": 1 + seats_e,
                    "business": 1 + seats_j,
                },
            }
        )
    flights.sort(key=_LISTING_ORDER)
    return flights
