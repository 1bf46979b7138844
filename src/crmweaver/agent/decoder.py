"""A lean forward pass for Llama-family models over a padded batch with an external key/value cache.

Generation on a CPU is bound by per-op overhead, not arithmetic: transformers' forward builds masks,
cache objects and output records per token, and its DynamicCache concatenates the whole cache at
every step (44 % of a batch-8 decode step on SmolLM2-135M). This forward does the same math with
the model's own weights — q/k/v and gate/up fused into one matmul each, keys and values written in
place into a preallocated buffer, grouped-query attention without repeating the keys — so one
forward serves every sequence of a batch, each with its own positions and its own holes (padding)
in the shared time axis. Greedy choices are not decided by bfloat16 rounding of the logits: under
bfloat16 weights the LM head runs in bfloat16 (its float32 matrix alone is a quarter of a batch-8
decode step, read from memory every token) and the `REFINED` best tokens of each row are scored again
in float32. A decode step's attention (a few query rows) is two matmuls with a float32 softmax: the
fused kernel is built for long query blocks and took twice as long there. On a CPU the weights are
prepacked once into oneDNN's blocked layout (the op PyTorch's own compiler uses when it freezes a
model): a plain matmul of a few rows reorders the whole weight matrix on every call, which made
batch-8 matmuls 2-2.5x slower than reading the weights from memory.

The math follows transformers' Llama code (RMSNorm in float32, rotary embedding from the model's
own inv_freq); `tests/test_local_batching.py` checks the logits against transformers' forward.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SUPPORTED_TYPES = ("llama", "mistral", "qwen2")  # same block: pre-norm, rotary, GQA, SiLU-gated MLP
REFINED = 64  # per row, the tokens whose bfloat16 logits are recomputed in float32 (a near-tie lies far inside)
SMALL_QUERY = 16  # query rows per kv head up to which attention runs as explicit matmuls (decode steps)


class UnsupportedModel(Exception):
    """The model is not a plain Llama-family decoder; the caller falls back to transformers' generate."""


@dataclass
class _Layer:
    ln1: Any
    qkv: Any
    qkv_bias: Any
    o: Any
    o_bias: Any
    ln2: Any
    gate_up: Any
    down: Any


def check_supported(model: Any) -> None:
    """Raise UnsupportedModel unless this forward computes exactly what the model's own forward does."""
    cfg = model.config
    kind = getattr(cfg, "model_type", None)
    if kind not in SUPPORTED_TYPES:
        raise UnsupportedModel(f"model type {kind!r} is not one of {', '.join(SUPPORTED_TYPES)}")
    if getattr(cfg, "hidden_act", "silu") != "silu":
        raise UnsupportedModel(f"activation {cfg.hidden_act!r} is not silu")
    if getattr(cfg, "use_sliding_window", False) or (kind == "mistral" and getattr(cfg, "sliding_window", None)):
        raise UnsupportedModel("sliding-window attention")
    rotary = getattr(getattr(model, "model", None), "rotary_emb", None)
    if rotary is None or getattr(rotary, "rope_type", "default") not in ("default", "linear", "llama3"):
        raise UnsupportedModel(f"rotary type {getattr(rotary, 'rope_type', None)!r} (dynamic rotary scaling)")
    layer = model.model.layers[0]
    expected = {"q_proj", "k_proj", "v_proj", "o_proj"}
    if {n for n, _ in layer.self_attn.named_children()} != expected:
        raise UnsupportedModel("attention has extra parts (q/k norms?)")
    if {n for n, _ in layer.mlp.named_children()} - {"act_fn"} != {"gate_proj", "up_proj", "down_proj"}:
        raise UnsupportedModel("the MLP is not gate/up/down")
    if any(getattr(layer.mlp, n).bias is not None for n in ("gate_proj", "up_proj", "down_proj")):
        raise UnsupportedModel("the MLP has biases")


class Decoder:
    """The model's weights in `dtype` (copies: the live model may be trained meanwhile) and its forward.

    KV buffers: `keys` and `values` of shape (layers, batch, kv_heads, capacity, head_dim)."""

    def __init__(self, model: Any, dtype: Any):
        import torch

        check_supported(model)
        cfg = model.config
        base = model.model
        self.dtype = dtype
        self.device = next(model.parameters()).device
        self.n_heads = int(cfg.num_attention_heads)
        self.n_kv = int(getattr(cfg, "num_key_value_heads", None) or self.n_heads)
        self.head_dim = int(getattr(cfg, "head_dim", None) or cfg.hidden_size // self.n_heads)
        self.eps = float(cfg.rms_norm_eps)
        self.vocab = int(model.lm_head.weight.shape[0])

        def w(t: Any, dt: Any = dtype) -> Any:
            return None if t is None else t.detach().to(dt, copy=True)

        pack = _packer(self.device, dtype)

        with torch.no_grad():
            self.embed = w(base.embed_tokens.weight)
            self.layers = []
            for layer in base.layers:
                a, m = layer.self_attn, layer.mlp
                biases = [p.bias for p in (a.q_proj, a.k_proj, a.v_proj)]
                self.layers.append(_Layer(
                    ln1=w(layer.input_layernorm.weight),
                    qkv=pack(w(torch.cat([a.q_proj.weight, a.k_proj.weight, a.v_proj.weight]))),
                    qkv_bias=w(torch.cat(biases)) if all(b is not None for b in biases) else None,
                    o=pack(w(a.o_proj.weight)),
                    o_bias=w(a.o_proj.bias),
                    ln2=w(layer.post_attention_layernorm.weight),
                    gate_up=pack(w(torch.cat([m.gate_proj.weight, m.up_proj.weight]))),
                    down=pack(w(m.down_proj.weight)),
                ))
            self.norm = w(base.norm.weight, torch.float32)
            self.head = w(model.lm_head.weight, torch.float32)
            self.head_low = None if dtype == torch.float32 else pack(w(model.lm_head.weight))
            self.head_bias = w(getattr(model.lm_head, "bias", None), torch.float32)
            self.inv_freq = base.rotary_emb.inv_freq.detach().to(torch.float32, copy=True)
            self.rope_scale = float(getattr(base.rotary_emb, "attention_scaling", 1.0))

    @property
    def kv_bytes_per_token(self) -> int:
        return 2 * len(self.layers) * self.n_kv * self.head_dim * self.embed.element_size()

    def new_kv(self, batch: int, capacity: int) -> tuple[Any, Any]:
        """Zeroed buffers: padding columns must hold finite numbers (a masked NaN still poisons softmax)."""
        import torch

        shape = (len(self.layers), batch, self.n_kv, capacity, self.head_dim)
        return torch.zeros(shape, dtype=self.dtype, device=self.device), torch.zeros(shape, dtype=self.dtype, device=self.device)

    def forward(self, ids: Any, pos: Any, keys: Any, values: Any, col: int, mask: Any) -> Any:
        """Run tokens `ids` (B, S) at positions `pos` (B, S), writing their keys and values into buffer
        columns [col, col + S); `mask` (B, S, col + S) says which columns each query sees. Returns the
        float32 logits of the last column (B, vocab)."""
        import torch
        import torch.nn.functional as F

        B, S = ids.shape
        rep = self.n_heads // self.n_kv
        end = col + S
        x = F.embedding(ids, self.embed).float()  # the residual stream stays float32 (as under autocast); matmuls run in dtype
        freqs = pos[..., None].float() * self.inv_freq
        emb = torch.cat((freqs, freqs), dim=-1)
        cos = (emb.cos() * self.rope_scale).to(self.dtype)[:, None]  # (B, 1, S, D)
        sin = (emb.sin() * self.rope_scale).to(self.dtype)[:, None]
        # queries are grouped per kv head as (rep, S) rows, so the mask repeats per group member; made
        # additive once here rather than by every layer's attention
        small = rep * S <= SMALL_QUERY
        # the small path reads each layer's whole buffer (columns past `end` masked): a slice of it
        # is strided, and the batched matmul would copy it every layer
        width = keys.shape[3] if small else end
        attn_mask = torch.full((B, S, width), float("-inf"), dtype=torch.float32 if small else self.dtype, device=mask.device)
        attn_mask[..., :end].masked_fill_(mask, 0.0)
        attn_mask = attn_mask[:, None].expand(B, rep, S, width).reshape(B, 1, rep * S, width)
        scale = self.head_dim ** -0.5
        q_dim, kv_dim = self.n_heads * self.head_dim, self.n_kv * self.head_dim
        for i, L in enumerate(self.layers):
            h = self._rms(x, L.ln1)
            qkv = _linear(h, L.qkv, L.qkv_bias)
            q = qkv[..., :q_dim].view(B, S, self.n_heads, self.head_dim).transpose(1, 2)
            k = qkv[..., q_dim:q_dim + kv_dim].view(B, S, self.n_kv, self.head_dim).transpose(1, 2)
            v = qkv[..., q_dim + kv_dim:].view(B, S, self.n_kv, self.head_dim).transpose(1, 2)
            q = q * cos + _rotate_half(q) * sin
            k = k * cos + _rotate_half(k) * sin
            keys[i, :, :, col:end] = k
            values[i, :, :, col:end] = v
            q = q.reshape(B, self.n_kv, rep * S, self.head_dim)
            if small:
                scores = torch.matmul(q, keys[i].transpose(-1, -2)).float() * scale + attn_mask
                o = torch.matmul(scores.softmax(-1).to(self.dtype), values[i])
            else:
                o = F.scaled_dot_product_attention(q, keys[i, :, :, :end], values[i, :, :, :end], attn_mask=attn_mask)
            o = o.view(B, self.n_kv, rep, S, self.head_dim).permute(0, 3, 1, 2, 4).reshape(B, S, q_dim)
            x = x + _linear(o, L.o, L.o_bias)
            h = self._rms(x, L.ln2)
            gate, up = _linear(h, L.gate_up).chunk(2, dim=-1)
            x = x + _linear(F.silu(gate) * up, L.down)
        last = x[:, -1]
        last = self.norm * (last * torch.rsqrt(last.pow(2).mean(-1, keepdim=True) + self.eps))
        if self.head_low is None:
            return F.linear(last, self.head, self.head_bias)
        logits = _linear(last.to(self.dtype), self.head_low).float()
        best = logits.topk(min(REFINED, self.vocab), dim=-1).indices  # (B, REFINED)
        exact = torch.einsum("bd,bkd->bk", last, self.head[best])
        if self.head_bias is not None:
            exact = exact + self.head_bias[best]
            logits = logits + self.head_bias
        return logits.scatter_(1, best, exact)

    def _rms(self, x: Any, weight: Any) -> Any:
        """RMSNorm of the float32 residual, handed to the next matmul in the weights' dtype."""
        import torch

        h = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return weight * h.to(self.dtype)


def _packer(device: Any, dtype: Any) -> Callable[[Any], Any]:
    """A function that prepacks a weight for `_linear` where oneDNN can (a CPU build with it, a dtype
    this CPU multiplies in), else leaves it as it is; checked once on a small matrix."""
    import torch

    ops = torch.ops.mkldnn
    if device.type != "cpu" or not torch.backends.mkldnn.is_available() or not hasattr(ops, "_reorder_linear_weight"):
        return lambda t: t
    try:
        probe = torch.ones(8, 16, dtype=dtype)
        if not torch.equal(_linear(probe[:1], ops._reorder_linear_weight(probe, 8)).float(), torch.full((1, 8), 16.0)):
            return lambda t: t
    except RuntimeError:  # no oneDNN kernel for this dtype here
        return lambda t: t
    return lambda t: ops._reorder_linear_weight(t.contiguous(), 8)  # 8: the decode batch it is tuned for


def _linear(x: Any, weight: Any, bias: Any = None) -> Any:
    """F.linear, through oneDNN's op when the weight is prepacked."""
    import torch
    import torch.nn.functional as F

    if weight.is_mkldnn:
        return torch.ops.mkldnn._linear_pointwise(x, weight, bias, "none", [], "")
    return F.linear(x, weight, bias)


def _rotate_half(x: Any) -> Any:
    import torch

    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)
