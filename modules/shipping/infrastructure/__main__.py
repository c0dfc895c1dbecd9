"""Pulumi program of the shipping service: its ECS service and database on the platform of its env."""

from infra import deploy_module

deploy_module("shipping", __file__)
