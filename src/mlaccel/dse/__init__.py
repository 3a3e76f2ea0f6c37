"""Design-space exploration: a TOML space (:mod:`.space`), closed-form evaluation of each point
(:mod:`.evaluate`), a resumable SQLite store (:mod:`.store`), a process-pool sweep with Optuna's
multi-objective search (:mod:`.sweep`), and Pareto fronts (:mod:`.pareto`)."""
