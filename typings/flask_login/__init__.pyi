from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import Flask

_F = TypeVar("_F", bound=Callable[..., Any])

# The signed-in user or the anonymous one: whatever the user loader returns, behind a proxy.
current_user: Any

def login_required(func: _F) -> _F: ...
def login_user(
    user: Any, remember: bool = ..., duration: timedelta | None = ..., force: bool = ..., fresh: bool = ...
) -> bool: ...
def logout_user() -> bool: ...

class LoginManager:
    login_view: str | None
    login_message: str
    localize_callback: Callable[[str], str] | None
    session_protection: str | None
    def __init__(self, app: Flask | None = ..., add_context_processor: bool = ...) -> None: ...
    def init_app(self, app: Flask, add_context_processor: bool = ...) -> None: ...
    def user_loader(self, callback: _F) -> _F: ...
