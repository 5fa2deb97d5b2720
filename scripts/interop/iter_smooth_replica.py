#!/usr/bin/env python3
"""Independent torch re-derivation of msModelSlim 26.1.0's iter_smooth (alpha 0.9, all subgraph
kinds: up-down, ov with the GQA mean, then norm-linear) on stories260K's layer 0, written from
reading msModelSlim's Python (processor/anti_outlier), compared with a SwiftQuant output.

    swiftquant quantize --model <stories260K> --recipe Tests/Fixtures/recipes/modelslim/default-w8a8.yaml \
        --dataset <shared>/reference/ascend/calib_stories.jsonl --output dw8a8
    python scripts/interop/iter_smooth_replica.py   # run in the folder holding dw8a8/

Layer 0's activations are the float model's (nothing is quantized before it), so its smoothed
norm weights can be compared bit for bit (fp32 model).
"""
import json, os, torch, glob, numpy as np
from transformers import AutoModelForCausalLM
from safetensors.numpy import load_file
ref=os.environ.get("SWIFTQUANT_SHARED", "../shared") + "/reference/ascend/"
m=AutoModelForCausalLM.from_pretrained(os.environ.get("SWIFTQUANT_SHARED", "../shared") + "/models/stories260K",dtype=torch.float32,attn_implementation="sdpa").eval()
ids=json.load(open(ref+"calib_token_ids.json"))["stories260K"]
L=m.model.layers[0]; stats={}
def hook(n):
    def f(mod,inp,out):
        x=inp[0].reshape(-1,inp[0].shape[-1]).abs().amax(0)
        stats[n]=torch.maximum(stats[n],x) if n in stats else x
    return f
for n in ["q_proj","o_proj","down_proj","gate_proj"]:
    mod=getattr(L.self_attn,n,None) or getattr(L.mlp,n)
    mod.register_forward_hook(hook(n))
with torch.no_grad():
    for s in ids: m(torch.tensor([s]))
a=0.9
def scales(act,wstat):
    w=wstat.clamp(min=1e-5)
    return (act.pow(a)/w.pow(1-a)).clamp(min=1e-5)
with torch.no_grad():
    # up-down (signed column max of down_proj)
    s=scales(stats["down_proj"],L.mlp.down_proj.weight.max(0)[0])
    L.mlp.down_proj.weight.mul_(s.view(1,-1)); L.mlp.up_proj.weight.mul_((1.0/s).view(-1,1))
    # ov with GQA mean
    cfg=m.config; hd=cfg.hidden_size//cfg.num_attention_heads; kv=cfg.num_key_value_heads; per=cfg.num_attention_heads//kv
    s=scales(stats["o_proj"],L.self_attn.o_proj.weight.max(0)[0])
    red=s.view(kv,per,hd).mean(1).reshape(-1); os_=red.view(kv,1,hd).expand(kv,per,hd).reshape(-1)
    L.self_attn.o_proj.weight.mul_(os_.view(1,-1)); L.self_attn.v_proj.weight.mul_((1.0/red).view(-1,1))
    for norm,stat,lins in ((L.input_layernorm,"q_proj",[L.self_attn.q_proj,L.self_attn.k_proj,L.self_attn.v_proj]),(L.post_attention_layernorm,"gate_proj",[L.mlp.gate_proj,L.mlp.up_proj])):
        w=torch.cat([l.weight.abs().max(0,keepdim=True)[0] for l in lins]).max(0)[0]
        s=scales(stats[stat],w)
        for l in lins: l.weight.mul_(s.view(1,-1))
        norm.weight.mul_(1.0/s)
ours={}
for f in glob.glob("dw8a8/*.safetensors"): ours.update(load_file(f))
for name,t in (("input_layernorm",L.input_layernorm.weight),("post_attention_layernorm",L.post_attention_layernorm.weight)):
    o=ours[f"model.layers.0.{name}.weight"]; r=t.detach().numpy()
    print(name,"bit-identical",int((o.view(np.int32)==r.view(np.int32)).sum()),"/",r.size,"max rel diff %.2e"%np.max(np.abs(o-r)/np.abs(r)))
