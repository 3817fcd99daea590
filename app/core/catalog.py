"""What validation needs to know about node types, without depending on their code.

The node catalogue (app.nodes) implements these protocols; keeping them here keeps the core
free of I/O and lets tests validate against small fake catalogues.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from pydantic import BaseModel

from app.core.ports import Port


class NodeTypeInfo(Protocol):
    @property
    def type_name(self) -> str: ...

    @property
    def type_version(self) -> int: ...

    @property
    def is_trigger(self) -> bool: ...

    @property
    def is_loop(self) -> bool: ...

    def parse_config(self, config: dict[str, Any]) -> BaseModel: ...

    def input_ports(self, config: BaseModel) -> Sequence[Port]: ...

    def output_ports(self, config: BaseModel) -> Sequence[Port]: ...

    def branch_ports(self, config: BaseModel) -> Sequence[str]:
        """Output ports that each need an outgoing edge (if/switch outcomes)."""
        ...

    def config_problems(
        self, config: BaseModel, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        """Deeper checks of a parsed config: (field path, message) pairs."""
        ...


class FunctionLookup(Protocol):
    """The registered functions, as validation sees them."""

    def __contains__(self, name: object) -> bool: ...

    def arg_problems(self, name: str, args: dict[str, Any]) -> list[tuple[str, str]]:
        """(field, message) for unknown or missing arguments of function `name`."""
        ...


class Catalog(Protocol):
    def lookup(self, type_name: str, type_version: int) -> NodeTypeInfo | None: ...

    def known_types(self) -> Sequence[str]: ...
