"""Transforms a SAM template into the CloudFormation template that `sam deploy` would create, with
the AWS SAM translator (aws-sam-translator, the library inside the SAM CLI), and prints it as JSON.

usage: python3 sam_transform.py TEMPLATE [REGION]

The template is taken as `sam package` leaves it: CodeUri and ContentUri already S3 URIs. No AWS
call is made: managed policy names would need IAM, and this project's policies are all inline.
"""
import json
import logging
import os
import sys

try:
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse
except ImportError:
    sys.exit("aws-sam-translator is not installed: pip install aws-sam-translator")


class NoManagedPolicies:
    def load(self):
        return {}


def main():
    logging.disable(logging.CRITICAL)
    os.environ.setdefault("AWS_DEFAULT_REGION", sys.argv[2] if len(sys.argv) > 2 else "us-east-1")
    with open(sys.argv[1], encoding="utf-8") as f:
        template = yaml_parse(f.read())
    json.dump(transform(template, {}, NoManagedPolicies()), sys.stdout, indent=1, sort_keys=True, default=str)


if __name__ == "__main__":
    main()
