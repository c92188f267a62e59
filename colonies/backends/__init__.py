"""Back ends that run processes on an engine: containers, Slurm (and the SDK's shell).

Each back end is a small class behind ``common.Backend``; ``common.backend_executor`` turns
one into an SDK ``Executor`` (pull loop, heartbeats, graceful stop, result retries). What is
the same for every back end lives in ``common``: the command a spec asks for, ``{processid}``
substitution, the environment a job may see, outcomes with reasons, resource reports, the
cancel watcher and admission by declared resources.
"""
