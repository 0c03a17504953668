"""The Jupyter kernel ``spiegel`` (installed by ``make install``): ipykernel, with one log line less.

ipykernel 7 logs ``WARNING | Kernel is running over TCP without encryption ...`` at every start when the kernel
manager did not provision CurveZMQ keys, which papermill, nbclient and nbval never do. The kernel listens on
127.0.0.1 only, so for a report run the English line is noise on every ``papermill`` call (issue 26, item 8).
This launcher is ipykernel's own (``ipykernel_launcher``) with that one record filtered out; every other
message of the kernel is logged as before.

``python -m spiegel.kernel install`` writes the kernel spec into the venv (``--sys-prefix``); the kernel spec
runs ``python -m spiegel.kernel -f {connection_file}``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

KERNEL_NAME = "spiegel"
DISPLAY_NAME = "Python (spiegel)"
#: The start of ipykernel's message (kernelapp.py, ``init_sockets``).
PLAIN_TCP_WARNING = "Kernel is running over TCP without encryption"


class _DropPlainTcpWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(PLAIN_TCP_WARNING)


def kernel_app_class() -> type:
    """ipykernel's ``IPKernelApp`` with the plain-TCP warning filtered (same name, so log lines look the same)."""
    from ipykernel.kernelapp import IPKernelApp as _Base

    class IPKernelApp(_Base):  # type: ignore[misc, valid-type]
        def init_sockets(self) -> None:
            quiet = _DropPlainTcpWarning()
            self.log.addFilter(quiet)
            try:
                super().init_sockets()
            finally:
                self.log.removeFilter(quiet)

    return IPKernelApp


def install(prefix: str | None = None) -> str:
    """Writes the ``spiegel`` kernel spec (into ``prefix``, default ``sys.prefix``); returns its folder."""
    import json

    from ipykernel.kernelspec import install as ipykernel_install

    folder = ipykernel_install(kernel_name=KERNEL_NAME, display_name=DISPLAY_NAME, prefix=prefix or sys.prefix)
    spec_file = Path(folder) / "kernel.json"
    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    argv = spec["argv"]
    argv[argv.index("ipykernel_launcher")] = "spiegel.kernel"
    spec_file.write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    return str(folder)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["install"]:
        print(install())
        return
    # as ipykernel_launcher: the working directory is not on sys.path while the kernel loads
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]
    kernel_app_class().launch_instance(argv=args)


if __name__ == "__main__":
    main()
