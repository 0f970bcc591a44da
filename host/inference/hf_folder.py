"""A local Hugging Face model folder named in a shop's model settings.

Any causal language model saved with `save_pretrained` (or downloaded ahead of time with
`huggingface-cli download --local-dir`) works: the folder needs `config.json`, the weights
(`*.safetensors` or `pytorch_model*.bin`) and the tokenizer files. Nothing is fetched: a folder
that lacks one of them is refused with a message saying which, before anything is loaded.
"""

from __future__ import annotations

import json
from pathlib import Path

from shopwright.host.inference.errors import BackendUnavailable
from shopwright.host.inference.transformers_text import TransformersTextBackend

TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.json", "tokenizer_config.json")


class HFFolderTextBackend(TransformersTextBackend):
    name = "hf_folder"

    @classmethod
    def load(cls, path: str | Path, **options) -> HFFolderTextBackend:
        folder = check_model_folder(path)
        try:
            return cls.from_folder(folder, model=folder.name, **options)
        except (OSError, ValueError, KeyError) as exc:  # transformers' words for "cannot read this"
            raise BackendUnavailable(f"The model folder {folder} could not be loaded: {exc}") from exc


def check_model_folder(path: str | Path) -> Path:
    """The folder as an absolute path, or BackendUnavailable saying what is missing."""
    if not str(path).strip():
        raise BackendUnavailable("No model folder is set: enter the folder's path on the Models page.")
    folder = Path(path).expanduser().resolve()
    if not folder.is_dir():
        raise BackendUnavailable(f"The model folder {folder} does not exist on this server.")
    config = folder / "config.json"
    if not config.is_file():
        raise BackendUnavailable(f"{folder} is not a model folder: it has no config.json.")
    _check_config(config)
    if not _has_weights(folder):
        raise BackendUnavailable(f"{folder} holds no model weights (*.safetensors or pytorch_model.bin).")
    if not any((folder / name).is_file() for name in TOKENIZER_FILES):
        raise BackendUnavailable(f"{folder} holds no tokenizer (tokenizer.json or tokenizer_config.json).")
    return folder


def _check_config(config: Path) -> None:
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackendUnavailable(f"{config} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or "model_type" not in data:
        raise BackendUnavailable(f"{config} does not describe a transformers model (no model_type).")


def _has_weights(folder: Path) -> bool:
    return any(folder.glob("*.safetensors")) or any(folder.glob("pytorch_model*.bin"))
