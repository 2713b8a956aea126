"""Hyperparameters as data (engine.hyper): parsing text from the CLI and session files,
range checks, and messages that name the bad key or value and what is accepted."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.hyper import Hyper, HyperError, brief, validate_values
from engine.registry import OPTIMIZERS, hypers_for
from engine.schedules import SCHEDULES
from engine.spec import OptimizerSpec, SpecError, split_spec

LR = Hyper("lr", 0.01, 1e-6, 100.0, log=True)
BETA = Hyper("beta2", 0.999, 0.0, 0.9999)
OPEN = Hyper("beta", 0.9, 0.0, 1.0, open_hi=True)
HISTORY = Hyper("history", 10, 1, 100, kind="int")
FLAG = Hyper("amsgrad", False, kind="bool")
FORM = Hyper("form", "torch", kind="choice", choices=("torch", "velocity"))
MILESTONES = Hyper("milestones", (), kind="list")


def test_numbers_from_text_and_values():
    assert LR.parse("0.5") == 0.5 and isinstance(LR.parse("1"), float)
    assert LR.parse(" 1e-3 ") == 1e-3
    assert LR.parse(2) == 2.0 and LR.parse(100.0) == 100.0 and LR.parse("1e-6") == 1e-6
    assert HISTORY.parse("7") == 7 and isinstance(HISTORY.parse("7.0"), int)
    assert OPEN.parse("0.999999") == 0.999999


@pytest.mark.parametrize("hyper,text", [
    (LR, "0"), (LR, "101"), (LR, "-1"), (LR, "abc"), (LR, ""), (LR, "nan"), (LR, "inf"), (LR, True),
    (LR, None), (LR, [1]), (BETA, "1"), (OPEN, "1"), (OPEN, "1.0"), (HISTORY, "2.5"), (HISTORY, "0"),
    (HISTORY, "101"), (HISTORY, "ten"), (LR, 10**400), (HISTORY, 10**400), (LR, "1" + "0" * 400)])
def test_bad_numbers_name_the_key_the_value_and_the_range(hyper, text):
    with pytest.raises(HyperError) as err:
        hyper.parse(text)
    message = str(err.value)
    assert message.startswith(f"{hyper.name}={brief(text)}: expected ")
    assert len(message) < 200  # a 400-digit value is not echoed whole
    assert f"<= {hyper.name}" in message
    assert ("< 1" in message) if hyper.open_hi else (f"<= {hyper.hi:g}" in message)
    if hyper.kind == "int":
        assert "whole number" in message


def test_bool_parsing():
    assert FLAG.parse("true") is True and FLAG.parse("false") is False
    assert FLAG.parse("True") is True and FLAG.parse(False) is False
    for bad in ("yes", "1", "0", "", 1, None, "truee"):
        with pytest.raises(HyperError, match=r"amsgrad=.*expected true or false"):
            FLAG.parse(bad)


def test_choice_parsing():
    assert FORM.parse("velocity") == "velocity"
    for bad in ("Velocity", "", "lookahead", 1, None):
        with pytest.raises(HyperError, match=r"form=.*expected one of torch, velocity"):
            FORM.parse(bad)


def test_list_parsing():
    assert MILESTONES.parse("300/600/900") == (300, 600, 900)
    assert MILESTONES.parse("900/300") == (300, 900)  # sorted
    assert MILESTONES.parse("") == () and MILESTONES.parse("5") == (5,)
    assert MILESTONES.parse([20, 10]) == (10, 20)
    assert MILESTONES.parse(" 1 / 2 ") == (1, 2)
    for bad in ("3,4", "a/b", "1.5/2", "-1/3", 3, "/".join(["1"] * 101)):
        with pytest.raises(HyperError, match=r"milestones=.*whole numbers separated by '/'"):
            MILESTONES.parse(bad)


def test_format_is_what_parse_reads_back():
    assert FLAG.format(True) == "true" and MILESTONES.format((3, 7)) == "3/7"
    assert LR.format(0.1) == "0.1" and HISTORY.format(10) == "10" and FORM.format("torch") == "torch"


def _every_hyper():
    seen = {}
    for key in OPTIMIZERS:
        for h in hypers_for(key, {"base": "adam"} if key == "sam" else None):
            seen[(key, h.name)] = h
    for key, record in SCHEDULES.items():
        for h in record.hypers:
            seen[(key, h.name)] = h
    return list(seen.values())


EVERY = _every_hyper()


def test_every_hyper_has_a_valid_default_and_range():
    for h in EVERY:
        assert h.parse(h.default) == h.default, h.name
        if h.kind in ("float", "int"):
            assert h.lo is not None and h.hi is not None and h.lo <= h.default <= h.hi, h.name
            h.accepted()  # the message can always be built


@given(data=st.data())
def test_format_then_parse_round_trips_for_every_registered_hyper(data):
    h = data.draw(st.sampled_from(EVERY))
    if h.kind == "bool":
        value = data.draw(st.booleans())
    elif h.kind == "choice":
        value = data.draw(st.sampled_from(h.choices))
    elif h.kind == "list":
        value = tuple(sorted(data.draw(st.lists(st.integers(0, 10**6), max_size=5))))
    elif h.kind == "int":
        value = data.draw(st.integers(int(h.lo), int(h.hi)))
    else:
        value = data.draw(st.floats(h.lo, h.hi, exclude_max=h.open_hi))
    assert h.parse(h.format(value)) == value


# -- validate_values: the set of knobs ----------------------------------------------------------


def test_validate_fills_defaults_and_parses():
    hypers = (LR, BETA, FLAG)
    assert validate_values(hypers, {}, "adam") == {"lr": 0.01, "beta2": 0.999, "amsgrad": False}
    assert validate_values(hypers, {"amsgrad": "true", "lr": "0.5"}, "adam") == \
        {"lr": 0.5, "beta2": 0.999, "amsgrad": True}


def test_an_unknown_key_lists_the_accepted_ones():
    with pytest.raises(HyperError) as err:
        validate_values((LR, BETA, FLAG), {"beta_2": "0.9"}, "optimizer 'adam'")
    assert str(err.value) == "optimizer 'adam' has no parameter 'beta_2' (accepted: lr, beta2, amsgrad)"
    with pytest.raises(HyperError, match=r"accepted: none"):
        validate_values((), {"x": "1"}, "schedule 'constant'")


def test_a_bad_value_message_names_the_owner():
    with pytest.raises(HyperError) as err:
        validate_values((LR,), {"lr": "1e9"}, "optimizer 'sgd'")
    assert str(err.value) == "optimizer 'sgd': lr='1e9': expected a number with 1e-06 <= lr <= 100"


def test_optimizer_spec_messages():
    with pytest.raises(SpecError, match=r"has no parameter 'momentum' \(accepted: lr, beta1, beta2, eps, "):
        OptimizerSpec.parse("adam:momentum=0.9")
    with pytest.raises(SpecError, match="given twice"):
        OptimizerSpec.parse("adam:lr=0.1,lr=0.2")
    with pytest.raises(SpecError, match="expected key=value"):
        OptimizerSpec.parse("adam:lr=0.1,")
    with pytest.raises(SpecError, match="empty optimizer spec"):
        OptimizerSpec.parse("  ")
    with pytest.raises(SpecError, match="bad optimizer name"):
        OptimizerSpec.parse("ad am")
    # SAM accepts its base's knobs, and only those
    assert OptimizerSpec.parse("sam:base=momentum,lr=0.05,rho_sam=0.1").params["momentum"] == 0.9
    with pytest.raises(SpecError, match="beta1"):
        OptimizerSpec.parse("sam:base=momentum,beta1=0.5")


def test_split_spec():
    assert split_spec("adam:lr=0.01,beta2=0.99", "optimizer") == ("adam", {"lr": "0.01", "beta2": "0.99"})
    assert split_spec(" adam ", "optimizer") == ("adam", {})
    assert split_spec("step:milestones=300/600", "schedule") == ("step", {"milestones": "300/600"})


def test_spec_round_trip_through_text():
    spec = OptimizerSpec.parse("adam:lr=0.05,amsgrad=true,beta2=0.99")
    assert spec.spec() == "adam:lr=0.05,beta2=0.99,amsgrad=true"
    assert OptimizerSpec.parse(spec.spec()) == spec
    assert OptimizerSpec.parse("sgd").spec() == "sgd"
    assert math.isclose(OptimizerSpec.parse("sam:base=adam,lr=0.3").params["lr"], 0.3)
