"""Events between modules: a transactional outbox, its relay, a deduping inbox and dead letters.

The producer writes events in its state change's transaction (`outbox.SqlAlchemyOutbox`); the relay
moves them to the broker (`relay`); the consumer stores what arrives in its inbox and applies each
event once, in order per aggregate key, retrying with backoff, then dead-lettering (`inbox`).
`transport` carries them: Redis Streams when EVENTS_BROKER_URL is set, else the producer's feed.
"""
