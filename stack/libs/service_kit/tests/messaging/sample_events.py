"""Events of a pretend producer module `sample` (their module path names the producer)."""

from service_kit.event import Event


class ThingHappened(Event):
    n: int


class ThingUndone(Event):
    n: int
