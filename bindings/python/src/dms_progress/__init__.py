"""dms_progress: the progress of a Huawei Cloud DMS for Kafka background task (a capacity
expansion), from ShowBackgroundTaskProgress, through the native dms-progress library.

    import dms_progress

    with dms_progress.Client(region="cn-north-4") as client:   # credentials from the env
        progress = client.wait(instance_id, task_id, on_progress=print)

The native library is the one inside this package, or the file named by the
``DMS_PROGRESS_LIB`` environment variable when it is set.
"""

from ._client import Client
from ._error import (
    ApiError,
    CancelledError,
    ConfigError,
    DecodeError,
    Error,
    InternalError,
    InvalidArgumentError,
    TaskFailedError,
    TransportError,
    WaitTimeoutError,
)
from ._ffi import LIB_PATH as _LIB_PATH
from ._ffi import lib as _lib
from ._progress import Progress, Step, StepStatus
from ._task import Expansion, Task, TaskPage, TaskStatus

__version__ = "0.1.0"


def library_version() -> str:
    """The version of the native library in use (``"0.1.0"``)."""
    return (_lib.dms_progress_version() or b"").decode()


def library_path() -> str:
    """The file the native library was loaded from."""
    return _LIB_PATH


__all__ = [
    "ApiError",
    "CancelledError",
    "Client",
    "ConfigError",
    "DecodeError",
    "Error",
    "Expansion",
    "InternalError",
    "InvalidArgumentError",
    "Progress",
    "Step",
    "StepStatus",
    "Task",
    "TaskFailedError",
    "TaskPage",
    "TaskStatus",
    "TransportError",
    "WaitTimeoutError",
    "library_path",
    "library_version",
]
