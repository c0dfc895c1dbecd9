"""Errors raised by OrdersClient."""


class OrdersClientError(Exception):
    pass


class OrderNotFoundError(OrdersClientError):
    pass


class OrdersUnavailableError(OrdersClientError):
    pass
