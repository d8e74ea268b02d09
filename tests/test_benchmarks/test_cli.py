"""The benchmark applications' options: a bad value is an argparse error naming the option."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'tools'))
import action_benchmark  # noqa: E402
import benchmark  # noqa: E402
import learning_curve  # noqa: E402
import size_benchmark  # noqa: E402


def _refused(parse, argv, capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        parse(argv)
    assert exc.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize('parse, argv, option, why', [
    (benchmark.parse_args, ['--batch-size', '0'], '--batch-size', 'must be > 0, got 0'),
    (benchmark.parse_args, ['--hr-iters', '-3'], '--hr-iters', 'must be > 0, got -3'),
    (benchmark.parse_args, ['--ft-seeds', 'two'], '--ft-seeds', "expected int, got 'two'"),
    (benchmark.parse_args, ['--minutes', '-1'], '--minutes', 'must be >= 0, got -1'),
    (benchmark.parse_args, ['--minutes', 'nan'], '--minutes', 'must be >= 0, got nan'),
    (benchmark.parse_args, ['--split', 'tune', '--lr-grid', '0'], '--lr-grid', 'must be > 0'),
    (action_benchmark.parse_args, ['--epochs', '-1'], '--epochs', 'must be > 0, got -1'),
    (action_benchmark.parse_args, ['--clips-per-class', '0'], '--clips-per-class', '> 0'),
    (action_benchmark.parse_args, ['--lr-noise', '-0.5'], '--lr-noise', 'must be >= 0'),
    (size_benchmark.parse_args, ['--num-images', '0'], '--num-images', 'must be > 0, got 0'),
    (size_benchmark.parse_args, ['--threshold', '-2'], '--threshold', 'must be > 0, got -2'),
    (learning_curve.parse_args, ['--points', '100', '0'], '--points', 'must be > 0, got 0'),
])
def test_bad_option_values_exit_2_naming_the_option(parse, argv, option, why, capsys):
    err = _refused(parse, argv, capsys)
    assert f'argument {option}' in err and why in err


def test_zero_is_allowed_where_it_means_something():
    args = benchmark.parse_args(['--seed', '0', '--minutes', '0', '--workers', '0'])
    assert (args.seed, args.minutes, args.workers) == (0, 0.0, 0)
    assert action_benchmark.parse_args(['--lr-noise', '0', '--epochs', '3']).epochs == 3
