"""README.md and docs/: short README, no dangling path, no pointer to files users do not have."""
import re
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from conftest import ROOT

README = ROOT / 'README.md'
MAX_README_LINES = 220
# files a page may name before they exist in the checkout (each with who provides it)
PENDING = {}
# a repository path in inline code or a code block: starts at a checked-in top-level folder
REPO_PATH = re.compile(r'^(?:configs|docs|lrpose_mm|requirements|tests|tools)/[\w./-]*$')
MD_LINK = re.compile(r'!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)')
FORBIDDEN = re.compile(r'\bDESIGN\b|\bENVIRONMENT\.md\b|\b[Ii]ssue\s*#?\d+')
SCANNED_SUFFIXES = {'.py', '.md', '.yml', '.yaml', '.txt', '.cfg'}


def _pages() -> List[Path]:
    return [README] + sorted((ROOT / 'docs').glob('*.md'))


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r'[^\w\- ]', '', heading.strip().lower())
    return text.replace(' ', '-')


def _anchors(page: Path) -> set:
    text = re.sub(r'```.*?```', '', page.read_text(encoding='utf-8'), flags=re.S)
    return {_slug(m.group(1)) for m in re.finditer(r'^#{1,6}\s+(.+?)\s*$', text, re.M)}


def _code_tokens(text: str) -> Iterator[str]:
    """Words of fenced code blocks and inline code spans."""
    for block in re.findall(r'```[^\n]*\n(.*?)```', text, re.S):
        yield from block.split()
    outside = re.sub(r'```.*?```', '', text, flags=re.S)
    for span in re.findall(r'`([^`\n]+)`', outside):
        yield from span.split()


def _references(page: Path) -> Iterator[Tuple[str, Path, str]]:
    """(as written, resolved file, anchor) for every relative link and repository path."""
    text = page.read_text(encoding='utf-8')
    for target in MD_LINK.findall(text):
        if re.match(r'^[a-z][a-z0-9+.-]*:', target, re.I) or target.startswith('#'):
            continue  # a URL or an anchor on the same page
        path, _, anchor = target.partition('#')
        yield target, (page.parent / path).resolve(), anchor
    for word in _code_tokens(text):
        word = word.strip('"\'(),;:')
        if REPO_PATH.match(word) and '/.mim' not in word:
            yield word, (ROOT / word).resolve(), ''


def _relative(path: Path) -> str:
    try:
        return path.relative_to(ROOT.resolve()).as_posix()
    except ValueError:
        return str(path)


def test_readme_is_short():
    lines = README.read_text(encoding='utf-8').count('\n')
    assert lines <= MAX_README_LINES, (
        f'README.md has {lines} lines (at most {MAX_README_LINES}): move details to docs/')


@pytest.mark.parametrize('page', _pages(), ids=lambda p: _relative(p))
def test_every_relative_link_and_path_exists(page):
    missing, bad_anchors = [], []
    for written, path, anchor in _references(page):
        rel = _relative(path)
        if not path.exists():
            if rel not in PENDING:
                missing.append(written)
            continue
        if anchor and path.suffix == '.md' and anchor not in _anchors(path):
            bad_anchors.append(written)
    assert not missing, f'{_relative(page)} names files that are not in the repository: {missing}'
    assert not bad_anchors, f'{_relative(page)} links to headings that do not exist: {bad_anchors}'


def test_pending_files_are_only_named_where_expected():
    """A pending file is named by a page (else drop it from PENDING)."""
    named = {_relative(path) for page in _pages() for _, path, _ in _references(page)}
    assert set(PENDING) <= named, f'PENDING lists files no page names: {set(PENDING) - named}'


def test_checker_sees_broken_links(tmp_path):
    """The reference scan finds links, inline paths and code-block paths, and resolves them."""
    page = tmp_path / 'page.md'
    page.write_text('# Title\n[a](other.md#title) ![b](img/x.png) [c](https://example.org)\n'
                    'run `tools/nothing_here.py` here\n'
                    '```bash\npython tools/train.py CONFIG\n```\n')
    refs = {written: path for written, path, _ in _references(page)}
    assert set(refs) == {'other.md#title', 'img/x.png', 'tools/nothing_here.py',
                         'tools/train.py'}
    assert refs['img/x.png'] == (tmp_path / 'img/x.png').resolve()
    assert not refs['tools/nothing_here.py'].exists() and refs['tools/train.py'].exists()
    assert _slug('Action recognition (`make action`)') == 'action-recognition-make-action'
    assert 'title' in _anchors(page)


def _scanned_files() -> Iterator[Path]:
    yield README
    for top in ('lrpose_mm', 'configs', 'docs'):
        for path in sorted((ROOT / top).rglob('*')):
            parts = set(path.relative_to(ROOT).parts)
            if path.is_file() and path.suffix in SCANNED_SUFFIXES and not parts & {
                    '.mim', '__pycache__'}:
                yield path


def test_no_pointer_to_private_files_or_issues():
    hits = []
    for path in _scanned_files():
        for n, line in enumerate(path.read_text(encoding='utf-8').splitlines(), 1):
            if FORBIDDEN.search(line):
                hits.append(f'{_relative(path)}:{n}: {line.strip()}')
    assert not hits, ('these lines point users at files or issues they do not have:\n'
                      + '\n'.join(hits))


@pytest.mark.parametrize('line, bad', [
    ('see DESIGN.md for the targets', True), ('the DESIGN targets', True),
    ('ENVIRONMENT.md records it', True), ('fixed in issue 11', True), ('(issue #7)', True),
    ('upstream open-mmlab/mmaction2#2714', False), ('the design of the neck', False),
    ('an issue with the input', False), ('Issue 20 says', True)])
def test_forbidden_pattern(line, bad):
    assert bool(FORBIDDEN.search(line)) is bad
