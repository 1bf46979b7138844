"""`gymnasium.make("crmweaver/CRM-v0", ...)` after `import crmweaver`, without importing gymnasium then.

`import crmweaver` registers the id at once when gymnasium is already loaded, else installs a
one-shot import hook that registers it right after gymnasium's registry module loads.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys

ENV_ID = "crmweaver/CRM-v0"


def register() -> None:
    """Register ENV_ID with gymnasium (idempotent)."""
    from gymnasium.envs.registration import register as gym_register, registry

    if ENV_ID not in registry:
        gym_register(id=ENV_ID, entry_point="crmweaver.adapters.gym_env:CRMGymEnv", disable_env_checker=True)


class _RegisterWhenImported(importlib.abc.MetaPathFinder):
    """Runs `register()` right after gymnasium's registration module is first imported."""

    name = "gymnasium.envs.registration"

    def find_spec(self, fullname, path, target=None):
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        loader, run = spec.loader, spec.loader.exec_module

        def exec_module(module):
            run(module)
            register()

        loader.exec_module = exec_module
        return spec


def register_on_import() -> None:
    if not any(isinstance(f, _RegisterWhenImported) for f in sys.meta_path):
        sys.meta_path.insert(0, _RegisterWhenImported())
