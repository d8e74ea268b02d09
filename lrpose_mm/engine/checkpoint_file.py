"""Name a checkpoint file that cannot be a checkpoint before a Runner tries to load it."""
import os
import zipfile


def check_checkpoint_file(path: str, what: str = 'checkpoint') -> None:
    """Raise a ValueError naming ``path`` when it is empty or not a complete checkpoint.

    ``torch.load`` reports a zero-byte file as a bare ``EOFError`` and a cut
    zip archive as a reader error; neither names the file. A local file must
    be a complete zip archive (``torch.save``'s format) or a legacy pickle.
    Remote paths (``scheme://``) are left to mmengine's loaders.
    """
    if not path or '://' in str(path):
        return
    path = str(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{what} {path} does not exist')
    size = os.path.getsize(path)
    if size == 0:
        raise ValueError(f'{what} {path} is empty (0 bytes): an interrupted save or download?')
    with open(path, 'rb') as f:
        head = f.read(2)
    if head == b'PK' and not zipfile.is_zipfile(path):
        raise ValueError(f'{what} {path} is a cut zip archive ({size} bytes): an interrupted '
                         'save or download?')
    if head != b'PK' and head[:1] != b'\x80':
        raise ValueError(f'{what} {path} is not a PyTorch checkpoint (neither a zip archive '
                         'nor a pickle)')
