"""Command-line pieces shared by the benchmark applications (tools/*benchmark.py)."""
import argparse
import dataclasses
from typing import Callable, Type


def parse_bool(text: str) -> bool:
    """``true/false``, ``yes/no``, ``on/off`` or ``1/0`` (any case) as a bool."""
    if text.lower() in ('1', 'true', 'yes', 'on'):
        return True
    if text.lower() in ('0', 'false', 'no', 'off'):
        return False
    raise argparse.ArgumentTypeError(f'expected true/false, got {text!r}')


def parse_auto_bool(text: str):
    """``auto`` (decided when the job runs) or a boolean as :func:`parse_bool` reads it."""
    return 'auto' if text.lower() == 'auto' else parse_bool(text)


def number(kind: Type, minimum: float = 0, inclusive: bool = False) -> Callable[[str], float]:
    """An argparse ``type`` reading ``kind`` (int or float) that must be > ``minimum`` (or
    >= with ``inclusive``): argparse names the option in its error and exits with 2."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f'expected {kind.__name__}, got {text!r}')
        if value != value or value < minimum or (value == minimum and not inclusive):
            raise argparse.ArgumentTypeError(
                f'must be {">=" if inclusive else ">"} {minimum:g}, got {text}')
        return value
    parse.__name__ = kind.__name__  # argparse's 'invalid <name> value' wording
    return parse


positive_int = number(int)
positive_float = number(float)


def add_budget_arguments(parser: argparse.ArgumentParser, budget_cls: type) -> None:
    """One ``--<field>`` option per field of the budget dataclass ``budget_cls`` (default
    ``None``: the budget's own value); a bare boolean flag means true, and a field whose
    default is ``'auto'`` also takes ``auto``. A number must be > 0, or >= 0 where the
    field is named in the class's ``ZERO_ALLOWED`` (a seed, "no time limit", ...)."""
    zero_ok = set(getattr(budget_cls, 'ZERO_ALLOWED', ()))
    for f in dataclasses.fields(budget_cls):
        name = f.type if isinstance(f.type, str) else f.type.__name__
        if f.default == 'auto':  # a Union[bool, str] field: true, false or auto
            kind = parse_auto_bool
        elif name in ('int', 'float'):
            kind = number(int if name == 'int' else float, inclusive=f.name in zero_ok)
        else:
            kind = {'str': str, 'bool': parse_bool}[name]
        flag = dict(nargs='?', const=True) if kind in (parse_bool, parse_auto_bool) else {}
        parser.add_argument('--' + f.name.replace('_', '-'), type=kind, default=None, **flag,
                            help=f'override the budget ({f.name}, default {f.default})')


def budget_with_arguments(budget, args: argparse.Namespace):
    """A copy of the dataclass ``budget`` with every ``--<field>`` the user gave applied
    (the options of :func:`add_budget_arguments`; ``None`` = not given)."""
    budget = dataclasses.replace(budget)
    for f in dataclasses.fields(budget):
        value = getattr(args, f.name, None)
        if value is not None:
            setattr(budget, f.name, value)
    return budget
