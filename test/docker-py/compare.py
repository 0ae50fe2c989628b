"""Compares two pytest junit XML reports of docker-py's suite: dockerd's (first) and berthd's.

Prints each side's counts, then the tests that pass on dockerd and not on berthd (berth's gaps),
the reverse, and what fails on both, each with the first line of its failure message."""
import sys
import xml.etree.ElementTree as ET


def outcomes(path):
    res = {}
    for case in ET.parse(path).getroot().iter('testcase'):
        name = f"{case.get('classname', '').split('.')[-1]}::{case.get('name')}"
        outcome, msg = 'passed', ''
        for child in case:
            if child.tag in ('failure', 'error'):
                outcome, msg = 'failed', (child.get('message') or '').splitlines()[0:1]
                msg = msg[0] if msg else ''
                break
            if child.tag == 'skipped':
                xfail = (child.get('type') or '') == 'pytest.xfail'
                outcome, msg = ('xfailed' if xfail else 'skipped'), (child.get('message') or '')
        res[name] = (outcome, msg[:150])
    return res


def counts(res):
    c = {}
    for o, _ in res.values():
        c[o] = c.get(o, 0) + 1
    return ', '.join(f'{n} {o}' for o, n in sorted(c.items()))


d, b = outcomes(sys.argv[1]), outcomes(sys.argv[2])
# JUnit XML records an xpass as a pass.
print(f'dockerd 20.10: {counts(d)}')
print(f'berthd:        {counts(b)}')
sections = [
    ('passes on dockerd, not on berthd', lambda x, y: x == 'passed' and y != 'passed', b),
    ('passes on berthd, not on dockerd', lambda x, y: y == 'passed' and x != 'passed', d),
    ('fails on both', lambda x, y: x == 'failed' and y == 'failed', d),
]
for title, pred, msgs in sections:
    names = sorted(n for n in set(d) | set(b) if pred(d.get(n, ('missing', ''))[0], b.get(n, ('missing', ''))[0]))
    print(f'\n{title} ({len(names)}):')
    for n in names:
        o, m = msgs.get(n, ('missing', ''))
        print(f'  {n}  [{o}] {m}')
