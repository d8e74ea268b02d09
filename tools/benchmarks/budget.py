"""The data and schedule budgets of the pose benchmark (shared by every job that reruns its
stages: the mixed-size evaluation and the learning curve read the same budget)."""
from dataclasses import dataclass
from typing import ClassVar, Tuple, Union


@dataclass
class Budget:
    """Data and schedule sizes: one budget for every variant."""
    #: number fields that may be 0 (every other one must be > 0)
    ZERO_ALLOWED: ClassVar[Tuple[str, ...]] = ('seed', 'minutes', 'workers')
    num_train_images: int = 1500
    num_tune_images: int = 150
    num_val_images: int = 450  # about 1100 val people
    # 3000 with bfloat16 take about the wall time 1800 took in float32 (chosen on tune:
    # docs/tuning.md "Training precision")
    hr_iters: int = 3000
    ft_iters: int = 250
    batch_size: int = 32
    seed: int = 0
    ft_seeds: int = 1  # trainings per fine-tuned row (a second seed where the budget allows)
    n_resamples: int = 500
    cost_batch: int = 32  # crops per timed forward pass in the cost table
    data_root: str = 'data/synthetic_people'
    minutes: float = 27.0  # wall-time budget; 0 = no fitting (iterations as given)
    # both cores compute and the main process loads the batches: a data worker of its own
    # idled most of the time (docs/tuning.md "Threads and data loading")
    threads: int = 2  # torch threads
    workers: int = 0  # data-loader worker processes
    # training speed (docs/tuning.md "Training precision"): the forward pass under bfloat16
    # autocast (BF16AutocastOptimWrapper) and channels-last convolutions (ChannelsLastHook);
    # 'auto' times a few training steps under each and keeps the fastest (bfloat16 only
    # where this CPU runs it natively; common/precision.py); evaluation stays float32
    amp: Union[bool, str] = 'auto'
    channels_last: Union[bool, str] = 'auto'


BUDGETS = {
    'default': Budget(),
    # 2.5x the HR steps, 2x the fine-tuning steps with a second seed per row, 2x the train
    # images (the first 1500 and every val/tune image are the default budget's): about two
    # hours on a 2-core machine, minutes on a GPU
    # (float32 training: the long table was trained before the bfloat16 choice)
    'long': Budget(num_train_images=3000, hr_iters=4500, ft_iters=500, ft_seeds=2,
                   data_root='data/synthetic_people_long', minutes=0, n_resamples=1000,
                   amp=False, channels_last=False, threads=1, workers=1),
    'quick': Budget(num_train_images=40, num_tune_images=8, num_val_images=16, hr_iters=12,
                    ft_iters=4, batch_size=8, n_resamples=50, cost_batch=4, workers=0,
                    data_root='data/synthetic_people_quick',
                    minutes=0, amp=True, channels_last=True, threads=1),  # exercises both
}
