from .fixtures import app, category, resident

__all__ = ["app", "category", "resident"]
