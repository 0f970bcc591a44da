"""The fake model backends of the test kit: instant, deterministic, true to the interface."""

import numpy as np
import pytest

from shopwright.host.inference import (
    EmbeddingBackend,
    FakeEmbeddingBackend,
    FakeTextBackend,
    Generation,
    GenerationRequest,
    TextBackend,
)


def test_fakes_implement_the_backend_interface(sw_fake_text_model, sw_fake_embedder):
    assert isinstance(sw_fake_text_model, TextBackend) and sw_fake_text_model.name == "fake"
    assert isinstance(sw_fake_embedder, EmbeddingBackend) and sw_fake_embedder.dim == 256


def test_the_interface_cannot_be_used_without_implementing_it():
    with pytest.raises(TypeError):
        TextBackend()
    with pytest.raises(TypeError):
        EmbeddingBackend()


def test_without_a_script_the_fake_echoes_the_prompt(sw_fake_text_model):
    [answer] = sw_fake_text_model.generate([GenerationRequest("Describe the mug", system="Be brief")])
    assert answer == Generation(text="echo: Describe the mug", prompt_tokens=5, completion_tokens=4,
                                finish_reason="stop")


def test_answers_are_deterministic_and_in_request_order():
    requests = [GenerationRequest(f"prompt {i}") for i in range(3)]
    first, second = FakeTextBackend().generate(requests), FakeTextBackend().generate(requests)
    assert first == second and [g.text for g in first] == ["echo: prompt 0", "echo: prompt 1", "echo: prompt 2"]


def test_a_mapping_script_matches_the_whole_prompt_then_a_part_of_it():
    model = FakeTextBackend({"Summarise": "Shoppers love it.", "exact prompt": "exact answer"})
    assert model.complete("exact prompt").text == "exact answer"
    assert model.complete("Summarise these reviews: ...").text == "Shoppers love it."
    assert model.complete("Something else").text == "echo: Something else"


def test_a_callable_script_sees_the_whole_request():
    model = FakeTextBackend(lambda request: f"{request.system}|{request.prompt.upper()}")
    assert model.complete("mug", system="sys").text == "sys|MUG"


def test_max_tokens_cuts_the_reply_and_says_so():
    answer = FakeTextBackend(lambda r: "one two three four five").complete("x", max_tokens=3)
    assert (answer.text, answer.completion_tokens, answer.finish_reason) == ("one two three", 3, "length")


def test_stop_strings_end_the_reply_before_them():
    answer = FakeTextBackend(lambda r: "Title: Mug\nBody: steel").complete("x", stop=("\n", "Body"))
    assert (answer.text, answer.finish_reason) == ("Title: Mug", "stop")


def test_the_fake_records_requests_and_batches(sw_fake_text_model):
    sw_fake_text_model.generate([GenerationRequest("a"), GenerationRequest("b")])
    sw_fake_text_model.complete("c")
    assert [r.prompt for r in sw_fake_text_model.requests] == ["a", "b", "c"]
    assert sw_fake_text_model.batches == [2, 1]


@pytest.mark.parametrize("options", [{"max_tokens": 0}, {"temperature": -1.0}])
def test_requests_are_checked(options):
    with pytest.raises(ValueError):
        GenerationRequest("x", **options)


def test_embeddings_are_unit_float32_rows(sw_fake_embedder):
    vectors = sw_fake_embedder.embed(["Enamel camp mug", "", "Merino crew sweater"])
    assert vectors.shape == (3, 256) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert sw_fake_embedder.embed([]).shape == (0, 256)


def test_embeddings_are_deterministic_across_instances():
    texts = ["wool sweater", "steel mug"]
    assert np.array_equal(FakeEmbeddingBackend(dim=32).embed(texts), FakeEmbeddingBackend(dim=32).embed(texts))


def test_texts_sharing_words_are_more_alike(sw_fake_embedder):
    mug, camp_mug, sweater = sw_fake_embedder.embed(["enamel mug", "Enamel camp mug", "merino wool sweater"])
    assert mug @ camp_mug > mug @ sweater
    assert mug @ camp_mug == pytest.approx(2 / (2 * 3) ** 0.5, abs=1e-6)
