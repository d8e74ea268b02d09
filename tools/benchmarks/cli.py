"""Command-line pieces shared by the benchmark applications (tools/*benchmark.py)."""
import argparse
import dataclasses


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


def add_budget_arguments(parser: argparse.ArgumentParser, budget_cls: type) -> None:
    """One ``--<field>`` option per field of the budget dataclass ``budget_cls`` (default
    ``None``: the budget's own value); a bare boolean flag means true, and a field whose
    default is ``'auto'`` also takes ``auto``."""
    types = {'int': int, 'float': float, 'str': str, 'bool': parse_bool}
    for f in dataclasses.fields(budget_cls):
        if f.default == 'auto':  # a Union[bool, str] field: true, false or auto
            kind = parse_auto_bool
        else:
            kind = types[f.type if isinstance(f.type, str) else f.type.__name__]
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
