import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { displayablePorts, type ApiPort } from './container-ports.js';

// Vectors from docker/cli's TestDisplayablePorts, plus what `docker run -p` publishes.
const cases: Array<[string, ApiPort[], string]> = [
  ['exposed tcp', [{ PrivatePort: 9988, Type: 'tcp' }], '9988/tcp'],
  ['exposed udp', [{ PrivatePort: 9988, Type: 'udp' }], '9988/udp'],
  ['IPv4 without public port', [{ IP: '0.0.0.0', PrivatePort: 9988, Type: 'tcp' }], '0.0.0.0:0->9988/tcp'],
  ['IPv6 without public port', [{ IP: '::', PrivatePort: 9988, Type: 'tcp' }], '[::]:0->9988/tcp'],
  ['public port without IP is not shown', [{ PrivatePort: 9988, PublicPort: 8899, Type: 'tcp' }], '9988/tcp'],
  ['published', [{ IP: '4.3.2.1', PrivatePort: 9988, PublicPort: 8899, Type: 'tcp' }], '4.3.2.1:8899->9988/tcp'],
  ['published on IPv6', [{ IP: '::1', PrivatePort: 9988, PublicPort: 8899, Type: 'tcp' }], '[::1]:8899->9988/tcp'],
  ['published on the same number', [{ IP: '4.3.2.1', PrivatePort: 9988, PublicPort: 9988, Type: 'tcp' }], '4.3.2.1:9988->9988/tcp'],
  ['duplicates', [{ PrivatePort: 9988, Type: 'udp' }, { PrivatePort: 9988, Type: 'udp' }], '9988/udp, 9988/udp'],
  [
    'a published range collapses',
    [
      { IP: '1.2.3.4', PublicPort: 9998, PrivatePort: 9998, Type: 'udp' },
      { IP: '1.2.3.4', PublicPort: 9999, PrivatePort: 9999, Type: 'udp' },
    ],
    '1.2.3.4:9998-9999->9998-9999/udp',
  ],
  [
    'a published IPv6 range collapses',
    [
      { IP: '::1', PublicPort: 9998, PrivatePort: 9998, Type: 'udp' },
      { IP: '::1', PublicPort: 9999, PrivatePort: 9999, Type: 'udp' },
    ],
    '[::1]:9998-9999->9998-9999/udp',
  ],
  [
    'mapped to other numbers, no range',
    [
      { IP: '1.2.3.4', PublicPort: 8887, PrivatePort: 9998, Type: 'udp' },
      { IP: '1.2.3.4', PublicPort: 8888, PrivatePort: 9999, Type: 'udp' },
    ],
    '1.2.3.4:8887->9998/udp, 1.2.3.4:8888->9999/udp',
  ],
  ['an exposed range collapses', [{ PrivatePort: 9998, Type: 'udp' }, { PrivatePort: 9999, Type: 'udp' }], '9998-9999/udp'],
  [
    'exposed before mapped',
    [
      { IP: '1.2.3.4', PrivatePort: 6677, PublicPort: 7766, Type: 'tcp' },
      { PrivatePort: 9988, PublicPort: 8899, Type: 'udp' },
    ],
    '9988/udp, 1.2.3.4:7766->6677/tcp',
  ],
  [
    'mapped ones sorted by private port, IP, public port, protocol',
    [
      { IP: '1.2.3.4', PrivatePort: 9988, PublicPort: 8899, Type: 'udp' },
      { IP: '1.2.3.4', PrivatePort: 9988, PublicPort: 8899, Type: 'tcp' },
      { IP: '4.3.2.1', PrivatePort: 2233, PublicPort: 3322, Type: 'tcp' },
      { IP: '::1', PrivatePort: 2233, PublicPort: 3322, Type: 'tcp' },
    ],
    '4.3.2.1:3322->2233/tcp, [::1]:3322->2233/tcp, 1.2.3.4:8899->9988/tcp, 1.2.3.4:8899->9988/udp',
  ],
  [
    'many',
    [
      { PrivatePort: 80, Type: 'tcp' },
      { PrivatePort: 1024, Type: 'tcp' },
      { PrivatePort: 80, Type: 'udp' },
      { PrivatePort: 1024, Type: 'udp' },
      { IP: '1.1.1.1', PublicPort: 80, PrivatePort: 1024, Type: 'tcp' },
      { IP: '1.1.1.1', PublicPort: 80, PrivatePort: 1024, Type: 'udp' },
      { IP: '1.1.1.1', PublicPort: 1024, PrivatePort: 80, Type: 'tcp' },
      { IP: '1.1.1.1', PublicPort: 1024, PrivatePort: 80, Type: 'udp' },
      { IP: '2.1.1.1', PublicPort: 80, PrivatePort: 1024, Type: 'tcp' },
      { IP: '2.1.1.1', PublicPort: 80, PrivatePort: 1024, Type: 'udp' },
      { IP: '2.1.1.1', PublicPort: 1024, PrivatePort: 80, Type: 'tcp' },
      { IP: '2.1.1.1', PublicPort: 1024, PrivatePort: 80, Type: 'udp' },
      { PrivatePort: 12345, Type: 'sctp' },
    ],
    '80/tcp, 80/udp, 1024/tcp, 1024/udp, 12345/sctp, 1.1.1.1:1024->80/tcp, 1.1.1.1:1024->80/udp, 2.1.1.1:1024->80/tcp, 2.1.1.1:1024->80/udp, 1.1.1.1:80->1024/tcp, 1.1.1.1:80->1024/udp, 2.1.1.1:80->1024/tcp, 2.1.1.1:80->1024/udp',
  ],
  [
    'docker run -p 8080:80 on IPv4 and IPv6',
    [
      { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    ],
    '0.0.0.0:8080->80/tcp, [::]:8080->80/tcp',
  ],
  [
    'docker run -p 8000-8001:8000-8001 --expose 80',
    [
      { PrivatePort: 80, Type: 'tcp' },
      { IP: '0.0.0.0', PrivatePort: 8000, PublicPort: 8000, Type: 'tcp' },
      { IP: '0.0.0.0', PrivatePort: 8001, PublicPort: 8001, Type: 'tcp' },
      { IP: '::', PrivatePort: 8000, PublicPort: 8000, Type: 'tcp' },
      { IP: '::', PrivatePort: 8001, PublicPort: 8001, Type: 'tcp' },
    ],
    '80/tcp, 0.0.0.0:8000-8001->8000-8001/tcp, [::]:8000-8001->8000-8001/tcp',
  ],
  ['none', [], ''],
];

describe('displayablePorts (formatter.DisplayablePorts)', () => {
  for (const [name, ports, expected] of cases) it(name, () => assert.equal(displayablePorts(ports), expected));
});
