from .fixtures import _fresh_throttles, app, category, media, resident

__all__ = ["_fresh_throttles", "app", "category", "media", "resident"]
