#!/usr/bin/python3
"""PyTorch performance anchor for `runexp bench`.

Times, on the CPU of this machine, the workloads that `runexp bench` times in
Go, written the way a PyTorch user would write them, so that the two programs
print comparable iterations per second. Timing only: the data are synthetic and
nothing is trained to convergence.

Workloads (float32 by default, float64 with --f64):

  cfm     one flow-matching step (OT-linear path, sigma_min = 0, independent
          coupling) of torchcfm's 2-D network: Linear(d+1, w), then two
          Linear(w, w), then Linear(w, d), SELU between them; batch --batch,
          Adam lr 1e-3.
  cnf     one maximum-likelihood CNF step: --steps RK4 steps from the data
          (t = 1) to the source (t = 0) on the state [x, l] with
          dl/dt = -tr(dv/dx), the exact trace from d autograd passes kept in
          the graph, NLL = -(log N(x(0); 0, I) - l(0)), Adam lr 1e-3.
  sample  --steps Euler steps from N(0, I) for 2048 points, no gradients.
  otcfm   one OT-CFM step as torchcfm's ExactOptimalTransportCFM runs it
          (sigma 0.1): the exact plan of the squared distances from POT's
          ot.emd (torchcfm's default normalize_cost=False; older releases
          divided the cost by its maximum, which leaves an exact plan
          unchanged), --ot-batch index pairs drawn from the plan with
          replacement, then the CFM step with AdamW (lr 1e-3, wd 1e-5).
          Target: 8 Gaussians of std 1 on the circle of radius 5. The line
          also gives the coupling's share of the step. Needs python3-pot.
  highd   one flow-matching step at the MNIST shape: MLP D+1 -> W -> W -> W
          -> D with SiLU (D = --highd, W = --highd-w), batch --highd-batch,
          Adam lr 1e-4; data uniform on [0, 1)^D.

Each workload runs min(50, count) untimed warm-up iterations (5 for otcfm),
then count timed ones: --iters for cfm, --iters/10 for sample, --iters/20 for
cnf, otcfm and highd. One line per workload on stdout, the form that
cmd/runexp/bench.go parses (the rate is the number before "it/s"; C is the
process CPU time per iteration, all threads):

  cfm-train w=64 d=2 batch=256 threads=1 dtype=torch.float32: R it/s (U us/it) cpu C us/it
  cnf-train(rk4 x8) w=64 d=2 batch=256 threads=1 dtype=...: R it/s (U us/it) cpu C us/it
  sample(euler x8, n=2048) w=64 d=2 batch=256 threads=1 dtype=...: R it/s (U us/it) cpu C us/it
  otcfm-train batch=512 threads=1 dtype=...: R it/s (M ms/it, coupling P%)
  highd-train D=784 w=1024x3 silu batch=128 threads=1 dtype=...: R it/s (U us/it) cpu C us/it

Run it with Debian's interpreter (python3-torch), e.g.
  /usr/bin/python3 bench/torch_anchor.py --threads 1 --iters 2000 --only cfm,cnf
"""

import argparse
import math
import time

import torch

WORKLOADS = ("cfm", "cnf", "sample", "otcfm", "highd")
SAMPLE_N = 2048  # the sample workload's batch, fixed as in `runexp bench`


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--w", type=int, default=64, help="hidden width of the 2-D network")
    p.add_argument("--d", type=int, default=2, help="data dimension of cfm, cnf, sample")
    p.add_argument("--batch", type=int, default=256, help="training batch of cfm and cnf")
    p.add_argument("--iters", type=int, default=2000, help="timed cfm steps; the others run a fraction")
    p.add_argument("--steps", type=int, default=8, help="solver steps (RK4 for cnf, Euler for sample)")
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    p.add_argument("--f64", action="store_true", help="float64 instead of float32")
    p.add_argument("--only", default="cfm,cnf,sample", help="comma-separated subset of " + ",".join(WORKLOADS))
    p.add_argument("--ot-batch", type=int, default=512, help="batch of otcfm")
    p.add_argument("--highd", type=int, default=784, help="dimension D of highd")
    p.add_argument("--highd-w", type=int, default=1024, help="hidden width W of highd")
    p.add_argument("--highd-batch", type=int, default=128, help="batch of highd")
    args = p.parse_args()
    args.only = [w for w in args.only.split(",") if w]
    for w in args.only:
        if w not in WORKLOADS:
            p.error(f"unknown workload {w!r} in --only (valid: {', '.join(WORKLOADS)})")
    return args


def two_d_net(d, w, act=torch.nn.SELU):
    """torchcfm's 2-D vector field: [x, t] -> three hidden layers of w -> d."""
    layers = [torch.nn.Linear(d + 1, w), act()]
    for _ in range(2):
        layers += [torch.nn.Linear(w, w), act()]
    layers.append(torch.nn.Linear(w, d))
    return torch.nn.Sequential(*layers)


def field(net, x, t):
    """v_t(x) for a batch x and a time t given per row (n x 1 tensor)."""
    return net(torch.cat([x, t], dim=1))


def moons_like(n, d):
    """Two half circles plus N(0, 0.05^2) noise; N(0, 0.1^2) past dimension 2.

    The same recipe as `runexp bench` draws; the data only need to be cheap.
    """
    theta = math.pi * torch.rand(n)
    upper = torch.rand(n) < 0.5
    px = torch.where(upper, torch.cos(theta), 1 - torch.cos(theta))
    py = torch.where(upper, torch.sin(theta), 0.5 - torch.sin(theta))
    pts = torch.stack([px, py], dim=1) + 0.05 * torch.randn(n, 2)
    if d > 2:
        pts = torch.cat([pts, 0.1 * torch.randn(n, d - 2)], dim=1)
    return pts


def rate_line(label, shape, args, count, seconds):
    dtype = torch.get_default_dtype()
    return (f"{label} {shape} threads={args.threads} dtype={dtype}: {count / seconds:.1f} it/s "
            f"({1e6 * seconds / count:.1f} us/it) cpu {1e6 * LAST_CPU[0] / count:.1f} us/it")


# CPU seconds of the process (all threads) over the last timed loop: on a
# machine shared with other work a steadier figure than the wall clock.
LAST_CPU = [0.0]


def timed(step, count, warmup):
    for _ in range(warmup):
        step()
    cpu = time.process_time()
    start = time.perf_counter()
    for _ in range(count):
        step()
    LAST_CPU[0] = time.process_time() - cpu
    return time.perf_counter() - start


def run_cfm(args):
    net = two_d_net(args.d, args.w)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step():
        x1 = moons_like(args.batch, args.d)
        x0 = torch.randn_like(x1)
        t = torch.rand(args.batch, 1)
        xt = (1 - t) * x0 + t * x1
        loss = (field(net, xt, t) - (x1 - x0)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

    count = args.iters
    el = timed(step, count, min(50, count))
    return rate_line("cfm-train", f"w={args.w} d={args.d} batch={args.batch}", args, count, el)


def run_cnf(args):
    net = two_d_net(args.d, args.w)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    n, d = args.batch, args.d

    def augmented(t, x):
        # (v, tr dv/dx): one backward pass per coordinate, kept in the graph so
        # that the NLL can be differentiated with respect to the weights.
        v = field(net, x, torch.full((x.shape[0], 1), t))
        trace = torch.zeros(x.shape[0])
        for i in range(d):
            trace = trace + torch.autograd.grad(v[:, i].sum(), x, create_graph=True)[0][:, i]
        return v, trace

    def step():
        x = moons_like(n, d).requires_grad_(True)
        ell = torch.zeros(n)  # ell(1) = 0, d ell/dt = -tr, so ell(0) = +int_0^1 tr dt
        h, t = -1.0 / args.steps, 1.0
        for _ in range(args.steps):
            k1, q1 = augmented(t, x)
            k2, q2 = augmented(t + h / 2, x + (h / 2) * k1)
            k3, q3 = augmented(t + h / 2, x + (h / 2) * k2)
            k4, q4 = augmented(t + h, x + h * k3)
            x = x + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
            ell = ell - (h / 6) * (q1 + 2 * q2 + 2 * q3 + q4)
            t += h
        log_p0 = -0.5 * x.pow(2).sum(dim=1) - 0.5 * d * math.log(2 * math.pi)
        nll = -(log_p0 - ell).mean()
        opt.zero_grad()
        nll.backward()
        opt.step()

    count = max(1, args.iters // 20)
    el = timed(step, count, min(50, count))
    return rate_line(f"cnf-train(rk4 x{args.steps})", f"w={args.w} d={args.d} batch={args.batch}", args, count, el)


def run_sample(args):
    net = two_d_net(args.d, args.w)
    h = 1.0 / args.steps

    @torch.no_grad()
    def step():
        x = torch.randn(SAMPLE_N, args.d)
        for k in range(args.steps):
            x = x + h * field(net, x, torch.full((SAMPLE_N, 1), k * h))

    count = max(1, args.iters // 10)
    el = timed(step, count, min(50, count))
    return rate_line(f"sample(euler x{args.steps}, n={SAMPLE_N})", f"w={args.w} d={args.d} batch={args.batch}",
                     args, count, el)


def run_otcfm(args):
    import numpy as np
    import ot  # POT, Debian's python3-pot

    n, sigma = args.ot_batch, 0.1
    net = two_d_net(2, args.w)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-5)
    pick = np.random.default_rng(0)
    angles = [2 * math.pi * (k + 1) / 8 for k in range(8)]
    centres = 5 * torch.tensor([[math.cos(a), math.sin(a)] for a in angles])
    uniform = ot.unif(n)
    coupling_seconds = [0.0]

    def couple(x0, x1):
        # torchcfm's OTPlanSampler: exact plan of the squared distances,
        # then n pairs (i, j) drawn from it with replacement.
        cost = torch.cdist(x0, x1).pow(2)
        plan = ot.emd(uniform, uniform, cost.detach().cpu().numpy(), numItermax=1_000_000)
        p = plan.ravel() / plan.sum()
        i, j = np.divmod(pick.choice(n * n, size=n, p=p), n)
        return x0[i], x1[j]

    def step():
        x1 = centres[torch.randint(0, 8, (n,))] + torch.randn(n, 2)
        x0 = torch.randn(n, 2)
        start = time.perf_counter()
        x0, x1 = couple(x0, x1)
        coupling_seconds[0] += time.perf_counter() - start
        t = torch.rand(n, 1)
        xt = (1 - t) * x0 + t * x1 + sigma * torch.randn_like(x0)
        loss = (field(net, xt, t) - (x1 - x0)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

    count = max(1, args.iters // 20)
    for _ in range(min(5, count)):
        step()
    coupling_seconds[0] = 0.0
    el = timed(step, count, 0)
    share = 100 * coupling_seconds[0] / el
    return (f"otcfm-train batch={n} threads={args.threads} dtype={torch.get_default_dtype()}: "
            f"{count / el:.2f} it/s ({1e3 * el / count:.2f} ms/it, coupling {share:.0f}%)")


def run_highd(args):
    D, W, B = args.highd, args.highd_w, args.highd_batch
    net = two_d_net(D, W, act=torch.nn.SiLU)
    opt = torch.optim.Adam(net.parameters(), lr=1e-4)
    data = torch.rand(4096, D)

    def step():
        x1 = data[torch.randint(0, data.shape[0], (B,))]
        x0 = torch.randn_like(x1)
        t = torch.rand(B, 1)
        xt = (1 - t) * x0 + t * x1
        loss = (field(net, xt, t) - (x1 - x0)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

    count = max(1, args.iters // 20)
    el = timed(step, count, min(50, count))
    return rate_line("highd-train", f"D={D} w={W}x3 silu batch={B}", args, count, el)


RUNNERS = {"cfm": run_cfm, "cnf": run_cnf, "sample": run_sample, "otcfm": run_otcfm, "highd": run_highd}


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float64 if args.f64 else torch.float32)
    for name in WORKLOADS:
        if name in args.only:
            print(RUNNERS[name](args), flush=True)


if __name__ == "__main__":
    main()
