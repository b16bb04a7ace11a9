"""A small night as an instrument computer would send it, using the client: files written, a unit started,
files registered singly and in bulk, everything sent again, the unit finished, then two bad registrations.
Prints what happened as JSON. The ccat-data-transfer test suite runs it against a live API:

    CCAT_DT_URL=http://127.0.0.1:3000 CCAT_DT_TOKEN=... CCAT_DT_ROOT=/data/ccat/telescope_computer \
        python3 clients/python/examples/night.py
"""

import dataclasses
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from ccat_dt_client import CcatApiError, CcatClient, uuid7  # noqa: E402


def main() -> None:
    client = CcatClient(os.environ["CCAT_DT_URL"], os.environ["CCAT_DT_TOKEN"])
    root = os.environ["CCAT_DT_ROOT"]
    unit = client.start_obs_unit(instrument="primecam", obs_unit="python_night")
    paths = []
    for i in range(8):
        path = f"primecam/{unit}/pcam_280/scan_{i}.fits"
        os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
        with open(os.path.join(root, path), "wb") as f:
            f.write(os.urandom(1000 + 4096 * i))
        paths.append(path)
    files = [client.describe_file(root, p, module="pcam_280") for p in paths]
    single = [client.register_file(unit, f) for f in files[:3]]
    bulk = client.register_files(unit, files[3:])
    resent = client.register_files(unit, files)
    resent_single = client.register_file(unit, files[0])
    client.finish_obs_unit(unit, outcome="success")
    errors = []
    bad_checksum = dataclasses.replace(files[0], id=uuid7(), sha256="not-a-checksum")
    changed = dataclasses.replace(files[1], size=files[1].size + 1)
    for registration in (bad_checksum, changed):
        try:
            client.register_file(unit, registration)
            errors.append(None)
        except CcatApiError as err:
            errors.append({"status": err.status, "messages": err.messages})
    print(
        json.dumps(
            {
                "unit": unit,
                "files": [dataclasses.asdict(f) for f in files],
                "single": single,
                "bulk": bulk,
                "resent": resent,
                "resentSingle": resent_single,
                "errors": errors,
            }
        )
    )


if __name__ == "__main__":
    main()
