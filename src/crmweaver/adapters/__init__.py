"""The environment in other frameworks' shapes: Gymnasium (`gym_env`) and verifiers (`verifiers_env`).

Every adapter wraps `crmweaver.env.CRMEnv` and nothing else: none parses actions or scores
answers itself. Each imports its framework only when used (`pip install -e '.[gym]'`,
`'.[verifiers]'`). The trainer adapters (TRL, verl) live in `crmweaver.train`.
"""
