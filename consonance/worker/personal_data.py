from __future__ import annotations

NOT_PERSONAL = {"worker.PeriodicJob": "schedule bookkeeping: task names and times"}
