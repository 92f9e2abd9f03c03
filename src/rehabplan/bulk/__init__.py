"""Many patients at once: a roster in, a folder of handouts and a manifest out."""

from rehabplan.bulk.run import bulk_build

__all__ = ["bulk_build"]
