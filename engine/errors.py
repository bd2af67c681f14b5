"""The tf.errors hierarchy: OpError and its subclasses, with TensorFlow's names and codes.

Constructors take TensorFlow's arguments `(node_def, op, message)`; `op` is the
Operation (graph mode) or None (eager), and `str(error)` is the message.
"""

from __future__ import annotations

OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16


class OpError(Exception):
    """An operation failed while running (TensorFlow's base class for runtime errors)."""

    def __init__(self, node_def, op, message, error_code=UNKNOWN, *args):
        super().__init__(message)
        self._node_def = node_def
        self._op = op
        self._message = message
        self._error_code = error_code

    def __reduce__(self):
        return type(self), (self._node_def, self._op, self._message)

    @property
    def message(self) -> str:
        return self._message

    @property
    def op(self):
        return self._op

    @property
    def node_def(self):
        return self._node_def

    @property
    def error_code(self) -> int:
        return self._error_code

    def __str__(self):
        return self._message


def _subclass(name: str, code: int, doc: str):
    def __init__(self, node_def, op, message, *args):
        OpError.__init__(self, node_def, op, message, code)

    __init__.__qualname__ = f"{name}.__init__"
    return type(name, (OpError,), {"__init__": __init__, "__doc__": doc,
                                   "__module__": __name__})


CancelledError = _subclass("CancelledError", CANCELLED, "An operation was cancelled.")
UnknownError = _subclass("UnknownError", UNKNOWN, "An error of no better-known class.")
InvalidArgumentError = _subclass(
    "InvalidArgumentError", INVALID_ARGUMENT,
    "An op received an invalid argument: a bad shape, dtype or value.")
DeadlineExceededError = _subclass("DeadlineExceededError", DEADLINE_EXCEEDED,
                                  "A deadline expired before the operation finished.")
NotFoundError = _subclass("NotFoundError", NOT_FOUND, "A file or other entity was not found.")
AlreadyExistsError = _subclass("AlreadyExistsError", ALREADY_EXISTS,
                               "An entity we tried to create already exists.")
PermissionDeniedError = _subclass("PermissionDeniedError", PERMISSION_DENIED,
                                  "The caller may not run the operation.")
ResourceExhaustedError = _subclass("ResourceExhaustedError", RESOURCE_EXHAUSTED,
                                   "Some resource (memory, quota) ran out.")
FailedPreconditionError = _subclass(
    "FailedPreconditionError", FAILED_PRECONDITION,
    "The system is not in a state to run the operation, e.g. an uninitialized variable.")
AbortedError = _subclass("AbortedError", ABORTED, "The operation was aborted.")
OutOfRangeError = _subclass("OutOfRangeError", OUT_OF_RANGE,
                            "The operation went past the valid range, e.g. the end of data.")
UnimplementedError = _subclass("UnimplementedError", UNIMPLEMENTED,
                               "The operation is not implemented or not supported.")
InternalError = _subclass("InternalError", INTERNAL, "An internal invariant broke.")
UnavailableError = _subclass("UnavailableError", UNAVAILABLE,
                             "The runtime is currently unavailable.")
DataLossError = _subclass("DataLossError", DATA_LOSS, "Unrecoverable data loss or corruption.")
UnauthenticatedError = _subclass("UnauthenticatedError", UNAUTHENTICATED,
                                 "The request has no valid authentication credentials.")



class OperatorNotAllowedInGraphError(TypeError):
    """A Python operation that needs a tensor's value (bool(), iteration) was applied
    to a symbolic tensor, whose value exists only when the graph runs."""


_BY_CODE = {CANCELLED: CancelledError, UNKNOWN: UnknownError,
            INVALID_ARGUMENT: InvalidArgumentError, DEADLINE_EXCEEDED: DeadlineExceededError,
            NOT_FOUND: NotFoundError, ALREADY_EXISTS: AlreadyExistsError,
            PERMISSION_DENIED: PermissionDeniedError,
            RESOURCE_EXHAUSTED: ResourceExhaustedError,
            FAILED_PRECONDITION: FailedPreconditionError, ABORTED: AbortedError,
            OUT_OF_RANGE: OutOfRangeError, UNIMPLEMENTED: UnimplementedError,
            INTERNAL: InternalError, UNAVAILABLE: UnavailableError, DATA_LOSS: DataLossError,
            UNAUTHENTICATED: UnauthenticatedError}


def exception_type_from_error_code(error_code: int) -> type:
    return _BY_CODE[error_code]


def error_code_from_exception_type(cls: type) -> int:
    for code, known in _BY_CODE.items():
        if known is cls:
            return code
    return UNKNOWN
