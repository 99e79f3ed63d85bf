"""Fingerprint of the software and hardware a result was computed on."""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version

PACKAGES = ("lrtbench", "torch", "numpy", "scipy", "pandas")


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that can change a number."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def fingerprint() -> dict:
    """Library versions, Python, CPU and thread count: what a same-environment check compares."""
    import torch

    return {
        "packages": package_versions(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
    }


def cpu_model() -> str:
    """The CPU's model name where the OS tells it, else the platform's processor string."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
