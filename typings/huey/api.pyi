from typing import Any

class Task:
    id: str

class Result:
    id: str

class TaskWrapper:
    name: str
    def __call__(self, *args: Any, **kwargs: Any) -> Result | None: ...
