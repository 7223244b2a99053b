"""One query, printed, then exit: the cold-start and peak-RSS subject of bench/run.sh.

    python one_call.py ours|sdk ENDPOINT PROJECT INSTANCE TASK

Credentials: HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK. Only the package measured is imported.
"""

import os
import sys

kind, endpoint, project, instance, task = sys.argv[1:6]
ak, sk = os.environ["HUAWEICLOUD_SDK_AK"], os.environ["HUAWEICLOUD_SDK_SK"]
if kind == "ours":
    import dms_progress

    with dms_progress.Client(endpoint=endpoint, project_id=project, ak=ak, sk=sk) as client:
        p = client.get_progress(instance, task)
    print(p.percentage, [(s.name, str(s.status)) for s in p.steps])
elif kind == "sdk":
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkkafka.v2 import KafkaClient, ShowBackgroundTaskProgressRequest

    client = (
        KafkaClient.new_builder()
        .with_credentials(BasicCredentials(ak, sk, project))
        .with_endpoints([endpoint])
        .build()
    )
    r = client.show_background_task_progress(
        ShowBackgroundTaskProgressRequest(instance_id=instance, task_id=task)
    )
    print(r.progress_percentage, [(s.name, s.statue) for s in r.step_list])
else:
    raise SystemExit(f"unknown kind {kind!r}: ours or sdk")
