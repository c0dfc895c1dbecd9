"""FacadeClient, found and FakeClient: what every module's facade client and fake share."""

from datetime import UTC, datetime
from uuid import UUID

import httpx2
import pytest
from pydantic import BaseModel

from service_kit.client import BadRequest, NotFound, Unavailable
from service_kit.facade import FacadeClient, FakeClient, found

pytestmark = pytest.mark.anyio


class Thing(BaseModel):
    id: str
    count: int


class ThingsClient(FacadeClient):
    service = "things"

    async def get_thing(self, thing_id: str) -> Thing:
        return await self._call(Thing, "GET", f"/things/{thing_id}")

    async def count_thing(self, thing_id: str) -> Thing:
        return await self._call(Thing, "POST", f"/things/{thing_id}", json={"by": 1}, idempotent=True)


class FakeThingsClient(FakeClient):
    service = "things"

    async def get_thing(self, thing_id: str) -> Thing:
        self._check_up()
        raise NotFound(f"Thing {thing_id} does not exist.", status=404)


def things(answer: httpx2.MockTransport) -> ThingsClient:
    return ThingsClient("http://things", caller="tests", retries=1, transport=answer)


async def test_a_call_answers_its_model_from_the_response_body() -> None:
    seen: list[httpx2.Request] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json={"id": request.url.path.rsplit("/", 1)[1], "count": 2})

    async with things(httpx2.MockTransport(answer)) as client:
        assert await client.get_thing("a") == Thing(id="a", count=2)
        assert await client.count_thing("b") == Thing(id="b", count=2)

    assert [(r.method, r.url.path, r.content) for r in seen] == [
        ("GET", "/things/a", b""),
        ("POST", "/things/b", b'{"by":1}'),
    ]


async def test_a_call_passes_on_the_idempotent_flag_so_a_marked_post_is_retried() -> None:
    statuses = iter([503, 200])

    def answer(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(next(statuses), json={"id": "b", "count": 1})

    async with things(httpx2.MockTransport(answer)) as client:
        assert (await client.count_thing("b")).count == 1


async def test_an_answer_that_is_not_the_model_is_a_validation_error() -> None:
    async with things(httpx2.MockTransport(lambda _: httpx2.Response(200, json={"id": "a"}))) as client:
        with pytest.raises(ValueError, match="count"):
            await client.get_thing("a")


async def test_found_is_false_only_for_not_found() -> None:
    fake = FakeThingsClient()

    assert not await found(fake.get_thing("a"))
    assert await found(_answers())
    with pytest.raises(BadRequest):
        await found(_refuses())


async def test_a_fake_is_a_context_manager_and_unavailable_when_told() -> None:
    async with FakeThingsClient() as fake:
        fake.unavailable = True
        with pytest.raises(Unavailable, match=r"things unreachable \(FakeThingsClient.unavailable is set\)"):
            await fake.get_thing("a")
    await fake.aclose()


class Record(BaseModel):
    id: UUID
    name: str
    created_at: datetime
    updated_at: datetime


class Note(BaseModel):
    id: UUID
    text: str


def test_a_new_record_has_a_fresh_id_and_both_timestamps_now() -> None:
    before = datetime.now(UTC)

    first, second = FakeClient.new_record(Record, name="a"), FakeClient.new_record(Record, name="b")

    assert first.id != second.id and (first.name, second.name) == ("a", "b")
    assert before <= first.created_at == first.updated_at <= datetime.now(UTC)


def test_a_new_record_stamps_only_the_fields_its_model_has_and_fields_win() -> None:
    fixed = UUID(int=1)

    assert FakeClient.new_record(Note, text="x", id=fixed) == Note(id=fixed, text="x")


def test_found_records_are_returned_and_a_missing_one_is_not_found_naming_it() -> None:
    fake, thing = FakeThingsClient(), Thing(id="a", count=1)

    assert fake._found({"a": thing}, "a", "Thing") is thing
    with pytest.raises(NotFound, match=r"^Thing b does not exist\.$") as raised:
        fake._found({"a": thing}, "b", "Thing")
    assert raised.value.status == 404
    fake.unavailable = True
    with pytest.raises(Unavailable):
        fake._found({"a": thing}, "a", "Thing")


async def _answers() -> Thing:
    return Thing(id="a", count=1)


async def _refuses() -> Thing:
    raise BadRequest("no", status=400)
