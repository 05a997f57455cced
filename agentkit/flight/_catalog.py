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


def _hhmm(minutes: int) -> str:
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


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
    draws = np.random.default_rng([catalog_seed, o, d, day]).random(1 + _MAX_FLIGHTS * _COLUMNS)
    uniforms = draws.tolist()
    count = _MIN_FLIGHTS + int(uniforms[0] * (_MAX_FLIGHTS - _MIN_FLIGHTS + 1))
    rows = [uniforms[1 + i * _COLUMNS : 1 + (i + 1) * _COLUMNS] for i in range(count)]
    ids: list[int] = []
    for u in rows:  # distinct 3-digit ids: on a clash take the next free number
        number = 100 + int(u[12] * 900)
        while number in ids:
            number = 100 + (number - 99) % 900
        ids.append(number)

    (lon1, lat1), (lon2, lat2) = _AIRPORT_POSITIONS[origin], _AIRPORT_POSITIONS[destination]
    span = abs(lon1 - lon2) + abs(lat1 - lat2)
    base_fare = 90.0 + 5.0 * span
    base_minutes = 60 + int(6.0 * span)
    hubs = [a for a in AIRPORTS if a not in (origin, destination)]

    flights = []
    for number, u in zip(ids, rows, strict=True):
        airline = AIRLINES[int(u[0] * len(AIRLINES))]
        stops = 0 if u[1] < 0.45 else 1
        depart = 5 * 60 + int(u[3] * 204) * 5
        duration = base_minutes + int(u[5] * 30) + (50 + int(u[4] * 100)) * stops
        economy = round(base_fare * (0.75 + 0.6 * u[6]) * (1.15 if stops == 0 else 1.0))
        flights.append(
            {
                "id": f"F{number:03d}",
                "airline": airline,
                "flight_number": f"{_AIRLINE_CODES[airline]}{100 + int(u[13] * 900)}",
                "origin": origin,
                "destination": destination,
                "date": date,
                "depart": _hhmm(depart),
                "arrive": _hhmm(depart + duration),
                "duration_min": duration,
                "stops": stops,
                "via": hubs[int(u[2] * len(hubs))] if stops else None,
                "price": economy,
                "fares": {
                    "basic_economy": round(economy * (0.55 + 0.25 * u[7])),
                    "economy": economy,
                    "business": round(economy * (2.0 + 1.5 * u[8])),
                },
                "seats": {
                    "basic_economy": 1 + int(u[9] * 9),
                    "economy": 1 + int(u[10] * 9),
                    "business": 1 + int(u[11] * 5),
                },
            }
        )
    flights.sort(key=listing_sort_key)
    return flights
