"""Prompt states: the documented contract, checked against sentence-transformers' own token embeddings."""

import pytest
import torch

from tessera_train.encode_text import TEXT_LENGTH, PromptEncoder


@pytest.fixture(scope="module")
def encoder():
    return PromptEncoder()


def test_states_match_sentence_transformers(encoder):
    from sentence_transformers import SentenceTransformer

    from tessera_train.encode_text import minilm_path

    st = SentenceTransformer(str(minilm_path()), device="cpu")
    text = "A small blue square slides to the left across a gray studio"
    ref = st.encode(text, output_value="token_embeddings", convert_to_tensor=True)   # (n, 384)
    out = encoder([text])[0]
    n = ref.shape[0]
    assert out.shape == (TEXT_LENGTH, 384)
    assert torch.allclose(out[:n], ref, atol=1e-4)
    assert (out[n:] == 0).all()


def test_truncation_and_empty_prompt(encoder):
    long = "red " * 200
    out = encoder([long])[0]
    assert (out.abs().sum(-1) > 0).all()                   # 64 real tokens, no padding
    empty = encoder([""])[0]
    assert (empty[:2].abs().sum(-1) > 0).all() and (empty[2:] == 0).all()   # [CLS] [SEP]
