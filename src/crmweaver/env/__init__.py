"""Episodes: an agent acting on an org through SOQL/SOSL, scored like CRMArena-Pro.

`CRMEnv` (env.crm_env) is the public episode API every adapter wraps; `Episode` (env.episode) is
the chat state machine under it; `actions` parses what a model emits.
"""

from crmweaver.env.crm_env import CRMEnv

__all__ = ["CRMEnv"]
