"""Create the DynamoDB table on an AWS-compatible endpoint from template.yaml's Table resource,
so the tests run against exactly the key schema, attributes and TTL that production declares.

Usage: create_table.py TEMPLATE TABLE_NAME   (endpoint and credentials from AWS_* variables)
"""

import sys

import boto3
import yaml


class CfnLoader(yaml.SafeLoader):
    """YAML loader that keeps CloudFormation's short-form tags (!Ref, !Sub, …) as plain data."""


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node)
    else:
        value = loader.construct_mapping(node)
    return {suffix: value}


CfnLoader.add_multi_constructor("!", _tag)


def main(template_path: str, table_name: str) -> None:
    with open(template_path) as f:
        template = yaml.load(f, Loader=CfnLoader)
    props = template["Resources"]["Table"]["Properties"]
    client = boto3.client("dynamodb")
    args = {
        "TableName": table_name,
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    for index_kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if index_kind in props:
            args[index_kind] = props[index_kind]
    client.create_table(**args)
    client.get_waiter("table_exists").wait(TableName=table_name)
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        client.update_time_to_live(TableName=table_name, TimeToLiveSpecification=ttl)
    print(f"created table {table_name} from {template_path}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
