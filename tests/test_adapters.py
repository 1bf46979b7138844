"""The environment in Gymnasium, verifiers, TRL and verl, each tested against the real library's
classes and loaders, and the same reward as `crmweaver eval` on the same episodes.

One scripted policy (tests/scripted_policy.py: the oracle, or the oracle with a wrong final
answer) drives every framework; `crmweaver eval` meets it as an OpenAI-compatible endpoint.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from crmweaver.env.actions import TOOL_SCHEMAS
from crmweaver.org.store import open_org
from crmweaver.tasks.row import write_tasks
from crmweaver.tasks.synth import synthesize

sys.path.insert(0, str(Path(__file__).parent))
from scripted_policy import PolicyServer, act  # noqa: E402

pytestmark = pytest.mark.slow  # other frameworks' trainers and evaluators end to end

TYPES = ["handle_time", "lead_qualification", "private_customer_information"]  # exact match, text, privacy refusal
MODES = ("oracle", "wrong")


@pytest.fixture(scope="module")
def tasks(b2b_org_path):
    with open_org(b2b_org_path) as org:
        return synthesize(org, per_type=1, seed=0, types=TYPES)


@pytest.fixture(scope="module")
def tasks_file(tasks, tmp_path_factory):
    path = tmp_path_factory.mktemp("adapters") / "tasks.jsonl"
    write_tasks(path, tasks)
    return path


@pytest.fixture(scope="module")
def server(tasks):
    s = PolicyServer(tasks)
    yield s
    s.close()


@pytest.fixture(scope="module")
def eval_rewards(b2b_org_path, tasks_file, server, tmp_path_factory):
    """{(protocol, mode): [reward per task]} from `crmweaver eval --model openai:scripted --base-url ...`."""
    from crmweaver.cli import app

    out: dict[tuple[str, str], list[float]] = {}
    for protocol in ("react", "tools"):
        for mode in MODES:
            run = tmp_path_factory.mktemp(f"eval-{protocol}-{mode}")
            result = CliRunner().invoke(app, ["eval", "--org", str(b2b_org_path), "--tasks", str(tasks_file), "--model", "openai:scripted",
                                              "--base-url", server.url(mode), "--protocol", protocol, "--out", str(run)],
                                        env={"OPENAI_API_KEY": "scripted"})
            assert result.exit_code == 0, result.output
            records = {r["idx"]: r for r in map(json.loads, (run / "results.jsonl").read_text().splitlines())}
            out[protocol, mode] = [records[i]["reward"] for i in sorted(records)]
            out[protocol, mode, "messages"] = [records[i]["messages"] for i in sorted(records)]
    return out


def test_eval_rewards_are_what_the_policies_earn(eval_rewards, tasks):
    for protocol in ("react", "tools"):
        assert eval_rewards[protocol, "oracle"] == [1.0] * len(tasks)
        assert eval_rewards[protocol, "wrong"] == [0.0] * len(tasks)


# --- Gymnasium --------------------------------------------------------------------------------


def gym_reward(org_path, task, mode: str) -> float:
    return gym_episode(org_path, task, mode)[0]


def gym_episode(org_path, task, mode: str) -> tuple[float, list[dict]]:
    import gymnasium as gym

    env = gym.make("crmweaver/CRM-v0", org=org_path, task=task.model_dump())
    observation, info = env.reset(seed=0)
    messages = info["messages"]
    terminated = truncated = False
    while not (terminated or truncated):
        action = act(mode, task, messages).text
        observation, reward, terminated, truncated, info = env.step(action)
        messages = info["messages"]
    return reward, messages


def test_gymnasium_make_after_import(b2b_org_path, tasks):
    code = ("import crmweaver, gymnasium as gym; "
            "print('crmweaver/CRM-v0' in gym.registry, type(gym.spec('crmweaver/CRM-v0').entry_point).__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "str"]  # registered although gymnasium was imported after crmweaver
    import gymnasium as gym

    import crmweaver  # noqa: F401

    env = gym.make("crmweaver/CRM-v0", org=b2b_org_path, task=tasks[0].model_dump(), max_turns=3)
    observation, info = env.reset(seed=0)
    assert tasks[0].query in observation and [m["role"] for m in info["messages"]] == ["system", "user"]
    observation, reward, terminated, truncated, info = env.step("no tags at all")
    assert (reward, terminated, truncated, info["action"].kind) == (0.0, False, False, "invalid") and "<execute>" in observation
    assert gym_reward(b2b_org_path, tasks[0], "oracle") == 1.0


# --- verifiers --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vf_rewards(b2b_org_path, tasks_file, server):
    """{(protocol, mode): [reward per task]} from rollouts of `verifiers.load_environment("crmweaver", ...)`
    with verifiers' own OpenAI client."""
    vf = pytest.importorskip("verifiers")
    os.environ.setdefault("SCRIPTED_API_KEY", "scripted")
    out = {}
    for protocol in ("tools", "react"):
        env = vf.load_environment("crmweaver", org=str(b2b_org_path), tasks=str(tasks_file), protocol=protocol)
        assert type(env).__name__ == "CRMWeaverEnv" and isinstance(env, vf.MultiTurnEnv)
        for mode in MODES:
            client = vf.ClientConfig(api_base_url=server.url(mode), api_key_var="SCRIPTED_API_KEY", max_retries=0)
            outputs = env.evaluate_sync(client, model="scripted")["outputs"]
            assert all(o["stop_condition"] == "crmweaver_done" and o["error"] is None for o in outputs)
            out[protocol, mode] = [o["reward"] for o in sorted(outputs, key=lambda o: o["example_id"])]
    return out


def test_verifiers_environment_rollouts(vf_rewards, tasks):
    for protocol in ("tools", "react"):
        assert vf_rewards[protocol, "oracle"] == [1.0] * len(tasks) and vf_rewards[protocol, "wrong"] == [0.0] * len(tasks)


def test_vf_eval_finds_the_environment(b2b_org_path, tasks_file, server, tmp_path):
    vf_eval = Path(sys.executable).parent / "vf-eval"
    if not vf_eval.exists():
        pytest.skip("verifiers is not installed")
    args = json.dumps({"org": str(b2b_org_path), "tasks": str(tasks_file), "limit": 1})
    proc = subprocess.run([str(vf_eval), "crmweaver", "-a", args, "-m", "scripted", "-b", server.url("oracle"), "-k", "SCRIPTED_API_KEY",
                           "-n", "1", "-r", "1", "-s", "-d", "--disable-env-server", "-o", str(tmp_path)],
                          capture_output=True, text=True, env={**os.environ, "SCRIPTED_API_KEY": "scripted"}, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = [json.loads(x) for p in tmp_path.rglob("results.jsonl") for x in p.read_text().splitlines()]
    assert [r["reward"] for r in results] == [1.0]


# --- TRL --------------------------------------------------------------------------------------


def trl_reward(org_path, task, mode: str) -> float:
    """Play CRMToolEnv as GRPOTrainer does: reset(**row), then the policy's tool calls as method calls."""
    from crmweaver.train.trl_env import CRMToolEnv, environment_dataset

    row = environment_dataset([task], org_path)[0]
    env = CRMToolEnv()
    assert env.reset(**row) is None
    messages = list(row["prompt"])
    for _ in range(30):
        gen = act(mode, task, messages, tools=TOOL_SCHEMAS)
        if not gen.tool_calls:
            break
        call = gen.tool_calls[0]["function"]
        result = getattr(env, call["name"])(**json.loads(call["arguments"]))
        messages += [{"role": "assistant", "content": gen.text, "tool_calls": gen.tool_calls},
                     {"role": "tool", "tool_call_id": gen.tool_calls[0]["id"], "content": result}]
        if call["name"] == "respond":
            break
    return env.get_reward()


# --- verl -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def verl_loaded(tmp_path_factory):
    """Our tools and interaction, instantiated from the YAML files by verl's own loaders."""
    pytest.importorskip("verl.interactions.base")
    from verl.interactions.utils.interaction_registry import initialize_interactions_from_config
    from verl.tools.utils.tool_registry import initialize_tools_from_config

    from crmweaver.train import verl_adapter as va

    root = tmp_path_factory.mktemp("verl")
    tools = {t.name: t for t in initialize_tools_from_config(str(va.tools_config(root / "tools.yaml")))}
    interactions = initialize_interactions_from_config(str(va.interaction_config(root / "interaction.yaml")))
    return tools, interactions["crmweaver"]


def verl_reward(org_path, task, mode: str, loaded, protocol: str) -> float:
    """One rollout the way verl's ToolAgentLoop drives it: the interaction started under the request id,
    tool calls through create/execute/release with the rollout's agent data, every other assistant
    message to the interaction; the reward function gets the interaction's turn scores."""
    from crmweaver.train import verl_adapter as va

    tools, interaction = loaded
    row = va.verl_rows([task], org_path, protocol=protocol)[0]
    row = json.loads(json.dumps(row))  # as the parquet round trip gives it
    kwargs = row["extra_info"]["interaction_kwargs"]
    agent_data = SimpleNamespace(request_id=f"req-{task.idx}-{mode}-{protocol}", messages=list(row["prompt"]), turn_scores=[])

    async def rollout() -> None:
        await interaction.start_interaction(agent_data.request_id, **kwargs)
        for _ in range(30):
            gen = act(mode, task, agent_data.messages, tools=TOOL_SCHEMAS if protocol == "tools" else None)
            call = (gen.tool_calls or [{}])[0].get("function", {})
            if call.get("name") in tools:
                agent_data.messages.append({"role": "assistant", "content": gen.text or "", "tool_calls": gen.tool_calls})
                tool = tools[call["name"]]
                create = row["extra_info"].get("tools_kwargs", {}).get(tool.name, {}).get("create_kwargs", {})
                instance_id, _ = await tool.create(create_kwargs=create)
                response, _, _ = await tool.execute(instance_id, json.loads(call["arguments"]), agent_data=agent_data)
                await tool.release(instance_id)
                agent_data.messages.append({"role": "tool", "content": response.text})
                continue
            content = json.loads(call["arguments"])["content"] if call else gen.text  # the model's plain answer
            agent_data.messages.append({"role": "assistant", "content": content})
            done, reply, turn_score, _ = await interaction.generate_response(agent_data.request_id, agent_data.messages, **kwargs)
            agent_data.turn_scores.append(turn_score)
            agent_data.messages.append({"role": "user", "content": reply})
            if done:
                break
        await interaction.finalize_interaction(agent_data.request_id)

    asyncio.run(rollout())
    assert va.session(agent_data.request_id) is None  # finalized
    reward = va.compute_score(row["data_source"], "", row["reward_model"]["ground_truth"],
                              {**row["extra_info"], "turn_scores": agent_data.turn_scores})
    if protocol == "react":  # without the turn scores, the decoded transcript gives the same reward
        transcript = "\n".join(m["content"] for m in agent_data.messages[2:])
        assert va.compute_score(row["data_source"], transcript, None, row["extra_info"]) == reward
    return reward


def test_verl_tools_and_interaction_from_verls_loaders(b2b_org_path, tasks, verl_loaded):
    from verl.interactions.base import BaseInteraction
    from verl.tools.base_tool import BaseTool

    tools, interaction = verl_loaded
    assert sorted(tools) == ["execute_soql", "execute_sosl"] and all(isinstance(t, BaseTool) for t in tools.values())
    assert isinstance(interaction, BaseInteraction) and interaction.name == "crmweaver"
    for protocol in ("react", "tools"):
        assert verl_reward(b2b_org_path, tasks[0], "oracle", verl_loaded, protocol) == 1.0


# --- one reward everywhere --------------------------------------------------------------------


def test_every_adapter_gives_the_reward_crmweaver_eval_gives(b2b_org_path, tasks, eval_rewards, vf_rewards, verl_loaded):
    for mode in MODES:
        expected = eval_rewards["react", mode]
        assert eval_rewards["tools", mode] == expected
        assert [gym_episode(b2b_org_path, t, mode) for t in tasks] == list(zip(expected, eval_rewards["react", mode, "messages"]))
        assert vf_rewards["tools", mode] == vf_rewards["react", mode] == expected
        assert [trl_reward(b2b_org_path, t, mode) for t in tasks] == expected
        for protocol in ("react", "tools"):
            assert [verl_reward(b2b_org_path, t, mode, verl_loaded, protocol) for t in tasks] == expected


# --- the docs' examples -----------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[1] / "docs"


def python_blocks(page: str) -> str:
    text = (DOCS / page).read_text()
    return "\n".join(block.split("```", 1)[0] for block in text.split("```python\n")[1:])


@pytest.mark.parametrize("page", ["gymnasium.md", "verifiers.md", "trl.md", "verl.md"])
def test_docs_example_runs_as_written(page, b2b_org_path, tasks_file, server, tmp_path, monkeypatch):
    """Each framework page's Python, run as written in a folder holding org.db and tasks.jsonl (the
    TRL page's is the GRPO smoke run: one step of TRL's trainer through environment_factory)."""
    pytest.importorskip({"gymnasium.md": "gymnasium", "verifiers.md": "verifiers", "trl.md": "trl", "verl.md": "verl.interactions.base"}[page])
    (tmp_path / "org.db").symlink_to(b2b_org_path)
    (tmp_path / "tasks.jsonl").symlink_to(tasks_file)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_BASE_URL", server.url("oracle"))
    monkeypatch.setenv("OPENAI_API_KEY", "scripted")
    monkeypatch.setenv("TRL_EXPERIMENTAL_SILENCE", "1")
    namespace: dict = {}
    exec(compile(python_blocks(page), page, "exec"), namespace)  # noqa: S102 (our own docs)
    if page == "gymnasium.md":
        assert namespace["reward"] == 1.0 and namespace["terminated"]
    elif page == "verifiers.md":
        assert [o["reward"] for o in namespace["results"]["outputs"]] == [1.0] * len(namespace["env"].eval_dataset)
    elif page == "trl.md":
        trainer = namespace["trainer"]
        assert trainer.state.global_step == 1 and [t.__name__ for t in trainer.tools] == ["execute_soql", "execute_sosl", "respond"]
        assert trainer.state.log_history[0]["rewards/CRMToolEnv/mean"] == 0.0  # random weights never answer
    else:
        assert sorted(t.name for t in namespace["tools"]) == ["execute_soql", "execute_sosl"] and list(namespace["interactions"]) == ["crmweaver"]
        assert (tmp_path / "verl" / "train.parquet").stat().st_size > 0
