"""Wait for a DMS for Kafka capacity expansion to finish, showing its progress.

    export HUAWEICLOUD_SDK_AK=... HUAWEICLOUD_SDK_SK=... HUAWEICLOUD_SDK_PROJECT_ID=...
    python watch.py cn-north-4 INSTANCE_ID TASK_ID      # or an endpoint URL instead of a region
"""
import sys

import dms_progress

where, instance_id, task_id = sys.argv[1:4]
location = {"endpoint": where} if "://" in where else {"region": where}

with dms_progress.Client(**location) as client:
    try:
        done = client.wait(instance_id, task_id, interval=5, timeout=2 * 3600, on_progress=print)
    except dms_progress.TaskFailedError as e:
        sys.exit(f"expansion failed at step {e.step.name!r}: {e.progress}")
    except dms_progress.ApiError as e:
        sys.exit(f"HTTP {e.status} {e.error_code}: {e.error_msg} (request id {e.request_id})")
print(f"done: {done}")
