"""crmweaver: build, train and evaluate business agents on an offline Salesforce-style CRM org.

The handful of things a user needs, one import away (each loads on first use, so `import
crmweaver` stays light and no extra is imported before it is asked for):

>>> import tempfile, pathlib, crmweaver
>>> path = pathlib.Path(tempfile.mkdtemp()) / "org.db"
>>> counts = crmweaver.build_org(path, preset="b2b", seed=0, scale=0.05)
>>> org = crmweaver.open_org(path)
>>> crmweaver.query(org, "SELECT COUNT() FROM Account")["totalSize"] == counts["Account"]
True
>>> tasks = crmweaver.synthesize(org, per_type=1, types=["handle_time"])
>>> env = crmweaver.CRMEnv.from_task(tasks[0], path)
>>> [m["role"] for m in env.reset()]
['system', 'user']
>>> observation, reward, done, info = env.step("<execute>SELECT COUNT() FROM Case</execute>")
>>> observation.startswith('{"totalSize"'), reward, done
(True, 0.0, False)
>>> observation, reward, done, info = env.step(f"<respond>{crmweaver.oracle_answer(tasks[0])}</respond>")
>>> reward, done
(1.0, True)
>>> summary = crmweaver.run_eval(path, tasks, lambda: crmweaver.make_backend("oracle"), out_dir=path.parent / "run")
>>> summary.overall.all
1.0
>>> more = crmweaver.EvalConfig(trials=2, resume=True)  # keeps trial 0, runs trial 1
>>> crmweaver.run_eval(path, tasks, lambda: crmweaver.make_backend("oracle"), more, out_dir=path.parent / "run").overall.pass_k
{1: 1.0, 2: 1.0}

The environment in the trainers people use (each in its own extra, imported when asked for):
`crmweaver.load_environment(org=..., tasks=...)` (verifiers; also `verifiers.load_environment
("crmweaver", ...)` and `vf-eval crmweaver`), `crmweaver.train.trl_env.CRMToolEnv` (TRL's
`environment_factory`), `crmweaver.train.verl_adapter` (verl's tools YAML, BaseTool and
BaseInteraction) and `gymnasium.make("crmweaver/CRM-v0", org=..., task=...)`. See docs/.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {  # name -> module that defines it
    "build_org": "crmweaver.org.generate",
    "open_org": "crmweaver.org.store",
    "Org": "crmweaver.org.store",
    "TaskRow": "crmweaver.tasks.row",
    "read_tasks": "crmweaver.tasks.row",
    "write_tasks": "crmweaver.tasks.row",
    "synthesize": "crmweaver.tasks.synth",
    "score": "crmweaver.scoring",
    "CRMEnv": "crmweaver.env.crm_env",
    "EnvConfig": "crmweaver.env.episode",
    "EvalConfig": "crmweaver.evaluate.runner",
    "make_backend": "crmweaver.agent.specs",
    "Memory": "crmweaver.memory",
    "load_environment": "crmweaver.adapters.verifiers_env",
}
_RENAMED = {  # names a subpackage would shadow (importing crmweaver.evaluate sets crmweaver.evaluate), or clearer here
    "query": ("crmweaver.soql.query", "run"),
    "run_eval": ("crmweaver.evaluate.runner", "evaluate"),
    "oracle_answer": ("crmweaver.agent.oracle", "answer_text"),
}

__all__ = sorted([*_EXPORTS, *_RENAMED])


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module, attr = _EXPORTS[name], name
    elif name in _RENAMED:
        module, attr = _RENAMED[name]
    else:
        raise AttributeError(f"module 'crmweaver' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


def _register_gymnasium() -> None:
    """Make `gymnasium.make("crmweaver/CRM-v0", ...)` work after `import crmweaver`, without
    importing gymnasium here: registered now if gymnasium is loaded, else when it is."""
    if "gymnasium.envs.registration" in sys.modules:
        from crmweaver.adapters.gym_register import register

        register()
    elif importlib.util.find_spec("gymnasium") is not None:
        from crmweaver.adapters.gym_register import register_on_import

        register_on_import()


_register_gymnasium()
