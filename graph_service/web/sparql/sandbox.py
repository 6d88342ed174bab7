"""OS-level limits a query worker puts on itself: no network, bounded memory.

They are a second wall behind the checks of the HTTP layer. `sparql_scan` refuses SERVICE and LOAD
before a query reaches a worker, but pyoxigraph has no switch to forbid remote calls (and ignores
proxy settings): if a lexer gap lets one through, the worker itself must be unable to open a
network connection. And pyoxigraph has no memory bound: a short query can build strings of
gigabytes, so the worker's data segment gets a hard limit (an allocation past it makes Rust abort
the worker, which the pool reports and replaces).

Linux only, no privileges needed: a seccomp filter (after PR_SET_NO_NEW_PRIVS) and setrlimit.
"""

from __future__ import annotations

import ctypes
import platform
import resource
import socket
import struct
import sys

# struct seccomp_data: nr at 0, arch at 4, args[0] (low 32 bits, little-endian) at 16
_NR, _ARCH, _ARG0 = 0, 4, 16
# per machine: audit arch, and the numbers of socket, io_uring_setup and seccomp
_MACHINES = {
    "x86_64": (0xC000003E, 41, 425, 317),
    "aarch64": (0xC00000B7, 198, 425, 277),
}
_MACHINES["amd64"], _MACHINES["arm64"] = _MACHINES["x86_64"], _MACHINES["aarch64"]
_X32_BIT = 0x40000000             # x86_64's x32 ABI: syscall numbers with this bit set
_AF_UNIX = socket.AF_UNIX

_LD_W_ABS, _JEQ, _JGE, _RET = 0x20, 0x15, 0x35, 0x06
_ALLOW, _ERRNO = 0x7FFF0000, 0x00050000
_EACCES = 13
_PR_SET_NO_NEW_PRIVS, _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC = 38, 1, 1


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


def _assemble(program: list[tuple]) -> bytes:
    """Classic BPF from (label | None, code, k, jump-if-true label, jump-if-false label) rows."""
    where = {row[0]: i for i, row in enumerate(program) if row[0]}
    out = bytearray()
    for i, (_, code, k, yes, no) in enumerate(program):
        jt = where[yes] - i - 1 if yes else 0
        jf = where[no] - i - 1 if no else 0
        out += struct.pack("HBBI", code, jt, jf, k)
    return bytes(out)


def network_filter(arch: int, nr_socket: int, nr_io_uring_setup: int) -> bytes:
    """The filter: `socket()` only for AF_UNIX (the pool's pipes), no io_uring (its own socket
    calls would bypass this filter), no x32 or foreign-architecture system calls (other numbers);
    every refusal is EACCES, so the query fails with an error instead of a crash."""
    return _assemble([
        (None, _LD_W_ABS, _ARCH, None, None),
        (None, _JEQ, arch, None, "deny"),
        (None, _LD_W_ABS, _NR, None, None),
        (None, _JGE, _X32_BIT, "deny", None),
        (None, _JEQ, nr_io_uring_setup, "deny", None),
        (None, _JEQ, nr_socket, None, "allow"),
        (None, _LD_W_ABS, _ARG0, None, None),
        (None, _JEQ, _AF_UNIX, "allow", "deny"),
        ("allow", _RET, _ALLOW, None, None),
        ("deny", _RET, _ERRNO | _EACCES, None, None),
    ])


def forbid_network() -> str | None:
    """Make every later network socket of this process fail (all threads); None when done and
    checked, else why not (the caller logs it: the HTTP layer's check is then the only wall)."""
    machine = _MACHINES.get(platform.machine().lower())
    if sys.platform != "linux" or machine is None or struct.calcsize("P") != 8:
        return f"no seccomp filter for {sys.platform}/{platform.machine()}"
    arch, nr_socket, nr_io_uring_setup, nr_seccomp = machine
    code = network_filter(arch, nr_socket, nr_io_uring_setup)
    prog = _SockFprog(len(code) // 8, code)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return f"prctl(PR_SET_NO_NEW_PRIVS) failed: errno {ctypes.get_errno()}"
    if libc.syscall(ctypes.c_long(nr_seccomp), ctypes.c_long(_SECCOMP_SET_MODE_FILTER),
                    ctypes.c_long(_SECCOMP_FILTER_FLAG_TSYNC), ctypes.byref(prog)) != 0:
        return f"seccomp(SET_MODE_FILTER) failed: errno {ctypes.get_errno()}"
    return _check_no_network()


def _check_no_network() -> str | None:
    """The filter is trusted only once an IPv4 and an IPv6 socket have really been refused."""
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.socket(family, socket.SOCK_STREAM).close()
        except OSError:   # EACCES from the filter (or no such family here: refused all the same)
            continue
        return f"the seccomp filter is installed but a {family.name} socket still opens"
    return None


def limit_memory(mib: int) -> str | None:
    """Cap the data segment (heap and private anonymous maps, not the store's file maps) at `mib`
    MiB, for good: the limit is hard, so the query cannot raise it. 0 = no limit."""
    if mib <= 0:
        return None
    size = mib * 2**20
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (size, size))
    except (ValueError, OSError) as exc:
        return f"setrlimit(RLIMIT_DATA, {mib} MiB) failed: {exc}"
    return None
