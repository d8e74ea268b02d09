"""Which output folders a generator may write into: its own, or new/empty ones.

A generator writes a marker file into every folder it creates output in; it
refuses a non-empty folder without its marker, so it can never replace or
delete data that it did not write (a user's dataset, notes, photos).
"""
import json
import os
import re

MARKER = '.lrpose_mm-generated.json'


class NotOwnedError(FileExistsError):
    """The output folder holds files that this generator did not write."""


def claim_output_dir(out_dir: str, generator: str) -> str:
    """Make ``out_dir`` this generator's folder, or raise :class:`NotOwnedError`.

    A missing or empty folder is created and marked. A folder with this
    generator's marker is accepted. Anything else is refused before a single
    file is written.

    Returns:
        The absolute folder path.
    """
    out_dir = os.path.abspath(out_dir)
    marker = os.path.join(out_dir, MARKER)
    if os.path.isfile(marker):
        try:
            with open(marker) as f:
                owner = json.load(f).get('generator')
        except (OSError, ValueError, AttributeError):
            owner = None
        if owner != generator:
            raise NotOwnedError(
                f'{out_dir} was written by {owner or "an unknown tool"} (see {MARKER}), not '
                f'by {generator}: choose another folder')
        return out_dir
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise NotOwnedError(f'{out_dir} exists and is not a folder')
    if os.path.isdir(out_dir) and os.listdir(out_dir):
        raise NotOwnedError(
            f'{out_dir} is not empty and was not written by {generator} (no {MARKER}): '
            'refusing to write into it, so nothing there is replaced or deleted; choose a '
            'new or empty folder')
    os.makedirs(out_dir, exist_ok=True)
    with open(marker, 'w') as f:
        json.dump(dict(generator=generator), f)
    return out_dir


def remove_own_files(folder: str, pattern: str) -> int:
    """Delete the files in ``folder`` whose names fully match ``pattern`` (this
    generator's naming); keep everything else, and the folder if not emptied.

    Returns:
        How many files were removed.
    """
    if not os.path.isdir(folder):
        return 0
    rx = re.compile(pattern)
    n = 0
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if rx.fullmatch(name) and os.path.isfile(path):
            os.unlink(path)
            n += 1
    if not os.listdir(folder):
        os.rmdir(folder)
    return n

