from __future__ import annotations

NOT_PERSONAL = {
    "audit.Event": "records actions on a person's data by primary key; never the values",
    "audit.Verification": "outcomes of the chain verification: counts and event numbers only",
}
