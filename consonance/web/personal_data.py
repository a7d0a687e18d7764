from __future__ import annotations

NOT_PERSONAL = {
    "web.SitePage": "the coach's own public pages (home, about): her text, nothing about clients",
}
