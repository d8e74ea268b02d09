"""A tqdm progress bar driven by mmengine's hook points (no log scraping)."""
from typing import Optional

from mmengine.hooks import Hook
from tqdm import tqdm


class TqdmProgressHook(Hook):
    """One bar per training run and one per test run, updated every iteration."""

    priority = 'VERY_LOW'

    def __init__(self, desc: str) -> None:
        self.desc = desc
        self._bar: Optional[tqdm] = None

    def _open(self, total: int, initial: int, what: str) -> None:
        self._close()
        self._bar = tqdm(total=total, initial=initial, desc=f'{what} {self.desc}', unit='it',
                         dynamic_ncols=True, leave=True)

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def before_train(self, runner) -> None:
        self._open(runner.max_iters, runner.iter, 'train')

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if self._bar is not None:
            self._bar.update(runner.iter + 1 - self._bar.n)
            if outputs and 'loss' in outputs:
                self._bar.set_postfix(loss=f"{float(outputs['loss'].detach()):.4g}", refresh=False)

    def after_train(self, runner) -> None:
        self._close()

    def before_test(self, runner) -> None:
        self._open(len(runner.test_dataloader), 0, 'test ')

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if self._bar is not None:
            self._bar.update(1)

    def after_test(self, runner) -> None:
        self._close()
