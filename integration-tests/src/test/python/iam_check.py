"""Evaluates AWS calls against IAM policies with moto's policy evaluator (moto.iam.access_control,
the code moto itself enforces IAM with).

Reads JSON on stdin: {"principals": [{"statements": [IAM statement, ...], "calls": [{"action", "resource"}, ...]}, ...]}
Writes JSON: {"principals": [{"calls": ["PERMITTED" | "DENIED" | "NEUTRAL", ...],
                              "statements": [number of the calls each statement alone permits, ...]}, ...]}
"""
import json
import sys

try:
    from moto.iam.access_control import IAMPolicy, PermissionResult
except ImportError:
    sys.exit("moto is not installed: pip install 'moto[server]'")


def policy(statements):
    return IAMPolicy(json.dumps({"Version": "2012-10-17", "Statement": statements}))


def main():
    answer = []
    for principal in json.load(sys.stdin)["principals"]:
        whole = policy(principal["statements"])
        alone = [policy([s]) for s in principal["statements"]]
        calls = principal["calls"]
        answer.append({
            "calls": [whole.is_action_permitted(c["action"], c["resource"]).name for c in calls],
            "statements": [sum(1 for c in calls if p.is_action_permitted(c["action"], c["resource"]) == PermissionResult.PERMITTED)
                           for p in alone],
        })
    json.dump({"principals": answer}, sys.stdout)


if __name__ == "__main__":
    main()
