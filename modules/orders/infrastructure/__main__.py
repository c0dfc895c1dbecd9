"""Pulumi program of the orders service: its ECS service and database on the platform of its env."""

from infra import deploy_module

deploy_module("orders", __file__)
