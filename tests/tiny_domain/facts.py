from spiegel.validate import Facts, Settings

__all__ = ["Facts", "Settings"]
