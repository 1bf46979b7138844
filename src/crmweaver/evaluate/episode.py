"""Layer 1: run one (task, trial) and turn it into a results record. No side effects.

`Worker` holds what an episode needs that is costly or not shareable across threads (an open
read-only org, a model backend). The local executor keeps one per thread; the Ray executor one per
actor, so a model is loaded once per worker, never once per episode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crmweaver.agent.backend import Backend
from crmweaver.agent.loop import run_episode
from crmweaver.env.episode import EnvConfig, Episode, QueryRunner, SimulatedUser
from crmweaver.errors import CrmweaverError
from crmweaver.evaluate.record import ResultRecord
from crmweaver.evaluate.salesforce import LiveOrg
from crmweaver.org.store import Org, open_org
from crmweaver.scoring import Extractor, Judge
from crmweaver.tasks.row import TaskRow

BackendFactory = Callable[[], Backend]
GuidelineFor = Callable[[TaskRow], "tuple[str, str] | None"]  # -> (memory item id, guideline text)
UserFor = Callable[[TaskRow], SimulatedUser]
ScorersFactory = Callable[[], "tuple[Extractor | None, Judge | None]"]  # e.g. evaluate.scorers.ScorerChoice


class BackendSetupError(CrmweaverError):
    """The model backend could not be built (bad spec, missing extra): the run stops, records kept."""


@dataclass(frozen=True)
class WorkItem:
    key: str
    task_key: str
    task: TaskRow
    trial: int


def record_for(item: WorkItem, model: str, org_label: str, result, memory: list[str]) -> ResultRecord:
    """The results record of DESIGN.md for one finished episode."""
    task = item.task
    return ResultRecord(
        key=item.key, task_key=item.task_key, idx=task.idx, task=task.task, skill=task.skill, org=task.org or org_label,
        trial=item.trial, model=model, reward=result.reward,
        reward_details={"metric": result.score.metric, "extracted": result.score.extracted, "detail": result.score.detail},
        response=result.response, expected=task.answer, termination=result.termination, turns=result.turns,
        tool_calls=result.tool_calls, prompt_tokens=result.prompt_tokens, completion_tokens=result.completion_tokens,
        latency_s=round(result.latency_s, 6), memory=memory, infra_error=result.infra_error, messages=result.messages,
    )


def crash_record(item: WorkItem, model: str, org_label: str, error: BaseException) -> ResultRecord:
    """An episode that raised inside crmweaver: scored 0, counted with the infra errors, traceback kept."""
    return ResultRecord.crash(key=item.key, task_key=item.task_key, task=item.task, trial=item.trial, model=model,
                              org=org_label, error=error)


def org_label(org: Org) -> str:
    return f"{org.preset}:{org.meta.get('seed', '?')}:{org.meta.get('scale', '?')}"


class Worker:
    """Runs episodes against one open org with one backend; built lazily in its own thread/process."""

    def __init__(
        self,
        org_path: str | Path,
        backend_factory: BackendFactory,
        config: EnvConfig,
        model: str,
        guideline_for: GuidelineFor | None = None,
        user_for: UserFor | None = None,
        scorers: ScorersFactory | None = None,
        live_org: LiveOrg | None = None,
    ):
        self.org_path = Path(org_path)
        self.backend_factory = backend_factory
        self.config = config
        self.model = model
        self.guideline_for = guideline_for
        self.user_for = user_for
        self.scorers = scorers
        self.live_org = live_org  # queries go to this Salesforce org; the org file still gives the prompt
        self._queries: QueryRunner | None = None
        self._org: Org | None = None
        self._backend: Backend | None = None
        self._hooks: tuple[Extractor | None, Judge | None] | None = None

    def _setup(self) -> tuple[Org, Backend]:
        if self._org is None:
            self._org = open_org(self.org_path)
        try:
            if self._backend is None:
                self._backend = self.backend_factory()
            if self._hooks is None:
                self._hooks = self.scorers() if self.scorers else (None, None)
            if self.live_org is not None and self._queries is None:
                self._queries = self.live_org.connect(max_rows=self.config.max_rows)
        except (CrmweaverError, ImportError) as e:  # a user error (bad spec, missing extra, failed login): stop the run
            raise BackendSetupError(str(e) or type(e).__name__) from e
        return self._org, self._backend

    def run(self, item: WorkItem) -> ResultRecord:
        org, backend = self._setup()
        try:
            shown = self.guideline_for(item.task) if self.guideline_for else None
            user = self.user_for(item.task) if self.user_for else None
            extractor, judge = self._hooks or (None, None)
            env = Episode(org, item.task, self.config, guideline=shown[1] if shown else None, user=user, extractor=extractor, judge=judge,
                          queries=self._queries)
            result = run_episode(env, backend)
        except Exception as e:  # a crmweaver bug must not cost the whole run
            return crash_record(item, self.model, org_label(org), e)
        return record_for(item, self.model, org_label(org), result, [shown[0]] if shown else [])

    def close(self) -> None:
        if self._org is not None:
            self._org.close()
            self._org = None
