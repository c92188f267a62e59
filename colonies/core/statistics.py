from __future__ import annotations

from colonies.core._wire import Int, WireModel


class Statistics(WireModel):
    colonies: Int = 0
    executors: Int = 0
    active_executors: Int = 0
    unregistered_executors: Int = 0
    waiting_processes: Int = 0
    running_processes: Int = 0
    successful_processes: Int = 0
    failed_processes: Int = 0
    cancelled_processes: Int = 0
    waiting_workflows: Int = 0
    running_workflows: Int = 0
    successful_workflows: Int = 0
    failed_workflows: Int = 0
    cancelled_workflows: Int = 0
