"""Pulumi program of the inventory service: its ECS service and database on the platform of its env."""

from infra import deploy_module

deploy_module("inventory", __file__)
