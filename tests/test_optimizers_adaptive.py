"""The adaptive rules (SPEC section 3) against steps computed by hand: AdaGrad, RMSProp,
Adam (bias correction, amsgrad), AdamW, AdaDelta, AdaMax, NAdam and RAdam (written out
as torch.optim computes them) and Adafactor (vector and factored matrix form)."""

import math
from types import SimpleNamespace

import numpy as np
import pytest
from quadratic_by_hand import X0, adam_by_hand, close, grad_q, path

from engine.optimizers.adafactor import factored_init, factored_step

# -- adaptive ---------------------------------------------------------------------------------


def test_adagrad():
    lr, eps = 0.5, 1e-7
    x, G, want = X0.copy(), np.zeros(2), [X0]
    for _ in range(3):
        g = grad_q(x)
        G = G + g * g
        x = x - lr * g / (np.sqrt(G) + eps)
        want.append(x)
    close(path("adagrad", lr=lr), want)


@pytest.mark.parametrize("momentum,nesterov", [(0.0, False), (0.5, False), (0.5, True)])
def test_rmsprop(momentum, nesterov):
    lr, decay, eps = 0.1, 0.9, 1e-7
    x, s, b, want = X0.copy(), np.zeros(2), np.zeros(2), [X0]
    for _ in range(3):
        g = grad_q(x)
        s = decay * s + (1 - decay) * g * g
        d = g / (np.sqrt(s) + eps)
        if momentum == 0.0:
            x = x - lr * d
        else:
            b = momentum * b + d
            x = x - lr * ((d + momentum * b) if nesterov else b)
        want.append(x)
    got = path("rmsprop", lr=lr, momentum=momentum, nesterov=nesterov)
    close(got, want)
    if nesterov:
        assert not np.allclose(got, path("rmsprop", lr=lr, momentum=momentum))


@pytest.mark.parametrize("bias_correction", [True, False])
def test_adam(bias_correction):
    got = path("adam", lr=0.1, beta1=0.8, beta2=0.9, bias_correction=bias_correction)
    close(got, adam_by_hand(0.1, 0.8, 0.9, bias_correction=bias_correction))


def test_adam_first_step_is_lr_times_sign_with_bias_correction():
    """m_hat/sqrt(v_hat) = g/|g| at t = 1, so every coordinate moves by lr (up to eps);
    without bias correction the step is (1-b1)/sqrt(1-b2) = 3.16 times larger."""
    with_bc = path("adam", steps=1, lr=0.1)
    close(with_bc[1] - X0, [0.1, -0.1], rtol=1e-7)
    without = path("adam", steps=1, lr=0.1, bias_correction=False)
    close(without[1] - X0, 0.1 * 0.1 / math.sqrt(0.001) * np.array([1.0, -1.0]), rtol=1e-6)


def test_adam_amsgrad_uses_the_running_maximum_of_v():
    """beta2 = 0.5 forgets fast, so v falls below an earlier value as |g| shrinks and
    amsgrad's v_max then differs from v."""
    kw = dict(lr=0.3, b1=0.5, b2=0.5, steps=6)
    got = path("adam", steps=6, lr=0.3, beta1=0.5, beta2=0.5, amsgrad=True)
    close(got, adam_by_hand(amsgrad=True, **kw))
    assert not np.allclose(got, adam_by_hand(amsgrad=False, **kw))


def test_adamw_decays_before_the_adam_step():
    lr, wd = 0.5, 0.5
    got = path("adamw", lr=lr, weight_decay=wd, beta2=0.9)
    close(got, adam_by_hand(lr, 0.9, 0.9, decoupled_wd=wd))
    # decay after the Adam step (x <- x - lr wd x on the new x) gives another path
    x, m, v, after = X0.copy(), np.zeros(2), np.zeros(2), [X0]
    for t in range(1, 4):
        g = grad_q(x)
        m, v = 0.9 * m + 0.1 * g, 0.9 * v + 0.1 * g * g
        x = x - lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.9 ** t)) + 1e-8)
        x = x - lr * wd * x
        after.append(x)
    assert not np.allclose(got, after)
    # and decoupled is not coupled: the gradient carries no wd x
    assert not np.allclose(got, adam_by_hand(lr, 0.9, 0.9, g_of=lambda x: grad_q(x) + wd * x))


def test_adadelta():
    rho, eps, lr = 0.9, 1e-6, 1.0
    x, s, u, want = X0.copy(), np.zeros(2), np.zeros(2), [X0]
    for _ in range(3):
        g = grad_q(x)
        s = rho * s + (1 - rho) * g * g
        d = np.sqrt(u + eps) / np.sqrt(s + eps) * g
        u = rho * u + (1 - rho) * d * d
        x = x - lr * d
        want.append(x)
    close(path("adadelta"), want)


def test_adamax():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    x, m, u, want = X0.copy(), np.zeros(2), np.zeros(2), [X0]
    for t in range(1, 4):
        g = grad_q(x)
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        x = x - lr / (1 - b1 ** t) * m / u
        want.append(x)
    close(path("adamax", lr=lr), want)


def test_nadam_matches_torch_optim_nadam():
    """torch.optim.NAdam (momentum_decay psi = 0.004), written out:

        mu_t = b1 (1 - 0.5 * 0.96^(t psi));  mu_{t+1} likewise;  mu_product *= mu_t
        exp_avg.lerp_(g, 1 - b1);  exp_avg_sq = b2 exp_avg_sq + (1 - b2) g^2
        denom = sqrt(exp_avg_sq / (1 - b2^t)) + eps
        p -= lr (1 - mu_t) / (1 - mu_product) * g / denom
        p -= lr mu_{t+1} / (1 - mu_product mu_{t+1}) * exp_avg / denom
    """
    lr, b1, b2, eps, psi = 0.1, 0.9, 0.999, 1e-8, 0.004
    p, exp_avg, exp_avg_sq, mu_product, want = X0.copy(), np.zeros(2), np.zeros(2), 1.0, [X0]
    for step in range(1, 4):
        g = grad_q(p)
        mu = b1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        mu_product *= mu
        exp_avg = exp_avg + (g - exp_avg) * (1 - b1)
        exp_avg_sq = exp_avg_sq * b2 + (1 - b2) * g * g
        denom = np.sqrt(exp_avg_sq / (1 - b2 ** step)) + eps
        p = p - lr * (1.0 - mu) / (1.0 - mu_product) * g / denom
        p = p - lr * mu_next / (1.0 - mu_product * mu_next) * exp_avg / denom
        want.append(p)
    got = path("nadam", lr=lr)
    close(got, want, rtol=1e-12)
    assert not np.allclose(got, path("adam", lr=lr))


def test_radam_matches_torch_optim_radam():
    """torch.optim.RAdam: SGD with momentum (bias-corrected m) while rho_t <= 5, then
    Adam rectified by r_t. beta2 = 0.5 gives rho_inf = 3: never adaptive; beta2 = 0.9
    gives rho_inf = 19 and rho_t > 5 from t = 6 on."""
    def by_hand(b2, steps, lr=0.05, b1=0.9, eps=1e-8):
        x, m, v, want = X0.copy(), np.zeros(2), np.zeros(2), [X0]
        rho_inf = 2 / (1 - b2) - 1
        for t in range(1, steps + 1):
            g = grad_q(x)
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            m_hat = m / (1 - b1 ** t)
            rho_t = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
            if rho_t > 5:
                r = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                x = x - lr * m_hat * r * math.sqrt(1 - b2 ** t) / (np.sqrt(v) + eps)
            else:
                x = x - lr * m_hat
            want.append(x)
        return want

    close(path("radam", steps=8, lr=0.05, beta2=0.9), by_hand(0.9, 8), rtol=1e-12)
    close(path("radam", steps=3, lr=0.05, beta2=0.5), by_hand(0.5, 3))
    # beta2 = 0.6 makes rho_inf = 4 exactly: torch never divides by (rho_inf - 4) there
    close(path("radam", steps=3, lr=0.05, beta2=0.6), by_hand(0.6, 3))


def test_adafactor_vector_form():
    lr, b2, eps = 0.1, 0.9, 1e-8
    x, v, want = X0.copy(), np.zeros(2), [X0]
    for t in range(1, 4):
        g = grad_q(x)
        v = b2 * v + (1 - b2) * g * g
        x = x - lr * g / (np.sqrt(v / (1 - b2 ** t)) + eps)
        want.append(x)
    close(path("adafactor", lr=lr, beta2=b2), want)


def test_adafactor_factored_form_on_a_2x3_matrix_and_a_bias():
    """Seed 002, Algorithm 2: R (2 row sums) and C (3 column sums) instead of 6 numbers;
    V_hat = (R C / 1^T R) / (1 - b2^t). A 3-vector block keeps its unfactored v."""
    layout = (("W", (2, 3)), ("b", (3,)))
    hp = SimpleNamespace(beta2=0.8, eps=1e-8)
    lr = 0.1
    X = np.array([[1.0, -2.0, 0.5, 3.0, 0.25, -1.0, 0.1, 0.2, -0.3]])
    grads = [np.array([[0.5, -1.0, 2.0, -0.25, 1.5, 0.75, 1.0, -2.0, 0.5]]),
             np.array([[-1.0, 0.5, 0.25, 2.0, -0.5, 1.0, 0.3, 0.1, -1.0]])]
    state = factored_init(X, layout)
    R, C, v = [0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]
    x = [float(a) for a in X[0]]
    for t, G in enumerate(grads, start=1):
        X, state = factored_step(G, X, state, hp, t, np.array([lr]), layout)
        g = [float(a) for a in G[0]]
        W = [[g[0], g[1], g[2]], [g[3], g[4], g[5]]]
        R = [0.8 * R[i] + 0.2 * sum(W[i][j] ** 2 for j in range(3)) for i in range(2)]
        C = [0.8 * C[j] + 0.2 * sum(W[i][j] ** 2 for i in range(2)) for j in range(3)]
        corr = 1 - 0.8 ** t
        for i in range(2):
            for j in range(3):
                V_hat = R[i] * C[j] / (R[0] + R[1]) / corr
                x[3 * i + j] -= lr * W[i][j] / (math.sqrt(V_hat) + 1e-8)
        for j in range(3):
            v[j] = 0.8 * v[j] + 0.2 * g[6 + j] ** 2
            x[6 + j] -= lr * g[6 + j] / (math.sqrt(v[j] / corr) + 1e-8)
        close(X[0], x)
        close(state.blocks[0][0][0], R)
        close(state.blocks[0][1][0], C)
        close(state.blocks[1][0][0], v)


def test_adafactor_factored_equals_adam_like_v_for_a_rank_one_square():
    """When G^2 is rank one (G = a b^T) the factored V equals the full v exactly: the
    point of the factorisation (seed 002)."""
    layout = (("W", (2, 3)),)
    a, b = np.array([1.0, -2.0]), np.array([0.5, 1.5, -3.0])
    G = np.outer(a, b).reshape(1, -1)
    X = np.zeros((1, 6))
    X1, _ = factored_step(G, X, factored_init(X, layout), SimpleNamespace(beta2=0.9, eps=0.0), 1,
                          np.array([1.0]), layout)
    close(X1[0], -np.sign(G[0]), rtol=1e-12)  # |g| / sqrt(g^2) at t = 1
