"""Compile the kernels ahead of time for a GPU that this machine does not have.

Triton's NVIDIA backend compiles to PTX and cubin with its bundled LLVM and ``ptxas``, with
no driver and no device, so a CPU-only machine (and CI) can check that every kernel
configuration the launchers pick for real shapes builds for the H200 (sm_90), fits its
shared memory and keeps its registers (no spills to local memory). The interpreter tests
check results; this checks what only a compiler sees.

:func:`record_launches` runs a launcher on ``meta`` tensors (shapes only, no data) with the
launchers' GPU tiling, capturing each kernel launch instead of running it;
:func:`compile_launches` compiles captured launches in a fresh process, specialising their
arguments the way Triton's JIT does at run time (ints equal to 1 become constants, pointers
and multiples of 16 are marked divisible by 16). ``python -m shopwright.kernels._aot`` is that process.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from . import _triton

H200 = ("cuda", 90, 32)  # backend, compute capability, warp size
H200_SMS = 132
H200_SHARED_BYTES = 232_448  # 227 KiB of dynamic shared memory per block on sm_90
_TRITON_DTYPES = {
    torch.float16: "fp16", torch.bfloat16: "bf16", torch.float32: "fp32",
    torch.int32: "i32", torch.int64: "i64", torch.uint8: "u8", torch.bool: "i1",
}
_OPTIONS = ("num_warps", "num_stages")
_TENSOR_CORE_OPS = ("wgmma", "mma.sync")


@dataclass
class Launch:
    """One captured kernel launch: the kernel, its grid and the arguments it was given."""

    kernel: _triton.LazyKernel
    grid: tuple
    args: tuple
    kwargs: dict[str, Any]

    @property
    def name(self) -> str:
        return _kernel_name(self.kernel.fn)


def _kernel_name(fn: Callable[..., Any]) -> str:
    return fn.__name__.lstrip("_")  # "_prefill_kernel" -> "prefill_kernel"


@dataclass
class Compiled:
    """What the compiler says about one launch on the target."""

    name: str
    shared_bytes: int
    registers: int
    spill_bytes: int
    tensor_core_ops: list[str]  # which of wgmma / mma.sync the PTX contains


@contextlib.contextmanager
def record_launches(sms: int = H200_SMS) -> Iterator[list[Launch]]:
    """Capture kernel launches instead of running them, with the GPU tiling plans."""
    # The package's functions shadow these module names, hence import_module.
    modules = [importlib.import_module(f"{__package__}.{name}")
               for name in ("attention", "decode_attention", "scoring")]
    launches: list[Launch] = []
    patches = [(_triton.LazyKernel, "__getitem__", _recorder(launches))]
    for module in modules:
        patches += [(module, "interpreting", lambda: False),
                    (module, "require_launchable", lambda t: None)]
        if hasattr(module, "sm_count"):
            patches.append((module, "sm_count", lambda device: sms))
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    try:
        for owner, name, value in patches:
            setattr(owner, name, value)
        yield launches
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


def _recorder(launches: list[Launch]) -> Callable:
    def getitem(kernel: _triton.LazyKernel, grid: Any) -> Callable[..., None]:
        def launch(*args: Any, **kwargs: Any) -> None:
            launches.append(Launch(kernel, tuple(grid), args, kwargs))

        return launch

    return getitem


def run_until_sync(launcher: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run a launcher on meta tensors up to its first host sync (meta tensors hold no values).

    The launches before that point are what the GPU would run first; the scoring launcher's
    only sync comes after its threshold and filter passes (its exhaustive redo is recorded
    by calling ``scoring._all_keys`` directly).
    """
    try:
        launcher(*args, **kwargs)
    except RuntimeError as exc:
        if "meta tensors" not in str(exc):
            raise


def meta(*shape: int, dtype: torch.dtype) -> torch.Tensor:
    """A tensor with a shape and dtype but no storage, for recording launches."""
    return torch.empty(*shape, dtype=dtype, device="meta")


def spec_of(launch: Launch, target: tuple = H200) -> dict[str, Any]:
    """What the compiler needs for one launch, specialised as Triton's JIT would; JSON-able."""
    params = inspect.signature(launch.kernel.fn).parameters
    names = list(params)
    kwargs = {k: v for k, v in launch.kwargs.items() if k not in _OPTIONS}
    values = dict(zip(names, launch.args)) | kwargs
    signature, constexprs, divisible = {}, {}, []
    for index, name in enumerate(names):
        value = values[name]
        if "constexpr" in str(params[name].annotation):
            signature[name], constexprs[name] = "constexpr", value
        elif isinstance(value, torch.Tensor):
            signature[name] = "*" + _TRITON_DTYPES[value.dtype]
            # Assumed 16-byte aligned, as fresh torch allocations are; an offset view at run
            # time compiles a variant without the hint, which this check does not see.
            divisible.append(index)
        elif isinstance(value, bool):
            signature[name] = "u1"
        elif isinstance(value, int) and value == 1:
            signature[name], constexprs[name] = "constexpr", 1
        elif isinstance(value, int):
            signature[name] = "i32" if -2**31 <= value < 2**31 else "i64"
            if value % 16 == 0:
                divisible.append(index)
        elif isinstance(value, float):
            signature[name] = "fp32"
        else:
            raise TypeError(f"{launch.name}: cannot type argument {name}={value!r}")
    return {"module": launch.kernel.fn.__module__, "function": launch.kernel.fn.__name__,
            "signature": signature, "constexprs": constexprs, "divisible": divisible,
            "options": {k: launch.kwargs[k] for k in _OPTIONS if k in launch.kwargs},
            "target": list(target)}


def compile_launches(launches: list[Launch], target: tuple = H200,
                     timeout_s: float = 600) -> list[Compiled]:
    """Compile captured launches for ``target`` in a fresh process, one result per launch.

    A fresh process because the Triton interpreter (which the CPU tests turn on before
    triton is imported) replaces the language's builtins that the compiler needs.
    """
    specs = [spec_of(launch, target) for launch in launches]
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    done = subprocess.run([sys.executable, "-m", f"{__package__}._aot"], input=json.dumps(specs),
                          capture_output=True, text=True, env=env, timeout=timeout_s)
    if done.returncode != 0:
        raise RuntimeError(f"kernel compilation failed:\n{done.stderr[-4000:]}")
    return [Compiled(**row) for row in json.loads(done.stdout.splitlines()[-1])]


def _compile_spec(spec: dict[str, Any]) -> Compiled:
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource

    fn = getattr(importlib.import_module(spec["module"]), spec["function"])
    jitted = triton.runtime.jit.JITFunction(fn)
    attrs = {(index,): [["tt.divisibility", 16]] for index in spec["divisible"]}
    source = ASTSource(fn=jitted, signature=spec["signature"],
                       constexprs=spec["constexprs"], attrs=attrs)
    gpu = GPUTarget(*spec["target"])
    options = triton.compiler.make_backend(gpu).parse_options(spec["options"]).__dict__
    compiled = triton.compile(source, target=gpu, options=options)
    ptx = compiled.asm["ptx"]
    registers, spills = _resource_usage(ptx, gpu.arch)
    return Compiled(_kernel_name(fn), compiled.metadata.shared, registers, spills,
                    [op for op in _TENSOR_CORE_OPS if op in ptx])


def _resource_usage(ptx: str, capability: int) -> tuple[int, int]:
    """(registers per thread, spilled bytes stored) as ``ptxas -v`` reports for the PTX.

    (cuobjdump's resource summary counts spills under STACK, mixed with other frame use;
    ptxas says "spill stores" exactly.)
    """
    from triton.backends.nvidia import compiler as nvidia

    tool = nvidia.get_ptxas(capability).path  # the ptxas Triton itself picks for the target
    arch = re.search(r"^\.target\s+(\w+)", ptx, re.MULTILINE)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "kernel.ptx"
        source.write_text(ptx)
        # The options Triton's own cubin step passes, so the report is about the same code.
        command = [str(tool), "-v", "--regAllocOptLevel=2",
                   f"--gpu-name={arch.group(1) if arch else 'sm_90a'}", str(source),
                   "-o", str(Path(folder) / "kernel.cubin")]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"ptxas failed: {done.stderr[-2000:]}")
        report = done.stderr
    registers = re.search(r"Used (\d+) registers", report)
    spills = re.search(r"(\d+) bytes spill stores", report)
    if registers is None or spills is None:
        raise RuntimeError(f"unexpected ptxas report: {report[:300]}")
    return int(registers.group(1)), int(spills.group(1))


# --- the shapes Shopwright runs -----------------------------------------------------------


def model_shape_cases() -> dict[str, Callable[[], None]]:
    """Launchers on meta tensors of the real jobs: MiniLM and SmolLM2 attention, catalogue
    scoring; run each inside :func:`record_launches`."""
    attention = importlib.import_module("shopwright.kernels.attention").attention_triton
    decode = importlib.import_module("shopwright.kernels.decode_attention").decode_attention_triton
    scoring_module = importlib.import_module("shopwright.kernels.scoring")
    scoring, all_keys = scoring_module.score_topk_triton, scoring_module._all_keys
    f16, bf16, f32, i64 = torch.float16, torch.bfloat16, torch.float32, torch.int64

    def prefill(batch, hq, hkv, seq, dim, dtype, causal):
        q, kv = meta(batch, hq, seq, dim, dtype=dtype), meta(batch, hkv, seq, dim, dtype=dtype)
        return lambda: attention(q, kv, kv, meta(batch, dtype=i64), causal=causal)

    def decoding(batch, hq, hkv, capacity, dim, dtype):
        q, kv = meta(batch, hq, dim, dtype=dtype), meta(batch, hkv, capacity, dim, dtype=dtype)
        return lambda: decode(q, kv, kv, meta(batch, dtype=i64))

    def score(n_queries, n_items, dim, dtype, k, mask_shape):
        queries, items = meta(n_queries, dim, dtype=dtype), meta(n_items, dim, dtype=dtype)
        mask = None if mask_shape is None else meta(*mask_shape, dtype=torch.bool)
        return lambda: run_until_sync(scoring, queries, items, k, mask)

    return {
        "prefill MiniLM fp16": prefill(256, 12, 12, 128, 32, f16, False),
        "prefill MiniLM bf16": prefill(256, 12, 12, 128, 32, bf16, False),
        "prefill SmolLM2 bf16 128": prefill(32, 9, 3, 128, 64, bf16, True),
        "prefill SmolLM2 fp16 1024": prefill(4, 9, 3, 1024, 64, f16, True),
        "prefill fp32 head 64": prefill(2, 4, 4, 256, 64, f32, False),
        "prefill bf16 head 128 2048": prefill(2, 32, 8, 2048, 128, bf16, True),
        "decode SmolLM2 bf16 2048": decoding(64, 9, 3, 2048, 64, bf16),
        "decode SmolLM2 fp16 short": decoding(1, 9, 3, 64, 64, f16),
        "decode fp32 head 32": decoding(8, 12, 12, 512, 32, f32),
        "scoring 10M bf16 one query": score(1, 10_000_000, 384, bf16, 10, (10_000_000,)),
        "scoring 10M bf16 32 queries": score(32, 10_000_000, 384, bf16, 100, (10_000_000,)),
        "scoring 1M fp16 256 queries": score(256, 1_000_000, 384, f16, 1000, (256, 1_000_000)),
        "scoring 50k bf16 exhaustive": score(8, 50_000, 384, bf16, 20, None),
        "scoring 1M fp32 768": score(16, 1_000_000, 768, f32, 50, None),
        "scoring 1536-wide bf16 64 queries": score(64, 1_000_000, 1536, bf16, 10, None),
        "scoring 3072-wide fp16": score(8, 1_000_000, 3072, f16, 10, None),
        "scoring 10M redo of one query": lambda: all_keys(
            meta(1, 384, dtype=bf16), meta(10_000_000, 384, dtype=bf16),
            meta(10_000_000, dtype=torch.bool)),
    }


def record_cases(cases: dict[str, Callable[[], None]]) -> dict[str, list[Launch]]:
    """Each case's launches, recorded with the H200's tiling."""
    recorded = {}
    for case, run in cases.items():
        with record_launches() as launches:
            run()
        recorded[case] = launches
    return recorded


def table(recorded: dict[str, list[Launch]], results: list[Compiled]) -> str:
    """A markdown table of what the compiler reported for every recorded launch."""
    rows = ["| case | kernel | grid | warps / stages | shared KiB | registers | spills | "
            "tensor cores |", "|---|---|---|---|---|---|---|---|"]
    found = iter(results)
    for case, launches in recorded.items():
        for launch in launches:
            result = next(found)
            plan = f"{launch.kwargs.get('num_warps', 4)} / {launch.kwargs.get('num_stages', '-')}"
            rows.append(f"| {case} | {result.name} | {launch.grid} | {plan} | "
                        f"{result.shared_bytes / 1024:.0f} | {result.registers} | "
                        f"{result.spill_bytes} | {', '.join(result.tensor_core_ops) or '-'} |")
    return "\n".join(rows)


def main() -> None:
    """``--table``: compile every model-shape case and print the table. Otherwise compile the
    JSON list of specs on stdin and print one JSON list of results (for compile_launches)."""
    if sys.argv[1:] == ["--table"]:
        recorded = record_cases(model_shape_cases())
        flat = [launch for launches in recorded.values() for launch in launches]
        print(table(recorded, compile_launches(flat)))
        return
    specs = json.loads(sys.stdin.read())
    print(json.dumps([asdict(_compile_spec(spec)) for spec in specs]))


if __name__ == "__main__":
    main()
