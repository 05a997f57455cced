"""The fixed world the flight environment lives in: airports, airlines, dates, fees, flights.

Everything here is a constant or a pure function of its arguments. Flights for a route and date are
generated from ``(catalog_seed, origin, destination, date)`` through a seed sequence of integers, so
the same search shows the same listings in any process (no ``hash()``, no global RNG, no clock).
"""

from __future__ import annotations

import datetime as dt
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


def _route(origin: str, destination: str) -> tuple[float, int, tuple[str, ...]]:
    """Base fare, base minutes and possible connecting hubs of a route."""
    (lon1, lat1), (lon2, lat2) = _AIRPORT_POSITIONS[origin], _AIRPORT_POSITIONS[destination]
    span = abs(lon1 - lon2) + abs(lat1 - lat2)
    hubs = tuple(a for a in AIRPORTS if a not in (origin, destination))
    return 90.0 + 5.0 * span, 60 + int(6.0 * span), hubs


_ROUTES: Final = {(o, d): _route(o, d) for o in AIRPORTS for d in AIRPORTS if o != d}
_UINT32_LIMIT: Final = 2**32
# A listing's whole-number draws are int(u * scale) of its row of uniforms; one numpy multiply
# and truncation does them for every row at once (the same IEEE products and truncation as
# Python's). Columns: airline, stops (float), hub, departure slot, layover, extra minutes, fare,
# basic and business fare factors (floats), three cabins' seats, id, flight number.
_SCALES: Final = np.array(
    [len(AIRLINES), 1, len(AIRPORTS) - 2, 204, 100, 30, 1, 1, 1, 9, 9, 5, 900, 900],
    dtype=np.float64,
)


def _uniforms(entropy: list[int], count: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The first ``count`` uniforms of ``default_rng(entropy)``.

    Words below 2**32 are passed as a uint32 array, which seeds the same stream as the list of
    ints but skips numpy's slow per-int coercion of a Python list.
    """
    seed: list[int] | np.ndarray[Any, np.dtype[np.uint32]] = entropy
    if all(0 <= word < _UINT32_LIMIT for word in entropy):
        seed = np.array(entropy, dtype=np.uint32)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed))).random(count)


def listing_sort_key(listing: dict[str, Any]) -> tuple[int, str, str]:
    """Order listings by (price, departure, id): the one order every result list uses."""
    return (listing["price"], listing["depart"], listing["id"])


def generate_flights(
    catalog_seed: int, origin: str, destination: str, date: str
) -> list[dict[str, Any]]:
    """Return the listings on ``origin`` → ``destination`` on ``date``, sorted by price.

    The result depends only on the arguments. Each listing is a dict in the shape of
    :class:`agentkit.flight.Flight`; seats are the catalogue's (1 or more per cabin), before an
    episode sells any cabin out.

    >>> [f["id"] for f in generate_flights(7, "BOS", "SFO", "2024-05-20")][:2]
    ['F946', 'F238']
    """
    o, d = _AIRPORT_INDEX[origin], _AIRPORT_INDEX[destination]
    day = (dt.date.fromisoformat(date) - _TODAY).days
    # One C call for every draw: the count, then a row of uniforms per flight.
    draws = _uniforms([catalog_seed, o, d, day], 1 + _MAX_FLIGHTS * _COLUMNS)
    count = _MIN_FLIGHTS + int(float(draws[0]) * (_MAX_FLIGHTS - _MIN_FLIGHTS + 1))
    rows = draws[1 : 1 + count * _COLUMNS].reshape(count, _COLUMNS)
    wholes = (rows * _SCALES).astype(np.int64).tolist()
    factors = rows[:, 6:9].tolist()
    one_stop = (rows[:, 1] >= 0.45).tolist()
    base_fare, base_minutes, hubs = _ROUTES[origin, destination]
    numbers: set[int] = set()
    flights = []
    for whole, (fare, basic, business), stop in zip(wholes, factors, one_stop, strict=True):
        airline, hub, slot, layover, extra = whole[0], whole[2], whole[3], whole[4], whole[5]
        seats_b, seats_e, seats_j, serial, suffix = whole[9:]
        number = 100 + serial
        while number in numbers:  # distinct 3-digit ids: on a clash take the next free number
            number = 100 + (number - 99) % 900
        numbers.add(number)
        name, code = _CARRIERS[airline]
        depart = 5 * 60 + slot * 5
        if stop:
            stops, via = 1, hubs[hub]
            duration = base_minutes + extra + 50 + layover
            economy = round(base_fare * (0.75 + 0.6 * fare))
        else:
            stops, via = 0, None
            duration = base_minutes + extra
            economy = round(base_fare * (0.75 + 0.6 * fare) * 1.15)
        flights.append(
            {
                "id": f"F{number}",
                "airline": name,
                "flight_number": f"{code}{100 + suffix}",
                "origin": origin,
                "destination": destination,
                "date": date,
                "depart": _HHMM[depart],
                "arrive": _HHMM[(depart + duration) % _DAY_MINUTES],
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
    flights.sort(key=listing_sort_key)
    return flights
