"""Shared memory of task guidelines: distil from trajectories, store, retrieve, inject, write back.

    memory = Memory("mem.db")                      # embedder and threshold from the file (or defaults)
    memory.add_all(rule_distill(trajectories(read_records("runs/ID"))))
    memory.retrieve("Which agent closed cases fastest last quarter?")   # -> [Hit(id, title, task_type, score, body)]
    memory.guideline_for(task)                     # -> (id, text) | None: the eval runner's hook
    memory.after_episode(record)                   # counters of the shown items, write-back when nothing matched
"""

from crmweaver.memory.distill import DistillError, Guideline, Trajectory, llm_distill, read_records, rule_distill, trajectories
from crmweaver.memory.embed import EmbedError, Embedder, LexicalEmbedder, make_embedder
from crmweaver.memory.index import ExactIndex, Index
from crmweaver.memory.retrieve import WRITE_POLICIES, Hit, Memory, build_memory
from crmweaver.memory.store import Item, MemoryStoreError, Store

__all__ = [
    "DistillError", "EmbedError", "Embedder", "ExactIndex", "Guideline", "Hit", "Index", "Item", "LexicalEmbedder", "Memory",
    "MemoryStoreError", "Store", "Trajectory", "WRITE_POLICIES", "build_memory", "llm_distill", "make_embedder", "read_records",
    "rule_distill", "trajectories",
]
